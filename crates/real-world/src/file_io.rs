//! Writing and reading files with `tokio::fs` in a temporary directory,
//! and the errors a bad path gives.
//!
//! `tokio::fs` runs each call on the blocking pool, as aiofiles does on a
//! thread pool, so whole-file calls are the cheap way and a `BufWriter` is
//! flushed before it is done. Every error says which operation and which file
//! (anyhow's `context`). A call that creates a file holds a share of the
//! temporary directory until it ends, since a blocking job can't be
//! cancelled. See the book's page "Files and databases".
//!
//! Translates:
//! - *Asynchronous Programming in Python*, "File Operations (aiofiles)"
//! - *Python Async Programming: A Detailed Guide*,
//!   "Good Use Cases (I/O-Bound Operations)"
//!   (file I/O)

use std::io;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tempfile::TempDir;
use tokio::fs::{self, File};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};

/// Runs `call` on the blocking pool with a share of `dir`, so the directory
/// stays until the call has ended, even if the caller is dropped first.
async fn keeping_dir<T: Send + 'static>(
    dir: &Arc<TempDir>,
    call: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    let dir = Arc::clone(dir);
    tokio::task::spawn_blocking(move || {
        let result = call();
        drop(dir);
        result
    })
    .await?
}

async fn write_file(dir: &Arc<TempDir>, name: &str, content: &str) -> anyhow::Result<()> {
    let (path, content) = (dir.path().join(name), content.to_owned());
    keeping_dir(dir, move || std::fs::write(path, content))
        .await
        .with_context(|| format!("cannot write {name}"))
}

async fn read_file(dir: &Path, name: &str) -> anyhow::Result<String> {
    fs::read_to_string(dir.join(name))
        .await
        .with_context(|| format!("cannot read {name}"))
}

/// Many small writes through a buffer, then one flush.
async fn write_lines(dir: &Arc<TempDir>, name: &str, lines: &[&str]) -> anyhow::Result<()> {
    let path = dir.path().join(name);
    let file = keeping_dir(dir, move || std::fs::File::create(path))
        .await
        .with_context(|| format!("cannot create {name}"))?;
    let mut writer = BufWriter::new(File::from_std(file));
    for line in lines {
        writer.write_all(line.as_bytes()).await?;
        writer.write_all(b"\n").await?;
    }
    writer
        .flush()
        .await
        .with_context(|| format!("cannot write {name}"))
}

/// Reads a file line by line, without holding all of it in memory.
async fn count_lines(dir: &Path, name: &str) -> anyhow::Result<usize> {
    let file = File::open(dir.join(name))
        .await
        .with_context(|| format!("cannot open {name}"))?;
    let mut lines = BufReader::new(file).lines();
    let mut count = 0;
    while lines.next_line().await?.is_some() {
        count += 1;
    }
    Ok(count)
}

pub async fn run() -> anyhow::Result<()> {
    let dir = Arc::new(tempfile::tempdir().context("cannot create a temporary directory")?);

    write_file(&dir, "example.txt", "Hello, async world!").await?;
    let content = read_file(dir.path(), "example.txt").await?;
    println!("File content: {content}");

    write_lines(&dir, "lines.txt", &["first", "second", "third"]).await?;
    println!(
        "lines.txt has {} lines",
        count_lines(dir.path(), "lines.txt").await?
    );

    println!();
    println!("Bad paths:");
    let reports = dir.path().join("reports");
    keeping_dir(&dir, move || std::fs::create_dir(reports)).await?;
    let failures = [
        read_file(dir.path(), "missing.txt").await.map(drop),
        write_file(&dir, "no-such-dir/out.txt", "data").await,
        read_file(dir.path(), "reports").await.map(drop),
    ];
    for result in failures {
        let Err(error) = result else {
            anyhow::bail!("a bad path was accepted");
        };
        // `{:#}` prints the context and its cause on one line.
        println!("  {error:#}");
    }
    Ok(())
}
