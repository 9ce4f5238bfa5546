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
        at: std::time::Duration::ZERO,
        entries,
        verdict: None,
        notes: Vec::new(),
        unlisted: Vec::new(),
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
        traced: true,
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
        spawned_at: Some(SpawnLine {
            line: 4,
            code: "let side = tokio::spawn(async move {".into(),
        }),
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
        spawned_at: Some(SpawnLine {
            line,
            code: FILE.lines().nth(line - 1).unwrap().trim().to_owned(),
        }),
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
        in_select: false,
    };
    let sleeping = Wait {
        frames: vec![],
        leaf: "sleep".into(),
        in_select: false,
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

/// Main's entry, with no waits, as read from `source` (a file named
/// `streams.rs`): where the code says it waits, if it says so.
fn main_read_from(source: &str) -> String {
    let entries = vec![entry(task_dump::Actor::Main, None, vec![])];
    text_of(report(entries), &names(&[]), source)
}

/// `run` with one `.await`, on a stream, at line 4, after line 3's `extra`
/// and before a second `fn` with an `.await` of its own.
fn one_await_after(extra: &str) -> String {
    format!(
        "pub async fn run() {{
    let mut results = std::pin::pin!(results());
    {extra}
    while let Some(result) = results.next().await {{}}
}}

async fn other() {{
    sleep(SECOND).await;
}}
"
    )
}

const AT_LINE_4: &str = "\nmain run()\n  run at streams.rs:4 (read from the code: a wait on \
    futures none of which has woken leaves no frame in a dump)\n    waits in results.next()\n";

/// Braces, `//` and `.await` inside literals and comments are no code: the
/// line-by-line reading counted them (a `'{'` left every later line inside
/// `run`, so `other`'s `.await` made two), and said nothing. Seen failing on
/// the old reading, each case.
#[test]
fn literals_and_comments_are_not_code() {
    let cases = [
        "let open = '{';",
        "let close = \"}\";",
        "/* { */",
        "let raw = r#\"a \"quoted\" { brace // not a comment\"#;",
        "println!(\"no .await here, nor join!()\");",
        "let s = \"}}\"; let t = '\\'';",
    ];
    for extra in cases {
        let text = main_read_from(&one_await_after(extra));
        assert!(text.contains(AT_LINE_4), "{extra}\n{text}");
    }
    // A real second `.await` in `run` leaves two places: nothing is said.
    let text = main_read_from(&one_await_after("sleep(SECOND).await;"));
    assert!(text.contains("\nmain run()\n  waits where"), "{text}");
}

/// A frame or a spawn at a line past the file's end reads as no code: the
/// line-by-line reading indexed its lines with it and panicked.
#[test]
fn a_line_past_the_end_reads_as_nothing() {
    use task_dump::Actor;
    let source = "pub async fn run() {\n    let handle = tokio::spawn(work());\n}\n";
    let task = Named {
        who: Who::Task(1),
        place: "line 99".into(),
        parent: Some(Who::Main),
        spawned_at: Some(SpawnLine {
            line: 99,
            code: "let handle = tokio::spawn(work());".into(),
        }),
    };
    let joining = Wait {
        frames: vec![Place {
            function: "run".into(),
            at: "streams.rs:99".into(),
        }],
        leaf: "JoinHandle".into(),
        in_select: false,
    };
    let entries = vec![
        entry(Actor::Main, None, vec![joining]),
        entry(Actor::Task(7), Some(Actor::Main), vec![]),
    ];
    let text = text_of(report(entries), &names(&[(7, task)]), source);
    assert!(!text.contains("read from the code"), "{text}");
    // Nor does a file that is no Rust say anything.
    let text = main_read_from("pub async fn run() { \"unclosed");
    assert!(!text.contains("read from the code"), "{text}");
}

/// Where `run`'s one `.await` calls a `fn` of the file that may itself
/// suspend at one place only, the wait is followed into it (barrier's
/// shape); the old reading stopped at `run` and named `tasks)`.
#[test]
fn a_wait_is_followed_into_the_files_own_fn() {
    const FILE: &str = "\
async fn in_order(mut workers: JoinSet<u32>) -> Vec<u32> {
    let mut done = Vec::new();
    while let Some(worker) = workers.join_next().await {
        done.push(worker.unwrap());
    }
    done
}

