//! A stream made by async code, not pinned, polled through `next()`.
//!
//! `StreamExt::next` borrows the stream with `&mut self` and needs it to be
//! `Unpin`; a stream of async blocks is not, and neither is a chain of
//! adapters over one. The fix: `let mut alerts = pin!(...)` before the loop.

use futures::stream::{self, Stream};
fn sensor() -> impl Stream<Item = i32> {
    stream::unfold(18, |degrees| async move { Some((degrees, degrees + 1)) })
}

#[tokio::main]
async fn main() {
    use tokio_stream::StreamExt; // its `filter` takes a plain `bool` closure

    let mut alerts = sensor().filter(|&degrees| degrees > 20).take(3);
    while let Some(alert) = alerts.next().await {
        println!("{alert} degrees");
    }
}
