//! A hand-written leaf future, completed from another thread: the
//! counterpart of `loop.create_future()` and `set_result`, and what every
//! `.await` chain ends in.
//!
//! Every chain that waits ends in a leaf whose `poll` has its value or stores
//! the `Waker` and returns `Pending`; waking it is asyncio's done-callback.
//! A leaf keeps the waker of the latest poll, sets the value before it wakes,
//! and never returns `Pending` without a waker stored. `Completer` is `Send`,
//! so `set_result` is safe from any thread (in asyncio that takes
//! `call_soon_threadsafe`), takes `self`, so it can't be called twice, and a
//! completer dropped unset fails the future. In real code, use
//! `tokio::sync::oneshot`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

/// The completer was dropped without a result.
#[derive(Debug, thiserror::Error)]
#[error("the completer was dropped without setting a result")]
pub struct Abandoned;

enum State<T> {
    /// Not done yet; the waker of the last poll, if there was one.
    Waiting(Option<Waker>),
    Done(T),
    Abandoned,
    /// The future has returned its output.
    Taken,
}

type Shared<T> = Arc<Mutex<State<T>>>;

fn lock<T>(shared: &Shared<T>) -> MutexGuard<'_, State<T>> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The awaiting half, what `loop.create_future()` returns.
pub struct Completion<T> {
    shared: Shared<T>,
}

/// The completing half, for any thread: `fut.set_result` made thread-safe.
pub struct Completer<T> {
    shared: Shared<T>,
}

/// A new pending future and the handle that completes it.
pub fn completion<T>() -> (Completer<T>, Completion<T>) {
    let shared = Arc::new(Mutex::new(State::Waiting(None)));
    let completer = Completer {
        shared: Arc::clone(&shared),
    };
    (completer, Completion { shared })
}

impl<T> Future for Completion<T> {
    type Output = Result<T, Abandoned>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = lock(&self.shared);
        match std::mem::replace(&mut *state, State::Taken) {
            State::Waiting(stored) => {
                let waker = match stored {
                    Some(waker) if waker.will_wake(cx.waker()) => waker,
                    _ => cx.waker().clone(),
                };
                *state = State::Waiting(Some(waker));
                Poll::Pending
            }
            State::Done(value) => Poll::Ready(Ok(value)),
            State::Abandoned => Poll::Ready(Err(Abandoned)),
            State::Taken => panic!("`Completion` polled after it completed"),
        }
    }
}

impl<T> Completer<T> {
    /// `fut.set_result(value)`: completes the future and wakes its task.
    pub fn set_result(self, value: T) {
        self.finish(State::Done(value));
    }

    fn finish(&self, outcome: State<T>) {
        let waker = {
            let mut state = lock(&self.shared);
            match &mut *state {
                State::Waiting(waker) => {
                    let waker = waker.take();
                    *state = outcome;
                    waker
                }
                // Already finished: `set_result` consumed this completer,
                // and its drop comes here second.
                _ => None,
            }
        };
        // The lock is released: the woken task can take the value at once.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        self.finish(State::Abandoned);
    }
}

// The demonstration.

/// A callback API, as a C library or a GUI toolkit offers one: the work
/// happens on the library's thread, which calls `on_done` there. On a
/// failure it drops `on_done` uncalled, as callback APIs often do.
fn double_in_background(input: u64, on_done: impl FnOnce(u64) + Send + 'static) {
    std::thread::spawn(move || {
        if let Some(doubled) = input.checked_mul(2) {
            on_done(doubled);
        }
    });
}

/// The callback API as an async fn: the callback completes the future, and
/// a callback dropped uncalled completes it with `Abandoned`.
async fn double(input: u64) -> Result<u64, Abandoned> {
    let (completer, completion) = completion();
    double_in_background(input, move |doubled| completer.set_result(doubled));
    completion.await
}

/// A waker that only remembers it was called, to watch by hand what the
/// runtime does.
#[derive(Default)]
struct WakeFlag(AtomicBool);

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl WakeFlag {
    fn woken(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub async fn run() -> anyhow::Result<()> {
    // By hand, what the runtime does: poll, store the waker, wait, poll again.
    let (completer, mut completion) = completion::<u64>();
    let (first, second) = (Arc::new(WakeFlag::default()), Arc::new(WakeFlag::default()));
    let first_waker = Waker::from(Arc::clone(&first));
    let second_waker = Waker::from(Arc::clone(&second));
    let poll = Pin::new(&mut completion).poll(&mut Context::from_waker(&first_waker));
    println!("Polled by task A: {poll:?}");
    let poll = Pin::new(&mut completion).poll(&mut Context::from_waker(&second_waker));
    println!("Moved to task B and polled again: {poll:?}");

    tokio::task::spawn_blocking(move || completer.set_result(42)).await?;
    println!("set_result(42) on a blocking thread");
    println!(
        "Task A woken: {}, task B woken: {}",
        first.woken(),
        second.woken()
    );
    let poll = Pin::new(&mut completion).poll(&mut Context::from_waker(&second_waker));
    println!("Task B polls again: {poll:?}");

    // And as code would use it: `.await`, and the runtime does the rest.
    println!();
    println!("double(21) = {}", double(21).await?);
    match double(u64::MAX).await {
        Ok(value) => println!("double(u64::MAX) = {value} (unexpected)"),
        Err(error) => println!("double(u64::MAX): {error}"),
    }
    Ok(())
}
