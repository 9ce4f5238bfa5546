//! Testing a protocol handler without a network: `tokio_test::io::Builder`
//! scripts what the client sends and what the handler must answer.
//!
//! The handler is generic over `AsyncRead + AsyncWrite`, so a test hands it
//! a scripted stream where the server hands it a socket, as an asyncio test
//! feeds a `StreamReader` with `feed_data` and `feed_eof`. The script is
//! stricter: a read waits until the replies scripted before it are written,
//! and a write that differs, or a read or a write left over, panics. So a
//! handler that stops early fails its test.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Unit Testing Async Functions" (the same tests, for a handler of
//!   a socket's bytes)

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, timeout};
use tokio_test::io::{Builder, Mock};
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};

/// The longest command the handler buffers, in bytes.
const MAX_LINE: usize = 64;
/// How long a client may stay silent; short, so the real clock's run of
/// the demonstration is short too.
const IDLE_LIMIT: Duration = Duration::from_secs(1);

pub type Store = Arc<Mutex<HashMap<String, String>>>;

/// How a connection ended without an I/O error.
#[derive(Debug, PartialEq)]
pub enum Ended {
    ClientLeft,
    Idle,
    LineTooLong,
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ended::ClientLeft => "the client hung up",
            Ended::Idle => "hung up on a silent client",
            Ended::LineTooLong => "refused a line too long and hung up",
        })
    }
}

/// Serves one connection: one reply per command line. The same code serves
/// a `TcpStream`, a `Mock` or a `tokio::io::duplex` pipe.
pub async fn serve<S>(stream: S, store: &Store) -> io::Result<Ended>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    loop {
        let line = match timeout(IDLE_LIMIT, lines.next()).await {
            Err(_) => return Ok(Ended::Idle),
            Ok(None) => return Ok(Ended::ClientLeft),
            Ok(Some(Ok(line))) => line,
            Ok(Some(Err(LinesCodecError::MaxLineLengthExceeded))) => {
                lines.send("ERR line too long").await.map_err(into_io)?;
                return Ok(Ended::LineTooLong);
            }
            Ok(Some(Err(LinesCodecError::Io(error)))) => return Err(error),
        };
        // The guard is a temporary: the lock is let go at the `;`.
        let reply = execute(
            &line,
            &mut store.lock().unwrap_or_else(PoisonError::into_inner),
        );
        lines.send(reply).await.map_err(into_io)?;
    }
}

/// Runs one command on the store and returns the reply.
fn execute(line: &str, store: &mut HashMap<String, String>) -> String {
    let mut words = line.split_whitespace();
    match (words.next(), words.next(), words.next(), words.next()) {
        (Some("GET"), Some(key), None, None) => match store.get(key) {
            Some(value) => format!("VALUE {value}"),
            None => "NIL".to_owned(),
        },
        (Some("SET"), Some(key), Some(value), None) => {
            store.insert(key.to_owned(), value.to_owned());
            "OK".to_owned()
        }
        _ => format!("ERR unknown command: {line}"),
    }
}

fn into_io(error: LinesCodecError) -> io::Error {
    match error {
        LinesCodecError::Io(error) => error,
        other => io::Error::other(other),
    }
}

/// A peer's side of one connection, built only when its turn comes: a
/// `Mock` dropped with its script unfinished panics, as one that is written
/// what its script doesn't expect does, showing both.
type Script = fn() -> Mock;

// What a test over loopback almost never sees, since TCP keeps no message
// boundaries and loopback delivers whole writes: a command split across
// reads and two in one read, a line too long, a reset in the middle of a
// command, and a client that goes quiet, on the paused clock, where the
// script's `wait` takes no real time. The protocol is the exercises'
// key-value store.

