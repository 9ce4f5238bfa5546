//! Folding backtraces, against the text file beside them, and what the
//! example's file adds to a dump.

use std::fmt::Write as _;

use std::collections::HashSet;

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
        task_dump::simplify(
            "<tokio::sync::mpsc::bounded::Receiver<alloc::vec::Vec<u8>> as core::future::future::Future>::poll::h0123456789abcdef"
        ),
        "tokio::sync::mpsc::bounded::Receiver::poll"
    );
    assert_eq!(task_dump::simplify("{async_fn#0}<u32>"), "{{closure}}");
    let source = Source {
        path: "deadlock.rs",
        module: "deadlock",
    };
    let frame = Frame::new(
        "<pitfalls::deadlock::Bank>::transfer::{{closure}}",
        Some("/w/deadlock.rs"),
        Some(3),
    );
    let wait = fold(&[frame], source);
    assert_eq!(wait.frames[0].function, "Bank::transfer");
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

fn report(entries: Vec<task_dump::Entry>) -> task_dump::Report {
    task_dump::Report {
        entries,
        verdict: None,
        notes: Vec::new(),
    }
}

fn entry(
    who: task_dump::Actor,
    parent: Option<task_dump::Actor>,
    waits: Vec<Wait>,
) -> task_dump::Entry {
    task_dump::Entry {
        who,
        name: String::new(),
        label: String::new(),
        parent,
        waits,
        facts: Vec::new(),
    }
}

fn names(tasks: &[(u64, Named)]) -> Names {
    Names {
        tasks: tasks.iter().cloned().collect(),
        hidden: HashSet::new(),
    }
}

/// A wait a dump can't see (no Tokio future woke in a `buffered` stream)
/// is read from the code where the body has one such `.await`, and
/// claimed nowhere else.
#[test]
fn main_waiting_on_a_stream_is_read_from_the_code() {
    use task_dump::Actor;
    let side = Named {
        who: Who::Task(1),
        place: "line 4: let side = tokio::spawn(async move {".into(),
        parent: Some(Who::Main),
        spawned_at: Some((4, "let side = tokio::spawn(async move {".into())),
    };
    let names = names(&[(7, side)]);
    let entries = vec![
        entry(Actor::Main, None, vec![]),
        entry(Actor::Task(7), Some(Actor::Main), vec![]),
    ];
    let source = SourceFile {
        name: "streams.rs",
        text: STREAMS,
    };
    let text = text(report(entries.clone()), &names, source);
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
    let text = text_of(report(entries[..1].to_vec()), &names, &two);
    assert!(text.contains("\nmain run()\n  waits where"), "{text}");
}

fn text_of(report: task_dump::Report, names: &Names, source: &str) -> String {
    let source = SourceFile {
        name: "streams.rs",
        text: source,
    };
    text(report, names, source)
}

/// Who awaits a task is read from the line its spawner waits at, where that
/// line names the handle the spawning line bound; a task whose spawner has
/// ended says so.
#[test]
fn an_awaited_handle_and_an_ended_spawner_are_named() {
    use task_dump::Actor;
    const FILE: &str = "\
pub async fn run() {
    let handle = tokio::spawn(work());
    let other = tokio::spawn(work());
    handle.await;
}
";
    let spawned = |number, line: usize, parent| Named {
        who: Who::Task(number),
        place: format!("line {line}"),
        parent: Some(parent),
        spawned_at: Some((line, FILE.lines().nth(line - 1).unwrap().trim().to_owned())),
    };
    let names = names(&[
        (11, spawned(1, 2, Who::Main)),
        (12, spawned(2, 3, Who::Main)),
        (13, spawned(3, 3, Who::Task(9))),
    ]);
    let at = |line| Wait {
        frames: vec![Place {
            function: "run".into(),
            at: format!("file.rs:{line}"),
        }],
        leaf: "JoinHandle".into(),
    };
    let sleeping = Wait {
        frames: vec![],
        leaf: "sleep".into(),
    };
    let entries = vec![
        entry(Actor::Main, None, vec![at(4)]),
        entry(Actor::Task(11), Some(Actor::Main), vec![sleeping.clone()]),
        entry(Actor::Task(12), Some(Actor::Main), vec![sleeping.clone()]),
        entry(Actor::Task(13), None, vec![sleeping]),
    ];
    let source = SourceFile {
        name: "file.rs",
        text: FILE,
    };
    let text = text(report(entries), &names, source);
    assert!(
        text.contains(
            "\n  #1 line 2\n    awaited by main at file.rs:4 in JoinHandle (read from the \
             code)\n    waits in sleep\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n  #2 line 3\n    waits in sleep\n\n"),
        "{text}"
    );
    assert!(
        text.contains("\n#3 line 3\n  spawned by #9, which has ended\n  waits in sleep\n"),
        "{text}"
    );
}
