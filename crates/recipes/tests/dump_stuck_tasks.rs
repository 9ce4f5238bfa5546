//! The dump_stuck_tasks recipe's report: `main`'s frames and each stuck
//! task's, what each waits in, and who holds the lock one waits for. The
//! dumper itself (SIGUSR1, the writer) is tested in `dumps_on_sigusr1.rs`.
//!
//! This binary holds this one test, and the test sets its tracker as the
//! process's global subscriber before anything else runs. What the tracker
//! sees of a span or event is decided once per place in the code, for the
//! whole process, by the subscribers there are when that place first runs
//! (tracing-core caches each callsite's "interest"). While one dispatcher
//! has ever been registered, a place first reached on a thread whose default
//! is no subscriber (a runtime of another test, a `set_default` that only
//! covers its own thread) is cached as of no interest, and stays so until
//! the next registration; a registration racing it can be overwritten
//! likewise. With a `set_default` tracker beside other tests, the report
//! lost tasks' spawns and lock holders whenever another test's threads
//! reached Tokio's instrumentation first ("spawned where the tracker did
//! not see"). One global subscriber, set before the runtime is built, is
//! the only one any thread of this process can see.
#![cfg(all(tokio_unstable, target_os = "linux", target_arch = "x86_64"))]

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, oneshot};

/// The report names `main`'s own frames and each stuck task's under it, what
/// each waits in, and who holds the lock one waits for.
#[test]
fn the_dump_shows_where_main_and_each_task_wait() {
    use task_dump::{Files, Own, Taken, TaskDumps, Tracker};

    let tracker = Tracker::default();
    tracing::subscriber::set_global_default(tracker.subscriber())
        .expect("no subscriber set before this test's");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async {
        let ledger = Arc::new(Mutex::new(()));
        let (approve, approval) = oneshot::channel::<()>();
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(hold(ledger.clone(), approval));
        tokio::task::yield_now().await;
        tasks.spawn(wait_for(ledger));
        tasks.spawn(tokio::time::sleep(Duration::from_secs(9)));
        tokio::task::yield_now().await;
        let mut main = std::pin::pin!(tracker.main(main_waits(approve)));
        let own = Own {
            files: Files::Under(env!("CARGO_MANIFEST_DIR")),
            module: env!("CARGO_CRATE_NAME"),
        };
        let Taken::Dump(dump) = TaskDumps::new(tracker, own).dump(main.as_mut()).await else {
            panic!("main ended while it was traced");
        };
        task_dump::report(&dump, None).render(&task_dump::names_label)
    });
    // The tasks were spawned before `main`, so none is under it.
    for wait in [
        "main (the body of `main`)\n  main_waits at dump_stuck_tasks.rs:",
        "\n    waits in sleep\n",
        "\n  hold at dump_stuck_tasks.rs:",
        "\n    waits in oneshot::Receiver\n  holds the Mutex made at dump_stuck_tasks.rs:",
        "\n  wait_for at dump_stuck_tasks.rs:",
        "\n    waits in Mutex::lock\n  waits for the Mutex made at dump_stuck_tasks.rs:",
        ", held by task ",
        "\n  waits in sleep\n",
    ] {
        assert!(report.contains(wait), "no {wait:?} in\n{report}");
    }
}

async fn hold(ledger: Arc<Mutex<()>>, approval: oneshot::Receiver<()>) {
    let _held = ledger.lock().await;
    let _ = approval.await;
}

async fn wait_for(ledger: Arc<Mutex<()>>) {
    let _held = ledger.lock().await;
}

async fn main_waits(approve: oneshot::Sender<()>) {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    let _ = approve.send(());
}
