//! Subprocesses with `tokio::process::Command`: output read line by line
//! while the child runs, `wait_with_output` as `communicate()`, and a
//! timeout that kills a child that takes too long.
//!
//! It is the counterpart of `asyncio.create_subprocess_exec`, which the
//! guides don't use.
//!
//! `tokio::process::Command` mirrors the standard library's builder.
//! `spawn()` starts the child at once and returns a `Child`, with nothing to
//! await, where `create_subprocess_exec` is awaited; the child's `wait()` is
//! async. `status()` and `output()` also start the child when they are
//! called, not when their future is first polled, and return a future for
//! its end. `Stdio::piped()` gives the child's stdout as an `AsyncRead`, so
//! `BufReader::lines` reads it as `readline()` reads `proc.stdout`.
//! `output()` pipes stdout and stderr and waits for both and the exit, as
//! `communicate()` does, and it reads them concurrently, so a child that
//! fills one pipe while the parent waits on the other can't deadlock.
//!
//! `communicate(input=...)` writes the input while it reads the output. Do
//! the same: write to the child's stdin in one future and
//! `wait_with_output()` in another, joined, and let the write drop the
//! handle when it is done, which closes the child's input. Writing all the
//! input first and only then reading deadlocks as soon as the child's
//! output fills its pipe (64 KiB on Linux) before it has read all of its
//! input: the child waits for the parent to read, the parent for the child
//! to read.
//!
//! A child is not a future: dropping its `Child`, or cancelling the code
//! that waits for it, leaves the process running, as dropping asyncio's
//! `Process` does. So a timeout around `wait()` must kill the child itself:
//! `kill().await` sends SIGKILL and waits for the exit, which is
//! `proc.kill()` plus `await proc.wait()`. `kill_on_drop(true)` makes the
//! drop kill it instead, which suits a child owned by a future that may be
//! cancelled; Tokio then reaps it in the background, on a best-effort basis.
//!
//! The programs are ones every Linux system has: `printf`, `sh`, `cat` and
//! `sleep`.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio::time::{Instant, timeout};

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "no exit code".to_owned(),
    }
}

pub async fn run() -> io::Result<()> {
    // Line by line, while the child runs.
    let mut child = Command::new("printf")
        .arg("one\\ntwo\\nthree\\n")
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or(io::ErrorKind::BrokenPipe)?;
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await? {
        println!("printf wrote {line:?}");
    }
    println!("printf ended with {}", describe(child.wait().await?));

    // communicate(): stdout, stderr and the exit status at once.
    let output = Command::new("sh")
        .args(["-c", "echo to stdout; echo to stderr >&2; exit 3"])
        .output()
        .await?;
    println!(
        "sh: stdout {:?}, stderr {:?}, {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        describe(output.status)
    );

    // communicate(input=...): write stdin while reading stdout.
    let mut cat = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
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
    // (`kill_on_drop` as well, for a `run` cancelled during the wait.)
    let start = Instant::now();
    let mut sleeper = Command::new("sleep").arg("10").kill_on_drop(true).spawn()?;
    match timeout(Duration::from_secs(1), sleeper.wait()).await {
        Ok(status) => println!("sleep ended first, with {}", describe(status?)),
        Err(_elapsed) => {
            sleeper.kill().await?;
            println!(
                "sleep 10 timed out after {:.1}s; kill() left it {}",
                start.elapsed().as_secs_f64(),
                describe(sleeper.wait().await?)
            );
        }
    }

    // The same with kill_on_drop: the child belongs to a future, and the
    // timeout dropping that future kills it.
    let bounded = timeout(
        Duration::from_secs(1),
        Command::new("sleep").arg("10").kill_on_drop(true).status(),
    )
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
