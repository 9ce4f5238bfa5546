//! What a learner reads in bench/RESULTS.md, the Tokio side of it.
//!
//! The Rust half of `cargo xtask bench`. Each workload matches one in
//! `bench/python/workloads.py`: same parameters, same check of the result.
//!
//! `bench <workload> <current-thread|multi-thread> [URL]` runs one workload
//! once and prints one line, `elapsed_ns=.. ops=.. max_rss_kb=..`. The time
//! covers the workload only: the runtime is built before the clock starts.
//! A workload whose result fails its check exits non-zero instead, so a
//! broken implementation cannot look fast.
//!
//! The `cpu-bound-*` workloads answer another question and print another
//! line (`cpu_bound.rs`).

mod cpu_bound;

use std::collections::HashMap;
use std::error::Error;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

const SPAWN_TASKS: u64 = 100_000;
const QUEUE_ITEMS: u64 = 1_000_000;
const QUEUE_CAPACITY: usize = 1_024;
const SEMAPHORE_OPERATIONS: u64 = 100_000;
const SEMAPHORE_PERMITS: usize = 100;
const SLEEPING_TASKS: u64 = 10_000;
const SLEEP: Duration = Duration::from_millis(10);
const HTTP_REQUESTS: u64 = 10_000;
const HTTP_IN_FLIGHT: usize = 64;
const MAP_TASKS: u64 = 8;
const MAP_OPERATIONS: u64 = 1_000_000;
const MAP_KEYS: u64 = 1_024;
const MAP_SHARDS: usize = 16;
const MAP_YIELD_EVERY: u64 = 64;

/// Spawns 100,000 tasks that return their index, keeps their handles in a
/// `Vec` and awaits them in order, as `gather` does, and sums the results.
async fn spawn_handles() -> Result<u64> {
    let tasks: Vec<_> = (0..SPAWN_TASKS)
        .map(|i| tokio::spawn(async move { i }))
        .collect();
    let mut sum = 0;
    for task in tasks {
        sum += task.await?;
    }
    check_spawn_sum(sum)
}

/// The same through a `JoinSet`, which yields each result as its task
/// finishes; it keeps every task in a set of its own and is woken by each.
async fn spawn_joinset() -> Result<u64> {
    let mut tasks = JoinSet::new();
    for i in 0..SPAWN_TASKS {
        tasks.spawn(async move { i });
    }
    let mut sum = 0;
    while let Some(result) = tasks.join_next().await {
        sum += result?;
    }
    check_spawn_sum(sum)
}

fn check_spawn_sum(sum: u64) -> Result<u64> {
    check(
        sum == SPAWN_TASKS * (SPAWN_TASKS - 1) / 2,
        "spawn: wrong sum",
    )?;
    Ok(SPAWN_TASKS)
}

/// Moves 1,000,000 numbers from a producer task to a consumer through a
/// bounded channel of 1,024, and sums them.
async fn queue() -> Result<u64> {
    let (sender, mut receiver) = mpsc::channel(QUEUE_CAPACITY);
    let producer = tokio::spawn(async move {
        for i in 0..QUEUE_ITEMS {
            if sender.send(i).await.is_err() {
                break;
            }
        }
    });
    let mut sum = 0;
    while let Some(item) = receiver.recv().await {
        sum += item;
    }
    producer.await?;
    check(
        sum == QUEUE_ITEMS * (QUEUE_ITEMS - 1) / 2,
        "queue: wrong sum",
    )?;
    Ok(QUEUE_ITEMS)
}

/// 100,000 tasks, each holding one of 100 permits across a yield, awaited
/// as a `Vec` of handles in order.
async fn semaphore_handles() -> Result<u64> {
    let limit = Limit::new();
    let tasks: Vec<_> = (0..SEMAPHORE_OPERATIONS)
        .map(|_| tokio::spawn(limit.clone().hold()))
        .collect();
    let mut done = 0;
    for task in tasks {
        task.await??;
        done += 1;
    }
    limit.check(done)
}

/// The same through a `JoinSet`.
async fn semaphore_joinset() -> Result<u64> {
    let limit = Limit::new();
    let mut tasks = JoinSet::new();
    for _ in 0..SEMAPHORE_OPERATIONS {
        tasks.spawn(limit.clone().hold());
    }
    let mut done = 0;
    while let Some(result) = tasks.join_next().await {
        result??;
        done += 1;
    }
    limit.check(done)
}

