use super::*;

const EXAMPLE: &str = "/w/crates/pitfalls/src/deadlock.rs";
const TOKIO: &str = "/r/tokio-1.54.1/src";
const SOURCE: Source<'static> = Source {
    path: EXAMPLE,
    module: "deadlock",
};

fn own(function: &str, line: u32) -> Frame {
    Frame::new(function, Some(EXAMPLE), Some(line))
}

fn lib(function: &str, file: &str, line: u32) -> Frame {
    Frame::new(function, Some(&format!("{TOKIO}/{file}")), Some(line))
}

/// A symbol from a dependency built without debug info: a name, no file.
fn symbol(function: &str) -> Frame {
    Frame::new(function, None, None)
}

/// A task stuck on its second lock, as Tokio 1.54.1 resolves it in a
/// workspace binary, innermost last (the order `fold` takes).
fn second_lock() -> Vec<Frame> {
    vec![
        own(
            "pitfalls::deadlock::transfer::{{closure}}::h175c21b33d63ee21",
            25,
        ),
        lib(
            "tokio::sync::mutex::Mutex<T>::lock::{{closure}}::head0be000abb74bb",
            "sync/mutex.rs",
            455,
        ),
        lib(
            "tokio::sync::mutex::Mutex<T>::lock::{{closure}}::{{closure}}::ha71b8a84dee44f3b",
            "sync/mutex.rs",
            436,
        ),
        lib(
            "tokio::sync::mutex::Mutex<T>::acquire::{{closure}}::h9b2b94acd45e02f6",
            "sync/mutex.rs",
            658,
        ),
        symbol(
            "<tokio::sync::batch_semaphore::Acquire as core::future::future::Future>::poll::h190fc96f2f01b4ac",
        ),
    ]
}

#[test]
fn a_lock_folds_to_the_call_the_example_made() {
    let wait = fold(&second_lock(), SOURCE);
    assert_eq!(
        wait,
        Wait {
            frames: vec![Place {
                function: "transfer".into(),
                at: "deadlock.rs:25".into()
            }],
            leaf: "Mutex::lock".into(),
        }
    );
}

#[test]
fn frames_above_the_example_and_between_its_own_are_dropped() {
    let mut frames = vec![
        symbol(
            "<tokio::runtime::task::trace::Root<T> as core::future::future::Future>::poll::h1111111111111111",
        ),
        Frame::new(
            "pitfalls::main::{{closure}}::{{closure}}",
            Some("/w/crates/pitfalls/src/main.rs"),
            Some(12),
        ),
        own(
            "pitfalls::deadlock::run::{{closure}}::h2222222222222222",
            61,
        ),
        symbol(
            "<tokio::time::timeout::Timeout<T> as core::future::future::Future>::poll::h3333333333333333",
        ),
        own(
            "pitfalls::deadlock::run::{{closure}}::{{closure}}::h4444444444444444",
            52,
        ),
    ];
    frames.extend(second_lock());
    let wait = fold(&frames, SOURCE);
    let functions: Vec<&str> = wait.frames.iter().map(|p| p.function.as_str()).collect();
    assert_eq!(functions, ["run", "async block in run", "transfer"]);
    assert_eq!(wait.frames[0].at, "deadlock.rs:61");
    assert_eq!(wait.leaf, "Mutex::lock");
}

