//! The tracker and the report on stuck programs of each kind, run on
//! Tokio's paused clock: what each dump says, whole.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, Semaphore, oneshot};
use tokio::time::sleep;

use super::*;

/// What a dump at `at` of the paused clock says of the program `main`
/// makes, `twice` a beat apart or once. Taken twice, with the program's own
/// code as the runner sees an example's (one file, names from after its
/// module) and as the recipe sees a program's (its crate's files, names from
/// after the crate): the two reports must be the same but for that prefix.
fn dump_at<F: Future<Output = ()>>(main: impl Fn() -> F, at: Duration, dumps: Dumps) -> String {
    let runners = runners_own();
    let recipes = Own {
        files: Files::Under(env!("CARGO_MANIFEST_DIR")),
        module: env!("CARGO_CRATE_NAME"),
    };
    let text = dump_with(main(), at, dumps, runners);
    let recipe_text = dump_with(main(), at, dumps, recipes);
    assert_eq!(
        text,
        recipe_text.replace("tests::", ""),
        "the recipe's report differs from the runner's"
    );
    text
}

fn dump_with(main: impl Future<Output = ()>, at: Duration, dumps: Dumps, own: Own) -> String {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    dump_on(&tracker, main, at, dumps, own)
}

/// [`dump_with`] with `tracker`, which the caller makes the subscriber, or
/// not.
fn dump_on(
    tracker: &Tracker,
    main: impl Future<Output = ()>,
    at: Duration,
    dumps: Dumps,
    own: Own,
) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
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

/// Threads outside the runtime: those listed, less the dumper's own (by
/// their names' bytes) and the runtime's, counted on either side of the
/// listing. Seen failing with the count from before the listing only.
#[test]
fn threads_outside_are_those_listed_less_the_own_and_the_runtimes() {
    use crate::dump::{outside, thread_name};
    let own = [thread_name("task-dump-beat")];
    let listed = |names: &[&[u8]]| names.iter().map(|name| name.to_vec()).collect::<Vec<_>>();
    // `main`'s thread, the beat's, and one of the program's whose name
    // Linux cut inside a character.
    let threads = listed(&[b"main", b"task-dump-beat", b"a-late-answer-\xe7"]);
    assert_eq!(outside(&threads, &own, [1, 1]), 1);
    assert_eq!(outside(&threads[..2], &own, [1, 1]), 0);
    // A blocking thread ended during the listing: counted on one side
    // only, and not listed.
    let threads = listed(&[b"main", b"a-late-answer-\xe7"]);
    assert_eq!(outside(&threads, &own, [2, 1]), 1);
    assert_eq!(outside(&threads, &own, [1, 2]), 1);
}

/// Linux keeps a thread's first 15 bytes as its name, a character cut in
/// two or not, and the dumper compares its own threads' names so. Seen
/// failing with the name cut at a character's boundary.
#[test]
fn a_threads_name_is_its_first_15_bytes() {
    let name = "a-late-answer-秒";
    let kept = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(|| std::fs::read("/proc/thread-self/comm").unwrap())
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(
        kept.strip_suffix(b"\n"),
        Some(&crate::dump::thread_name(name)[..])
    );
}

/// As [`expect`], for a report of a run on the real clock: its times are
/// compared as `_s`, as a busy machine changes them (`0.0s` came out as
/// `0.001s` beside a build).
fn expect_on_the_real_clock(name: &str, text: &str) {
    if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
        overwrite(name, text);
        return;
    }
    let found = EXPECTED.split("== ").find_map(|section| {
        let (known, expected) = section.split_once('\n')?;
        (known == name).then(|| without_times(expected))
    });
    let text = without_times(text);
    assert_eq!(Some(text), found, "{name}: expected.txt says otherwise");
}

/// `text` with each time (`0.25s`) as `_s`.
fn without_times(text: &str) -> String {
    let mut masked = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        masked.push_str(&rest[..start]);
        let number = &rest[start..];
        let end = number
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(number.len());
        let (digits, after) = number.split_at(end);
        let is_a_time = digits.contains('.') && after.starts_with('s');
        masked.push_str(if is_a_time { "_" } else { digits });
        rest = after;
    }
    masked.push_str(rest);
    masked
}

/// Every report in expected.txt is one a test expects: `SNAPSHOTS=overwrite`
/// adds and replaces reports, so a renamed test leaves its old one behind.
/// Seen failing with a stale report left in.
#[test]
fn every_expected_report_is_a_tests() {
    let tests = include_str!("tests.rs");
    for section in EXPECTED.split("== ") {
        if let Some((name, _)) = section.split_once('\n') {
            let quoted = format!("\"{name}\"");
            assert!(tests.contains(&quoted), "no test expects {name}");
        }
    }
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
    let main = || async {
        let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
        let one = tokio::spawn(lock_both(Arc::clone(&a), Arc::clone(&b)));
        let two = tokio::spawn(lock_both(b, a));
        let _ = tokio::join!(one, two);
    };
    let text = dump_at(main, Duration::from_millis(100), Dumps::Once);
    expect("locks_taken_in_two_orders_deadlock", &text);
}

