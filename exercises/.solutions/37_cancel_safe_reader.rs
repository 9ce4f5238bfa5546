use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep};

/// Reads frames of one length byte and that many bytes, keeping the bytes
/// of a frame in progress between calls, so `read_frame` is cancel safe.
struct FrameReader<R> {
    reader: R,
    buffer: Vec<u8>,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    fn new(reader: R) -> Self {
        FrameReader {
            reader,
            buffer: Vec::with_capacity(256),
        }
    }

    /// The next frame, or `None` at the end of the stream.
    async fn read_frame(&mut self) -> io::Result<Option<String>> {
        loop {
            if let Some(&len) = self.buffer.first()
                && self.buffer.len() > usize::from(len)
            {
                let frame: Vec<u8> = self.buffer.drain(..=usize::from(len)).skip(1).collect();
                return Ok(Some(String::from_utf8_lossy(&frame).into_owned()));
            }
            // Cancelled here, it loses nothing: what came so far is in
            // `self.buffer`, and `read_buf` has read nothing.
            if self.reader.read_buf(&mut self.buffer).await? == 0 {
                return if self.buffer.is_empty() {
                    Ok(None)
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the stream ended inside a frame",
                    ))
                };
            }
        }
    }
}

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
    let (near, far) = tokio::io::duplex(64);
    let sender = tokio::spawn(sender(far));
    let mut frames = FrameReader::new(near);
    let every = Duration::from_millis(120);
    let mut ticks = interval_at(Instant::now() + every, every);
    // A tick that comes late (the loop was busy with a frame) is followed by
    // the next on schedule, not by the missed ones back to back (`Burst`).
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            frame = frames.read_frame() => match frame {
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
