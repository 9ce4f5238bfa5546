//! Cancel safety made visible: a read that keeps a frame's first bytes in its
//! future loses them when a timeout drops it; one that keeps them in the
//! reader loses nothing.
//!
//! Beyond the guides. In asyncio, `wait_for(reader.readexactly(8), timeout)` in
//! a loop loses nothing: the `StreamReader` keeps partial bytes in its own
//! buffer. In Rust a timeout drops the read, and with it whatever the future
//! held. `read_frame_in_future` is `read_exact` written out: the timeout drops
//! "fram", and every later frame is shifted by four. `FrameReader` owns its
//! buffer across calls, so its only `.await`, `read_buf`, is cancel safe (what
//! `tokio_util::codec::FramedRead` does for any decoder). Which Tokio methods
//! are cancel safe is on the book's page "Cancellation".

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::time::{Instant, sleep, timeout};

const FRAME_LEN: usize = 8;

/// Reads fixed-length frames, keeping the bytes of a frame in progress
/// between calls, so `read_frame` is cancel safe.
struct FrameReader<R> {
    reader: R,
    buffer: Vec<u8>,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    fn new(reader: R) -> Self {
        Self {
            reader,
            buffer: Vec::with_capacity(4 * FRAME_LEN),
        }
    }

    /// The next frame, or `None` at the end of the stream.
    async fn read_frame(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if self.buffer.len() >= FRAME_LEN {
                return Ok(Some(self.buffer.drain(..FRAME_LEN).collect()));
            }
            // Cancel safe: if this future is dropped here, the bytes read
            // so far are in `self.buffer`, and `read_buf` has read nothing.
            if self.reader.read_buf(&mut self.buffer).await? == 0 {
                return if self.buffer.is_empty() {
                    Ok(None)
                } else {
                    Err(ended_mid_frame(std::mem::take(&mut self.buffer)))
                };
            }
        }
    }
}

fn ended_mid_frame(partial: Vec<u8>) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!(
            "the stream ended {} bytes into a frame: {:?}",
            partial.len(),
            String::from_utf8_lossy(&partial)
        ),
    )
}

/// NOT cancel safe: the bytes of the frame in progress live in this
/// future, so dropping it between two reads drops them. This is
/// `read_exact` written out, with its buffer made visible.
async fn read_frame_in_future<R: AsyncRead + Unpin>(
    reader: &mut R,
    clock: Instant,
) -> io::Result<Option<Vec<u8>>> {
    let mut frame = Partial {
        bytes: Vec::with_capacity(FRAME_LEN),
        clock,
    };
    while frame.bytes.len() < FRAME_LEN {
        let mut chunk = [0; FRAME_LEN];
        let wanted = FRAME_LEN - frame.bytes.len();
        match reader.read(&mut chunk[..wanted]).await? {
            0 if frame.bytes.is_empty() => return Ok(None),
            0 => return Err(ended_mid_frame(std::mem::take(&mut frame.bytes))),
            read => frame.bytes.extend_from_slice(&chunk[..read]),
        }
    }
    Ok(Some(std::mem::take(&mut frame.bytes)))
}

pub async fn run() -> anyhow::Result<()> {
    println!("The frame in progress kept in the future:");
    let clock = Instant::now();
    let (writer, mut reader) = tokio::io::duplex(64);
    // The sender and the reader side by side in this task: neither needs a
    // task of its own, and a cancelled `run` drops both.
    let receiving = receive(
        async || read_frame_in_future(&mut reader, clock).await,
        clock,
    );
    let (sent, ()) = tokio::join!(sender(writer, clock), receiving);
    sent?;

    println!("\nThe frame in progress kept in the reader:");
    let clock = Instant::now();
    let (writer, reader) = tokio::io::duplex(64);
    let mut frames = FrameReader::new(reader);
    let receiving = receive(async || frames.read_frame().await, clock);
    let (sent, ()) = tokio::join!(sender(writer, clock), receiving);
    sent?;
    Ok(())
}

// The demonstration: bytes that say when they are dropped, the sender that
// stalls, and the reader's loop.

const PATIENCE: Duration = Duration::from_secs(2);
/// How many waits in a row may end without a frame before the reader gives
/// up: each wait is bounded, and so must be their sum, or a peer stalled
/// mid-frame would keep the loop waiting again for ever.
const MAX_WAITS: u32 = 3;

/// The bytes of a frame read so far, which say so if they are dropped.
struct Partial {
    bytes: Vec<u8>,
    clock: Instant,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.bytes.is_empty() {
            println!(
                "{} dropped with {:?} read: those bytes are lost",
                stamp(self.clock),
                String::from_utf8_lossy(&self.bytes)
            );
        }
    }
}

fn stamp(clock: Instant) -> String {
    format!("[{:.1}s]", clock.elapsed().as_secs_f64())
}

/// Writes three frames, pausing for 2.5 s in the middle of the second,
/// then closes the pipe.
///
/// The reader's wait starts at 0.2 s, with frame-01, so it gives up at
/// 2.2 s and would again at 4.2 s: every write is at least half a second
/// from both, so that a busy machine, late with a timer, changes no line.
async fn sender(mut pipe: DuplexStream, clock: Instant) -> io::Result<()> {
    let writes: [(u64, &[u8]); 4] = [
        (200, b"frame-01"),
        (300, b"fram"),
        (2500, b"e-02"),
        (200, b"frame-03"),
    ];
    for (pause, bytes) in writes {
        sleep(Duration::from_millis(pause)).await;
        println!("{} sent {:?}", stamp(clock), String::from_utf8_lossy(bytes));
        pipe.write_all(bytes).await?;
    }
    Ok(())
}

/// The reader's loop: wait up to `PATIENCE` for each frame, and on a
/// timeout, wait again, up to `MAX_WAITS` times in a row. `read_frame` is
/// the read under test.
async fn receive<F>(mut read_frame: F, clock: Instant)
where
    F: AsyncFnMut() -> io::Result<Option<Vec<u8>>>,
{
    let mut waits = 0;
    let ending = loop {
        match timeout(PATIENCE, read_frame()).await {
            Ok(Ok(Some(frame))) => {
                waits = 0;
                println!(
                    "{} frame {:?}",
                    stamp(clock),
                    String::from_utf8_lossy(&frame)
                );
            }
            Ok(Ok(None)) => break "the stream ended".to_string(),
            Ok(Err(error)) => break format!("error: {error}"),
            Err(_elapsed) => {
                waits += 1;
                if waits == MAX_WAITS {
                    let given = (PATIENCE * MAX_WAITS).as_secs();
                    break format!("error: no frame within {given}s; giving up");
                }
                println!(
                    "{} no frame within {}s; waiting again",
                    stamp(clock),
                    PATIENCE.as_secs()
                );
            }
        }
    };
    println!("{} {ending}", stamp(clock));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A peer that stalls mid-frame and stays connected: the loop gives up
    /// after `MAX_WAITS` waits in a row, where it used to wait again for
    /// ever.
    #[tokio::test(start_paused = true)]
    async fn a_peer_stalled_mid_frame_is_given_up_on() {
        let (mut writer, reader) = tokio::io::duplex(64);
        writer.write_all(b"fram").await.unwrap();
        let mut frames = FrameReader::new(reader);
        let clock = Instant::now();
        let receiving = receive(async || frames.read_frame().await, clock);
        timeout(Duration::from_secs(60), receiving)
            .await
            .expect("the reader still waited a minute later");
        assert_eq!(clock.elapsed(), PATIENCE * MAX_WAITS);
        drop(writer);
    }
}
