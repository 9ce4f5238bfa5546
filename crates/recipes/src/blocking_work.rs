//! Blocking code off the runtime with `spawn_blocking`: a checksum read
//! through `std::io::Read`, with its progress for the async side, and a stop
//! that reaches the thread when the caller gives up.
//!
//! In asyncio: `await asyncio.to_thread(fn)`, whose thread runs on when the
//! awaiting task is cancelled. Tokio is the same: `abort()` does nothing to a
//! job that has started. So `checksum` gives the closure a
//! `CancellationToken`, checked before each chunk, and the sender of a
//! `watch` channel for its progress (the book's page "Blocking work").
//!
//! What not to undo when you copy it:
//! - The token, and the drop guard that cancels it.
//! - Chunks short enough that the stop is noticed soon.
//! - `?` on the `JoinHandle`'s result: its error is a panic in the closure.
//! - `watch` for progress: sending never blocks the thread.

use std::io::{self, Read};
use std::sync::mpsc;

use anyhow::Context as _;
use tokio::sync::watch;
use tokio::task::spawn_blocking;
use tokio_util::sync::CancellationToken;

const CHUNK: usize = 64 * 1024;

/// The FNV-1a checksum of everything `source` yields, computed on the
/// blocking pool; `progress` gets the number of bytes read so far. Dropping
/// the returned future stops the thread at its next chunk.
pub async fn checksum<R>(source: R, progress: watch::Sender<u64>) -> anyhow::Result<u64>
where
    R: Read + Send + 'static,
{
    let stop = CancellationToken::new();
    let _stop_when_dropped = stop.clone().drop_guard();
    spawn_blocking(move || checksum_blocking(source, &stop, &progress))
        .await
        .context("the checksum thread panicked")?
}

/// The blocking part: plain synchronous code.
fn checksum_blocking(
    mut source: impl Read,
    stop: &CancellationToken,
    progress: &watch::Sender<u64>,
) -> anyhow::Result<u64> {
    let mut hash = Fnv1a::new();
    let mut buffer = vec![0; CHUNK];
    let mut read = 0u64;
    loop {
        if stop.is_cancelled() {
            anyhow::bail!("stopped after {read} bytes");
        }
        let n = match source.read(&mut buffer) {
            Ok(0) => return Ok(hash.finish()),
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error).context("reading the input"),
        };
        hash.write(&buffer[..n]);
        read += n as u64;
        progress.send_replace(read);
    }
}

/// FNV-1a, 64 bits: small, and the same on every platform and Rust version.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub async fn run() -> anyhow::Result<()> {
    // 1. The whole input, while the runtime stays free for other tasks.
    let (progress, _) = watch::channel(0);
    let sum = checksum(SlowSource::new(), progress).await?;
    println!("checksum of {} KiB: {sum:016x}", SIZE / 1024);

    // 2. The caller gives up once an eighth is done: `select!` drops the
    // `checksum` future, and its guard tells the thread to stop.
    let (progress, mut seen) = watch::channel(0);
    let (gave_up, told) = mpsc::channel();
    tokio::select! {
        result = checksum(SlowSource::new().holding_after(SIZE / 8, told), progress) => {
            anyhow::bail!("the checksum finished before an eighth was reported: {result:?}");
        }
        reached = seen.wait_for(|&read| read >= SIZE / 8) => {
            reached.context("the thread ended before an eighth")?;
            println!("an eighth done: the caller gives up");
        }
    }
    drop(gave_up);
    // `changed()` fails once the thread has dropped its `Sender`: it has
    // returned.
    while seen.changed().await.is_ok() {}
    let read = *seen.borrow();
    if read == SIZE {
        anyhow::bail!("the thread read everything: it never saw the stop");
    }
    println!("the thread saw the stop and returned before the end");

    // 3. Without a token, nothing stops it: `abort()` on a job that has
    // started has no effect, and it runs to the end.
    let (progress, mut seen) = watch::channel(0);
    let job = spawn_blocking(move || {
        checksum_blocking(SlowSource::new(), &CancellationToken::new(), &progress)
    });
    seen.wait_for(|&read| read > 0)
        .await
        .context("the thread ended before it began")?;
    job.abort();
    let after_abort = job.await.context("the job")??;
    println!("after abort(), the job still ran to the end: {after_abort:016x}");
    Ok(())
}

// What only feeds the demonstration: an input that takes a while to read,
// like a file on a slow disk, 64 KiB each 10 ms.

const SIZE: u64 = 4 * 1024 * 1024;

struct SlowSource {
    left: u64,
    hold: Option<Hold>,
}

/// Where the source stops until the caller has given up: on a busy machine,
/// the runtime's thread could be held up while this one reads to the end.
struct Hold {
    after: u64,
    until: mpsc::Receiver<()>,
}

impl SlowSource {
    fn new() -> Self {
        SlowSource {
            left: SIZE,
            hold: None,
        }
    }

    /// Once `after` bytes are read, the next read waits until `until`'s
    /// sender is dropped.
    fn holding_after(self, after: u64, until: mpsc::Receiver<()>) -> Self {
        SlowSource {
            hold: Some(Hold { after, until }),
            ..self
        }
    }
}

impl Read for SlowSource {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if let Some(hold) = self.hold.take_if(|hold| SIZE - self.left >= hold.after) {
            // Ends when the sender is dropped; nothing is ever sent.
            let _ = hold.until.recv();
        }
        let n = buffer.len().min(CHUNK).min(self.left as usize);
        if n > 0 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        for (i, byte) in buffer[..n].iter_mut().enumerate() {
            *byte = ((SIZE - self.left + i as u64) % 251) as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}
