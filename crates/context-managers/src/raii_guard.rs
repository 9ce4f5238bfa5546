//! An RAII guard: acquire with `.await`, release in `Drop`, on every way out
//! of the scope.
//!
//! Translates:
//! - *Python Async/Await*, "Basic Context Manager"
//! - *Python Async Programming: A Detailed Guide*,
//!   "Defining Async Context Managers"
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Basic Async Context Managers" (`AsyncResource`)
//!
//! `async with` calls `__aenter__`, runs the body, and calls `__aexit__`
//! however the body ends. Rust has no `async with`; it has scopes. A value
//! that owns a resource is dropped when its scope ends, on a normal exit, on
//! an early `return`, on `?`, and while a panic unwinds, and its `Drop` impl
//! runs then. Acquiring can be `async` (an ordinary `async fn` that returns
//! the guard); releasing cannot, because `Drop::drop` is a plain `fn`.
//!
//! That is why this idiom fits when the release is synchronous: unlocking,
//! returning a permit, closing a file descriptor, updating a counter. Tokio's
//! `MutexGuard`, `OwnedSemaphorePermit` and `tempfile::TempDir` all work this
//! way. The guides' `__aexit__` awaits a one-second sleep; a `Drop` can't, so
//! here the release is immediate. When the release really has to await (flush
//! a buffer, send a goodbye), see `explicit_close` and `scoped_helper`.
//!
//! Two more differences. Python's `resource` variable outlives the block, so
//! the guide can ask `resource.is_open` afterwards and get `False`; in Rust
//! the guard is gone, and using it after the scope does not compile. And
//! several guards in one scope are dropped in reverse order of creation, the
//! way nested `async with` blocks (or an `AsyncExitStack`) unwind.

use std::time::Duration;

use tokio::time::sleep;

/// While this value exists, the resource is held.
struct Resource {
    name: String,
}

impl Resource {
    /// `__aenter__`: setup may await, and hands back the guard.
    async fn acquire(name: &str) -> Resource {
        println!("Acquiring resource {name}");
        sleep(Duration::from_millis(100)).await;
        Resource {
            name: name.to_owned(),
        }
    }
}

impl Drop for Resource {
    /// `__aexit__`, minus the `await`: runs whenever the guard goes away.
    fn drop(&mut self) {
        println!("Releasing resource {}", self.name);
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the work on {0} failed")]
struct WorkFailed(String);

async fn use_resource(name: &str, fail: bool) -> Result<(), WorkFailed> {
    let resource = Resource::acquire(name).await;
    println!("Using resource {}", resource.name);
    sleep(Duration::from_secs(1)).await;
    if fail {
        // Leaving early, with `return` or `?`, drops `resource` on the way out.
        return Err(WorkFailed(resource.name.clone()));
    }
    println!("Finished with {}", resource.name);
    Ok(())
}

pub async fn run() {
    if let Err(error) = use_resource("Database", false).await {
        println!("Error: {error}");
    }

    println!();
    if let Err(error) = use_resource("Network", true).await {
        println!("Error: {error}");
    }

    println!();
    {
        let _database = Resource::acquire("Database").await;
        let _cache = Resource::acquire("Cache").await;
        println!("Using both");
    } // `_cache` is released first, then `_database`.
    println!("Both released");

    println!();
    // `_` is a pattern, not a variable: nothing holds the guard, so it is
    // dropped on this very line. Name it (`_lock`) to keep it.
    let _ = Resource::acquire("Lock").await;
    println!("After `let _ = ...`: the lock is already released");

    println!();
    let file = Resource::acquire("File").await;
    // `drop` ends a guard's life before its scope does.
    drop(file);
    println!("File released early, before the end of the scope");
}
