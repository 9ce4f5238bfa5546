//! The tracker and the report on stuck programs of each kind, run on
//! Tokio's paused clock: what each dump says, whole.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, oneshot};
use tokio::time::sleep;

use super::*;

/// What a dump at `at` of the paused clock says of `main`, `twice` a beat apart or once.
fn dump_at(main: impl Future<Output = ()>, at: Duration, dumps: Dumps) -> String {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let own = Own {
        files: Files::One("src/tests.rs"),
        module: "tests",
    };
    runtime.block_on(async {
        let mut main = pin!(tracker.main(main));
        let mut dumps_of = TaskDumps::new(tracker.clone(), own);
        tokio::select! {
            biased;
            () = sleep(at) => {}
            () = &mut main => return "main ended".to_owned(),
        }
        let report = match dumps {
            Dumps::Once => match dumps_of.dump(main.as_mut()).await {
                Taken::Dump(dump) => report(&dump, None),
                Taken::Finished(()) => return "main ended".to_owned(),
            },
            Dumps::Twice => match dumps_of.dump_twice(main.as_mut()).await {
                Twice::Both(report) => report,
                Twice::Finished(()) | Twice::FinishedBetween(..) => return "main ended".to_owned(),
            },
        };
        renumbered(report).render(&names_label)
    })
}

/// The expected text of each test, under a line `== name`, in one file;
/// `SNAPSHOTS=overwrite` writes what the tests found instead.
const EXPECTED: &str = include_str!("expected.txt");

fn expect(name: &str, text: &str) {
    if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
        overwrite(name, text);
        return;
    }
    let found = EXPECTED.split("== ").find_map(|section| {
        let (known, expected) = section.split_once('\n')?;
        (known == name).then_some(expected)
    });
    assert_eq!(Some(text), found, "{name}: expected.txt says otherwise");
}

/// Puts `text` under `== name` in expected.txt, in place of what was there.
fn overwrite(name: &str, text: &str) {
    use std::sync::Mutex;
    static FILE: Mutex<()> = Mutex::new(());
    let _one_at_a_time = FILE.lock().unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/expected.txt");
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let mut sections: Vec<(String, String)> = old
        .split("== ")
        .filter_map(|section| {
            let (name, text) = section.split_once('\n')?;
            Some((name.to_owned(), text.to_owned()))
        })
        .collect();
    match sections.iter_mut().find(|(known, _)| known == name) {
        Some((_, old)) => *old = text.to_owned(),
        None => sections.push((name.to_owned(), text.to_owned())),
    }
    sections.sort();
    let new: String = sections
        .iter()
        .map(|(name, text)| format!("== {name}\n{text}"))
        .collect();
    std::fs::write(path, new).unwrap();
}

/// The report with its tasks named `#1`, `#2`... in spawn order: Tokio's ids
/// count the tasks of every test in the process.
fn renumbered(mut report: Report) -> Report {
    for (number, entry) in report.entries.iter_mut().skip(1).enumerate() {
        entry.name = format!("#{}", number + 1);
    }
    report
}

#[derive(Clone, Copy)]
enum Dumps {
    Once,
    Twice,
}

async fn lock_both(first: Arc<Mutex<u32>>, second: Arc<Mutex<u32>>) {
    let mut held = first.lock().await;
    sleep(Duration::from_millis(10)).await;
    let mut both = second.lock().await;
    *held += 1;
    *both += 1;
}

#[test]
fn locks_taken_in_two_orders_deadlock() {
    let main = async {
        let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
        let one = tokio::spawn(lock_both(Arc::clone(&a), Arc::clone(&b)));
        let two = tokio::spawn(lock_both(b, a));
        let _ = tokio::join!(one, two);
    };
    let text = dump_at(main, Duration::from_millis(100), Dumps::Once);
    expect("locks_taken_in_two_orders_deadlock", &text);
}

#[test]
fn a_oneshot_cycle_is_stuck_when_nothing_moves() {
    let main = async {
        let ledger = Arc::new(Mutex::new(0));
        let (approve, approval) = oneshot::channel::<()>();
        let book = tokio::spawn({
            let ledger = Arc::clone(&ledger);
            async move {
                let _entries = ledger.lock().await;
                let _ = approval.await;
            }
        });
        let approver = tokio::spawn(async move {
            let _entries = ledger.lock().await;
            let _ = approve.send(());
        });
        let _ = tokio::join!(book, approver);
    };
    let text = dump_at(main, Duration::from_millis(100), Dumps::Twice);
    expect("a_oneshot_cycle_is_stuck_when_nothing_moves", &text);
}

/// Holds `lock` for a while.
async fn hold(lock: Arc<Mutex<u32>>) {
    let _guard = lock.lock().await;
    sleep(Duration::from_secs(1)).await;
}