/// Nothing in the runtime is left to wake a task, but a test process runs
/// threads outside it (the harness's), and one may. The runner's
/// `oneshot_cycle` fixture, a process with no such thread, is stuck
/// (tests/cmd/runner/dump-cycles.md), and its `waits_for_a_silent_thread`
/// can't tell. Seen failing ("Stuck") with the threads not counted.
#[test]
fn a_oneshot_cycle_beside_other_threads_cant_tell() {
    let main = || async {
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
    expect("a_oneshot_cycle_beside_other_threads_cant_tell", &text);
}

/// Holds `lock` for a while.
async fn hold(lock: Arc<Mutex<u32>>) {
    let _guard = lock.lock().await;
    sleep(Duration::from_secs(1)).await;
}

#[test]
fn a_futurelock_through_select_on_a_borrowed_future() {
    let main = || async {
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
    let main = || async {
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
    let main = || async {
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

/// A future that took a lock while `main` polled it (through `&mut`, in a
/// `select!`), then spawned: the guard is the task's now, though the
/// tracker saw `main` take it. Seen failing: "Deadlock: main waits only for
/// a lock it holds itself", while the task let the lock go at 2 s. The
/// spawned future here waits on a channel, which Tokio reports nothing of,
/// so only the spawn tells.
#[test]
fn a_guard_whose_future_was_spawned_is_no_deadlock() {
    let main = || async {
        let cache = Arc::new(Mutex::new(0));
        let (fresh, mut fetched) = tokio::sync::mpsc::channel::<u32>(1);
        let mut refresh = Box::pin({
            let cache = Arc::clone(&cache);
            async move {
                let mut cached = cache.lock().await;
                if let Some(value) = fetched.recv().await {
                    *cached = value;
                }
            }
        });
        tokio::select! {
            _ = &mut refresh => {}
            _ = sleep(Duration::from_millis(100)) => {
                tokio::spawn(refresh);
            }
        }
        tokio::spawn(async move {
            sleep(Duration::from_secs(2)).await;
            let _ = fresh.send(1).await;
        });
        *cache.lock().await += 1;
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Twice);
    expect("a_guard_whose_future_was_spawned_is_no_deadlock", &text);
}

/// A task that holds a lock and awaits a blocking job that waits for it in
/// `blocking_lock`: Tokio's dump leaves the job out, but its wait counts,
/// and the run can't tell whose job the task awaits. Seen failing ("No
/// cycle: no task waits, through the locks' holders, for itself").
#[test]
fn a_blocking_job_waiting_for_its_spawners_lock_cant_tell() {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    let runtime = current_thread(false);
    let text = runtime.block_on(async {
        let ledger = Arc::new(Mutex::new(0));
        let task = tokio::spawn(async move {
            let _held = ledger.lock().await;
            let theirs = Arc::clone(&ledger);
            let job = with_this_subscriber(move || *theirs.blocking_lock() += 1);
            let _ = tokio::task::spawn_blocking(job).await;
        });
        // Until the job waits for the lock, on a thread of its own.
        let job_waits = || {
            let records = tracker.records();
            records.ops.values().any(|op| op.polled > 0 && !op.ready)
        };
        while !job_waits() {
            sleep(Duration::from_millis(1)).await;
        }
        let abort = task.abort_handle();
        let mut main = pin!(tracker.main(async {
            let _ = task.await;
        }));
        let text = one_report(&tracker, main.as_mut()).await;
        // Dropping the task's future lets the lock go, and the job ends.
        abort.abort();
        main.await;
        text
    });
    expect_on_the_real_clock(
        "a_blocking_job_waiting_for_its_spawners_lock_cant_tell",
        &text,
    );
}

/// Blocking jobs that hold locks tasks wait for: each is named by where it
/// was spawned, and by its order there when one place spawned several, and
/// the chain stops at a job, whose waits the search does not follow. Seen
/// failing with both named alike, and with the job said to wait "where a
/// task dump can't see".
#[test]
fn locks_blocking_jobs_hold_name_each_job() {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    let runtime = current_thread(false);
    let text = runtime.block_on(async {
        // Takes `lock` on a blocking job, and keeps it until `release` goes.
        let hold = |lock: Arc<Mutex<u32>>, release: std::sync::mpsc::Receiver<()>| {
            let (held, has_held) = oneshot::channel();
            let job = tokio::task::spawn_blocking(with_this_subscriber(move || {
                let _guard = lock.blocking_lock();
                let _ = held.send(());
                let _ = release.recv();
            }));
            (job, has_held)
        };
        let (first, second) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
        let (release_first, first_released) = std::sync::mpsc::channel();
        let (release_second, second_released) = std::sync::mpsc::channel();
        let (first_job, first_held) = hold(Arc::clone(&first), first_released);
        first_held.await.unwrap();
        let (second_job, second_held) = hold(Arc::clone(&second), second_released);
        second_held.await.unwrap();
        let waiters = [first, second].map(|lock| {
            tokio::spawn(async move {
                *lock.lock().await += 1;
            })
        });
        let mut main = pin!(tracker.main(async {
            for waiter in waiters {
                let _ = waiter.await;
            }
        }));
        let text = one_report(&tracker, main.as_mut()).await;
        drop((release_first, release_second));
        main.await;
        let _ = (first_job.await, second_job.await);
        text
    });
    expect_on_the_real_clock("locks_blocking_jobs_hold_name_each_job", &text);
}

/// As above, but the future goes to a blocking job that runs it with
/// `block_on`. Seen failing ("Deadlock: main waits only for a lock it holds
/// itself") while only tasks counted.
#[test]
fn a_guard_whose_future_went_to_a_blocking_job_is_no_deadlock() {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    let runtime = current_thread(false);
    let (fresh, mut fetched) = tokio::sync::mpsc::channel::<u32>(1);
    let text = runtime.block_on(async {
        let cache = Arc::new(Mutex::new(0));
        let main = async {
            let mut refresh = Box::pin({
                let cache = Arc::clone(&cache);
                async move {
                    let mut cached = cache.lock().await;
                    if let Some(value) = fetched.recv().await {
                        *cached = value;
                    }
                }
            });
            // Polled once: it takes the lock, then waits for a value.
            assert!(futures::poll!(refresh.as_mut()).is_pending());
            let handle = tokio::runtime::Handle::current();
            let job = tokio::task::spawn_blocking(move || handle.block_on(refresh));
            *cache.lock().await += 1;
            let _ = job.await;
        };
        let mut main = pin!(tracker.main(main));
        let text = one_report(&tracker, main.as_mut()).await;
        fresh.send(1).await.unwrap();
        main.await;
        text
    });
    expect_on_the_real_clock(
        "a_guard_whose_future_went_to_a_blocking_job_is_no_deadlock",
        &text,
    );
}

/// The cost of the two tests above: `main` takes a lock, spawns a task that
/// takes no part, then deadlocks with a second task. The run can't tell the
/// first task from one whose future holds the guard, so the verdict is
/// "Can't tell", not "Deadlock". A task spawned before the lock was taken,
/// or one that waits for it, changes nothing: the pitfalls example and
/// `locks_taken_in_two_orders_deadlock` keep their "Deadlock".
#[test]
fn a_deadlock_after_its_taker_spawned_a_task_cant_tell() {
    let main = || async {
        let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
        let _a = a.lock().await;
        let ticker = tokio::spawn(async {
            loop {
                sleep(Duration::from_secs(1)).await;
            }
        });
        let other = tokio::spawn(lock_both(Arc::clone(&b), Arc::clone(&a)));
        sleep(Duration::from_millis(100)).await;
        let _b = b.lock().await;
        ticker.abort();
        let _ = other.await;
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Twice);
    expect("a_deadlock_after_its_taker_spawned_a_task_cant_tell", &text);
}

#[test]
fn a_lock_queue_behind_a_sleeping_holder_is_no_cycle() {
    let main = || async {
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
    let main = || async {
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
    let main = || async {
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
    let main = || async {
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
            assert!(futures::poll!(timer.as_mut()).is_pending());
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

/// On the multi-thread runtime a dump takes no Tokio dump, whose rendezvous
/// can leave a worker blocked for good (tokio-rs/tokio#7478): with a worker
/// blocked, it still comes, spawns nothing, and lists each task as the
/// tracker saw it. A cycle of lock waits between `main` and a task, neither
/// with frames, is no deadlock it can prove: either may wait for something
/// else too. (Before, the dump waited for the blocked worker, lost the
/// tasks, and said "No cycle".)
/// Two tasks that never reach an `.await` hold both workers of a
/// multi-thread runtime: the two dumps, taken on `main`'s thread, still come
/// (their beat is counted by a thread of their own), and say the tasks were
/// running through both. Seen failing: "Can't tell whether it is stuck:
/// nothing moved between two dumps", with nothing said of the tasks.
#[test]
fn tasks_that_never_yield_are_running_not_stuck() {
    let tracker = Tracker::default();
    let (_default, runtime) = multi_thread(&tracker);
    let (started, has_started) = std::sync::mpsc::channel::<()>();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = Arc::new(std::sync::Mutex::new(released));
    let text = runtime.block_on(async {
        let mut busy = Vec::new();
        for _ in 0..2 {
            let (started, released) = (started.clone(), Arc::clone(&released));
            busy.push(tokio::spawn(async move {
                let _ = started.send(());
                // Holds its worker, as a loop that computes would.
                let _ = released.lock().unwrap().recv();
            }));
        }
        for _ in 0..2 {
            has_started.recv().unwrap();
        }
        let mut main = pin!(tracker.main(async {
            for task in busy {
                let _ = task.await;
            }
        }));
        let mut dumps = TaskDumps::new(tracker.clone(), runners_own());
        match dumps.dump_twice(main.as_mut()).await {
            Twice::Both(report) => renumbered(report).render(&names_label),
            Twice::Finished(()) | Twice::FinishedBetween(..) => "main ended".to_owned(),
        }
    });
    drop(release);
    drop(runtime);
    expect_on_the_real_clock("tasks_that_never_yield_are_running_not_stuck", &text);
}

/// A holder the dump has no frames of (the multi-thread runtime), which the
/// tracker saw wait for a permit: that wait is the reason the run can't
/// tell, not the missing frames. Seen failing ("the dump took no frames of
/// it").
#[test]
fn a_holder_without_frames_that_waits_for_a_permit_cant_tell_for_the_permit() {
    let tracker = Tracker::default();
    let (_default, runtime) = multi_thread(&tracker);
    let text = runtime.block_on(async {
        let (log, pool) = (Arc::new(Mutex::new(0)), Arc::new(Semaphore::new(0)));
        let (holding, held) = oneshot::channel();
        let flush = tokio::spawn({
            let (log, pool) = (Arc::clone(&log), Arc::clone(&pool));
            async move {
                let _lines = log.lock().await;
                let mut permit = pin!(pool.acquire());
                assert!(futures::poll!(permit.as_mut()).is_pending());
                let _ = holding.send(());
                let _permit = permit.await;
            }
        });
        held.await.unwrap();
        let mut main = pin!(tracker.main(async move {
            *log.lock().await += 1;
        }));
        let text = one_report(&tracker, main.as_mut()).await;
        flush.abort();
        text
    });
    let verdict = text.lines().find(|line| line.starts_with("Can't tell"));
    assert!(
        verdict.is_some_and(|verdict| verdict.contains("waits for a permit of the Semaphore")),
        "{text}"
    );
}

#[cfg(taskdump)]
#[test]
fn a_multi_thread_dump_waits_for_no_worker_and_proves_no_cycle_without_frames() {
    let tracker = Tracker::default();
    let (_default, runtime) = multi_thread(&tracker);
    let own = runners_own();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (text, task, spawned) = runtime.block_on(async {
        let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
        let (blocking, has_blocked) = oneshot::channel();
        let blocker = tokio::spawn(async move {
            let _ = blocking.send(());
            // Blocks its worker until the dump is over.
            let _ = released.recv();
        });
        has_blocked.await.unwrap();
        let (t_waits, task_waits) = oneshot::channel();
        let (m_waits, main_waits) = oneshot::channel();
        let mut main = pin!(tracker.main({
            let (a, b) = (Arc::clone(&a), Arc::clone(&b));
            async move {
                let _a = a.lock().await;
                let _ = task_waits.await;
                let mut wait_b = pin!(b.lock());
                assert!(futures::poll!(wait_b.as_mut()).is_pending());
                let _ = m_waits.send(());
                let _b = wait_b.await;
            }
        }));
        // `main` takes `a`, then waits for the task.
        assert!(futures::poll!(main.as_mut()).is_pending());
        let task = tokio::spawn(async move {
            let _b = b.lock().await;
            let mut wait_a = pin!(a.lock());
            assert!(futures::poll!(wait_a.as_mut()).is_pending());
            let _ = t_waits.send(());
            let _a = wait_a.await;
        });
        tokio::select! {
            () = &mut main => panic!("main never ends"),
            _ = main_waits => {}
        }
        let mut dumps = TaskDumps::new(tracker.clone(), own);
        let Taken::Dump(dump) = dumps.dump(main.as_mut()).await else {
            panic!("main never ends");
        };
        let report = report(&dump, None);
        let task_id = task_number(task.id()).unwrap();
        let spawned = tokio::runtime::Handle::current()
            .metrics()
            .spawned_tasks_count();
        task.abort();
        blocker.abort();
        (report, task_id, spawned)
    });
    let _ = release.send(());
    // The blocker and the task: no dump's.
    assert_eq!(spawned, 2);
    assert_eq!(
        text.verdict,
        Some(Verdict::Cycle {
            tasks: vec![Actor::Main, Actor::Task(task)],
            through: crate::report::Through::Guards,
            doubt: crate::report::Doubt::NoFrames(Actor::Main),
        })
    );
    let entry = text
        .entries
        .iter()
        .find(|entry| entry.who == Actor::Task(task))
        .expect("the report lists the task");
    assert!(!entry.traced);
    assert!(
        entry.label.starts_with("spawned at tests.rs:"),
        "{}",
        entry.label
    );
    let rendered = renumbered(text.clone()).render(&names_label);
    assert!(
        rendered.contains("Can't tell whether it is for good: main and #"),
        "{rendered}"
    );
    assert!(rendered.contains("tokio-rs/tokio#7478"), "{rendered}");
}

/// A cycle of lock waits one of whose tasks waits in a `select!` beside a
/// `JoinSet`'s `join_next` (which leaves no frame while no task of the set
/// has finished): that branch may end the wait, so no deadlock. Seen
/// failing ("Deadlock") with `select!` frames not told apart.
#[test]
fn a_cycle_through_a_select_with_an_unseen_branch_cant_tell() {
    let main = || async {
        let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
        let one = tokio::spawn(lock_both(Arc::clone(&a), Arc::clone(&b)));
        let two = tokio::spawn(async move {
            let mut helpers = tokio::task::JoinSet::new();
            helpers.spawn(sleep(Duration::from_millis(200)));
            let _held = b.lock().await;
            sleep(Duration::from_millis(10)).await;
            tokio::select! {
                _ = a.lock() => {}
                _ = helpers.join_next() => {}
            }
        });
        let _ = tokio::join!(one, two);
    };
    let text = dump_at(main, Duration::from_millis(100), Dumps::Once);
    expect(
        "a_cycle_through_a_select_with_an_unseen_branch_cant_tell",
        &text,
    );
}

/// An idle program that waits for Ctrl-C is not stuck: a signal can wake
/// it, though it adds no socket of its own. Seen failing ("Stuck").
#[test]
fn waiting_for_a_signal_is_not_stuck() {
    let main = || async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let text = dump_at(main, Duration::from_millis(100), Dumps::Twice);
    expect("waiting_for_a_signal_is_not_stuck", &text);
}

/// A listener bound before the dumper was made counts as the dumper's own
/// socket, yet a peer can wake the task that accepts on it. Seen failing
/// ("Stuck").
#[test]
fn a_listener_bound_before_the_dumper_is_not_stuck() {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let own = runners_own();
    let text = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut dumps_of = TaskDumps::new(tracker.clone(), own);
        let mut main = pin!(tracker.main(async move {
            let _ = listener.accept().await;
        }));
        tokio::select! {
            biased;
            () = sleep(Duration::from_millis(100)) => {}
            () = &mut main => return "main ended".to_owned(),
        }
        match dumps_of.dump_twice(main.as_mut()).await {
            Twice::Both(report) => renumbered(report).render(&names_label),
            Twice::Finished(()) | Twice::FinishedBetween(..) => "main ended".to_owned(),
        }
    });
    expect("a_listener_bound_before_the_dumper_is_not_stuck", &text);
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

/// A task woken now and then from a `std::thread` is not stuck, though
/// nothing moved between two dumps a beat apart: the thread may wake it
/// again. Seen failing ("Stuck") with the wakes from outside not counted.
#[test]
fn a_task_a_thread_outside_wakes_is_not_stuck() {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let own = runners_own();
    let (values, mut received) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (go, told) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        // One value when told, then none until the test ends.
        while told.recv().is_ok() {
            let _ = values.send(());
        }
    });
    let text = runtime.block_on(async {
        let mut dumps_of = TaskDumps::new(tracker.clone(), own);
        let (got, has_got) = oneshot::channel();
        let consumer = tokio::spawn(async move {
            let _ = received.recv().await;
            let _ = got.send(());
            while received.recv().await.is_some() {}
        });
        // The consumer waits in `recv`, then the thread wakes it.
        tokio::task::yield_now().await;
        go.send(()).unwrap();
        has_got.await.unwrap();
        let mut main = pin!(tracker.main(async move {
            let _ = consumer.await;
        }));
        match dumps_of.dump_twice(main.as_mut()).await {
            Twice::Both(report) => renumbered(report).render(&names_label),
            Twice::Finished(_) | Twice::FinishedBetween(..) => "main ended".to_owned(),
        }
    });
    drop(go);
    thread.join().unwrap();
    expect_on_the_real_clock("a_task_a_thread_outside_wakes_is_not_stuck", &text);
}

/// A function of the program that joins a lock it already holds: a `join!`
/// runs as a closure of the function, compiled from Tokio's macro file. The
/// recipe, whose module is its crate, named the wait by that function
/// (`waits in task_dump::program`), the runner by `Mutex::lock`: seen
/// failing in [`dump_at`]'s comparison.
async fn program() {
    let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let _held = a.lock().await;
    let _ = tokio::join!(a.lock(), b.lock());
}

#[test]
fn a_join_in_a_function_of_the_program_waits_in_what_it_joins() {
    let text = dump_at(program, Duration::from_millis(500), Dumps::Once);
    expect(
        "a_join_in_a_function_of_the_program_waits_in_what_it_joins",
        &text,
    );
}

/// What Tokio's own code makes for the program (a lock by `Default`, an
/// interval's sleep, a task a `JoinSet` collects) is named as made inside
/// Tokio, not by Tokio's file, which Tokio's span gives: where the program
/// called it, the run can't tell. Seen failing ("made at
/// tokio-1.54.1/src/sync/mutex.rs:806").
#[test]
fn what_tokio_makes_for_the_program_is_not_named_by_tokios_file() {
    let main = || async {
        let lock: Arc<Mutex<u32>> = Arc::default();
        let holder = tokio::spawn(hold(Arc::clone(&lock)));
        let collected: tokio::task::JoinSet<()> =
            std::iter::once(sleep(Duration::from_secs(2))).collect();
        let mut ticks = tokio::time::interval(Duration::from_secs(3));
        ticks.tick().await;
        ticks.tick().await;
        let _ = holder.await;
        collected.join_all().await;
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Once);
    assert!(!text.contains("tokio-1"), "{text}");
    expect(
        "what_tokio_makes_for_the_program_is_not_named_by_tokios_file",
        &text,
    );
}

/// A lock a lazy initializer made, as a `static`'s is: its borrowed guard
/// can be handed on, so the dump says only that a task took it. Seen
/// failing with every lock's stack taken as not lazy.
static SHARED: std::sync::LazyLock<Mutex<u32>> = std::sync::LazyLock::new(|| Mutex::new(0));

#[test]
fn a_static_lock_is_only_taken() {
    let main = || async {
        let holder = tokio::spawn(async {
            let _guard = SHARED.lock().await;
            sleep(Duration::from_secs(1)).await;
        });
        let _ = holder.await;
    };
    // Once: a `static` is made once a process, and a second run of the
    // program would not see it made.
    let own = runners_own();
    let text = dump_with(main(), Duration::from_millis(500), Dumps::Once, own);
    expect("a_static_lock_is_only_taken", &text);
}

/// What one stack a place costs: a place that made a `static`'s lock first
/// makes its later locks look like a `static`'s, whose guards may have
/// moved, so a deadlock through them is "Can't tell", never a deadlock the
/// run did not see. Was "Deadlock" while each lock of such a place had its
/// own stack.
fn account() -> Mutex<u32> {
    Mutex::new(0)
}

static FIRST_MADE: std::sync::LazyLock<Mutex<u32>> = std::sync::LazyLock::new(account);

#[test]
fn locks_made_where_a_static_was_made_first_look_like_a_statics() {
    let main = || async {
        std::sync::LazyLock::force(&FIRST_MADE);
        let (a, b) = (Arc::new(account()), Arc::new(account()));
        let one = tokio::spawn(lock_both(Arc::clone(&a), Arc::clone(&b)));
        let other = tokio::spawn(lock_both(b, a));
        let _ = tokio::join!(one, other);
    };
    // Once: a `static` is made once a process.
    let own = runners_own();
    let text = dump_with(main(), Duration::from_millis(500), Dumps::Once, own);
    expect(
        "locks_made_where_a_static_was_made_first_look_like_a_statics",
        &text,
    );
}

/// The stack a lock was made on is taken once for each place that makes
/// locks, not for each lock: it costs tens of microseconds and kilobytes.
/// And it is not read as locks are made: the first read in a process loads
/// the program's debug info (80 ms). Seen failing with one taken for each
/// lock, and with the first read when the place made its second.
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
    assert!(
        !stacks[0].read(),
        "the stack was read as the locks were made"
    );
}

/// A trace lists a task's waits in the order they were polled, and
/// `select!` polls its branches in a random order: the dump sorts them, so
/// that a `biased;` select gives the same waits with its branches either
/// way round. Seen failing with them left in the order polled (and
/// `concurrency/select_loop`'s golden dump then failed 6 runs in 6 beside
/// the other examples, passing alone).
#[test]
fn a_selects_waits_come_in_one_order_whichever_branch_is_polled_first() {
    let waits = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|line| line.starts_with("waits in"))
            .map(str::to_owned)
            .collect()
    };
    let sleep_first = || async {
        let (_keep, told) = oneshot::channel::<()>();
        tokio::select! {
            biased;
            () = sleep(Duration::from_secs(10)) => {}
            _ = told => {}
        }
    };
    let channel_first = || async {
        let (_keep, told) = oneshot::channel::<()>();
        tokio::select! {
            biased;
            _ = told => {}
            () = sleep(Duration::from_secs(10)) => {}
        }
    };
    let one = waits(&dump_at(
        sleep_first,
        Duration::from_millis(500),
        Dumps::Once,
    ));
    let other = waits(&dump_at(
        channel_first,
        Duration::from_millis(500),
        Dumps::Once,
    ));
    assert_eq!(one.len(), 2, "{one:?}");
    assert_eq!(one, other);
}

/// A task's `select!` loop polls a pinned lock wait through `&mut`, then
/// waits in a branch's body for the same lock, queued behind that wait.
/// When the holder lets go, Tokio hands the lock to the first waiter, the
/// future no one polls: at the instant of the hand-off (the holder, due to
/// run, runs before the dump) a futurelock.
#[test]
fn a_futurelock_queued_behind_a_holder_that_has_not_let_go() {
    let main = || async {
        let lock = Arc::new(Mutex::new(0));
        let busy = tokio::spawn(hold(Arc::clone(&lock)));
        let looping = tokio::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            let first = lock.lock();
            tokio::pin!(first);
            loop {
                tokio::select! {
                    biased;
                    _ = &mut first => break,
                    () = sleep(Duration::from_millis(500)) => {
                        let _second = lock.lock().await;
                    }
                }
            }
        });
        let _ = tokio::join!(busy, looping);
    };
    let text = dump_at(main, Duration::from_secs(1), Dumps::Once);
    expect(
        "a_futurelock_queued_behind_a_holder_that_has_not_let_go",
        &text,
    );
}

/// The future a `select!` loop polls through `&mut` took the lock itself
/// before a branch's body waits for it: stuck for good. The sleep in that
/// future can wake the task but not move it, as its frames show only the
/// lock: no "unless another wait ends it".
#[test]
fn a_guard_in_a_future_its_task_no_longer_polls() {
    let main = || async {
        let lock = Mutex::new(0);
        let first = async {
            let _guard = lock.lock().await;
            sleep(Duration::from_secs(1)).await;
        };
        tokio::pin!(first);
        loop {
            tokio::select! {
                biased;
                () = &mut first => break,
                () = sleep(Duration::from_millis(50)) => {
                    let _second = lock.lock().await;
                }
            }
        }
    };
    let text = dump_at(main, Duration::from_millis(200), Dumps::Once);
    expect("a_guard_in_a_future_its_task_no_longer_polls", &text);
}

/// The report of a dump taken on the paused clock as soon as `spawn` has
/// spawned its tasks, none of which has started; and whether `main` ends
/// within a second after it.
fn dump_at_once(spawn: impl FnOnce(), main: impl Future<Output = ()>) -> (String, bool) {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        spawn();
        let mut main = pin!(tracker.main(main));
        let text = match TaskDumps::new(tracker.clone(), runners_own())
            .dump(main.as_mut())
            .await
        {
            Taken::Dump(dump) => renumbered(report(&dump, None)).render(&names_label),
            Taken::Finished(()) => return ("main ended".to_owned(), true),
        };
        let ended = tokio::time::timeout(Duration::from_secs(1), main).await;
        (text, ended.is_ok())
    })
}