#[test]
fn leaves_are_named_as_a_reader_calls_them() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "tokio::sync::mpsc::bounded::Receiver<T>::recv::{{closure}}::he1d89be5fc8650d6",
                "<core::future::poll_fn::PollFn<F> as core::future::future::Future>::poll::h01617d7177916ad4",
                "tokio::sync::mpsc::bounded::Receiver<T>::recv::{{closure}}::{{closure}}::h8b541495ab595579",
                "tokio::sync::mpsc::chan::Rx<T,S>::recv::h6f6442b486e8f5d1",
            ],
            "mpsc::Receiver::recv",
        ),
        (
            &[
                "<tokio::time::timeout::Timeout<T> as core::future::future::Future>::poll::hc879f91242d8ade0",
                "tokio::time::timeout::poll_delay::h7fee2abf85b3705f",
                "tokio::time::timeout::poll_delay::{{closure}}::h4195330a92ed24e9",
                "<tokio::time::sleep::Sleep as core::future::future::Future>::poll::hfcd31ed0a1b085c7",
                "tokio::time::sleep::Sleep::poll_elapsed::h5a7ec8a64ecbffe9",
            ],
            "timeout › sleep",
        ),
        (
            &[
                "<tokio::time::timeout::Timeout<T> as core::future::future::Future>::poll::hc879f91242d8ade0",
                "tokio::sync::mpsc::bounded::Receiver<T>::recv::{{closure}}::he1d89be5fc8650d6",
            ],
            "timeout › mpsc::Receiver::recv",
        ),
        (
            &[
                "<&mut F as core::future::future::Future>::poll::h1234567890abcdef",
                "<tokio::runtime::task::join::JoinHandle<T> as core::future::future::Future>::poll::h1234567890abcdef",
                "tokio::runtime::task::raw::RawTask::try_read_output::h1234567890abcdef",
            ],
            "JoinHandle",
        ),
        (
            &[
                "<tokio::sync::notify::Notified as core::future::future::Future>::poll::h1234567890abcdef",
            ],
            "Notify::notified",
        ),
        (
            &[
                "tokio::sync::semaphore::Semaphore::acquire::{{closure}}::h1234567890abcdef",
                "<tokio::sync::batch_semaphore::Acquire as core::future::future::Future>::poll::h1234567890abcdef",
            ],
            "Semaphore::acquire",
        ),
        (
            &[
                "<tokio::sync::oneshot::Receiver<T> as core::future::future::Future>::poll::h1234567890abcdef",
            ],
            "oneshot::Receiver",
        ),
        (
            &[
                "<tokio_util::sync::cancellation_token::WaitForCancellationFuture as core::future::future::Future>::poll::h1234567890abcdef",
            ],
            "CancellationToken::cancelled",
        ),
        (
            &["tokio::task::yield_now::yield_now::{{closure}}"],
            "yield_now",
        ),
        (
            &[
                // `select!` expands to a closure of the example's own
                // function, compiled from Tokio's macro file.
                "pitfalls::deadlock::worker::{{closure}}::{{closure}}",
                "tokio::sync::mpsc::bounded::Receiver<T>::recv::{{closure}}",
            ],
            "mpsc::Receiver::recv",
        ),
        (
            &[
                "<futures_util::future::future::map::Map<Fut,F> as core::future::future::Future>::poll",
                "<reqwest::async_impl::client::Pending as core::future::future::Future>::poll",
            ],
            "reqwest::Pending",
        ),
        (
            &["<core::pin::Pin<P> as core::future::future::Future>::poll"],
            "a library future",
        ),
    ];
    for (names, expected) in cases {
        let mut frames = vec![own("pitfalls::deadlock::run::{{closure}}", 10)];
        frames.extend(names.iter().map(|name| symbol(name)));
        assert_eq!(fold(&frames, SOURCE).leaf, *expected, "{names:?}");
    }
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
    assert_eq!(
        own_name(
            "<pitfalls::deadlock::Bank>::transfer::{{closure}}",
            "deadlock"
        ),
        "Bank::transfer"
    );
}

#[test]
fn a_task_with_no_own_frame_still_names_its_leaf() {
    let frames = &second_lock()[1..];
    let wait = fold(frames, SOURCE);
    assert!(wait.frames.is_empty());
    assert_eq!(wait.leaf, "Mutex::lock");
}

fn task(who: Who, place: &str, waits: Vec<Wait>) -> TaskDump {
    TaskDump {
        who,
        place: place.into(),
        parent: None,
        spawned_at: None,
        waits,
    }
}

#[test]
fn the_text_is_a_tree_of_own_frames_with_the_leaves_innermost() {
    let run = Place {
        function: "run".into(),
        at: "deadlock.rs:61".into(),
    };
    let left = Place {
        function: "left".into(),
        at: "deadlock.rs:20".into(),
    };
    let right = Place {
        function: "right".into(),
        at: "deadlock.rs:30".into(),
    };
    let wait = |frames: Vec<Place>, leaf: &str| Wait {
        frames,
        leaf: leaf.into(),
    };
    let tasks = [
        task(
            Who::Main,
            "run()",
            vec![
                wait(vec![run.clone(), left.clone()], "Mutex::lock"),
                wait(vec![run.clone(), right.clone()], "sleep"),
            ],
        ),
        task(
            Who::Task(1),
            "line 44: tokio::spawn(a())",
            vec![wait(vec![left.clone()], "Mutex::lock")],
        ),
        task(Who::Task(2), "line 45: tokio::spawn(b())", vec![]),
    ];
    let text = render(&tasks, None, &["A note.".into()]);
    assert_eq!(
        text,
        "
main run()
  run at deadlock.rs:61
    left at deadlock.rs:20
      waits in Mutex::lock
    right at deadlock.rs:30
      waits in sleep

#1 line 44: tokio::spawn(a())
  left at deadlock.rs:20
    waits in Mutex::lock

#2 line 45: tokio::spawn(b())
  waits where a task dump can't see: in a JoinSet none of whose tasks has finished, in a future that is not Tokio's, or on nothing that will ever wake it (std::future::pending)

A note.
"
    );
}

#[test]
fn tasks_that_wait_alike_are_one_entry_and_many_are_cut_short() {
    let waits = vec![Wait {
        frames: vec![],
        leaf: "Semaphore::acquire".into(),
    }];
    let tasks: Vec<TaskDump> = (1..=5)
        .map(|n| {
            task(
                Who::Task(n),
                "line 9: tokio::spawn(worker())",
                waits.clone(),
            )
        })
        .collect();
    let text = render(&tasks, None, &[]);
    assert!(
        text.starts_with("\n#1 to #5 (5 tasks) line 9: tokio::spawn(worker())\n"),
        "{text}"
    );
    let many: Vec<TaskDump> = (1..=30)
        .map(|n| task(Who::Task(n), &format!("line {n}: spawn"), waits.clone()))
        .collect();
    let text = render(&many, None, &[]);
    assert!(text.ends_with("\n... and 6 more tasks\n"), "{text}");
}

