//! Subprocesses with `tokio::process::Command`: output read line by line
//! while the child runs, `wait_with_output` as `communicate()`, and a
//! timeout that kills a child that takes too long.
//!
//! `spawn()` starts the child at once, where `create_subprocess_exec` is
//! awaited. `output()` reads stdout and stderr concurrently, as
//! `communicate()` does, so neither pipe fills; to feed input, write stdin in
//! one future and `wait_with_output()` in another. A child is not a future:
//! cancelling its wait leaves it running, so a timeout kills it (the book's
//! page "Sockets, streams and processes").

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::{Instant, timeout};

/// `command.spawn()`, with an error that names the program.
fn spawn(command: &mut Command) -> io::Result<Child> {
    command
        .spawn()
        .map_err(|error| naming_program(command, error))
}

/// `error`, with the program `command` runs, as a shell puts it: the
/// system's error ("No such file or directory") names none, where Python's
/// `FileNotFoundError` does. It may come from starting the program or, for
/// `output()`, from reading or waiting for it.
fn naming_program(command: &Command, error: io::Error) -> io::Error {
    let program = command.as_std().get_program().to_string_lossy();
    io::Error::new(error.kind(), format!("{program}: {error}"))
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "no exit code".to_owned(),
    }
}

pub async fn run() -> io::Result<()> {
    // Line by line, while the child runs.
    let mut child = spawn(
        Command::new("printf")
            .arg("one\\ntwo\\nthree\\n")
            .stdout(Stdio::piped()),
    )?;
    let stdout = child.stdout.take().ok_or(io::ErrorKind::BrokenPipe)?;
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await? {
        println!("printf wrote {line:?}");
    }
    println!("printf ended with {}", describe(child.wait().await?));

    // communicate(): stdout, stderr and the exit status at once.
    let mut sh = Command::new("sh");
    sh.args(["-c", "echo to stdout; echo to stderr >&2; exit 3"]);
    let output = sh
        .output()
        .await
        .map_err(|error| naming_program(&sh, error))?;
    println!(
        "sh: stdout {:?}, stderr {:?}, {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        describe(output.status)
    );

    // communicate(input=...): write stdin while reading stdout. Writing
    // first would deadlock once the child's output filled its pipe.
    let mut cat = spawn(
        Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped()),
    )?;
    let mut stdin = cat.stdin.take().ok_or(io::ErrorKind::BrokenPipe)?;
    let write_input = async move {
        stdin.write_all(b"a line for cat\n").await
        // `stdin` is dropped here, which ends cat's input: without that,
        // cat would wait for more, and so would we.
    };
    let (written, output) = tokio::join!(write_input, cat.wait_with_output());
    written?;
    let output = output?;
    println!(
        "cat gave back {:?}",
        String::from_utf8_lossy(&output.stdout)
    );

    // A timeout: the child is not cancelled with the wait, so kill it.
    // (`kill_on_drop` as well, for a `run` cancelled during the wait.) Its
    // stdin is a pipe this process holds and never writes to: taken out of
    // `waiting`, whose `wait` would close it first. Neither kill runs if a
    // signal ends this process at once (SIGINT's default action runs no
    // `Drop`), but the system closes the pipe however the process ends, and
    // `cat` ends with it, where a `sleep 10` would run on.
    let start = Instant::now();
    let mut waiting = spawn(Command::new("cat").stdin(Stdio::piped()).kill_on_drop(true))?;
    let _never_written = waiting.stdin.take();
    match timeout(Duration::from_secs(1), waiting.wait()).await {
        Ok(status) => println!("cat ended first, with {}", describe(status?)),
        Err(_elapsed) => {
            waiting.kill().await?;
            println!(
                "cat, waiting for input, timed out after {:.1}s; kill() left it {}",
                start.elapsed().as_secs_f64(),
                describe(waiting.wait().await?)
            );
        }
    }

    // The same with kill_on_drop: the child belongs to a future, and the
    // timeout dropping that future kills it.
    let bounded = timeout(Duration::from_secs(1), async {
        let mut waiting = spawn(Command::new("cat").stdin(Stdio::piped()).kill_on_drop(true))?;
        let _never_written = waiting.stdin.take();
        waiting.wait().await
    })
    .await;
    println!(
        "with kill_on_drop, the timeout {}",
        if bounded.is_err() {
            "dropped the child, which killed it"
        } else {
            "did not fire"
        }
    );
    Ok(())
}