/// A task spawned just before the dump starts before it, not inside
/// Tokio's tracing, where its `spawn` would panic and be lost: here the
/// task it spawns answers `main`.
#[test]
fn a_task_spawned_just_before_the_dump_starts_first_and_its_spawn_is_not_lost() {
    let (answer, answered) = oneshot::channel();
    let spawn = || {
        tokio::spawn(async move {
            tokio::spawn(async move {
                let _ = answer.send(());
            });
            std::future::pending::<()>().await;
        });
    };
    let (text, ended) = dump_at_once(spawn, async {
        let _ = answered.await;
    });
    assert!(!text.contains("No frames"), "{text}");
    assert!(ended, "{text}");
}

/// More tasks spawned at the dump than it lets run, each spawning another:
/// the dump takes no frames rather than run them inside Tokio's tracing,
/// where their spawns would be lost, and every one of them runs after it.
#[test]
fn tasks_still_unstarted_after_the_yields_are_not_traced_and_none_is_lost() {
    const TASKS: usize = 3000;
    let (done, mut all_done) = tokio::sync::mpsc::unbounded_channel();
    let spawn = move || {
        for _ in 0..TASKS {
            let done = done.clone();
            tokio::spawn(async move {
                tokio::spawn(async move {
                    let _ = done.send(());
                });
            });
        }
    };
    let (text, ended) = dump_at_once(spawn, async move {
        for _ in 0..TASKS {
            all_done.recv().await.unwrap();
        }
    });
    assert!(text.contains("had still not started"), "{text}");
    assert!(ended, "{text}");
}

