//! Programs a learner might write, for `verify` to check that the checker
//! reports each one by name and carries on: the binary `exercise-selftest
//! <case>`, built only with the `solutions` feature, so a learner never
//! sees them. Each is checked against [`EXPECTED`].

use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use exercises::harness::Run;

/// What every self-test is compared with.
pub const EXPECTED: &str = "0.0s Hello\n1.0s World\n";

/// A line of a report that shows `Hello` as printed at 0.0s, as expected
/// (a `-` in front would say it was not printed).
const HELLO_SHOWN: &str = "\n     0.0s  Hello";

/// The self-tests: a name, and what the checker's report must say.
pub const CASES: &[(&str, &[&str])] = &[
    ("selftest_panic", &["panicked", HELLO_SHOWN]),
    (
        "selftest_pending",
        &["still running after 60s of virtual time", HELLO_SHOWN],
    ),
    // What it printed before it stopped awaiting is shown, although the
    // runtime never parked again.
    (
        "selftest_endless_loop",
        &["did not finish within 10s of real time", HELLO_SHOWN],
    ),
    (
        "selftest_blocking",
        &["of real time on a clock that is paused"],
    ),
    ("selftest_late_task", &["expected at 1.0s, printed at 3.0s"]),
    // And where its `todo!()` is: [`dump_lines`].
    (
        "selftest_task_todo",
        &[
            "ran to the end",
            "A task it spawned panicked at the `todo!()` at",
            HELLO_SHOWN,
        ],
    ),
    (
        "selftest_stuck_channel",
        // And the lines its dump names: [`dump_lines`].
        &[
            "in `mpsc::Receiver::recv`: a channel ends when its last sender is dropped",
            HELLO_SHOWN,
        ],
    ),
];

/// Programs that fall into a classic trap, each in a file of its own under
/// `src/selftest/` (the checker reads the learner's file for some traps):
/// a name, its file, what it is compared with, and the note the checker's
/// report must give, by its first words.
pub const TRAPS: &[(&str, &str, &str, &str)] = &[
    (
        "selftest_guard_dropped",
        "../selftest/guard_dropped.rs",
        "0.0s 1 started\n1.0s 2 started\n",
        "A guard dropped at once",
    ),
    (
        "selftest_select_remade",
        "../selftest/select_remade.rs",
        "0.5s reading 1\n1.0s deadline\n",
        "A future made anew on every turn",
    ),
    (
        "selftest_lock_across_await",
        "../selftest/lock_across_await.rs",
        "1.0s 1 done\n1.0s 2 done\n",
        "A lock held across `.await`",
    ),
    (
        "selftest_lock_order",
        "../selftest/lock_order.rs",
        "1.0s moved\n1.0s moved\n1.0s done\n",
        "Locks taken in different orders",
    ),
];

/// The notes the cases of [`CASES`] must give (the others must give none).
pub const CASE_NOTES: &[(&str, &str)] = &[
    ("selftest_blocking", "A blocking call in async code"),
    ("selftest_stuck_channel", "A sender never dropped"),
];

/// The file of the self-test called `name`, for the task dump.
pub fn file(name: &str) -> &'static str {
    TRAPS
        .iter()
        .find(|(trap, ..)| *trap == name)
        .map_or("selftest.rs", |(_, file, ..)| {
            file.rsplit('/').next().unwrap_or(file)
        })
}

/// Self-tests that must pass, and quickly: a name, and what they guard.
pub const PASSING: &[(&str, &str)] = &[
    (
        "selftest_leaves_a_child",
        "a process the exercise leaves running is killed with the harness",
    ),
    (
        "selftest_leaves_its_group",
        "a process the exercise starts does not inherit the checker's pipe",
    ),
];

