//! Folding backtraces and drawing the dump tree, against the text files beside them.

use std::fmt::Write as _;

use super::*;

/// The cases of `fold.txt`, each `=>` line computed anew from the frames
/// above it.
#[test]
fn backtraces_fold_as_fold_txt_says() {
    let source = Source {
        path: "/w/crates/pitfalls/src/deadlock.rs",
        module: "deadlock",
    };
    let (mut actual, mut frames) = (String::new(), Vec::new());
    for line in include_str!("fold.txt").lines() {
        if line.starts_with("=> ") {
            let wait = fold(&std::mem::take(&mut frames), source);
            let own: String = wait
                .frames
                .iter()
                .map(|p| format!("{} at {}; ", p.function, p.at))
                .collect();
            let _ = writeln!(actual, "=> {own}waits in {}", wait.leaf);
            continue;
        }
        let _ = writeln!(actual, "{line}");
        match line.split_once(' ') {
            Some(("-", function)) => frames.push(Frame::new(function, None, None)),
            Some((at, function)) if !line.starts_with('#') => {
                let (file, number) = at.rsplit_once(':').unwrap();
                frames.push(Frame::new(function, Some(file), number.parse().ok()));
            }
            _ => {}
        }
    }
    snapbox::assert_data_eq!(actual, snapbox::file!["fold.txt"]);
}

#[test]
fn names_lose_hashes_generics_and_trait_paths() {
    assert_eq!(
        simplify(
            "<tokio::sync::mpsc::bounded::Receiver<alloc::vec::Vec<u8>> as core::future::future::Future>::poll::h0123456789abcdef"
        ),
        "tokio::sync::mpsc::bounded::Receiver::poll"
    );
    assert_eq!(simplify("{async_fn#0}<u32>"), "{{closure}}");
    let bank = own_name(
        "<pitfalls::deadlock::Bank>::transfer::{{closure}}",
        "deadlock",
    );
    assert_eq!(bank, "Bank::transfer");
}

fn task(who: Who, place: &str, waits: Vec<Wait>) -> TaskDump {
    let place = place.into();
    TaskDump {
        who,
        place,
        parent: None,
        spawned_at: None,
        waits,
    }
}

#[test]
fn tasks_that_wait_alike_are_one_entry_and_many_are_cut_short() {
    let waits = vec![Wait {
        frames: vec![],
        leaf: "Semaphore::acquire".into(),
    }];
    let alike = (1..=5).map(|n| {
        task(
            Who::Task(n),
            "line 9: tokio::spawn(worker())",
            waits.clone(),
        )
    });
    let text = render(&alike.collect::<Vec<_>>(), None, &["A note.".into()], None);
    assert!(
        text.starts_with("\n#1 to #5 (5 tasks) line 9: tokio::spawn(worker())\n"),
        "{text}"
    );
    assert!(text.ends_with("\n\nA note.\n"), "{text}");
    let many = (1..=30).map(|n| task(Who::Task(n), &format!("line {n}: spawn"), waits.clone()));
    let text = render(&many.collect::<Vec<_>>(), None, &[], None);
    assert!(text.ends_with("\n... and 6 more tasks\n"), "{text}");
}

/// A file with a handle awaited, a set spawned into, and two locks taken
/// one after the other.
const FILE: &str = include_str!("example.txt");

fn spawned(number: usize, parent: Who, line: usize, waits: Vec<Wait>) -> TaskDump {
    let code = FILE.lines().nth(line - 1).unwrap().trim().to_owned();
    let (who, place) = (Who::Task(number), format!("line {line}: {code}"));
    TaskDump {
        who,
        place,
        parent: Some(parent),
        spawned_at: Some((line, code)),
        waits,
    }
}

fn at(function: &str, line: u32, leaf: &str) -> Wait {
    let place = Place {
        function: function.into(),
        at: format!("file.rs:{line}"),
    };
    Wait {
        frames: vec![place],
        leaf: leaf.into(),
    }
}

