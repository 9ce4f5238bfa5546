//! `__anext__` as a plain `async fn next(&mut self)`: easy to write, but not
//! a `Stream` until it is adapted into one.
//!
//! `next` is written like `__anext__`, with `.await` inside, the shape of
//! Tokio's `recv` and `next_line`; but it is only a method, unknown to
//! generic code and the `StreamExt` combinators. `futures::stream::unfold`
//! turns the state and its step into a `Stream`.
//!
//! Translates:
//! - *Asynchronous Programming in Python*,
//!   "Async Iterators" (`AsyncIterator`, rows of
//!   `(row number, await coroutine())`)

use std::time::Duration;

use futures::StreamExt;
use futures::stream::{self, Stream};
use tokio::time::sleep;

/// Stands in for the guide's `coroutine()`, which it never defines: some I/O
/// per row.
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
