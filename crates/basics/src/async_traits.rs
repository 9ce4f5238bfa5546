//! `async fn` in a trait: generic code calls it like any method, spawning it
//! needs a `Send` bound that the trait must promise, and a trait object needs
//! a boxed future.
//!
//! The asyncio counterpart is a `typing.Protocol` of `async def` methods, which
//! Python checks only when a call fails; a Rust trait is checked when the
//! program compiles. Each implementation returns a future of its own unnamed
//! type, and two limits follow: generic code can't ask that future for the
//! `Send` that `tokio::spawn` needs, so the trait promises it (`Store::get`);
//! and `Box<dyn Store>` does not compile, so `DynStore` returns a boxed future
//! (`BoxFuture`). The crates `trait_variant` and `async-trait` write either
//! form for you.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::task::JoinHandle;
use tokio::time::sleep;

/// Where settings come from. `get` promises a `Send` future, so calls can be
/// spawned even by code generic over the store.
pub trait Store {
    fn get(&self, key: &str) -> impl Future<Output = Option<String>> + Send;
}

pub struct MemoryStore(HashMap<String, String>);

impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
}

/// A store across the network, with its latency.
pub struct RemoteStore {
    latency: Duration,
}

impl Store for RemoteStore {
    async fn get(&self, key: &str) -> Option<String> {
        sleep(self.latency).await;
        (key == "name").then(|| "Ferris, from far away".to_owned())
    }
}

/// Generic code: compiled once per store type, calls dispatched statically.
/// `?Sized` lets it take a trait object as well.
async fn greet<S: Store + ?Sized>(store: &S) -> String {
    match store.get("name").await {
        Some(name) => format!("Hello, {name}"),
        None => "Hello, stranger".to_owned(),
    }
}

/// Spawned and generic: this compiles because `Store::get` promises `Send`.
fn spawn_greet<S>(store: Arc<S>) -> JoinHandle<String>
where
    S: Store + Send + Sync + 'static,
{
    tokio::spawn(async move { greet(&*store).await })
}

/// The dyn-compatible twin of `Store`: one return type for every store.
pub trait DynStore: Send + Sync {
    fn get_boxed<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<String>>;
}

impl<S: Store + Send + Sync> DynStore for S {
    fn get_boxed<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<String>> {
        self.get(key).boxed()
    }
}

/// A trait object is a `Store` too, so `greet` takes one.
impl Store for dyn DynStore {
    async fn get(&self, key: &str) -> Option<String> {
        self.get_boxed(key).await
    }
}

/// The store named in the configuration, known only at run time.
fn open(kind: &str) -> anyhow::Result<Box<dyn DynStore>> {
    Ok(match kind {
        "memory" => Box::new(memory()),
        "remote" => Box::new(RemoteStore {
            latency: Duration::from_millis(100),
        }),
        other => bail!("unknown store {other:?}"),
    })
}

pub async fn run() -> anyhow::Result<()> {
    println!("Generic, MemoryStore: {}", greet(&memory()).await);
    let remote = RemoteStore {
        latency: Duration::from_millis(100),
    };
    println!("Generic, RemoteStore: {}", greet(&remote).await);

    let spawned = spawn_greet(Arc::new(memory()))
        .await
        .context("the spawned greeting panicked")?;
    println!("Spawned, generic over the store: {spawned}");

    for kind in ["memory", "remote"] {
        let store = open(kind)?;
        println!("Box<dyn DynStore> ({kind}): {}", greet(&*store).await);
    }
    match open("cloud") {
        Ok(_) => println!("A store called \"cloud\" opened (unexpected)"),
        Err(error) => println!("open(\"cloud\"): {error}"),
    }
    Ok(())
}

// Sample data: what the in-memory store holds.

fn memory() -> MemoryStore {
    MemoryStore(HashMap::from([("name".to_owned(), "Ferris".to_owned())]))
}
