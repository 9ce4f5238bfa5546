//! Exercise: cancel_safe_reader
//!
//! A sender writes frames to a pipe: a length byte, then, 150 ms later,
//! that many bytes. The reader waits for a frame or for its ticker,
//! whichever comes first. Each time the ticker wins, `select!` drops the
//! `read_frame` future, and with it the bytes it had already read, so the
//! next call takes the middle of a frame for its start: no frame comes out
//! whole. Write `FrameReader`, whose `read_frame` keeps
//! the bytes of a frame in progress in the reader, not in the future, so
//! that dropping the future loses nothing; then use it in `run`:
//!
//! ```text
//! 0.12s tick
//! 0.15s frame "hello"
//! 0.24s tick
//! 0.36s tick
//! 0.4s frame "world"
//! 0.48s tick
//! 0.5s end of stream
//! ```
//!
//! The example that shows how: `cargo run -p concurrency -- cancel_safety`.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep};

/// NOT cancel safe: once `read_u8` has returned, the length lives only in
/// this future; dropped while it waits for the bytes, it is lost.
async fn read_frame(pipe: &mut DuplexStream) -> io::Result<Option<String>> {
    let len = match pipe.read_u8().await {
        Ok(len) => len,
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error),
    };
    let mut frame = vec![0; usize::from(len)];
    pipe.read_exact(&mut frame).await?;
    Ok(Some(String::from_utf8_lossy(&frame).into_owned()))
}

// TODO: `struct FrameReader<R>` holding the reader and a buffer, and
// `async fn read_frame(&mut self) -> io::Result<Option<String>>` that reads
// with `read_buf` into the buffer and returns a frame once the buffer holds
// a whole one.

/// Sends each word as a frame, its length first and its bytes 150 ms
/// later, like a slow network.
async fn sender(mut pipe: DuplexStream) -> io::Result<()> {
    for word in ["hello", "world"] {
        let len = u8::try_from(word.len()).map_err(io::Error::other)?;
        pipe.write_u8(len).await?;
        sleep(Duration::from_millis(150)).await;
        pipe.write_all(word.as_bytes()).await?;
        sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

pub async fn run() {
    let (mut near, far) = tokio::io::duplex(64);
    let sender = tokio::spawn(sender(far));
    let every = Duration::from_millis(120);
    let mut ticks = interval_at(Instant::now() + every, every);
    // A tick that comes late (the loop was busy with a frame) is followed by
    // the next on schedule, not by the missed ones back to back (`Burst`).
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            frame = read_frame(&mut near) => match frame {
                Ok(Some(frame)) => println!("frame {frame:?}"),
                Ok(None) => break,
                Err(error) => {
                    println!("error: {error}");
                    break;
                }
            },
            _ = ticks.tick() => println!("tick"),
        }
    }
    println!("end of stream");
    match sender.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => println!("sender: {error}"),
        Err(error) => println!("sender: {error}"),
    }
}
