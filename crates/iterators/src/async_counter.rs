//! `__aiter__`/`__anext__` as a hand-written `Stream`: `poll_next` with a
//! pinned `Sleep` inside.
//!
//! `poll_next` is the low-level form of `__anext__`: polled again and again,
//! it answers `Pending` ("I will be woken") or `Ready(Some(item))`, and
//! `Ready(None)` is `StopAsyncIteration`. The wait between items is a `Sleep`
//! kept in the struct, boxed once (`Pin<Box<Sleep>>`) because it must not move
//! once polled, and made at the first poll, so `new` works outside a runtime.
//! `poll_next` runs again on every wake-up of the task that polls it, not
//! once per item, so the `waiting` flag keeps the deadline the first poll set
//! instead of restarting it (without it, no item would ever come). See the
//! book's page "Streams and async iteration".
//!
//! Translates:
//! - *Python Async/Await*, "Basic Iterator" (`AsyncCounter(3)`)
//! - *Python Async Programming: A Detailed Guide*,
//!   "Async Iterators" (`AsyncCounter(1, 5)`)
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Iterators" (`AsyncRange`)

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio::time::{Instant, Sleep, sleep};

/// The numbers `start..stop`, each after a delay: the guides' `AsyncCounter`
/// and `AsyncRange`.
struct AsyncRange {
    next: u32,
    stop: u32,
    delay: Duration,
    /// Made at the first poll, then refilled in place for every item.
    timer: Option<Pin<Box<Sleep>>>,
    /// Whether `timer` is counting down for the item being asked for.
    waiting: bool,
}

impl AsyncRange {
    fn new(start: u32, stop: u32, delay: Duration) -> Self {
        Self {
            next: start,
            stop,
            delay,
            timer: None,
            waiting: false,
        }
    }
}

impl Stream for AsyncRange {
    type Item = u32;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        // `AsyncRange` is `Unpin`, so the pin gives plain `&mut` access.
        let this = &mut *self;
        if this.next >= this.stop {
            return Poll::Ready(None);
        }
        // The item's delay starts at its first poll: in a new box at the
        // very first, then in the same box. A fresh `sleep` rather than
        // `reset(Instant::now() + delay)`: that sum panics on a delay too
        // long to add to the clock, and `sleep` takes any `Duration`.
        let timer = match &mut this.timer {
            Some(timer) if this.waiting => timer,
            Some(timer) => {
                timer.set(sleep(this.delay));
                timer
            }
            None => this.timer.insert(Box::pin(sleep(this.delay))),
        };
        this.waiting = true;
        // Pending until the deadline; polling `timer` also registers `cx`'s
        // waker, which is what gets `poll_next` called again.
        ready!(timer.as_mut().poll(cx));
        this.waiting = false;
        let current = this.next;
        this.next += 1;
        Poll::Ready(Some(current))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.stop.saturating_sub(self.next) as usize;
        (left, Some(left))
    }
}

pub async fn run() {
    println!("AsyncCounter(3):");
    let mut counter = AsyncRange::new(1, 4, Duration::from_millis(100));
    while let Some(i) = counter.next().await {
        println!("{i}");
    }

    println!();
    println!("AsyncCounter(1, 5):");
    let start = Instant::now();
    let mut counter = AsyncRange::new(1, 5, Duration::from_millis(500));
    while let Some(num) = counter.next().await {
        println!("{num}");
    }
    println!(
        "4 numbers 0.5s apart: {:.1}s",
        start.elapsed().as_secs_f64()
    );

    println!();
    println!("Using async iterator:");
    let mut numbers = AsyncRange::new(1, 5, Duration::from_millis(100));
    while let Some(num) = numbers.next().await {
        println!("Number: {num}");
    }

    // Being a `Stream` is what buys the combinators.
    let squares: Vec<u32> = AsyncRange::new(1, 5, Duration::from_millis(100))
        .map(|n| n * n)
        .collect()
        .await;
    println!("Squares via StreamExt::map: {squares:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `new` makes no timer (`sleep` panics outside a runtime).
    #[test]
    fn a_range_is_made_outside_a_runtime() {
        let range = AsyncRange::new(0, 3, Duration::from_millis(100));
        assert!(range.timer.is_none());
    }

    /// The timer is boxed at the first poll, then refilled in place. Seen
    /// by its address, so a box freed before the next is made could come
    /// back at the same one and pass.
    #[tokio::test(start_paused = true)]
    async fn one_box_serves_every_item() {
        let mut counter = AsyncRange::new(0, 3, Duration::from_millis(100));
        let mut boxes = Vec::new();
        while counter.next().await.is_some() {
            let timer = counter.timer.as_deref().expect("a timer once an item came");
            boxes.push(std::ptr::from_ref::<Sleep>(timer));
        }
        let first = boxes[0];
        for (item, address) in boxes.iter().enumerate() {
            assert_eq!(*address, first, "item {item}'s timer was boxed again");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_delay_of_any_length_waits_without_panicking() {
        let mut counter = AsyncRange::new(0, 1, Duration::MAX);
        let first = tokio::time::timeout(Duration::from_secs(3600), counter.next()).await;
        assert!(first.is_err(), "an item came before its delay");
    }

    /// `poll_next` runs on every wake-up of the task that polls it, here on
    /// every turn of a `select!` loop that a 30 ms tick also wakes, and each
    /// item still comes one delay after the one before.
    #[tokio::test(start_paused = true)]
    async fn each_item_keeps_the_deadline_its_first_poll_set() {
        let start = Instant::now();
        let mut counter = AsyncRange::new(0, 2, Duration::from_millis(100));
        let mut ticks = tokio::time::interval(Duration::from_millis(30));
        let mut arrivals = Vec::new();
        let polled = tokio::time::timeout(Duration::from_secs(1), async {
            while arrivals.len() < 2 {
                tokio::select! {
                    biased;
                    Some(n) = counter.next() => arrivals.push((n, start.elapsed())),
                    _ = ticks.tick() => {}
                }
            }
        })
        .await;
        assert!(polled.is_ok(), "the items never came: {arrivals:?}");
        let ms = Duration::from_millis;
        assert_eq!(arrivals, [(0, ms(100)), (1, ms(200))]);
    }
}
