//! `async fn` in a trait: generic code calls it like any method, spawning it
//! needs a `Send` bound that the trait must promise, and a trait object
//! needs a boxed future.
//!
//! Its asyncio counterpart, which the guides don't show, is an interface of
//! coroutines: a `typing.Protocol` (or an `abc.ABC`) whose methods are
//! `async def`, with a class per backend.
//!
//! At run time Python checks a `Protocol` only when a call fails, and an
//! `abc.ABC` only that each abstract method exists, when a class is
//! instantiated, not its signature or that it is `async def` (a type
//! checker such as mypy checks more, sooner). A Rust trait is always
//! checked, and `async fn` in a trait is stable since Rust 1.75, with two
//! limits. Both come from the future each implementation's method returns:
//! a different type for every implementation, which nobody can name.
//!
//! - Generic code over `S: Store` cannot ask that type for `Send`, and
//!   `tokio::spawn` needs `Send`, because the multi-thread runtime may move
//!   a task to another thread at any `.await`. Spawning a call for a generic
//!   `S` fails with "future cannot be sent between threads safely" (the
//!   compile-fail case `async_fn_in_trait_spawn.rs` in `pitfalls`), even when
//!   every implementation is in fact `Send`. The caller cannot add the bound
//!   (return type notation, `S: Store<get(..): Send>`, is not stable yet), so
//!   the trait promises it: `Store::get` below is declared as a method
//!   returning `impl Future<Output = ...> + Send`. Implementations still
//!   write `async fn`, and one whose future is not `Send` (an `Rc` held
//!   across an `.await`) is rejected where it is written. That is why rustc's
//!   `async_fn_in_trait` lint warns about `async fn` in a public trait of a
//!   library: its users' generic code could never spawn the calls.
//! - A trait object needs one return type for every implementation, so a
//!   trait with an `async fn` or an `-> impl Future` is not dyn compatible:
//!   `Box<dyn Store>` fails with E0038 (`async_fn_in_trait_dyn.rs`). The way
//!   out is a method that returns a boxed future,
//!   `Pin<Box<dyn Future<Output = ...> + Send + '_>>` (`futures::future::BoxFuture`):
//!   one allocation per call, the price of choosing the implementation at
//!   run time. `DynStore` below is that trait, implemented once for every
//!   `Store`, and `Store` is implemented for `dyn DynStore` in turn, so
//!   generic code takes a trait object too.
//!
//! Two crates write these for you:
//! - `trait_variant`: `#[trait_variant::make(SendStore: Send)]` on a trait
//!   of `async fn`s generates a second trait, `SendStore`, whose futures are
//!   `Send`; a type that implements `SendStore` gets the original too. It
//!   suits a library that offers both, for single- and multi-threaded users.
//! - `async-trait`: `#[async_trait]` on the trait and on each impl rewrites
//!   every `async fn` into a method returning `Pin<Box<dyn Future + Send>>`
//!   (`#[async_trait(?Send)]` leaves out the `Send`), which makes the trait
//!   dyn compatible. Reach for it when a trait with many methods is mostly
//!   used as `dyn`, or for a Rust older than 1.75; otherwise the native form
//!   above costs no allocation.

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
