//! A generator that can fail: `async_stream::try_stream!` yields
//! `Result`s, and `?` inside it ends the stream with the error.
//!
//! An exception in a Python async generator comes out of the consumer's
//! `async for` and ends the generator. Here the items are `Result`s: in
//! `try_stream!`, `?` yields the `Err` as the last item, and the consumer's
//! `TryStreamExt::try_next` lets `?` propagate it from its loop.
//!
//! Translates:
//! - *Asynchronous Programming in Python*,
//!   "Async Generators" (`record_streamer`,
//!   whose `await coroutine()` can raise)

use std::pin::pin;
use std::time::Duration;

use async_stream::try_stream;
use futures::{Stream, StreamExt, TryStreamExt};
use tokio::time::sleep;

#[derive(Debug, thiserror::Error)]
#[error("row {0} is corrupt")]
struct CorruptRow(u32);

/// The guide's `coroutine()`, failing on the corrupt row, if there is one.
async fn fetch_row_data(row: u32, corrupt_row: Option<u32>) -> Result<String, CorruptRow> {
    sleep(Duration::from_millis(100)).await;
    if corrupt_row == Some(row) {
        return Err(CorruptRow(row));
    }
    Ok(format!("data-{row}"))
}

fn record_streamer(
    max_rows: u32,
    corrupt_row: Option<u32>,
) -> impl Stream<Item = Result<(u32, String), CorruptRow>> {
    try_stream! {
        for current_row in 0..max_rows {
            let data = fetch_row_data(current_row, corrupt_row).await?;
            yield (current_row, data);
        }
    }
}

/// `async for row in record_streamer(...)` with the exception left to
/// propagate: `?` on each item.
async fn print_rows(max_rows: u32, corrupt_row: Option<u32>) -> Result<u32, CorruptRow> {
    let mut rows = pin!(record_streamer(max_rows, corrupt_row));
    let mut count = 0;
    while let Some(row) = rows.try_next().await? {
        println!("{row:?}");
        count += 1;
    }
    Ok(count)
}

pub async fn run() {
    match print_rows(3, None).await {
        Ok(count) => println!("Read {count} rows"),
        Err(error) => println!("Error: {error}"),
    }

    println!();
    match print_rows(6, Some(2)).await {
        Ok(count) => println!("Read {count} rows"),
        Err(error) => println!("Error: {error}"),
    }

    println!();
    // Every item, errors included: the stream stops after its first `Err`.
    let items: Vec<_> = record_streamer(6, Some(2)).collect().await;
    println!("All items: {items:?}");

    let all_or_nothing: Result<Vec<_>, _> = record_streamer(6, Some(2)).try_collect().await;
    println!("try_collect: {all_or_nothing:?}");
}