/// On the multi-thread runtime no dump polls `main` in Tokio's tracing mode:
/// off a worker thread, a resource it stopped there is never woken again
/// (tokio-rs/tokio#8434). Here, a `JoinSet` whose task ended before the
/// dump: the traced poll took the news and dropped it, and `main` waited for
/// good (seen failing so; the recipe's demonstration hung in 4 runs of 171).
#[cfg(taskdump)]
#[test]
fn a_multi_thread_dump_leaves_main_to_hear_what_it_waits_for() {
    use std::task::{Context, Wake, Waker};

    struct Woken(std::sync::Mutex<std::sync::mpsc::Sender<()>>);
    impl Wake for Woken {
        fn wake(self: Arc<Self>) {
            let _ = self.0.lock().unwrap().send(());
        }
    }

    // A dispatcher before the first spawn, as in every test here: while a
    // process has none, tracing-core 0.1.36 (`DefaultCallsite::register`)
    // works out whether a callsite is wanted without a lock, and can store
    // "never" after another test's new dispatcher wanted it. Without this,
    // the test beside it once missed its task's spawn (not reproduced in
    // 260 runs since).
    let tracker = Tracker::default();
    let (_default, runtime) = multi_thread(&tracker);
    let own = runners_own();
    let heard = runtime.block_on(async {
        let (finish, finished) = oneshot::channel::<()>();
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(async move {
            let _ = finished.await;
        });
        let mut main = pin!(async move { tasks.join_next().await.is_some() });
        let (wake, woken) = std::sync::mpsc::channel();
        let waker = Waker::from(Arc::new(Woken(std::sync::Mutex::new(wake))));
        assert!(
            main.as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        // The task ends, and its set tells `main`, which has not looked yet.
        finish.send(()).unwrap();
        tokio::task::spawn_blocking(move || woken.recv())
            .await
            .unwrap()
            .unwrap();
        let mut dumps = TaskDumps::new(tracker.clone(), own);
        let Taken::Dump(dump) = dumps.backtraces(main.as_mut()).await else {
            panic!("main ended in the dump");
        };
        // The report must not read "no frames" as "waits nowhere".
        assert!(dump.main_untraced && dump.main.is_empty());
        // Only a lost wake comes near this bound.
        tokio::time::timeout(Duration::from_secs(10), main).await
    });
    assert_eq!(heard, Ok(true), "main never heard that its task ended");
}

/// A tracker that is not the program's subscriber hears of nothing: here
/// not of the `std::thread` that holds the `Sender` `main` waits for, which
/// may still send. Two dumps prove no stall. Seen failing ("Stuck", "nothing
/// is left to wake a task"), as the runner's own tracker left the recipe's
/// deaf.
#[test]
fn a_tracker_that_heard_nothing_proves_no_stall() {
    let (sender, receiver) = oneshot::channel::<()>();
    let (go, told) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        let _ = told.recv();
        drop(sender);
    });
    let main = async {
        let _ = receiver.await;
    };
    let own = runners_own();
    let text = dump_on(
        &Tracker::default(),
        main,
        Duration::from_millis(100),
        Dumps::Twice,
        own,
    );
    drop(go);
    thread.join().unwrap();
    expect("a_tracker_that_heard_nothing_proves_no_stall", &text);
}