pub async fn run() {
    let mut tasks = JoinSet::new();
    tasks.spawn(work());
    let done = in_order(tasks).await;
    println!(\"{done:?}\");
}
";
    let text = main_read_from(FILE);
    assert!(
        text.contains(
            "\nmain run()\n  run at streams.rs:12 (read from the code)\n    in_order at \
             streams.rs:3 (read from the code: a wait in a JoinSet leaves no frame in a \
             dump)\n      waits in workers.join_next()\n"
        ),
        "{text}"
    );
}

/// After a spawn into a set, the code may suspend at two places (a
/// `join_next` and a `shutdown`): which one the task is at, it can't say.
#[test]
fn a_set_awaited_at_two_places_is_not_placed() {
    use task_dump::Actor;
    const FILE: &str = "\
pub async fn run() {
    let mut tasks = JoinSet::new();
    tasks.spawn(work());
    while let Some(done) = tasks.join_next().await {
        tasks.shutdown().await;
    }
}
";
    let child = Named {
        who: Who::Task(1),
        place: "line 3".into(),
        parent: Some(Who::Main),
        spawned_at: Some(SpawnLine {
            line: 3,
            code: "tasks.spawn(work());".into(),
        }),
    };
    let sleeping = Wait {
        frames: vec![],
        leaf: "sleep".into(),
        in_select: false,
    };
    let entries = vec![
        entry(Actor::Main, None, vec![]),
        entry(Actor::Task(7), Some(Actor::Main), vec![sleeping]),
    ];
    let names = names(&[(7, child)]);
    let text = text_of(report(entries.clone()), &names, FILE);
    assert!(text.contains("\nmain run()\n  waits where"), "{text}");
    // With the `shutdown` gone, the one place is said; an `.await` after a
    // `while` that ends only once the set is empty (no `break`) can't be
    // reached while the set's task is alive, and is no second place.
    let one = FILE.replace("        tasks.shutdown().await;\n", "");
    let one = one.replace("    }\n}", "    }\n    lock.lock().await;\n}");
    let text = text_of(report(entries.clone()), &names, &one);
    assert!(
        text.contains(
            "\nmain run()\n  run at streams.rs:4 (read from the code: a wait in a JoinSet \
             leaves no frame in a dump)\n    waits in tasks.join_next()\n"
        ),
        "{text}"
    );
    // With a `break` in it, the loop may end early: two places again.
    let broken = one.replace("{\n    }", "{\n        break;\n    }");
    assert!(broken.contains("break"), "{broken}");
    let text = text_of(report(entries), &names, &broken);
    assert!(text.contains("\nmain run()\n  waits where"), "{text}");
}

