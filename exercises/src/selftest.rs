//! Programs a learner might write, for `verify` to check that the checker
//! reports each one as it should: `exercise-selftest <CASE>`, built only with
//! the `solutions` feature. `verify` finds some of its lines by their code.

use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use clap::{CommandFactory, Parser};
use exercises::harness::Run;

/// Starts the self-test called `name`.
fn exercise(name: &str) -> Option<Run> {
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
        // Lines printed just before the process ends without unwinding:
        // they are in the pipe, and the checker must still read them, each
        // at the instant it was printed.
        "selftest_exits" => Some(|| {
            Box::pin(async {
                println!("Hello");
                tokio::time::sleep(Duration::from_secs(1)).await;
                println!("World");
                std::process::exit(0);
            })
        }),
        "selftest_overflows_its_stack" => Some(|| {
            Box::pin(async {
                println!("Hello");
                tokio::time::sleep(Duration::from_secs(1)).await;
                println!("World");
                println!("{}", deeper(0));
            })
        }),
        // Runaway output: lines as fast as it can print them, and text with
        // no newline. The checker keeps a bounded amount of either, and
        // stops the run.
        "selftest_floods" => Some(|| {
            Box::pin(async {
                println!("Hello");
                loop {
                    println!("World");
                    tokio::task::yield_now().await;
                }
            })
        }),
        "selftest_floods_one_line" => Some(|| {
            Box::pin(async {
                println!("Hello");
                loop {
                    print!("World ");
                    tokio::task::yield_now().await;
                }
            })
        }),
        _ => None,
    }
}

/// Recursion without end, which overflows the stack.
fn deeper(depth: u64) -> u64 {
    if depth == u64::MAX {
        return 0;
    }
    std::hint::black_box(deeper(depth + 1)) + 1
}

/// Runs one program a learner might write, for `cargo run --bin exercises --
/// verify` to check the checker with.
#[derive(Parser)]
#[command(name = "exercise-selftest")]
struct Args {
    /// The program, such as selftest_panic
    case: String,
}

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let case = closed_stdout::parse::<Args>().case;
    let Some(run) = exercise(&case) else {
        let error = format!("no case named `{case}`");
        Args::command()
            .error(clap::error::ErrorKind::InvalidValue, error)
            .exit()
    };
    let source = runner::dump::Source {
        path: "selftest.rs",
        module: "exercise_selftest",
    };
    exercises::harness::run_exercise(run, source)
}