/// A timer made before the tracker heard anything (a `timeout` around the
/// program, made before `with_dumps_on_sigusr1`) is one it never counted,
/// yet the dump shows `main` in it: that sleep will wake it. Seen failing
/// ("Stuck", "nothing is left to wake a task (no timer ...)").
#[test]
fn a_sleep_the_dump_shows_is_a_timer_though_the_tracker_missed_it() {
    let tracker = Tracker::default();
    let main = {
        let tracker = tracker.clone();
        async move {
            let mut timer = pin!(sleep(Duration::from_secs(10)));
            std::future::poll_fn(|context| {
                assert!(timer.as_mut().poll(context).is_pending());
                std::task::Poll::Ready(())
            })
            .await;
            let _default = tracing::subscriber::set_default(tracker.subscriber());
            let (_approve, approval) = oneshot::channel::<()>();
            let waiting = tokio::spawn(async move {
                let _ = approval.await;
            });
            timer.await;
            waiting.abort();
        }
    };
    let text = dump_on(
        &tracker,
        main,
        Duration::from_millis(100),
        Dumps::Twice,
        runners_own(),
    );
    expect(
        "a_sleep_the_dump_shows_is_a_timer_though_the_tracker_missed_it",
        &text,
    );
}

/// A current-thread runtime, on the paused clock or the real one.
fn current_thread(paused: bool) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_all().start_paused(paused);
    builder.build().unwrap()
}

