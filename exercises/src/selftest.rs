//! Programs a learner might write, for `verify` to check that the checker
//! reports each one as it should: `exercise-selftest <CASE>`, built only with
//! the `solutions` feature. `verify` finds some of its lines by their code.

use std::io::{self, BufRead as _};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use clap::{CommandFactory, Parser};
use exercises::harness::Run;

/// The self-tests, by name.
const CASES: &[(&str, Run)] = &[
    ("selftest_panic", || Box::pin(panic())),
    ("selftest_pending", || Box::pin(pending())),
    ("selftest_endless_loop", || Box::pin(endless_loop())),
    ("selftest_prints_forever", || Box::pin(prints_forever())),
    ("selftest_blocking", || Box::pin(blocking())),
    ("selftest_late_task", || Box::pin(late_task())),
    ("selftest_task_todo", || Box::pin(task_todo())),
    ("selftest_stuck_channel", || Box::pin(stuck_channel())),
    ("selftest_leaves_a_child", || Box::pin(leaves_a_child())),
    ("selftest_leaves_its_group", || Box::pin(leaves_its_group())),
    ("selftest_keeps_stdout_open", || {
        Box::pin(keeps_stdout_open())
    }),
    ("selftest_exits", || Box::pin(exits())),
    ("selftest_overflows_its_stack", || {
        Box::pin(overflows_its_stack())
    }),
    ("selftest_floods", || Box::pin(floods())),
    ("selftest_floods_one_line", || Box::pin(floods_one_line())),
];

async fn panic() {
    println!("Hello");
    panic!("a learner's panic");
}

async fn pending() {
    println!("Hello");
    std::future::pending::<()>().await;
}

