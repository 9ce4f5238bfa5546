//! An event emitter whose callbacks are async: each one is stored as a
//! boxed closure that returns a boxed future.
//!
//! Every async closure returns a future of its own type, so callbacks can
//! share a `Vec` only boxed twice: `Box<dyn Fn(T) -> BoxFuture<..>>`; `on`
//! does the boxing. `emit` awaits them in turn, as the guide does;
//! `emit_concurrently` joins them, so a one-second and a half-second handler
//! take one second. For subscribers in other tasks, use `broadcast`.
//!
//! Translates:
//! - *Python Async/Await*, "Event-Based Programming"

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use futures::future::{BoxFuture, join_all};
use tokio::time::{Instant, sleep};

type Callback<T> = Box<dyn Fn(T) -> BoxFuture<'static, ()> + Send + Sync>;

struct AsyncEventEmitter<T> {
    events: HashMap<String, Vec<Callback<T>>>,
}

impl<T: Clone + Send + 'static> AsyncEventEmitter<T> {
    fn new() -> Self {
        Self {
            events: HashMap::new(),
        }
    }

    fn on<F, Fut>(&mut self, event: &str, callback: F)
    where
        F: Fn(T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.events
            .entry(event.to_owned())
            .or_default()
            .push(Box::new(move |args| Box::pin(callback(args))));
    }

    /// Awaits each callback in the order they were registered.
    async fn emit(&self, event: &str, args: T) {
        for callback in self.events.get(event).into_iter().flatten() {
            callback(args.clone()).await;
        }
    }

    /// Starts every callback at once and waits for all of them.
    async fn emit_concurrently(&self, event: &str, args: T) {
        let callbacks = self.events.get(event).into_iter().flatten();
        join_all(callbacks.map(|callback| callback(args.clone()))).await;
    }
}

async fn handle_event(data: String) {
    println!("Received: {data}");
}

pub async fn run() {
    let mut emitter = AsyncEventEmitter::new();
    emitter.on("data", handle_event);
    emitter.emit("data", "Hello World".to_owned()).await;

    println!();
    emitter.on("data", async |data: String| {
        sleep(Duration::from_secs(1)).await;
        println!("Saved {} bytes", data.len());
    });
    emitter.on("data", async |data: String| {
        sleep(Duration::from_millis(500)).await;
        println!("Indexed {} words", data.split_whitespace().count());
    });
    emitter.emit("nobody-listens", "ignored".to_owned()).await;

    let start = Instant::now();
    emitter.emit("data", "Hello async Rust".to_owned()).await;
    println!("emit: {:.1}s", start.elapsed().as_secs_f64());

    let start = Instant::now();
    emitter
        .emit_concurrently("data", "Hello async Rust".to_owned())
        .await;
    println!("emit_concurrently: {:.1}s", start.elapsed().as_secs_f64());
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use futures::poll;
    use tokio::time::timeout;

    use super::*;

    /// An `emit` polled once and then neither polled nor dropped (a branch
    /// of a `select!` that stopped polling it) holds nothing the next `emit`
    /// needs: the callbacks share no lock, and each call makes its own
    /// futures.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_other_emit() {
        let mut emitter = AsyncEventEmitter::new();
        emitter.on("data", async |_: u32| sleep(Duration::from_secs(1)).await);
        let mut held = pin!(emitter.emit("data", 1));
        assert!(poll!(held.as_mut()).is_pending());
        timeout(Duration::from_secs(2), emitter.emit_concurrently("data", 2))
            .await
            .expect("the second emit finished");
    }
}