/// Each task under its spawner (`#3`'s has ended), the handle `main`
/// awaits named, the guards held, and a lock cycle that may be one.
#[test]
fn spawned_tasks_sit_under_their_spawner_and_the_awaited_handle_is_named() {
    let tasks = [
        task(Who::Main, "run()", vec![at("run", 17, "JoinHandle")]),
        spawned(1, Who::Main, 15, vec![at("transfer", 4, "Mutex::lock")]),
        spawned(2, Who::Main, 16, vec![at("transfer", 4, "Mutex::lock")]),
        spawned(3, Who::Task(7), 19, vec![at("consume", 9, "Mutex::lock")]),
    ];
    snapbox::assert_data_eq!(
        render(&tasks, Some(("file.rs", FILE)), &[], None),
        snapbox::file!["render.txt"]
    );
    // Taken twice, a beat apart: a cycle one of whose tasks moved is none.
    let mut earlier = tasks.clone();
    earlier[2].waits = vec![at("transfer", 3, "sleep")];
    let moved = render(&tasks, Some(("file.rs", FILE)), &[], Some(&earlier));
    assert!(moved.ends_with("\nNo deadlock: tasks moved between two dumps 0.1s apart.\n"));
}

/// Of two dumps a beat apart, only the tasks of the cycle are compared: a
/// task outside it that moved (a ticker), or a task that ended, frees none.
#[test]
fn a_task_outside_the_cycle_that_moved_leaves_it_a_deadlock() {
    let ticker = |line| spawned(3, Who::Main, 19, vec![at("consume", line, "sleep")]);
    let tasks = [
        task(Who::Main, "run()", vec![at("run", 17, "JoinHandle")]),
        spawned(1, Who::Main, 15, vec![at("transfer", 4, "Mutex::lock")]),
        spawned(2, Who::Main, 16, vec![at("transfer", 4, "Mutex::lock")]),
        ticker(10),
    ];
    let mut earlier = tasks.to_vec();
    earlier[3] = ticker(11);
    earlier.push(spawned(4, Who::Main, 19, vec![]));
    let text = render(&tasks, Some(("file.rs", FILE)), &[], Some(&earlier));
    assert!(
        text.ends_with(
            "\nDeadlock: each of #1 and #2 waits only for one of them, so none of them will \
             ever move, and none moved between two dumps 0.1s apart.\n"
        ),
        "{text}"
    );
}

/// A lock waited for that no task holds is a futurelock, though another
/// lock is held: here #1 holds `a.balance` and waits for `b.balance`.
#[test]
fn a_futurelock_is_named_though_another_lock_is_held() {
    let tasks = [
        task(Who::Main, "run()", vec![at("run", 17, "JoinHandle")]),
        spawned(1, Who::Main, 15, vec![at("transfer", 4, "Mutex::lock")]),
    ];
    let text = render(&tasks, Some(("file.rs", FILE)), &[], None);
    assert!(
        text.contains(
            "\n  #1 holds a.balance.lock() (line 2); waits for b.balance.lock()\nA futurelock, \
             by the look of it: #1 waits for b.balance.lock(), and no task holds it."
        ),
        "{text}"
    );
}

#[test]
fn no_handle_named_no_guard_held_nothing_claimed() {
    // main waits in a JoinHandle at a line that names neither spawned
    // task's handle; the guard at line 2 is not held in `consume`, and a
    // dropped one is not held at all.
    let tasks = [
        task(Who::Main, "run()", vec![at("run", 18, "JoinHandle")]),
        spawned(1, Who::Main, 16, vec![at("consume", 11, "sleep")]),
    ];
    let text = render(&tasks, Some(("file.rs", FILE)), &[], None);
    assert!(!text.contains("awaited by"), "{text}");
    assert!(!text.contains("holds"), "{text}");
    let code = code::Code::new(FILE);
    assert_eq!(code.held("transfer", 3, true).len(), 1);
    assert_eq!(code.held("transfer", 5, true).len(), 2);
    assert!(code.held("consume", 11, true).is_empty());
    assert_eq!(code.taking(4).as_deref(), Some("to.balance.lock()"));
    // A guard taken over three lines, as rustfmt writes a long receiver.
    assert_eq!(code.held("book", 26, true)[0].lock, "ledger.lock()");
    assert_eq!(code.scope("async block in run", 17), None);
    assert_eq!(code.scope("run", 17), Some(14));
}