/// A handle is awaited where the code names the binding the spawning line
/// made: not where a later `let` shadows the name, and not for an older
/// task of the same line, which a binding made anew no longer holds.
#[test]
fn a_shadowed_or_older_handle_is_not_said_to_be_awaited() {
    use task_dump::Actor;
    const FILE: &str = "\
pub async fn run() {
    let handle = tokio::spawn(work(\"{\"));
    let handle = tokio::spawn(work('}'));
    handle.await;
    for _ in 0..2 {
        let again = tokio::spawn(work(1));
        again.await;
    }
}
";
    let spawned = |number, line: usize| Named {
        who: Who::Task(number),
        place: format!("line {line}"),
        parent: Some(Who::Main),
        spawned_at: Some(SpawnLine {
            line,
            code: String::new(),
        }),
    };
    let names = names(&[
        (11, spawned(1, 2)),
        (12, spawned(2, 3)),
        (13, spawned(3, 6)),
        (14, spawned(4, 6)),
    ]);
    let at = |line| Wait {
        frames: vec![Place {
            function: "run".into(),
            at: format!("streams.rs:{line}"),
        }],
        leaf: "JoinHandle".into(),
        in_select: false,
    };
    let sleeping = Wait {
        frames: vec![],
        leaf: "sleep".into(),
        in_select: false,
    };
    let task = |id| entry(Actor::Task(id), Some(Actor::Main), vec![sleeping.clone()]);
    let entries = vec![
        entry(Actor::Main, None, vec![at(4), at(7)]),
        task(11),
        task(12),
        task(13),
        task(14),
    ];
    let text = text_of(report(entries), &names, FILE);
    let awaited = |number: usize, line: usize| {
        format!(
            "\n  #{number} line {line}\n    awaited by main at streams.rs:{} in JoinHandle",
            if line == 3 { 4 } else { 7 }
        )
    };
    assert!(!text.contains(&awaited(1, 2)), "{text}");
    assert!(text.contains(&awaited(2, 3)), "{text}");
    assert!(!text.contains(&awaited(3, 6)), "{text}");
    assert!(text.contains(&awaited(4, 6)), "{text}");
}

/// Tasks that one line spawned and that wait alike are one entry, labelled
/// `#1, #3, #5, ... (5 tasks)` when other tasks' numbers come between theirs:
/// each still gets its entry's lines, by its row, and so its `waits` on the
/// timeline (the text's labels, read back, left such tasks out). Seen
/// failing with `by_row` reading the rows back from the text's labels.
#[test]
fn every_task_of_an_entry_gets_its_lines() {
    use task_dump::Actor;
    let spawned = |number: usize, line: usize| Named {
        who: Who::Task(number),
        place: format!("line {line}"),
        parent: Some(Who::Main),
        spawned_at: Some(SpawnLine {
            line,
            code: String::new(),
        }),
    };
    let sleeping = |leaf: &str| Wait {
        frames: vec![],
        leaf: leaf.into(),
        in_select: false,
    };
    let mut tasks = Vec::new();
    let mut entries = vec![entry(Actor::Main, None, vec![sleeping("sleep")])];
    for number in 1..=10 {
        let id = 100 + number as u64;
        let (line, leaf) = match number % 2 {
            1 => (2, "sleep"),
            _ => (3, "Mutex::lock"),
        };
        tasks.push((id, spawned(number, line)));
        let parent = Some(Actor::Main);
        entries.push(entry(Actor::Task(id), parent, vec![sleeping(leaf)]));
    }
    let source = SourceFile {
        name: "file.rs",
        text: "pub async fn run() {}\n",
    };
    let shown = shown(report(entries), &names(&tasks), source);
    assert!(
        shown
            .text
            .contains("\n  #1, #3, #5, ... (5 tasks) line 2\n    waits in sleep\n"),
        "{}",
        shown.text
    );
    // Row `11 - n` is task `#n`'s (main's is row 0): rows need not be in
    // the timeline's order.
    let order: Vec<usize> = (0..=10).map(|number| (11 - number) % 11).collect();
    let by_row = shown.by_row(&order);
    for (number, &row) in order.iter().enumerate().skip(1) {
        let leaf = match number % 2 {
            1 => "waits in sleep",
            _ => "waits in Mutex::lock",
        };
        let lines = vec![leaf.to_owned()];
        assert!(
            by_row.contains(&RowLines { row, lines }),
            "#{number}: {by_row:?}"
        );
    }
    let lines = vec!["waits in sleep".to_owned()];
    assert!(by_row.contains(&RowLines { row: 0, lines }));
}

/// A `for` is a loop only as an expression in a body: not in `impl Drop
/// for Connection` (cleanup_on_cancel's shape), nor in `for<'a>`, a
/// higher-ranked bound. Seen failing with every `for` starting a loop.
#[test]
fn only_a_for_expression_is_a_loop() {
    const FILE: &str = "\
impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

pub async fn run() {
    let check: Box<dyn for<'a> Fn(&'a str) -> bool> = Box::new(|_| true);
    lock.lock().await;
    for turn in 0..2 {
        sleep(SECOND).await;
    }
}
";
    let code = code::Code::new(FILE);
    assert!(!code.in_loop(3));
    assert!(!code.in_loop(9));
    assert!(code.in_loop(11));
    let run = code.free_fn("run").unwrap();
    let after: Vec<usize> = code
        .sites_after(run, 9)
        .iter()
        .map(|site| site.lines.first)
        .collect();
    assert_eq!(after, [9, 11]);
}

