//! A trait with an `async fn`, used as a trait object.
//!
//! A `dyn Store` must have one method signature for every implementation,
//! but each implementation's `async fn` returns a future type of its own, so
//! the trait is not dyn compatible. The fix: a method that returns a boxed
//! future, `Pin<Box<dyn Future<Output = u32> + Send + '_>>`, written by hand
//! or by `#[async_trait]` (see `basics/async_traits`).

trait Store {
    async fn get(&self) -> u32;
}

struct Memory;

impl Store for Memory {
    async fn get(&self) -> u32 {
        42
    }
}

#[tokio::main]
async fn main() {
    let store: Box<dyn Store> = Box::new(Memory);
    println!("{}", store.get().await);
}