/// The semaphore, and the counters that check it: how many tasks are
/// inside, and the most there ever were.
#[derive(Clone)]
struct Limit {
    permits: Arc<Semaphore>,
    inside: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Limit {
    fn new() -> Self {
        Self {
            permits: Arc::new(Semaphore::new(SEMAPHORE_PERMITS)),
            inside: Arc::default(),
            peak: Arc::default(),
        }
    }

    async fn hold(self) -> std::result::Result<(), tokio::sync::AcquireError> {
        let _permit = self.permits.acquire().await?;
        let now_inside = self.inside.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now_inside, Ordering::Relaxed);
        tokio::task::yield_now().await;
        self.inside.fetch_sub(1, Ordering::Relaxed);
        Ok(())
    }

    fn check(&self, done: u64) -> Result<u64> {
        check(
            done == SEMAPHORE_OPERATIONS,
            "semaphore: operations missing",
        )?;
        check(
            self.peak.load(Ordering::Relaxed) <= SEMAPHORE_PERMITS,
            "semaphore: limit exceeded",
        )?;
        Ok(done)
    }
}

/// 10,000 tasks that each sleep 10 ms.
async fn sleep() -> Result<u64> {
    let mut tasks = JoinSet::new();
    for _ in 0..SLEEPING_TASKS {
        tasks.spawn(tokio::time::sleep(SLEEP));
    }
    let mut done = 0;
    while let Some(result) = tasks.join_next().await {
        result?;
        done += 1;
    }
    check(done == SLEEPING_TASKS, "sleep: tasks missing")?;
    Ok(done)
}

