//! Async generators as `async_stream::stream!`: `.await` and `yield` in a loop.
//!
//! Stable Rust has no `async def ... yield` yet; the `async-stream` crate,
//! from the Tokio project, builds the `Stream` from a loop with `.await` and
//! `yield`. The body is lazy, as a generator's is, so "Fetching" and "Data
//! from" alternate. The stream must be pinned (`pin!`) before `.next()`.
//!
//! Translates:
//! - *Python Async/Await*, "Async Generator" (`async_range(3)`)
//! - *Python Async Programming: A Detailed Guide*,
//!   "Async Generators" (`async_range(1, 5)`)
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Generators" (random numbers, and `fetch_data_generator`)
//! - *Asynchronous Programming in Python*,
//!   "Async Generators" (`record_streamer`)

use std::pin::pin;
use std::time::Duration;

use async_stream::stream;
use futures::{Stream, StreamExt};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::time::sleep;

const SEED: u64 = 42;

fn async_range(start: u32, stop: u32, delay: Duration) -> impl Stream<Item = u32> {
    stream! {
        for i in start..stop {
            sleep(delay).await;
            yield i;
        }
    }
}

/// Yields `count` random numbers from 1 to 100, from a seeded generator.
fn async_number_generator(count: usize, seed: u64) -> impl Stream<Item = u32> {
    stream! {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..count {
            sleep(Duration::from_millis(100)).await;
            yield rng.random_range(1..=100);
        }
    }
}

/// Borrows `urls`: the stream can't outlive the slice, which the `'a`
/// in the return type says.
fn fetch_data_generator<'a>(urls: &'a [&'a str]) -> impl Stream<Item = String> + 'a {
    stream! {
        for url in urls {
            println!("Fetching {url}");
            sleep(Duration::from_millis(500)).await;
            yield format!("Data from {url}");
        }
    }
}

async fn fetch_row_data(row: u32) -> String {
    sleep(Duration::from_millis(100)).await;
    format!("data-{row}")
}

/// `record_streamer(max_rows)`: the generator form of `next_method`'s reader.
fn record_streamer(max_rows: u32) -> impl Stream<Item = (u32, String)> {
    stream! {
        for current_row in 0..max_rows {
            yield (current_row, fetch_row_data(current_row).await);
        }
    }
}

pub async fn run() {
    let mut numbers = pin!(async_range(0, 3, Duration::from_millis(100)));
    while let Some(i) = numbers.next().await {
        println!("{i}");
    }

    println!();
    let mut numbers = pin!(async_range(1, 5, Duration::from_millis(500)));
    while let Some(num) = numbers.next().await {
        println!("{num}");
    }

    println!();
    println!("Async number generator:");
    let mut numbers = pin!(async_number_generator(5, SEED));
    while let Some(num) = numbers.next().await {
        println!("Generated: {num}");
    }

    println!();
    println!("Async data fetcher:");
    let urls = ["api1.com", "api2.com", "api3.com"];
    let mut pages = pin!(fetch_data_generator(&urls));
    while let Some(data) = pages.next().await {
        println!("{data}");
    }

    println!();
    println!("Record streamer:");
    let mut records = pin!(record_streamer(3));
    while let Some(record) = records.next().await {
        println!("{record:?}");
    }
}
