//! What the task-dump tracker costs a program, measured beside
//! console-subscriber's layer, which watches the same Tokio instrumentation.
//!
//! `tracker-bench <workload> <plain|tracker|console> <current-thread|multi-thread>`
//! runs one workload once and prints `elapsed_ns=.. ops=.. max_rss_kb=..`,
//! the line `cargo xtask bench` reads. The time covers the workload only:
//! the runtime and the subscriber are set up before the clock starts. A
//! workload whose result fails its check exits non-zero.

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use task_dump::{Files, Own, Taken, TaskDumps, Tracker};
use tokio::sync::Mutex;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// Locks made, kept alive, then taken by [`LOCKING_TASKS`] tasks
/// [`LOCKS_TAKEN`] times each.
const LOCKS: usize = 100_000;
const LOCKING_TASKS: usize = 100;
const LOCKS_TAKEN: usize = 1_000;
const SPAWNED: u64 = 100_000;
/// Tasks that yield, each [`YIELDS`] times: a poll each.
const YIELDING_TASKS: u64 = 100;
const YIELDS: u64 = 2_000;
/// Tasks waiting when a dump is taken.
const DUMPED: u64 = 10_000;

/// 100,000 `Mutex`es made and kept, then 100 tasks that each take one of
/// them 1,000 times, the guard dropped at once.
async fn locks() -> Result<u64> {
    let locks: Arc<Vec<Mutex<u64>>> = Arc::new((0..LOCKS).map(|_| Mutex::new(0)).collect());
    let tasks: Vec<_> = (0..LOCKING_TASKS)
        .map(|task| {
            let locks = Arc::clone(&locks);
            tokio::spawn(async move {
                for turn in 0..LOCKS_TAKEN {
                    *locks[(task * LOCKS_TAKEN + turn) % LOCKS].lock().await += 1;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await?;
    }
    let mut taken = 0;
    for lock in locks.iter() {
        taken += *lock.lock().await;
    }
    check(
        taken == (LOCKING_TASKS * LOCKS_TAKEN) as u64,
        "locks: wrong count",
    )?;
    Ok((LOCKS + LOCKING_TASKS * LOCKS_TAKEN) as u64)
}

/// 100,000 tasks spawned, their handles awaited in order.
async fn spawns() -> Result<u64> {
    let tasks: Vec<_> = (0..SPAWNED)
        .map(|i| tokio::spawn(async move { i }))
        .collect();
    let mut sum = 0;
    for task in tasks {
        sum += task.await?;
    }
    check(sum == SPAWNED * (SPAWNED - 1) / 2, "spawns: wrong sum")?;
    Ok(SPAWNED)
}

/// 100 tasks that each yield 2,000 times: each yield ends a poll.
async fn polls() -> Result<u64> {
    let tasks: Vec<_> = (0..YIELDING_TASKS)
        .map(|_| {
            tokio::spawn(async {
                let mut turns = 0;
                for _ in 0..YIELDS {
                    tokio::task::yield_now().await;
                    turns += 1;
                }
                turns
            })
        })
        .collect();
    let mut polls = 0;
    for task in tasks {
        polls += task.await?;
    }
    check(polls == YIELDING_TASKS * YIELDS, "polls: polls missing")?;
    Ok(polls)
}

/// One dump of 10,000 tasks that each wait in a sleep of their own, and its
/// report: with the tracker only.
async fn dump(tracker: &Tracker) -> Result<u64> {
    let waiting = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..DUMPED)
        .map(|_| {
            let waiting = Arc::clone(&waiting);
            tokio::spawn(async move {
                let sleep = tokio::time::sleep(Duration::from_secs(3600));
                waiting.fetch_add(1, Ordering::SeqCst);
                sleep.await;
            })
        })
        .collect();
    // Each task reaches its wait before the dump.
    while waiting.load(Ordering::SeqCst) < DUMPED {
        tokio::task::yield_now().await;
    }
    tokio::task::yield_now().await;
    let own = Own {
        files: Files::Under(env!("CARGO_MANIFEST_DIR")),
        module: env!("CARGO_CRATE_NAME"),
    };
    let mut dumps = TaskDumps::new(tracker.clone(), own);
    let mut idle = std::pin::pin!(tracker.main(std::future::pending::<()>()));
    let Taken::Dump(dump) = dumps.dump(idle.as_mut()).await else {
        return Err("dump: a pending future ended".into());
    };
    let text = task_dump::report(&dump, None).render(&task_dump::names_label);
    for task in &tasks {
        task.abort();
    }
    // The report lists the first tasks, then says how many more there are.
    if !text.contains("its sleep from main.rs:") {
        eprintln!("{text}");
        return Err("dump: the tasks are missing".into());
    }
    Ok(DUMPED)
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

const USAGE: &str = "usage: tracker-bench <locks|spawns|polls|dump> <plain|tracker|console> \
                     <current-thread|multi-thread> (dump: tracker only)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [workload, watcher, flavor] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if !cfg!(tokio_unstable) {
        eprintln!("error: built without --cfg tokio_unstable: Tokio reports nothing to watch");
        return ExitCode::FAILURE;
    }
    match run(workload, watcher, flavor) {
        Ok((elapsed, ops)) => {
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

fn run(workload: &str, watcher: &str, flavor: &str) -> Result<(Duration, u64)> {
    let mut builder = match flavor {
        "current-thread" => tokio::runtime::Builder::new_current_thread(),
        "multi-thread" => tokio::runtime::Builder::new_multi_thread(),
        _ => return Err(USAGE.into()),
    };
    // Set before the runtime is built, as a service sets its subscriber
    // first: the runtime's own resources are reported too.
    let tracker = match watcher {
        "plain" => None,
        "tracker" => {
            let tracker = Tracker::default();
            tracing::subscriber::set_global_default(tracker.subscriber())?;
            Some(tracker)
        }
        "console" => {
            use tracing_subscriber::layer::SubscriberExt as _;
            // Port 0: any free port, so that runs never collide.
            let console = console_subscriber::ConsoleLayer::builder()
                .server_addr(([127, 0, 0, 1], 0))
                .spawn();
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(console))?;
            None
        }
        _ => return Err(USAGE.into()),
    };
    let runtime = builder.enable_all().build()?;
    let workload = async {
        let start = Instant::now();
        let ops = match (workload, &tracker) {
            ("locks", _) => locks().await?,
            ("spawns", _) => spawns().await?,
            ("polls", _) => polls().await?,
            ("dump", Some(tracker)) => dump(tracker).await?,
            _ => return Err(USAGE.into()),
        };
        Ok((start.elapsed(), ops))
    };
    match &tracker {
        Some(tracker) => runtime.block_on(tracker.main(workload)),
        None => runtime.block_on(workload),
    }
}