/// A file with a handle awaited, a set spawned into, and two locks taken
/// one after the other.
const FILE: &str = "\
async fn transfer(from: Arc<Account>, to: Arc<Account>) {
    let mut source = from.balance.lock().await;
    sleep(Duration::from_millis(100)).await;
    let mut destination = to.balance.lock().await;
}

async fn consume(queue: Arc<Mutex<Receiver<u32>>>) {
    loop {
        let next = queue.lock().await.recv().await; // takes the lock, then waits
        drop(next);
    }
}

pub async fn run() {
    let handle = tokio::spawn(transfer(a(), b()));
    let other = tokio::spawn(transfer(b(), a()));
    handle.await;
    let mut set = JoinSet::new();
    set.spawn(consume(queue()));
}
";

fn spawned(number: usize, parent: Who, line: usize, waits: Vec<Wait>) -> TaskDump {
    let code = FILE.lines().nth(line - 1).unwrap().trim().to_owned();
    TaskDump {
        who: Who::Task(number),
        place: format!("line {line}: {code}"),
        parent: Some(parent),
        spawned_at: Some((line, code)),
        waits,
    }
}

fn at(function: &str, line: u32, leaf: &str) -> Wait {
    Wait {
        frames: vec![Place {
            function: function.into(),
            at: format!("file.rs:{line}"),
        }],
        leaf: leaf.into(),
    }
}

#[test]
fn spawned_tasks_sit_under_their_spawner_and_the_awaited_handle_is_named() {
    let tasks = [
        TaskDump {
            parent: None,
            ..task(Who::Main, "run()", vec![at("run", 17, "JoinHandle")])
        },
        spawned(1, Who::Main, 15, vec![at("transfer", 4, "Mutex::lock")]),
        spawned(2, Who::Main, 16, vec![at("transfer", 4, "Mutex::lock")]),
        spawned(3, Who::Task(7), 19, vec![at("consume", 9, "Mutex::lock")]),
    ];
    let text = render(&tasks, Some(FILE), &[]);
    let expected = "
main run()
  run at file.rs:17
    waits in JoinHandle

  #1 line 15: let handle = tokio::spawn(transfer(a(), b()));
    awaited by main at file.rs:17 in JoinHandle
    transfer at file.rs:4
      waits in Mutex::lock
    holds the lock it took at file.rs:2: from.balance.lock()

  #2 line 16: let other = tokio::spawn(transfer(b(), a()));
    transfer at file.rs:4
      waits in Mutex::lock
    holds the lock it took at file.rs:2: from.balance.lock()

#3 line 19: set.spawn(consume(queue()));
  spawned by #7, which has ended
  consume at file.rs:9
    waits in Mutex::lock

Maybe a deadlock: #1 and #2 each hold a lock and wait for a lock.
  #1 holds from.balance.lock() from line 2, waits for to.balance.lock() at line 4
  #2 holds from.balance.lock() from line 2, waits for to.balance.lock() at line 4
If #1 waits for the lock #2 holds and #2 for the one #1 holds, neither will ever move.";
    assert!(text.starts_with(expected), "{text}");
}

#[test]
fn a_lock_taken_by_the_same_code_is_named_as_maybe_the_one_waited_for() {
    let tasks = [
        task(Who::Main, "run()", vec![]),
        spawned(
            1,
            Who::Main,
            19,
            vec![at("consume", 9, "mpsc::Receiver::recv")],
        ),
        spawned(2, Who::Main, 19, vec![at("consume", 9, "Mutex::lock")]),
    ];
    let text = render(&tasks, Some(FILE), &[]);
    assert!(
        text.contains(
            "  #1 line 19: set.spawn(consume(queue()));
    consume at file.rs:9
      waits in mpsc::Receiver::recv
    holds the lock it took at file.rs:9: queue.lock()
"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "      waits in Mutex::lock
    waits for queue.lock(), which #1 holds if both name the same lock (taken at file.rs:9)
"
        ),
        "{text}"
    );
    // One task holding a lock is no cycle.
    assert!(!text.contains("deadlock"), "{text}");
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
    let text = render(&tasks, Some(FILE), &[]);
    assert!(!text.contains("awaited by"), "{text}");
    assert!(!text.contains("holds"), "{text}");
    let code = code::Code::new(FILE);
    assert_eq!(code.held("transfer", 3, true).len(), 1);
    assert_eq!(code.held("transfer", 5, true).len(), 2);
    assert!(code.held("consume", 11, true).is_empty());
    assert_eq!(code.taking(4).as_deref(), Some("to.balance.lock()"));
    assert_eq!(code.scope("async block in run", 17), None);
    assert_eq!(code.scope("run", 17), Some(14));
}
