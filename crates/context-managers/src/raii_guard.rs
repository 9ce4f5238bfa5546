//! An RAII guard: acquire with `.await`, release in `Drop` on every way out.
//!
//! Rust has no `async with`; it has scopes. A value owning a resource is
//! dropped when its scope ends, however it ends (cancellation too), and its
//! `Drop` releases it, with no `.await`: the guides' awaited release is
//! immediate here. See the book's page "Cleanup and resources".
//!
//! Translates:
//! - *Python Async/Await*, "Basic Context Manager"
//! - *Python Async Programming: A Detailed Guide*,
//!   "Defining Async Context Managers"
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Basic Async Context Managers" (`AsyncResource`)

use std::ops::Deref;
use std::time::Duration;

use tokio::time::sleep;

/// `AsyncResource` from "Basic Context Manager" and "Defining Async Context
/// Managers", which is nothing but the guard. Its module keeps it apart from
/// the other guide's `AsyncResource`, below.
mod basic {
    use super::{Duration, sleep};

    pub struct AsyncResource;

    impl AsyncResource {
        /// `__aenter__`: setup may await, and hands back the guard.
        pub async fn acquire() -> AsyncResource {
            println!("Acquiring resource");
            sleep(Duration::from_secs(1)).await;
            AsyncResource
        }
    }

    impl Drop for AsyncResource {
        /// `__aexit__`, minus the `await`: runs whenever the guard goes away.
        fn drop(&mut self) {
            println!("Releasing resource");
        }
    }
}

/// `AsyncResource` from "Basic Async Context Managers", with a name and an
/// `is_open` flag.
struct AsyncResource {
    name: &'static str,
    is_open: bool,
}

/// While this value exists, the resource is open. It borrows its resource,
/// so `is_open` can be read after the block, as in the guide, and using the
/// guard after its scope does not compile.
struct OpenResource<'a> {
    resource: &'a mut AsyncResource,
}

impl AsyncResource {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            is_open: false,
        }
    }

    async fn open(&mut self) -> OpenResource<'_> {
        println!("Opening resource {}", self.name);
        sleep(Duration::from_millis(100)).await;
        // No `.await` from here to the guard: if this future is cancelled,
        // it is before the flag is set.
        self.is_open = true;
        OpenResource { resource: self }
    }
}

impl Deref for OpenResource<'_> {
    type Target = AsyncResource;

    fn deref(&self) -> &AsyncResource {
        self.resource
    }
}

impl Drop for OpenResource<'_> {
    fn drop(&mut self) {
        println!("Closing resource {}", self.resource.name);
        self.resource.is_open = false;
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the work on {0} failed")]
struct WorkFailed(&'static str);

async fn use_resource(resource: &mut AsyncResource, fail: bool) -> Result<(), WorkFailed> {
    let resource = resource.open().await;
    println!("Using resource: {}", resource.name);
    println!("Resource is open: {}", resource.is_open);
    sleep(Duration::from_secs(1)).await;
    if fail {
        // Leaving early, with `return` or `?`, drops the guard on the way out.
        return Err(WorkFailed(resource.name));
    }
    Ok(())
}

pub async fn run() {
    {
        let _resource = basic::AsyncResource::acquire().await;
        println!("Using resource");
        sleep(Duration::from_secs(1)).await;
    }

    println!();
    let mut database = AsyncResource::new("Database");
    if let Err(error) = use_resource(&mut database, false).await {
        println!("Error: {error}");
    }
    println!("Resource is open after context: {}", database.is_open);

    println!();
    let mut network = AsyncResource::new("Network");
    if let Err(error) = use_resource(&mut network, true).await {
        println!("Error: {error}");
    }
    println!("Resource is open after context: {}", network.is_open);

    println!();
    let mut cache = AsyncResource::new("Cache");
    {
        let _database = database.open().await;
        let _cache = cache.open().await;
        println!("Using both");
    } // `_cache` is closed first, then `_database`.
    println!("Both closed");

    println!();
    let mut lock = AsyncResource::new("Lock");
    // `_` is a pattern, not a variable: nothing holds the guard, so it is
    // dropped on this very line. Name it (`_lock`) to keep it.
    let _ = lock.open().await;
    println!("After `let _ = ...`: the lock is already closed");

    println!();
    let mut file = AsyncResource::new("File");
    let open_file = file.open().await;
    // `drop` ends a guard's life before its scope does.
    drop(open_file);
    println!("File closed early, before the end of the scope");
}
