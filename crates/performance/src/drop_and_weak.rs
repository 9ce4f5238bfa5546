//! Memory without a garbage collector: `Drop` runs as the last owner lets
//! go, a `Weak` keeps nothing alive, and a resource dropped unclosed says so.
//!
//! The guide's `weakref.WeakSet`, `gc.collect()` and `__del__` each have a
//! counterpart: `Weak<AsyncResource>` can be upgraded while the resource lives
//! and keeps nothing alive; `Drop` runs when the last `Arc` goes, as `__del__`
//! does at a zero reference count, with no collector to run. `close()` is
//! explicit, as `Drop` can't await (the book's page "Cleanup and resources").
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Memory Management"

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::time::sleep;

struct AsyncResource {
    name: String,
    data: Mutex<Vec<u8>>,
    closed: AtomicBool,
}

impl AsyncResource {
    fn new(name: String) -> Self {
        Self {
            name,
            data: Mutex::new(vec![0; 1024 * 1024]),
            closed: AtomicBool::new(false),
        }
    }

    async fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        println!("Closing resource {}", self.name);
        // Freed before the `.await`: `closed` is already set, so a close
        // cancelled there must leave nothing undone that it promises.
        *self.data.lock().unwrap_or_else(PoisonError::into_inner) = Vec::new();
        sleep(Duration::from_millis(10)).await;
    }
}

impl Drop for AsyncResource {
    fn drop(&mut self) {
        if !self.closed.load(Ordering::SeqCst) {
            println!("Resource {} was not properly closed!", self.name);
        }
    }
}

/// Knows every resource it created, without keeping any alive.
#[derive(Default)]
struct AsyncResourceManager {
    resources: Vec<Weak<AsyncResource>>,
}

impl AsyncResourceManager {
    fn create_resource(&mut self, name: String) -> Arc<AsyncResource> {
        let resource = Arc::new(AsyncResource::new(name));
        self.resources.push(Arc::downgrade(&resource));
        resource
    }

    /// Forgets the resources that have been dropped; counts the rest.
    fn active(&mut self) -> usize {
        self.resources.retain(|weak| weak.strong_count() > 0);
        self.resources.len()
    }

    async fn cleanup_resources(&mut self) {
        for resource in self.resources.iter().filter_map(Weak::upgrade) {
            resource.close().await;
        }
    }
}

pub async fn run() {
    let mut manager = AsyncResourceManager::default();
    let mut resources: Vec<Arc<AsyncResource>> = (0..5)
        .map(|i| manager.create_resource(format!("Resource-{i}")))
        .collect();
    println!("Created {} resources", resources.len());

    for resource in &resources[..3] {
        resource.close().await;
    }

    // `del resources[3:]`: the last owners go, so these drop here and now,
    // last first, as CPython releases them.
    resources.drain(3..).rev().for_each(drop);
    println!("Active after dropping two: {}", manager.active());

    // The remaining three are already closed; closing again does nothing.
    manager.cleanup_resources().await;
    drop(resources);
    println!("Active after dropping the rest: {}", manager.active());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_close_cancelled_halfway_still_frees_the_buffer() {
        let resource = AsyncResource::new("R".to_owned());
        let cut = tokio::time::timeout(Duration::from_millis(1), resource.close()).await;
        assert!(cut.is_err(), "the close ran to its end");
        assert!(resource.data.lock().unwrap().is_empty());
    }
}
