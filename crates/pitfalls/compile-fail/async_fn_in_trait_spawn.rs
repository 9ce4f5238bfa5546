//! A call to an `async fn` of a trait, spawned from code generic over the
//! trait.
//!
//! Each implementation's `async fn` returns its own future type, and generic
//! code cannot see whether that type is `Send`, so `tokio::spawn` refuses
//! it, even though the one implementation here is `Send`. The caller cannot
//! add the bound on stable Rust. The fix is in the trait: declare the method
//! as `fn get(&self) -> impl Future<Output = u32> + Send`, and implementations
//! still write `async fn` (see `basics/async_traits`).

use std::sync::Arc;

trait Store {
    async fn get(&self) -> u32;
}

struct Memory;

impl Store for Memory {
    async fn get(&self) -> u32 {
        42
    }
}

fn spawn_get<S: Store + Send + Sync + 'static>(store: Arc<S>) {
    tokio::spawn(async move { store.get().await });
}

#[tokio::main]
async fn main() {
    spawn_get(Arc::new(Memory));
}
