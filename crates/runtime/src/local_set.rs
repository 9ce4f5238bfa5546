//! `LocalSet` and `spawn_local`: tasks that share `Rc<RefCell<_>>` state
//! without a lock, because they all stay on one thread, as every task does on
//! asyncio's loop.
//!
//! asyncio tasks share plain objects with no lock; in Rust that is
//! `Rc<RefCell<T>>`, which is not `Send`, so `tokio::spawn` refuses it. A
//! `LocalSet` runs tasks on the thread that drives it, and `spawn_local` adds
//! one without asking for `Send`; its tasks run only inside `run_until` or
//! while the set is awaited. A `RefCell` borrow must not be held across an
//! `.await`: another task would find it borrowed, and panic (clippy warns).
//! `LocalRuntime`, stable since Tokio 1.51, needs no `LocalSet`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::thread::{self, ThreadId};
use std::time::Duration;

use tokio::task::{JoinError, LocalSet, spawn_local};
use tokio::time::sleep;

/// Page views, shared by every request handler on this thread.
#[derive(Default)]
struct Views {
    by_path: RefCell<BTreeMap<&'static str, u32>>,
}

impl Views {
    /// Counts one view and returns how many `path` has had. The `RefCell`
    /// borrow ends when this returns, before the caller's next `.await`.
    fn record(&self, path: &'static str) -> u32 {
        let mut by_path = self.by_path.borrow_mut();
        let count = by_path.entry(path).or_default();
        *count += 1;
        *count
    }
}

/// A request handler: waits for its I/O, then counts the view.
async fn handle(views: Rc<Views>, path: &'static str, io_time: Duration) -> ThreadId {
    sleep(io_time).await;
    let count = views.record(path);
    println!("GET {path}: view {count} of this page");
    thread::current().id()
}

pub async fn run() -> Result<(), JoinError> {
    // `run_until` drives the set's tasks while it awaits `serve`.
    LocalSet::new().run_until(serve()).await
}

async fn serve() -> Result<(), JoinError> {
    let views = Rc::new(Views::default());
    // Distinct I/O times give the requests a fixed order on any runtime.
    let requests = [
        ("/", 300),
        ("/about", 100),
        ("/", 200),
        ("/", 400),
        ("/about", 500),
    ];
    let handlers: Vec<_> = requests
        .into_iter()
        .map(|(path, millis)| {
            spawn_local(handle(
                Rc::clone(&views),
                path,
                Duration::from_millis(millis),
            ))
        })
        .collect();

    let here = thread::current().id();
    let mut on_this_thread = true;
    for handler in handlers {
        on_this_thread &= handler.await? == here;
    }
    println!("Every handler ran on the thread that drives the LocalSet: {on_this_thread}");
    println!("Views: {:?}", views.by_path.borrow());
    // The handlers are done, and their clones of the `Rc` went with them.
    println!(
        "Owners of the shared views now: {}",
        Rc::strong_count(&views)
    );
    Ok(())
}