#[test]
fn a_futurelock_through_select_on_a_borrowed_future() {
    let main = async {
        let lock = Arc::new(Mutex::new(0));
        let busy = tokio::spawn(hold(Arc::clone(&lock)));
        sleep(Duration::from_millis(10)).await;
        let first = lock.lock();
        let mut first = pin!(first);
        tokio::select! {
            _ = &mut first => {}
            () = sleep(Duration::from_millis(500)) => {
                let _second = lock.lock().await;
            }
        }
        let _ = busy.await;
    };
    let text = dump_at(main, Duration::from_secs(2), Dumps::Once);
    expect("a_futurelock_through_select_on_a_borrowed_future", &text);
}

#[test]
fn a_temporary_guard_is_held_by_no_one() {
    let main = async {
        let count = Arc::new(Mutex::new(0));
        let current = *count.lock().await;
        sleep(Duration::from_secs(1)).await;
        *count.lock().await = current + 1;
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Once);
    expect("a_temporary_guard_is_held_by_no_one", &text);
}

struct Held<'a> {
    guard: tokio::sync::MutexGuard<'a, u32>,
}

#[test]
fn guards_moved_into_structs_and_tasks() {
    let main = async {
        let lock = Arc::new(Mutex::new(0));
        let owned = Arc::clone(&lock).lock_owned().await;
        let keeper = tokio::spawn(async move {
            let _kept = owned;
            sleep(Duration::from_secs(1)).await;
        });
        let other = Arc::new(Mutex::new(0));
        let held = Held {
            guard: other.lock().await,
        };
        let waiter = tokio::spawn({
            let other = Arc::clone(&other);
            async move {
                *other.lock().await += 1;
            }
        });
        let queued = tokio::spawn(async move {
            *lock.lock().await += 1;
        });
        sleep(Duration::from_secs(2)).await;
        drop(held.guard);
        let _ = tokio::join!(keeper, waiter, queued);
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Once);
    expect("guards_moved_into_structs_and_tasks", &text);
}

#[test]
fn a_lock_queue_behind_a_sleeping_holder_is_no_cycle() {
    let main = async {
        let lock = Arc::new(Mutex::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..3 {
            tasks.spawn(hold(Arc::clone(&lock)));
        }
        tasks.join_all().await;
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Once);
    expect("a_lock_queue_behind_a_sleeping_holder_is_no_cycle", &text);
}

#[test]
fn a_task_that_locks_twice_deadlocks_on_itself() {
    let main = async {
        let lock = Arc::new(Mutex::new(0));
        let twice = tokio::spawn(async move {
            let _first = lock.lock().await;
            let _second = lock.lock().await;
        });
        let _ = twice.await;
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Twice);
    expect("a_task_that_locks_twice_deadlocks_on_itself", &text);
}

#[test]
fn a_cycle_with_a_timeout_has_a_way_out() {
    let main = async {
        let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
        let one = tokio::spawn(lock_both(Arc::clone(&a), Arc::clone(&b)));
        let two = tokio::spawn(async move {
            let _held = b.lock().await;
            sleep(Duration::from_millis(10)).await;
            let _ = tokio::time::timeout(Duration::from_secs(5), a.lock()).await;
        });
        let _ = tokio::join!(one, two);
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Once);
    expect("a_cycle_with_a_timeout_has_a_way_out", &text);
}

#[test]
fn readers_and_a_writer_in_a_cycle() {
    let main = async {
        let lock = Arc::new(tokio::sync::RwLock::new(0));
        let reader = tokio::spawn({
            let lock = Arc::clone(&lock);
            async move {
                let _first = lock.read().await;
                sleep(Duration::from_millis(10)).await;
                let _again = lock.read().await;
            }
        });
        let writer = tokio::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            *lock.write().await += 1;
        });
        let _ = tokio::join!(reader, writer);
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Once);
    expect("readers_and_a_writer_in_a_cycle", &text);
}

/// Each poll of a sleep reports Tokio's budget check (`is_ready=true`)
/// before the timer's answer: a sleep polled again is still pending.
#[test]
fn a_sleep_polled_twice_is_pending_until_it_ends() {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut timer = pin!(sleep(Duration::from_secs(10)));
        for _ in 0..2 {
            std::future::poll_fn(|cx| {
                assert!(timer.as_mut().poll(cx).is_pending());
                std::task::Poll::Ready(())
            })
            .await;
        }
        assert_eq!(tracker.records().pending_timers(), 1);
        timer.await;
        assert_eq!(tracker.records().pending_timers(), 0);
    });
}