/// A multi-thread runtime of two workers, with `tracker` the default
/// subscriber of each and of this thread while the guard lives (declared
/// first, it outlives the runtime).
fn multi_thread(tracker: &Tracker) -> (tracing::dispatcher::DefaultGuard, tokio::runtime::Runtime) {
    let dispatch = tracing::Dispatch::new(tracker.subscriber());
    let default = tracing::dispatcher::set_default(&dispatch);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || std::mem::forget(tracing::dispatcher::set_default(&dispatch)))
        .build()
        .unwrap();
    (default, runtime)
}

/// The report of one dump of `main`, which still waits after a first poll.
async fn one_report<F: Future>(tracker: &Tracker, mut main: Pin<&mut F>) -> String {
    assert!(
        futures::poll!(main.as_mut()).is_pending(),
        "main ended at once"
    );
    let mut dumps = TaskDumps::new(tracker.clone(), runners_own());
    let Taken::Dump(dump) = dumps.dump(main).await else {
        panic!("main ended while it was dumped");
    };
    renumbered(report(&dump, None)).render(&names_label)
}

/// `job`, run under this thread's subscriber, which a test sets for its
/// own thread only: a blocking job's thread has none of its own.
fn with_this_subscriber<T>(job: impl FnOnce() -> T) -> impl FnOnce() -> T {
    let subscriber = tracing::dispatcher::get_default(Clone::clone);
    move || tracing::dispatcher::with_default(&subscriber, job)
}