/// A `run` that waits on a stream of spawned jobs (worker_pool's shape), and
/// a task spawned with a block that waits on `join_all`.
const STREAMS: &str = "\
pub async fn run() {
    let results = pool(inputs);
    let mut results = std::pin::pin!(results);
    let side = tokio::spawn(async move {
        let mut more = stream::iter(jobs).buffered(2);
        more.next().await;
        join_all(handles).await
    });
    while let Some(result) = results.next().await {
        println!(\"{result}\");
    }
}
";

/// A wait a dump can't see (no Tokio future woke in a `buffered` stream)
/// is read from the code where the body has one such `.await`, and
/// claimed nowhere else.
#[test]
fn main_waiting_on_a_stream_is_read_from_the_code() {
    let side = TaskDump {
        who: Who::Task(1),
        place: "line 4: let side = tokio::spawn(async move {".into(),
        parent: Some(Who::Main),
        spawned_at: Some((4, "let side = tokio::spawn(async move {".into())),
        waits: vec![],
    };
    let tasks = [task(Who::Main, "run()", vec![]), side];
    let text = render(&tasks, Some(("streams.rs", STREAMS)), &[], None);
    assert!(
        text.contains(
            "\nmain run()\n  run at streams.rs:9 (read from the code: a wait on futures none of \
             which has woken leaves no frame in a dump)\n    waits in results.next()\n"
        ),
        "{text}"
    );
    // The spawned block has two `.await`s: which one it is at, the code
    // can't say.
    assert!(
        text.contains("\n  #1 line 4: let side = tokio::spawn(async move {\n    waits where"),
        "{text}"
    );
    // Nor where `run` awaits a call first, which may wait unseen itself.
    let two = STREAMS.replace(
        "let results = pool(inputs);",
        "let results = pool(inputs).await;",
    );
    let text = render(&tasks[..1], Some(("streams.rs", &two)), &[], None);
    assert!(text.contains("\nmain run()\n  waits where"), "{text}");
}

/// A lock waited for that no named guard holds, beside a guard the code
/// can't name (which may be that lock): no futurelock, and no "no deadlock"
/// either, as that guard may close a cycle.
#[test]
fn a_wait_that_a_guard_without_a_name_may_hold_gets_no_verdict() {
    let tasks = [
        task(Who::Main, "run()", vec![at("run", 17, "JoinHandle")]),
        spawned(1, Who::Main, 15, vec![at("transfer", 4, "Mutex::lock")]),
        spawned(3, Who::Main, 19, vec![at("consume", 9, "Receiver::recv")]),
    ];
    let text = render(&tasks, Some(("file.rs", FILE)), &[], None);
    assert!(
        text.ends_with(
            "\nNo verdict: #1 waits for b.balance.lock(), which no guard the code names holds; \
             one it can't name may.\n"
        ),
        "{text}"
    );
}

/// `main` waits in a future made on another line than the one that polls
/// it (futurelock's `&mut first`), so the dump can't follow `queue` back to
/// a lock: #1's guard may be the one.
#[test]
fn a_wait_for_a_lock_the_dump_cannot_trace_names_who_may_hold_it() {
    let mut wait = at("run", 17, "Mutex::lock");
    wait.frames.push(Place {
        function: "consume".into(),
        at: "file.rs:9".into(),
    });
    let tasks = [
        task(Who::Main, "run()", vec![wait]),
        spawned(1, Who::Main, 15, vec![at("transfer", 3, "sleep")]),
    ];
    let text = render(&tasks, Some(("file.rs", FILE)), &[], None);
    assert!(
        text.ends_with(
            "\nNo verdict: main waits for queue.lock(), and the dump can't follow that name \
             to the lock it was made from, so it may be one held by #1.\n"
        ),
        "{text}"
    );
}