/// A loop that never reaches an `.await`. It sleeps on each turn, so
/// that the ten seconds before the checker kills it cost no CPU; a
/// loop that spins is killed the same way, on the real clock.
async fn endless_loop() {
    println!("Hello");
    loop {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A loop whose exit condition never comes true: it prints every second
/// until the checker stops it at the limit of virtual time.
async fn prints_forever() {
    println!("Hello");
    let mut ticks: u64 = 0;
    loop {
        ticks += 1;
        tokio::time::sleep(Duration::from_secs(1)).await;
        println!("tick {ticks}");
        if ticks == 0 {
            break;
        }
    }
}

/// Right lines at the right virtual times, but the thread was blocked.
async fn blocking() {
    println!("Hello");
    std::thread::sleep(Duration::from_millis(2100));
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("World");
}

/// A line printed by a spawned task is stamped when it was printed,
/// not when `run`'s own future is next polled.
async fn late_task() {
    let task = tokio::spawn(async {
        println!("Hello");
        tokio::time::sleep(Duration::from_secs(3)).await;
        println!("World");
        tokio::time::sleep(Duration::from_secs(2)).await;
    });
    task.await.expect("the task does not panic");
}

/// A spawned task that reaches a `todo!()` ends alone: the run goes
/// on to its end, and prints the `JoinError` in one long line.
async fn task_todo() {
    println!("Hello");
    let world: tokio::task::JoinHandle<()> = tokio::spawn(async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        todo!("print World")
    });
    if let Err(error) = world.await {
        println!("the task that prints World failed: {error:?}");
    }
}

/// The learner's classic: the sender is dropped only after the
/// consumer is awaited, so the consumer's `recv` never sees the
/// channel close and both wait for ever.
async fn stuck_channel() {
    println!("Hello");
    let (orders, mut queue) = tokio::sync::mpsc::channel::<u32>(1);
    let kitchen = tokio::spawn(async move {
        while let Some(order) = queue.recv().await {
            println!("cooked order {order}");
        }
    });
    kitchen.await.expect("the kitchen does not panic");
    drop(orders);
}

/// Right lines at the right times, but it leaves a `sleep` running that
/// holds the harness's stdout and stderr and never ends by itself: the
/// checker must kill it with the harness's process group, not wait for it.
async fn leaves_a_child() {
    println!("Hello");
    if let Err(error) = started(Command::new("sleep").arg(FOR_EVER)) {
        println!("cannot start sleep: {error}");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("World");
}

/// The same with the `sleep` in a session of its own, out of reach of the
/// group kill, and given no stdout or stderr: it holds the checker's pipe
/// only if it inherited the harness's copy of it, which must be
/// close-on-exec. The checker must return while it still runs. The run
/// waits until the child says it has left the group (on a pipe of its own,
/// closed as it starts `sleep`): on the paused clock the run's second passes
/// at once, and a child still starting when the harness ends is in reach of
/// the group kill (seen once in CI, on a busy machine).
async fn leaves_its_group() {
    println!("Hello");
    let apart = || -> io::Result<()> {
        let mut setsid = Command::new("setsid");
        setsid
            .args([
                "sh",
                "-c",
                &format!("echo apart >&2; exec sleep {FOR_EVER} 2>/dev/null"),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let stderr = started(&mut setsid)?.ok_or(io::ErrorKind::BrokenPipe)?;
        let mut line = String::new();
        io::BufReader::new(stderr).read_line(&mut line)?;
        Ok(())
    };
    if let Err(error) = apart() {
        println!("cannot start setsid: {error}");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("World");
}

/// A `sleep` as long as a day: for ever, to a check that takes seconds.
const FOR_EVER: &str = "86400";

/// Starts `command`, and writes its process id to the file
/// [`exercises::SELFTEST_PIDS`] names, if it names one: `verify` sees what
/// became of it, and ends it. Gives its stderr, if piped.
fn started(command: &mut Command) -> io::Result<Option<std::process::ChildStderr>> {
    use std::io::Write as _;
    let mut child = command.spawn()?;
    if let Some(path) = std::env::var_os(exercises::SELFTEST_PIDS) {
        let mut pids = std::fs::File::options()
            .append(true)
            .create(true)
            .open(path)?;
        writeln!(pids, "{}", child.id())?;
    }
    Ok(child.stderr.take())
}

/// The same, but the `sleep 25` keeps the stdout it inherited: the
/// checker's pipe stays open after the harness has ended. What the run
/// printed must still be read, each line at its instant, and the process
/// named. The child says on stderr when it has left the harness's process
/// group, and the run waits for that, blocking the thread for the moment
/// it takes (the paused clock would not wait for a pipe).
async fn keeps_stdout_open() {
    println!("Hello");
    let apart = || -> io::Result<String> {
        let mut child = Command::new("setsid")
            .args(["sh", "-c", "echo apart >&2; exec sleep 25"])
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().ok_or(io::ErrorKind::BrokenPipe)?;
        let mut line = String::new();
        io::BufReader::new(stderr).read_line(&mut line)?;
        Ok(line)
    };
    if let Err(error) = apart() {
        println!("cannot start setsid: {error}");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("World");
}

/// Lines printed just before the process ends without unwinding:
/// they are in the pipe, and the checker must still read them, each
/// at the instant it was printed.
async fn exits() {
    println!("Hello");
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("World");
    std::process::exit(0);
}

async fn overflows_its_stack() {
    println!("Hello");
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("World");
    println!("{}", deeper(0));
}

/// Runaway output: lines as fast as it can print them, and text with
/// no newline. The checker keeps a bounded amount of either, and
/// stops the run.
async fn floods() {
    println!("Hello");
    loop {
        println!("World");
        tokio::task::yield_now().await;
    }
}

async fn floods_one_line() {
    println!("Hello");
    loop {
        print!("World ");
        tokio::task::yield_now().await;
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
    let Some(&(_, run)) = CASES.iter().find(|(name, _)| *name == case) else {
        let error = format!("no case named `{case}`");
        Args::command()
            .error(clap::error::ErrorKind::InvalidValue, error)
            .exit()
    };
    let code = exercises::harness::Code {
        path: concat!(env!("CARGO_MANIFEST_DIR"), "/src/selftest.rs"),
        source: include_str!("selftest.rs"),
    };
    exercises::harness::run_exercise(run, "exercise_selftest", code)
}