/// The program's own code as the runner sees an example's.
fn runners_own() -> Own<'static> {
    Own {
        files: Files::One("src/tests.rs"),
        module: "tests",
    }
}

/// One branch of the `join!` tests: holds the lock while it waits in a
/// `JoinSet`'s `join_next`, which leaves no frame until a task of the set has
/// finished.
async fn holds_while_it_joins(results: &Mutex<Vec<u32>>, mut workers: tokio::task::JoinSet<u32>) {
    let mut results = results.lock().await;
    while let Some(Ok(result)) = workers.join_next().await {
        results.push(result);
    }
}

/// Two workers that end after 2 s.
fn sleepers() -> tokio::task::JoinSet<u32> {
    let mut workers = tokio::task::JoinSet::new();
    for id in 0..2 {
        workers.spawn(async move {
            sleep(Duration::from_secs(2)).await;
            id
        });
    }
    workers
}

/// The other branch: waits for the lock [`holds_while_it_joins`] holds.
async fn waits_for_the_lock(results: &Mutex<Vec<u32>>) {
    sleep(Duration::from_millis(10)).await;
    let _results = results.lock().await;
}

/// A `join!` one branch of which holds the lock its sibling waits for, while
/// it waits in a `JoinSet`'s `join_next` (no frame until a task of the set
/// has finished): the workers end, the holder lets the lock go and `main`
/// moves. Seen failing ("Deadlock: main waits only for a lock it holds
/// itself"), from a program a review wrote.
#[test]
fn a_join_whose_hidden_branch_holds_the_lock_cant_tell() {
    let main = || async {
        let results = Mutex::new(Vec::new());
        tokio::join!(
            holds_while_it_joins(&results, sleepers()),
            waits_for_the_lock(&results)
        );
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Once);
    expect("a_join_whose_hidden_branch_holds_the_lock_cant_tell", &text);
}