/// Starts the self-test called `name`.
pub fn exercise(name: &str) -> Option<Run> {
    match name {
        "selftest_panic" => Some(|| {
            Box::pin(async {
                println!("Hello");
                panic!("a learner's panic");
            })
        }),
        "selftest_pending" => Some(|| {
            Box::pin(async {
                println!("Hello");
                std::future::pending::<()>().await;
            })
        }),
        // A loop that never reaches an `.await`. It sleeps on each turn, so
        // that the ten seconds before the checker kills it cost no CPU; a
        // loop that spins is killed the same way, on the real clock.
        "selftest_endless_loop" => Some(|| {
            Box::pin(async {
                println!("Hello");
                loop {
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        }),
        // Right lines at the right virtual times, but the thread was blocked.
        "selftest_blocking" => Some(|| {
            Box::pin(async {
                println!("Hello");
                std::thread::sleep(Duration::from_millis(2100));
                tokio::time::sleep(Duration::from_secs(1)).await;
                println!("World");
            })
        }),
        // A line printed by a spawned task is stamped when it was printed,
        // not when `run`'s own future is next polled.
        "selftest_late_task" => Some(|| {
            Box::pin(async {
                let task = tokio::spawn(async {
                    println!("Hello");
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    println!("World");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                });
                task.await.expect("the task does not panic");
            })
        }),
        // A spawned task that reaches a `todo!()` ends alone: the run goes
        // on to its end, and prints the `JoinError` in one long line.
        "selftest_task_todo" => Some(|| {
            Box::pin(async {
                println!("Hello");
                let world: tokio::task::JoinHandle<()> = tokio::spawn(async {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    todo!("print World")
                });
                if let Err(error) = world.await {
                    println!("the task that prints World failed: {error:?}");
                }
            })
        }),
        // The learner's classic: the sender is dropped only after the
        // consumer is awaited, so the consumer's `recv` never sees the
        // channel close and both wait for ever.
        "selftest_stuck_channel" => Some(|| {
            Box::pin(async {
                println!("Hello");
                let (orders, mut queue) = tokio::sync::mpsc::channel::<u32>(1);
                let kitchen = tokio::spawn(async move {
                    while let Some(order) = queue.recv().await {
                        println!("cooked order {order}");
                    }
                });
                kitchen.await.expect("the kitchen does not panic");
                drop(orders);
            })
        }),
        // Right lines at the right times, but it leaves a `sleep 25`
        // running that holds the harness's stdout and stderr: the checker
        // must kill it with the harness's process group, not wait for it.
        "selftest_leaves_a_child" => Some(|| {
            Box::pin(async {
                println!("Hello");
                if let Err(error) = Command::new("sleep").arg("25").spawn() {
                    println!("cannot start sleep: {error}");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                println!("World");
            })
        }),
        // The same with a `sleep 25` in a session of its own, out of reach
        // of the group kill, and given no stdout or stderr: it holds the
        // checker's pipe only if it inherited the harness's copy of it,
        // which must be close-on-exec.
        "selftest_leaves_its_group" => Some(|| {
            Box::pin(async {
                println!("Hello");
                let started = Command::new("setsid")
                    .args(["sleep", "25"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn();
                if let Err(error) = started {
                    println!("cannot start setsid: {error}");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                println!("World");
            })
        }),
        "selftest_guard_dropped" => Some(|| Box::pin(guard_dropped::run())),
        "selftest_select_remade" => Some(|| Box::pin(select_remade::run())),
        "selftest_lock_across_await" => Some(|| Box::pin(lock_across_await::run())),
        "selftest_lock_order" => Some(|| Box::pin(lock_order::run())),
        _ => None,
    }
}

/// What the report of the self-test called `name` must also say: where
/// its task dump finds each task waiting, or where it panicked, by lines
/// of this file, found here rather than written down so that they follow
/// the code when it moves.
pub fn dump_lines(name: &str) -> Vec<String> {
    let line_of = |code: &str| {
        include_str!("selftest.rs")
            .lines()
            .position(|line| line.contains(code))
            .map_or(0, |index| index + 1)
    };
    match name {
        // The first lines with this code are the program's, above.
        "selftest_stuck_channel" => vec![format!(
            "the task spawned at selftest.rs:{} waits at selftest.rs:{} in `mpsc::Receiver::recv`",
            line_of("let kitchen = tokio::spawn"),
            line_of("while let Some(order) = queue.recv()"),
        )],
        "selftest_task_todo" => vec![format!(
            "exercises/src/selftest.rs:{}:",
            line_of("todo!(\"print World\")")
        )],
        _ => Vec::new(),
    }
}

// The traps' programs, at the end so that the line numbers above, which
// `CASES` quotes, stay put. The paths are spelt out: this file is the root
// of the `exercise-selftest` binary and a module of the checker (for its
// lists), which would look for them in different directories.
#[path = "selftest/guard_dropped.rs"]
mod guard_dropped;
#[path = "selftest/lock_across_await.rs"]
mod lock_across_await;
#[path = "selftest/lock_order.rs"]
mod lock_order;
#[path = "selftest/select_remade.rs"]
mod select_remade;

// The command line, after the programs whose line numbers `CASES` quotes.

const CASE: flags::Positional =
    flags::Positional::required("CASE", "The self-test to run, such as selftest_panic");

/// The command line, from which the parser and `--help` are both derived.
const COMMAND: flags::Command = flags::Command {
    name: "",
    summary: "",
    about: "Runs one program a learner might write, for `cargo run --bin exercises -- verify` to \
            check the checker with.",
    positionals: &[CASE],
    flags: &[],
};

/// An exercise's binary ends the same ways (`exercises::harness`).
const EXIT_CODES: flags::ExitCodes<'static> = &[
    (0, "the program finished"),
    (1, "it was still awaiting after 60 s of virtual time"),
    (flags::EXIT_USAGE, flags::USAGE_MISTAKE),
    (3, "the harness could not pass on its output"),
    (101, "it panicked"),
];

/// The case named on the command line; `Ok(None)` for `--help`.
fn parse() -> Result<Option<String>, String> {
    let mut parser = lexopt::Parser::from_env();
    let args = match flags::parse(&COMMAND, &mut parser).map_err(|error| error.0)? {
        flags::Parsed::Help => return Ok(None),
        flags::Parsed::Args(args) => args,
    };
    let name = args.positional(&CASE).map_err(|error| error.0)?;
    name.map(Some).ok_or_else(|| "which case?".to_owned())
}

/// Runs the self-test named by the one argument.
fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let usage = || flags::help("exercise-selftest", &COMMAND, EXIT_CODES);
    let name = match parse() {
        Ok(Some(name)) => name,
        Ok(None) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("error: {error}\n\n{}", usage());
            return ExitCode::from(flags::EXIT_USAGE);
        }
    };
    let Some(run) = exercise(&name) else {
        eprintln!("error: no case named `{name}`\n\n{}", usage());
        return ExitCode::from(flags::EXIT_USAGE);
    };
    // Compiled as its own crate root: the crate is the module.
    let source = runner::dump::Source {
        path: file(&name),
        module: "exercise_selftest",
    };
    exercises::harness::run_exercise(run, source)
}
