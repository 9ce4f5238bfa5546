//! Async comprehensions as `StreamExt` combinators: `then` for `await`,
//! `filter` for `if`, `collect` for the brackets.
//!
//! `[await f(x) for x in items]` is `stream::iter(items).then(f).collect()`;
//! `if cond(x)` is `.filter(|x| ready(cond(x)))`, as `futures`' `filter` takes
//! a future. `then` awaits each item before the next, as the comprehension
//! does: for concurrency, join the futures (shown last) or use `buffered`.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Async Comprehensions"
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Comprehensions"

use std::future::ready;
use std::time::Duration;

use async_stream::stream;
use futures::future::join_all;
use futures::stream::{self, Stream, StreamExt};
use tokio::time::{Instant, sleep};

/// `square_async` of *Complete Guide to Async IO and Asynchronous
/// Programming in Python*; *Python Async Programming: A Detailed Guide*
/// calls the same function `async_square`.
async fn square_async(x: u64) -> u64 {
    sleep(Duration::from_millis(100)).await;
    x.pow(2)
}

fn async_range(n: u64) -> impl Stream<Item = u64> {
    stream! {
        for i in 0..n {
            sleep(Duration::from_millis(100)).await;
            yield i;
        }
    }
}

fn async_gen() -> impl Stream<Item = u64> {
    async_range(5).map(|i| i * 2)
}

fn seconds(start: Instant) -> String {
    format!("{:.1}s", start.elapsed().as_secs_f64())
}

pub async fn run() {
    // *A Detailed Guide*'s comprehensions, with its `async_square`:
    // [await async_square(x) async for x in async_range(5)]
    let squares: Vec<u64> = async_range(5).then(square_async).collect().await;
    println!("{squares:?}");

    // (await async_square(x) async for x in async_range(5)), consumed lazily
    let mut values = std::pin::pin!(async_range(5).then(square_async));
    while let Some(value) = values.next().await {
        println!("{value}");
    }

    // *Complete Guide to Async IO*'s.
    println!();
    let numbers = [1, 2, 3, 4, 5];

    let start = Instant::now();
    let squared: Vec<u64> = stream::iter(numbers).then(square_async).collect().await;
    println!("Squared (sequential): {squared:?} in {}", seconds(start));

    let doubled: Vec<u64> = async_gen().collect().await;
    println!("Doubled: {doubled:?}");

    let filtered: Vec<u64> = stream::iter(numbers)
        .filter(|x| ready(x % 2 == 0))
        .then(square_async)
        .collect()
        .await;
    println!("Even squared: {filtered:?}");

    let start = Instant::now();
    let squared = join_all(numbers.map(square_async)).await;
    println!("Squared (concurrent): {squared:?} in {}", seconds(start));
}