const SCRIPTS: [(&str, Script); 5] = [
    ("a conversation", || {
        Builder::new()
            .read(b"SET color red\n")
            .write(b"OK\n")
            .read(b"GET color\n")
            .write(b"VALUE red\n")
            .read(b"GET size\n")
            .write(b"NIL\n")
            .build()
    }),
    ("a command split across reads", || {
        Builder::new()
            .read(b"SET size ")
            .read(b"10\nGET si")
            .write(b"OK\n")
            .read(b"ze\n")
            .write(b"VALUE 10\n")
            .build()
    }),
    ("a line too long", || {
        Builder::new()
            .read(&[b'x'; 2 * MAX_LINE])
            .write(b"ERR line too long\n")
            .build()
    }),
    ("a reset mid-command", || {
        Builder::new()
            .read(b"GET co")
            .read_error(io::ErrorKind::ConnectionReset.into())
            .build()
    }),
    ("a silent client", || {
        Builder::new()
            .read(b"SET color blue\n")
            .write(b"OK\n")
            .wait(Duration::from_secs(60))
            .build()
    }),
];

pub async fn run() {
    let store = Store::default();
    for (name, script) in SCRIPTS {
        let start = Instant::now();
        match serve(script(), &store).await {
            Ok(ended) => println!("{name}: {ended} at {:.1}s", start.elapsed().as_secs_f64()),
            Err(error) => println!("{name}: failed: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scripted client's half of a conversation, and how it must end.
    async fn check(mock: Mock, expected: Ended) {
        let ended = serve(mock, &Store::default()).await;
        assert_eq!(ended.expect("no I/O error"), expected);
    }

    #[tokio::test(start_paused = true)]
    async fn answers_each_command_in_order() {
        check(SCRIPTS[0].1(), Ended::ClientLeft).await;
    }

    /// TCP delivers bytes, not lines: a command may come in pieces, and two
    /// may come in one read.
    #[tokio::test(start_paused = true)]
    async fn frames_lines_not_reads() {
        check(SCRIPTS[1].1(), Ended::ClientLeft).await;
    }

    /// Even a command split byte by byte.
    #[tokio::test(start_paused = true)]
    async fn a_command_one_byte_at_a_time() {
        let mut script = Builder::new();
        for byte in b"SET k v\n" {
            script.read(&[*byte]);
        }
        check(script.write(b"OK\n").build(), Ended::ClientLeft).await;
    }

    /// A client can't make the handler buffer more than `MAX_LINE`.
    #[tokio::test(start_paused = true)]
    async fn refuses_a_line_too_long() {
        check(SCRIPTS[2].1(), Ended::LineTooLong).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_reset_is_an_error_not_a_hang_up() {
        let error = serve(SCRIPTS[3].1(), &Store::default())
            .await
            .expect_err("a reset is an I/O error");
        assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
    }

    /// Exactly `IDLE_LIMIT` after its last command, in no real time.
    #[tokio::test(start_paused = true)]
    async fn hangs_up_on_a_silent_client() {
        let start = Instant::now();
        check(SCRIPTS[4].1(), Ended::Idle).await;
        assert_eq!(start.elapsed(), IDLE_LIMIT);
    }

    /// A client slower than the limit between commands, but never silent
    /// for longer, is served.
    #[tokio::test(start_paused = true)]
    async fn a_slow_client_is_not_a_silent_one() {
        let pause = IDLE_LIMIT - Duration::from_millis(1);
        let mock = Builder::new()
            .read(b"SET a 1\n")
            .write(b"OK\n")
            .wait(pause)
            .read(b"GET a\n")
            .write(b"VALUE 1\n")
            .build();
        check(mock, Ended::ClientLeft).await;
    }

    #[tokio::test(start_paused = true)]
    async fn answers_a_bad_command_and_goes_on() {
        let mock = Builder::new()
            .read(b"DEL a\nSET a\n")
            .write(b"ERR unknown command: DEL a\n")
            .write(b"ERR unknown command: SET a\n")
            .build();
        check(mock, Ended::ClientLeft).await;
    }

    /// Connections share the store: what one sets, the next one gets.
    #[tokio::test(start_paused = true)]
    async fn connections_share_the_store() {
        let store = Store::default();
        let first = Builder::new().read(b"SET a 1\n").write(b"OK\n").build();
        let second = Builder::new().read(b"GET a\n").write(b"VALUE 1\n").build();
        assert_eq!(serve(first, &store).await.ok(), Some(Ended::ClientLeft));
        assert_eq!(serve(second, &store).await.ok(), Some(Ended::ClientLeft));
    }
}
