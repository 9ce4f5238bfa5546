//! Writing and reading files with `tokio::fs` in a temporary directory,
//! and the errors a bad path gives.
//!
//! `tokio::fs` runs each call on the blocking pool, as aiofiles does on a
//! thread pool, so whole-file calls are the cheap way and a `BufWriter` is
//! flushed before it is done. Every error says which operation and which
//! file. The demo is a task that owns its directory, which a cancelled `run`
//! leaves to finish (the book's page "Files and databases" says why).
//!
//! Translates:
//! - *Asynchronous Programming in Python*, "File Operations (aiofiles)"
//! - *Python Async Programming: A Detailed Guide*,
//!   "Good Use Cases (I/O-Bound Operations)" (file I/O)

use std::path::Path;

use anyhow::Context;
use tokio::fs::{self, File};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};

/// aiofiles' `open(name, 'w')` and `write`: one call, which creates (or
/// empties) the file and writes all of it.
async fn write_file(dir: &Path, name: &str, content: &str) -> anyhow::Result<()> {
    fs::write(dir.join(name), content)
        .await
        .with_context(|| format!("cannot write {name}"))
}

/// aiofiles' `open(name, 'r')` and `read`.
async fn read_file(dir: &Path, name: &str) -> anyhow::Result<String> {
    fs::read_to_string(dir.join(name))
        .await
        .with_context(|| format!("cannot read {name}"))
}

/// Many small writes through a buffer, then one flush.
async fn write_lines(dir: &Path, name: &str, lines: &[&str]) -> anyhow::Result<()> {
    let file = File::create(dir.join(name))
        .await
        .with_context(|| format!("cannot create {name}"))?;
    let mut writer = BufWriter::new(file);
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

/// `os.makedirs(folder, exist_ok=True)`, then a file in it.
async fn save_report(dir: &Path, folder: &str, name: &str, text: &str) -> anyhow::Result<()> {
    fs::create_dir_all(dir.join(folder))
        .await
        .with_context(|| format!("cannot create {folder}"))?;
    write_file(&dir.join(folder), name, text).await
}

/// The names in `folder`, sorted: `read_dir` gives them in no set order.
async fn list(dir: &Path, folder: &str) -> anyhow::Result<Vec<String>> {
    let mut entries = fs::read_dir(dir.join(folder))
        .await
        .with_context(|| format!("cannot list {folder}"))?;
    let mut names = Vec::new();
    while let Some(entry) = entries.next_entry().await? {
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

pub async fn run() -> anyhow::Result<()> {
    // Not aborted if `run` is dropped: the call in flight would run on
    // without it, and could create a file once the directory was removed.
    tokio::spawn(demo()).await?
}

async fn demo() -> anyhow::Result<()> {
    let temp = tempfile::tempdir().context("cannot create a temporary directory")?;
    let dir = temp.path();

    write_file(dir, "example.txt", "Hello, async world!").await?;
    let content = read_file(dir, "example.txt").await?;
    println!("File content: {content}");

    write_lines(dir, "lines.txt", &["first", "second", "third"]).await?;
    println!(
        "lines.txt has {} lines",
        count_lines(dir, "lines.txt").await?
    );

    for (name, text) in [("march.txt", "31 days"), ("april.txt", "30 days")] {
        save_report(dir, "reports/2024", name, text).await?;
    }
    let names = list(dir, "reports/2024").await?;
    println!("reports/2024 holds {}", names.join(", "));

    println!();
    println!("Bad paths:");
    let failures = [
        read_file(dir, "missing.txt").await.map(drop),
        write_file(dir, "no-such-dir/out.txt", "data").await,
        read_file(dir, "reports").await.map(drop),
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
