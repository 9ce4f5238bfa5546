//! `LocalSet` and `spawn_local`: tasks that share `Rc<RefCell<_>>` state
//! without a lock, because they all stay on one thread, as every task does on
//! asyncio's loop.
//!
//! Its asyncio counterpart is a habit: tasks made with `asyncio.create_task`
//! share plain objects (a dict, a list, a counter) with no lock, since they
//! all run on the loop's one thread and switch only at an `await`.
//!
//! Written in Rust, that habit is `Rc<RefCell<T>>`: `Rc` shares without
//! atomic counts, and `RefCell` hands out `&mut` after a check at run time
//! instead of a lock. It is the `Rc` that is not `Send`. A `RefCell<T>` is
//! `Send` when `T` is, but it is not `Sync`, and `Arc<T>` is `Send` only when
//! `T` is `Send` and `Sync`, so swapping in `Arc` is no way round it:
//! `Arc<RefCell<T>>` is not `Send` either. A future that holds an `Rc` across
//! an `.await` is not `Send`, and `tokio::spawn` refuses it ("future cannot
//! be sent between threads safely"; see the compile-fail case
//! `rc_across_await.rs` in `pitfalls`): on the multi-thread runtime a task
//! may move to another worker thread at any `.await`.
//!
//! A `LocalSet` is a set of tasks that run only on the thread that drives
//! it, and `spawn_local` adds a task to it without asking for `Send`. The
//! set's tasks run only while it is driven: inside `run_until(future)`, until
//! `future` is done (the rest wait for the next `run_until`, or for the set
//! itself to be awaited, which finishes when all its tasks have). Dropping
//! the set drops the tasks it still holds. `spawn_local` anywhere else
//! panics: "`spawn_local` called from outside of a `task::LocalSet` or
//! `runtime::LocalRuntime`". A `tokio::spawn` inside the set still goes to
//! the runtime, and must be `Send`. Since Tokio 1.51, `LocalRuntime`
//! (`Builder::new_current_thread().build_local(LocalOptions::default())`, or
//! `#[tokio::main(flavor = "local")]`) is a current-thread runtime on which
//! `spawn_local` works without a `LocalSet` (and which must not drive one).
//!
//! Only *spawning* needs `Send`. A `!Send` future can still be awaited, or
//! run with `join!` or `select!`: they poll it inside the task that awaits
//! them, which becomes `!Send` in turn, and that is fine for a task nobody
//! spawns (the one `block_on` runs, or one on a `LocalSet`).
//!
//! What `RefCell` does not forgive is a borrow held across an `.await`.
//! Another task may borrow the same cell while this one waits, and `RefCell`
//! panics ("RefCell already borrowed", or "already mutably borrowed") where a
//! lock would make it wait. Borrow, use, drop, then await: `record` below
//! ends its borrow before it returns. The compiler does not check this;
//! clippy's `await_holding_refcell_ref` lint, on by default, does.
//!
//! On the multi-thread runtime of plain `#[tokio::main]`, the set runs on the
//! thread that calls `block_on`, so this example prints the same there.

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
