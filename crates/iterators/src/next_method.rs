//! `__anext__` as a plain `async fn next(&mut self)`: easy to write, but not
//! a `Stream` until it is adapted into one.
//!
//! Rust has two shapes for "an iterator whose next item must be awaited",
//! and both are common:
//!
//! - A struct with `async fn next(&mut self) -> Option<T>`. It is written
//!   like `__anext__`, with `.await` inside, and the compiler builds the
//!   state machine. Tokio's own APIs are shaped this way:
//!   `mpsc::Receiver::recv`, `fs::ReadDir::next_entry`, `Lines::next_line`.
//!   But it is only a method: generic code, `select!` over streams and the
//!   `StreamExt` combinators know nothing about it.
//! - The `Stream` trait (`async_counter`), a poll-based trait that every
//!   combinator and stream utility accepts. Implementing `poll_next` by hand
//!   is harder, which is why the first shape exists at all.
//!
//! `futures::stream::unfold` bridges them: it turns "state plus an async step
//! function" into a `Stream` (`tokio-stream`'s wrappers, such as
//! `ReceiverStream`, do the same for Tokio's types). And `async_generator`
//! shows the third way, which writes a `Stream` directly as a generator.
//!
//! Translates:
//! - *Asynchronous Programming in Python*,
//!   "Async Iterators" (`AsyncIterator`, rows of
//!   `(row number, await coroutine())`)

use std::time::Duration;

use futures::StreamExt;
use futures::stream::{self, Stream};
use tokio::time::sleep;

/// Stands in for the guide's `coroutine()`: some I/O per row.
async fn fetch_row_data(row: u32) -> String {
    sleep(Duration::from_millis(100)).await;
    format!("data-{row}")
}

/// The guide's `AsyncIterator(max_rows)`.
struct RowReader {
    current_row: u32,
    max_rows: u32,
}

impl RowReader {
    fn new(max_rows: u32) -> Self {
        Self {
            current_row: 0,
            max_rows,
        }
    }

    /// `__anext__`: `None` where Python raises `StopAsyncIteration`.
    async fn next(&mut self) -> Option<(u32, String)> {
        if self.current_row >= self.max_rows {
            return None;
        }
        let row = (self.current_row, fetch_row_data(self.current_row).await);
        self.current_row += 1;
        Some(row)
    }

    /// Adapts the reader into a `Stream`: `unfold` owns the reader between
    /// items and calls `next` for each one.
    fn into_stream(self) -> impl Stream<Item = (u32, String)> {
        stream::unfold(self, async |mut reader| {
            let row = reader.next().await?;
            Some((row, reader))
        })
    }
}

pub async fn run() {
    let mut reader = RowReader::new(3);
    while let Some(row) = reader.next().await {
        println!("{row:?}");
    }

    // As a `Stream`, the reader gains the combinators.
    let even_rows: Vec<String> = RowReader::new(6)
        .into_stream()
        .filter(|(number, _)| std::future::ready(number % 2 == 0))
        .map(|(_, data)| data)
        .collect()
        .await;
    println!("Even rows via a Stream: {even_rows:?}");
}