/// In an export, this crate sits in the program's directory: its frames
/// (the dump's, the tracker's around `main`) are still not the program's.
#[test]
fn the_dumps_own_frames_are_not_the_programs() {
    let frames = [
        Frame::new(
            "task_dump::dump::TaskDumps::backtraces::{{closure}}::{{closure}}",
            Some("task-dump/src/dump.rs"),
            Some(402),
        ),
        Frame::new(
            "task_dump::tracker::Tracker::main::{{closure}}",
            Some("task-dump/src/tracker.rs"),
            Some(308),
        ),
        Frame::new(
            "dump_stuck_tasks::dump_stuck_tasks::book_and_approve::{{closure}}",
            Some("src/dump_stuck_tasks.rs"),
            Some(153),
        ),
        Frame::new(
            "<tokio::time::sleep::Sleep as core::future::future::Future>::poll",
            Some("/home/me/.cargo/registry/src/index/tokio-1.54.1/src/time/sleep.rs"),
            Some(452),
        ),
    ];
    let own = Own {
        files: Files::Under("/home/me/x"),
        module: "dump_stuck_tasks",
    };
    let wait = fold(&frames, own);
    let places: Vec<String> = wait
        .frames
        .iter()
        .map(|place| format!("{} at {}", place.function, place.at))
        .collect();
    assert_eq!(
        places,
        ["dump_stuck_tasks::book_and_approve at dump_stuck_tasks.rs:153"]
    );
    assert_eq!(wait.leaf, "sleep");
}

/// On the multi-thread runtime a dump waits for every worker: a task that
/// another worker spawns meanwhile is the program's, and the tracker sees
/// where and by whom it was spawned. The spawner holds its worker until the
/// dump has polled `main`, so the spawn falls inside the dump.
#[cfg(taskdump)]
#[test]
fn a_task_another_worker_spawns_during_a_dump_is_the_programs() {
    use std::task::Poll;

    let tracker = Tracker::default();
    let dispatch = tracing::Dispatch::new(tracker.subscriber());
    let _default = tracing::dispatcher::set_default(&dispatch);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || std::mem::forget(tracing::dispatcher::set_default(&dispatch)))
        .build()
        .unwrap();
    let own = Own {
        files: Files::One("src/tests.rs"),
        module: "tests",
    };
    let (report, spawner, child) = runtime.block_on(async {
        let (ready, is_ready) = oneshot::channel();
        let (go, wait_for_go) = std::sync::mpsc::channel::<()>();
        let spawner = tokio::spawn(async move {
            let _ = ready.send(());
            // Blocks this worker: the dump can't trace until it is back.
            let _ = wait_for_go.recv();
            tokio::spawn(std::future::pending::<()>()).id()
        });
        is_ready.await.unwrap();
        let mut go = Some(go);
        let main = std::future::poll_fn(|_| {
            // The dump polls `main` first: it has begun.
            if let Some(go) = go.take() {
                let _ = go.send(());
            }
            Poll::<()>::Pending
        });
        let mut main = pin!(tracker.main(main));
        let mut dumps = TaskDumps::new(tracker.clone(), own);
        let Taken::Dump(dump) = dumps.dump(main.as_mut()).await else {
            panic!("main never ends");
        };
        let spawner_id = spawner.id();
        let child = spawner.await.unwrap();
        (report(&dump, None), spawner_id, child)
    });
    let number = |id| task_number(id).unwrap();
    let entry = report
        .entries
        .iter()
        .find(|entry| entry.who == Actor::Task(number(child)))
        .expect("the dump lists the task spawned during it");
    assert!(
        entry.label.starts_with("spawned at tests.rs:"),
        "{}",
        entry.label
    );
    assert_eq!(entry.parent, Some(Actor::Task(number(spawner))));
}

/// A `make` that panics, caught, leaves the thread no longer ignoring:
/// seen failing with the flag restored only after `make` returned.
#[test]
fn ignoring_ends_when_make_panics() {
    let tracker = crate::Tracker::default();
    let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tracker.ignoring(|| panic!("made nothing"))
    }));
    assert!(made.is_err());
    assert!(!crate::Tracker::is_ignoring());
}

/// A lock a lazy initializer made, as a `static`'s is: its borrowed guard
/// can be handed on, so the dump says only that a task took it. Seen
/// failing with every lock's stack taken as not lazy.
static SHARED: std::sync::LazyLock<Mutex<u32>> = std::sync::LazyLock::new(|| Mutex::new(0));

#[test]
fn a_static_lock_is_only_taken() {
    let main = async {
        let holder = tokio::spawn(async {
            let _guard = SHARED.lock().await;
            sleep(Duration::from_secs(1)).await;
        });
        let _ = holder.await;
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Once);
    expect("a_static_lock_is_only_taken", &text);
}

/// The stack a lock was made on is taken once for each place that makes
/// locks, not for each lock: it costs tens of microseconds and kilobytes.
/// Seen failing with one taken for each lock.
#[test]
fn one_stack_for_the_locks_a_place_makes() {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let locks: Vec<Mutex<u32>> =
        runtime.block_on(async { (0..100).map(|_| Mutex::new(0)).collect() });
    let records = tracker.snapshot();
    let stacks: Vec<_> = records
        .resources
        .values()
        .filter(|resource| resource.kind.is_lock())
        .filter_map(|resource| resource.made_on.clone())
        .collect();
    assert_eq!(stacks.len(), locks.len());
    assert!(stacks.iter().all(|stack| stack.same_as(&stacks[0])));
}
