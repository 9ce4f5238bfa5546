//! A file processor that handles many files concurrently, at most four open
//! at a time, and reports a bad file without stopping the rest.
//!
//! `stream::iter(files).map(process).buffer_unordered(4)` keeps four files in
//! progress with no semaphore to manage, where asyncio needs a `Semaphore(4)`
//! and `gather`. Each file's `Result` is kept, as
//! `gather(return_exceptions=True)` keeps exceptions, so the file that is not
//! UTF-8 is reported and the rest are counted.
//!
//! Translates:
//! - *Python Async/Await*, "Exercises" (exercise 4: an async file processor
//!   that handles multiple files)

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use futures::{StreamExt, stream};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tempfile::TempDir;
use tokio::fs;

const SEED: u64 = 2024;
const FILES: usize = 8;
const MAX_OPEN: usize = 4;
const WORDS: [&str; 8] = [
    "async", "await", "future", "task", "runtime", "poll", "waker", "stream",
];

struct Stats {
    lines: usize,
    words: usize,
}

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

/// Counts lines and words.
async fn process(path: &Path) -> anyhow::Result<Stats> {
    let text = fs::read_to_string(path).await?;
    Ok(Stats {
        lines: text.lines().count(),
        words: text.split_whitespace().count(),
    })
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

pub async fn run() -> anyhow::Result<()> {
    let dir = Arc::new(tempfile::tempdir().context("cannot create a temporary directory")?);
    let paths = make_files(&dir)
        .await
        .context("cannot write the sample files")?;
    println!(
        "Processing {} files, at most {MAX_OPEN} at a time (seed {SEED})",
        paths.len()
    );

    let open = OpenCount::default();
    let mut results: Vec<(String, anyhow::Result<Stats>)> = stream::iter(&paths)
        .map(|path| async {
            let _counted = open.enter();
            (file_name(path), process(path).await)
        })
        .buffer_unordered(MAX_OPEN)
        .collect()
        .await;
    // They come in completion order: sorted by name.
    results.sort_by(|(a, _), (b, _)| a.cmp(b));

    let (mut lines, mut words, mut failed) = (0, 0, 0);
    for (name, result) in &results {
        match result {
            Ok(stats) => {
                println!("  {name}: {} lines, {} words", stats.lines, stats.words);
                lines += stats.lines;
                words += stats.words;
            }
            Err(error) => {
                println!("  {name}: failed: {error}");
                failed += 1;
            }
        }
    }
    // How many were open at once depends on how fast the blocking pool's
    // threads read, so it is checked, not printed.
    let most = open.most();
    assert!(most <= MAX_OPEN, "{most} files open at once");

    let summary = format!(
        "files: {}\nfailed: {failed}\nlines: {lines}\nwords: {words}\n",
        results.len()
    );
    let summary_path = dir.path().join("summary.txt");
    let (path, text) = (summary_path.clone(), summary.clone());
    keeping_dir(&dir, move || std::fs::write(path, text))
        .await
        .context("cannot write summary.txt")?;
    let read_back = fs::read_to_string(&summary_path)
        .await
        .context("cannot read summary.txt")?;
    assert_eq!(read_back, summary, "summary.txt changed on disk");
    println!("summary.txt:");
    print!("{read_back}");
    Ok(())
}

// What only proves the bound: how many files are being processed at once.

/// The files in progress now, and the most there ever were.
#[derive(Default)]
struct OpenCount {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl OpenCount {
    fn enter(&self) -> Counted<'_> {
        let now = self.now.fetch_add(1, Ordering::Relaxed) + 1;
        self.most.fetch_max(now, Ordering::Relaxed);
        Counted(self)
    }

    fn most(&self) -> usize {
        self.most.load(Ordering::Relaxed)
    }
}

/// Counts a file in progress for as long as it lives, so a future dropped
/// before it ends is uncounted too.
struct Counted<'a>(&'a OpenCount);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::Relaxed);
    }
}

// The demonstration's input: sample files written from a seeded generator.

/// Sample files of random words, and one that is not text.
async fn make_files(dir: &Arc<TempDir>) -> anyhow::Result<Vec<PathBuf>> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut paths = Vec::new();
    for n in 0..FILES {
        let lines: Vec<String> = (0..rng.random_range(1..=6))
            .map(|_| {
                let words: Vec<&str> = (0..rng.random_range(1..=8))
                    .map(|_| WORDS[rng.random_range(0..WORDS.len())])
                    .collect();
                words.join(" ")
            })
            .collect();
        let path = dir.path().join(format!("notes-{n}.txt"));
        let (to, text) = (path.clone(), lines.join("\n") + "\n");
        keeping_dir(dir, move || std::fs::write(to, text)).await?;
        paths.push(path);
    }
    let corrupt = dir.path().join("corrupt.txt");
    let to = corrupt.clone();
    keeping_dir(dir, move || std::fs::write(to, [0xff, 0xfe, 0x00, 0x41])).await?;
    paths.push(corrupt);
    Ok(paths)
}