/// How long one request may take, from connecting to the end of its body:
/// a server that stalls fails the benchmark instead of hanging it.
const HTTP_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// 10,000 GETs of `{url}/json` through one client, 64 in flight.
async fn http(url: &str) -> Result<u64> {
    let client = reqwest::Client::builder()
        .timeout(HTTP_REQUEST_TIMEOUT)
        .build()?;
    let url = format!("{url}/json");
    let lengths: Vec<usize> = stream::iter(0..HTTP_REQUESTS)
        .map(|_| async {
            let response = client.get(&url).send().await?.error_for_status()?;
            Ok::<_, reqwest::Error>(response.bytes().await?.len())
        })
        .buffer_unordered(HTTP_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<std::result::Result<_, _>>()?;
    let first = lengths.first().copied().unwrap_or(0);
    check(
        first > 0 && lengths.iter().all(|&length| length == first),
        "http: bodies differ",
    )?;
    check(
        lengths.len() as u64 == HTTP_REQUESTS,
        "http: responses missing",
    )?;
    Ok(HTTP_REQUESTS)
}

/// Counts per key, in `shards` maps each behind its own `std::sync::Mutex`,
/// as `crates/synchronization/src/sharded_map.rs` keeps them; one shard is
/// one lock around one map. A key's shard is the key modulo their number:
/// the keys are already spread, and the one-lock map pays the same.
struct Counts {
    shards: Vec<Mutex<HashMap<u64, u64>>>,
}

impl Counts {
    fn new(shards: usize) -> Self {
        Self {
            shards: (0..shards).map(|_| Mutex::default()).collect(),
        }
    }

    fn add_one(&self, key: u64) {
        let shard = &self.shards[key as usize % self.shards.len()];
        let mut counts = shard.lock().unwrap_or_else(PoisonError::into_inner);
        *counts.entry(key).or_insert(0) += 1;
    }

    fn total(&self) -> u64 {
        let shards = self.shards.iter();
        let shards = shards.map(|shard| shard.lock().unwrap_or_else(PoisonError::into_inner));
        shards.map(|counts| counts.values().sum::<u64>()).sum()
    }
}

/// 8 tasks add one to a key's count 1,000,000 times in all, over 1,024
/// keys, in a map of `shards` shards. Each yields every 64 additions, as a
/// task that awaits between uses of the map does, so the tasks interleave
/// on one thread and, on the multi-thread runtime, run on both at once.
async fn shared_map(shards: usize) -> Result<u64> {
    let counts = Arc::new(Counts::new(shards));
    let per_task = MAP_OPERATIONS / MAP_TASKS;
    let tasks: Vec<_> = (0..MAP_TASKS)
        .map(|task| {
            let counts = counts.clone();
            tokio::spawn(async move {
                for i in 0..per_task {
                    counts.add_one((task * 7_919 + i) % MAP_KEYS);
                    if i % MAP_YIELD_EVERY == MAP_YIELD_EVERY - 1 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await?;
    }
    check(counts.total() == MAP_OPERATIONS, "shared-map: counts lost")?;
    Ok(MAP_OPERATIONS)
}

fn check(ok: bool, message: &'static str) -> Result<()> {
    if ok { Ok(()) } else { Err(message.into()) }
}

/// Peak resident set size in kB, from Linux's `/proc/self/status`; 0 elsewhere.
fn max_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let args: Args = closed_stdout::parse();
    if args.url.is_some() != (args.workload == "http") {
        eprintln!("error: the http workload, and only it, takes a URL");
        return ExitCode::from(2);
    }
    // The workspace's `.cargo/config.toml` turns on `--cfg tokio_unstable`
    // for the timeline's task hooks. It adds a field to every task and a
    // check for hooks around every poll, so a build with it measures a Tokio
    // that no project of a reader's own runs. `cargo xtask bench` builds
    // without it.
    if cfg!(tokio_unstable) {
        eprintln!(
            "error: built with --cfg tokio_unstable, which changes what is measured; \
             run `cargo xtask bench`, which builds without it"
        );
        return ExitCode::FAILURE;
    }
    if let Some(way) = args.workload.strip_prefix("cpu-bound-") {
        if args.flavor != "multi-thread" {
            eprintln!("error: the cpu-bound workloads run on the multi-thread runtime only");
            return ExitCode::from(2);
        }
        return match cpu_bound::run(way) {
            Ok(measured) => {
                println!("{}", measured.line());
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        };
    }
    match run(&args) {
        Ok((elapsed, ops)) => {
            // The line xtask reads.
            println!(
                "elapsed_ns={} ops={ops} max_rss_kb={}",
                elapsed.as_nanos(),
                max_rss_kb()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one workload and prints `elapsed_ns=.. ops=.. max_rss_kb=..`, the
/// line `cargo xtask bench` reads.
///
/// Exit codes: 0 the workload ran, 1 it failed, 2 a usage mistake.
#[derive(clap::Parser)]
#[command(bin_name = "bench")]
struct Args {
    #[arg(value_parser = [
        "spawn-handles", "spawn-joinset", "queue", "semaphore-handles",
        "semaphore-joinset", "sleep", "http", "shared-map-one-lock",
        "shared-map-sharded", "cpu-bound-inline", "cpu-bound-spawn-blocking",
        "cpu-bound-block-in-place", "cpu-bound-semaphore", "cpu-bound-rayon",
    ])]
    workload: String,
    /// multi-thread-task runs the workload as a task on the pool.
    #[arg(value_parser = ["current-thread", "multi-thread", "multi-thread-task"])]
    flavor: String,
    /// The server the http workload calls, and only it.
    url: Option<String>,
}

fn run(args: &Args) -> Result<(Duration, u64)> {
    // `multi-thread-task` runs the workload as a task on the worker pool;
    // the other two run it in `block_on` itself, on the calling thread.
    let (mut builder, in_task) = match args.flavor.as_str() {
        "current-thread" => (tokio::runtime::Builder::new_current_thread(), false),
        "multi-thread" => (tokio::runtime::Builder::new_multi_thread(), false),
        "multi-thread-task" => (tokio::runtime::Builder::new_multi_thread(), true),
        other => return Err(format!("unknown runtime flavor `{other}`").into()),
    };
    let runtime = builder.enable_all().build()?;
    if args.workload == "http" {
        // reqwest is built without a default TLS provider in this workspace.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let workload = timed(args.workload.clone(), args.url.clone());
    if in_task {
        runtime.block_on(async { tokio::spawn(workload).await? })
    } else {
        runtime.block_on(workload)
    }
}

/// Runs one workload and measures it, start to end.
async fn timed(workload: String, url: Option<String>) -> Result<(Duration, u64)> {
    let start = Instant::now();
    let ops = match (workload.as_str(), url.as_deref()) {
        ("spawn-handles", None) => spawn_handles().await?,
        ("spawn-joinset", None) => spawn_joinset().await?,
        ("queue", None) => queue().await?,
        ("semaphore-handles", None) => semaphore_handles().await?,
        ("semaphore-joinset", None) => semaphore_joinset().await?,
        ("sleep", None) => sleep().await?,
        ("http", Some(url)) => http(url).await?,
        ("shared-map-one-lock", None) => shared_map(1).await?,
        ("shared-map-sharded", None) => shared_map(MAP_SHARDS).await?,
        (workload, _) => {
            return Err(format!("unknown workload `{workload}` or a wrong URL").into());
        }
    };
    Ok((start.elapsed(), ops))
}