/// The names an `if let` or a `while let` binds (a let-chain's too) are
/// seen in its block only, and its constructors (`Some`, `Ok`, a path) are
/// no names: the reading ran such a `let` on to the next `;`, past its
/// block, binding `Some`. Seen failing on that reading.
#[test]
fn an_if_let_binds_in_its_block_only() {
    const FILE: &str = "\
pub async fn run() {
    let handle = tokio::spawn(work());
    if let Some(handle) = maybe {
        drop(handle);
    }
    println!(\"between\");
    handle.await;
    while let Some(got) = rx.recv().await && let Ok(Reply::Done { id, .. }) = got {
        drop(id);
    }
    let Ok(tokens) = parse() else {
        return;
    };
}
";
    let code = code::Code::new(FILE);
    assert_eq!(code.bound_at(3), ["handle"]);
    assert!(code.bound_at(6).is_empty());
    assert_eq!(code.binding_of("handle", 4), Some(3));
    assert_eq!(code.binding_of("handle", 7), Some(2));
    assert_eq!(code.bound_at(8), ["got", "id"]);
    assert_eq!(code.binding_of("id", 9), Some(8));
    assert_eq!(code.binding_of("got", 11), None);
    assert_eq!(code.bound_at(11), ["tokens"]);
    assert_eq!(code.binding_of("tokens", 14), Some(11));
}

/// A struct pattern's braces are the pattern's, not the condition's block,
/// and a field bound under another name binds that name.
#[test]
fn an_if_let_with_a_struct_pattern_binds_its_fields() {
    const FILE: &str = "\
pub async fn run() {
    if let Reply::Done { value } = reply {
        drop(value);
    }
    while let Point { x: px, .. } = next() && let Some(y) = px.y {
        drop(y);
    }
}
";
    let code = code::Code::new(FILE);
    assert_eq!(code.bound_at(2), ["value"]);
    assert_eq!(code.binding_of("value", 3), Some(2));
    assert_eq!(code.binding_of("value", 5), None);
    assert_eq!(code.bound_at(5), ["px", "y"]);
    assert_eq!(code.binding_of("px", 6), Some(5));
    assert_eq!(code.binding_of("y", 8), None);
}

/// A `fn`'s parameters are those in the parentheses after its name and
/// generics: not a tuple it returns, which the reading took for them where
/// they bound no name, so that `mpsc` of `-> (u8, mpsc::Sender<u8>)` was a
/// parameter declared a `Sender`; nor a bound's `Fn(u8)`. Seen failing on
/// that reading.
#[test]
fn a_returned_tuple_is_no_parameter() {
    const FILE: &str = "\
async fn pair() -> (u8, mpsc::Sender<u8>) {}
async fn bound<F: Fn(u8)>(workers: JoinSet<F>) {}
";
    let code = code::Code::new(FILE);
    let pair = code.free_fn("pair").unwrap();
    assert!(!code.declared_as(pair, "mpsc", "Sender"));
    let bound = code.free_fn("bound").unwrap();
    assert!(code.declared_as(bound, "workers", "JoinSet"));
}

/// A wait is matched by the name of the call it ends in, not by its text:
/// `tasks.join_all()` on a `JoinSet` is a wait in a set (`"join_all("`, a
/// substring of it, said no future had woken), and `collect_vec` is no
/// `collect`. Seen failing on the substring match.
#[test]
fn a_wait_is_matched_by_its_calls_name() {
    let in_set = main_read_from(
        "\
pub async fn run() {
    let mut tasks = JoinSet::new();
    tasks.spawn(work());
    let done = tasks.join_all().await;
}
",
    );
    assert!(
        in_set.contains(
            "\nmain run()\n  run at streams.rs:4 (read from the code: a wait in a JoinSet \
             leaves no frame in a dump)\n    waits in tasks.join_all()\n"
        ),
        "{in_set}"
    );
    let free = main_read_from("pub async fn run() {\n    join_all(handles).await;\n}\n");
    assert!(
        free.contains("streams.rs:2 (read from the code: a wait on futures none of"),
        "{free}"
    );
    let vec = main_read_from("pub async fn run() {\n    items.collect_vec().await;\n}\n");
    assert!(!vec.contains("read from the code"), "{vec}");
    let collected =
        main_read_from("pub async fn run() {\n    let all = items.collect::<Vec<_>>().await;\n}\n");
    assert!(
        collected.contains("streams.rs:2 (read from the code"),
        "{collected}"
    );
}