/// A task waits for a lock a `std::thread` holds (`blocking_lock`), which it
/// will let go: nothing the runtime counts will wake the task, but that
/// thread may. Seen failing ("Stuck", under a report that said the lock was
/// "held by a thread outside the runtime").
#[test]
fn a_lock_a_thread_outside_holds_is_not_stuck() {
    let tracker = Tracker::default();
    let dispatch = tracing::Dispatch::new(tracker.subscriber());
    let _default = tracing::dispatcher::set_default(&dispatch);
    let config = Arc::new(Mutex::new(0));
    let (locked, is_locked) = std::sync::mpsc::channel::<()>();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn({
        let config = Arc::clone(&config);
        move || {
            let _default = tracing::dispatcher::set_default(&dispatch);
            let _held = config.blocking_lock();
            locked.send(()).unwrap();
            let _ = released.recv();
        }
    });
    is_locked.recv().unwrap();
    let main = async move {
        let reader = tokio::spawn(async move {
            let _config = config.lock().await;
        });
        let _ = reader.await;
    };
    let text = dump_on(
        &tracker,
        main,
        Duration::from_millis(100),
        Dumps::Twice,
        runners_own(),
    );
    drop(release);
    thread.join().unwrap();
    expect("a_lock_a_thread_outside_holds_is_not_stuck", &text);
}

/// `main` ended between the two dumps: what the first showed of `main`
/// (here a wait for a lock it holds itself, beside a timer) gets no
/// verdict, as `main` was moving. Seen failing: the first dump's verdict
/// alone was printed, "Deadlock" for a review's program that ended on the
/// same tick.
#[test]
fn a_dump_after_which_main_ends_gives_no_verdict() {
    let text = dumped_as_main_ends(async {
        let lock = Mutex::new(0);
        let _held = lock.lock().await;
        tokio::select! {
            _ = lock.lock() => {}
            () = sleep(Duration::from_millis(150)) => {}
        }
    });
    expect("a_dump_after_which_main_ends_gives_no_verdict", &text);
}

/// The report of dumps at 0.1 s of the paused clock, a beat apart, of
/// `main`, which ends between them.
fn dumped_as_main_ends(main: impl Future<Output = ()>) -> String {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    let (runtime, own) = (current_thread(true), runners_own());
    runtime.block_on(async {
        let mut main = pin!(tracker.main(main));
        let mut dumps_of = TaskDumps::new(tracker.clone(), own);
        tokio::select! {
            biased;
            () = sleep(Duration::from_millis(100)) => {}
            () = &mut main => return "main ended before the first dump".to_owned(),
        }
        match dumps_of.dump_twice(main.as_mut()).await {
            Twice::FinishedBetween(report, ()) => renumbered(report).render(&names_label),
            Twice::Both(_) => "no end between the dumps".to_owned(),
            Twice::Finished(()) => "main ended before the first dump".to_owned(),
        }
    })
}

/// `main` itself woken now and then from a `std::thread` is not stuck,
/// though nothing moved between two dumps a beat apart: Tokio counts a
/// wake from outside of a task, not of the future `block_on` polls. Seen
/// failing ("Stuck") in a review's program, whose thread sent `main` a
/// value every 0.3 s.
#[test]
fn main_woken_by_a_thread_outside_is_not_stuck() {
    let tracker = Tracker::default();
    let _default = tracing::subscriber::set_default(tracker.subscriber());
    let (runtime, own) = (current_thread(false), runners_own());
    let (values, mut received) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (go, told) = std::sync::mpsc::channel::<()>();
    let handle = runtime.handle().clone();
    let thread = std::thread::spawn(move || {
        // Inside the runtime's context, as `Handle::block_on` or a
        // blocking job is, yet not its thread: a review's first fix
        // counted only threads with no context.
        let _context = handle.enter();
        // One value when told, then none until the test ends.
        while told.recv().is_ok() {
            let _ = values.send(());
        }
    });
    let text = runtime.block_on(async {
        let mut dumps_of = TaskDumps::new(tracker.clone(), own);
        let (got, has_got) = std::sync::mpsc::channel::<()>();
        let mut main = pin!(tracker.main(async move {
            while received.recv().await.is_some() {
                let _ = got.send(());
            }
        }));
        // `main` waits in `recv`, then the thread wakes it, and it waits again.
        assert!(futures::poll!(main.as_mut()).is_pending());
        go.send(()).unwrap();
        while has_got.try_recv().is_err() {
            std::thread::sleep(Duration::from_millis(1));
            assert!(futures::poll!(main.as_mut()).is_pending());
        }
        match dumps_of.dump_twice(main.as_mut()).await {
            Twice::Both(report) => renumbered(report).render(&names_label),
            Twice::Finished(()) | Twice::FinishedBetween(..) => "main ended".to_owned(),
        }
    });
    drop(go);
    thread.join().unwrap();
    expect_on_the_real_clock("main_woken_by_a_thread_outside_is_not_stuck", &text);
}

/// Tasks deadlocked on each other stay so when `main` ends between the two
/// dumps (gives up on them, say): their verdict stands, as one dump shows it.
/// Seen failing ("No verdict: `main` ended"), in a review's program.
#[test]
fn tasks_deadlocked_while_main_ends_keep_their_verdict() {
    let text = dumped_as_main_ends(async {
        let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
        let one = tokio::spawn(lock_both(Arc::clone(&a), Arc::clone(&b)));
        let two = tokio::spawn(lock_both(b, a));
        sleep(Duration::from_millis(150)).await;
        one.abort();
        two.abort();
    });
    expect("tasks_deadlocked_while_main_ends_keep_their_verdict", &text);
}

/// [`a_join_whose_hidden_branch_holds_the_lock_cant_tell`] with `futures`'
/// `join!`, whose closure is compiled from futures-util's macro file. Seen
/// failing ("Deadlock") in a review's program.
#[test]
fn a_futures_join_whose_hidden_branch_holds_the_lock_cant_tell() {
    let main = || async {
        let results = Mutex::new(Vec::new());
        futures::join!(
            holds_while_it_joins(&results, sleepers()),
            waits_for_the_lock(&results)
        );
    };
    let text = dump_at(main, Duration::from_millis(500), Dumps::Once);
    expect(
        "a_futures_join_whose_hidden_branch_holds_the_lock_cant_tell",
        &text,
    );
}
