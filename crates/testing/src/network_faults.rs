//! Network faults, deterministically: turmoil runs a key-value server and
//! its client as simulated hosts on one thread, and the test adds latency,
//! cuts the network and crashes the server at the instants it chooses.
//!
//! Beyond the guides: asyncio has no simulator for it. turmoil gives each host
//! a runtime on the paused clock, and `turmoil::net`, whose types mirror
//! `tokio::net`'s (a `cfg(test)` on the `use` line picks them for the tests).
//! The client without deadlines passes the plain test and the one with 50 ms
//! of latency, and has a bug only faults show: cut off from the server, it
//! waits for good; after a crash, it fails on its dead connection. The fix is
//! what the faults ask for: a deadline on each attempt, a new connection after
//! a failed one, and a few attempts, spaced out.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{sleep, timeout};
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use turmoil::Sim;
use turmoil::net::{TcpListener, TcpStream};

const PORT: u16 = 7000;
/// The longest command or reply either side buffers, in bytes.
const MAX_LINE: usize = 64;
/// How long the server lets a client stay silent.
const IDLE_LIMIT: Duration = Duration::from_secs(60);

// ---- The server: the exercises' key-value store, one task per connection.

type Store = Arc<Mutex<HashMap<String, String>>>;

async fn kv_server() -> io::Result<()> {
    let listener = TcpListener::bind((IpAddr::from(Ipv4Addr::UNSPECIFIED), PORT)).await?;
    let store = Store::default();
    loop {
        let (stream, _) = listener.accept().await?;
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            // A connection's end, clean or not, is the client's business.
            let _ = serve(stream, &store).await;
        });
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(stream: S, store: &Store) -> io::Result<()> {
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    while let Ok(Some(line)) = timeout(IDLE_LIMIT, lines.next()).await {
        let line = line.map_err(into_io)?;
        let mut words = line.split_whitespace();
        let reply = {
            let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
            match (words.next(), words.next(), words.next(), words.next()) {
                (Some("GET"), Some(key), None, None) => match store.get(key) {
                    Some(value) => format!("VALUE {value}"),
                    None => "NIL".to_owned(),
                },
                (Some("SET"), Some(key), Some(value), None) => {
                    store.insert(key.to_owned(), value.to_owned());
                    "OK".to_owned()
                }
                _ => "ERR unknown command".to_owned(),
            }
        };
        lines.send(reply).await.map_err(into_io)?;
    }
    Ok(())
}

fn into_io(error: LinesCodecError) -> io::Error {
    match error {
        LinesCodecError::Io(error) => error,
        other => io::Error::other(other),
    }
}

type Connection = Framed<TcpStream, LinesCodec>;

async fn connect() -> io::Result<Connection> {
    let stream = TcpStream::connect(("server", PORT)).await?;
    Ok(Framed::new(
        stream,
        LinesCodec::new_with_max_length(MAX_LINE),
    ))
}

/// One request on a connection: the command out, its reply back. The client
/// with the bug is this alone: it trusts the network.
async fn exchange(connection: &mut Connection, command: &str) -> io::Result<String> {
    connection.send(command).await.map_err(into_io)?;
    match connection.next().await {
        Some(reply) => reply.map_err(into_io),
        None => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        )),
    }
}

// ---- The fix: a deadline per attempt, a new connection after a failure,
// and a bounded number of attempts.

/// How long one attempt may take, connecting included: turmoil refuses a
/// connection into a partition at once, where a real one is tried again for
/// about two minutes (Linux's `tcp_syn_retries`).
const DEADLINE: Duration = Duration::from_secs(1);
const ATTEMPTS: u32 = 5;
/// The pause between attempts.
const BACKOFF: Duration = Duration::from_millis(500);

struct Client {
    connection: Option<Connection>,
    /// Attempts that failed, for the demonstration.
    failed: u32,
}

impl Client {
    async fn connect() -> io::Result<Self> {
        let connection = timeout(DEADLINE, connect()).await??;
        Ok(Client {
            connection: Some(connection),
            failed: 0,
        })
    }

    async fn request(&mut self, command: &str) -> io::Result<String> {
        let mut attempt = 1;
        loop {
            let error = match timeout(DEADLINE, self.attempt(command)).await {
                Ok(Ok(reply)) => return Ok(reply),
                Ok(Err(error)) => error,
                Err(elapsed) => elapsed.into(),
            };
            self.failed += 1;
            // Out of step or dead: on the old connection a late reply would
            // answer the next request. Trying again is safe: `SET` and `GET`
            // can be repeated.
            self.connection = None;
            if attempt == ATTEMPTS {
                return Err(error);
            }
            attempt += 1;
            sleep(BACKOFF).await;
        }
    }

    async fn attempt(&mut self, command: &str) -> io::Result<String> {
        let connection = match &mut self.connection {
            Some(connection) => connection,
            None => self.connection.insert(connect().await?),
        };
        exchange(connection, command).await
    }
}

// ---- The tests' common script and the faults: what only feeds the
// demonstration.

/// When the client sends its requests: after the faults begin.
const REQUESTS_AT: Duration = Duration::from_secs(2);
/// When the test stops waiting for the client.
const GIVE_UP: Duration = Duration::from_secs(10);
/// How far the simulation moves its clocks in a step, and how long a message
/// takes without a fault: ten times turmoil's default step, so that waiting
/// out `GIVE_UP` takes a tenth of the steps.
const TICK: Duration = Duration::from_millis(10);

/// Something the test does to the simulation, and when.
type Event = (Duration, fn(&mut Sim));

#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    /// 50 ms each way, from the start.
    Latency,
    /// No message gets through from 1 s to 4 s.
    Partition,
    /// The server's host dies at 1 s and starts again at 3 s.
    Crash,
}

impl Fault {
    fn describe(self) -> &'static str {
        match self {
            Fault::None => "no faults",
            Fault::Latency => "50 ms latency",
            Fault::Partition => "partition from 1s to 4s",
            Fault::Crash => "server crash at 1s, back at 3s",
        }
    }

    fn events(self) -> Vec<Event> {
        let at = Duration::from_secs;
        match self {
            Fault::None => vec![],
            Fault::Latency => vec![(at(0), |sim| {
                sim.set_link_latency("client", "server", Duration::from_millis(50));
            })],
            Fault::Partition => vec![
                (at(1), |sim| sim.partition("client", "server")),
                (at(4), |sim| sim.repair("client", "server")),
            ],
            Fault::Crash => vec![
                (at(1), |sim| sim.crash("server")),
                (at(3), |sim| sim.bounce("server")),
            ],
        }
    }
}

/// Connects, waits until `REQUESTS_AT`, sets a key and reads it back: the
/// reply, and how many attempts failed on the way.
async fn script(careful: bool) -> io::Result<(String, u32)> {
    if careful {
        let mut client = Client::connect().await?;
        sleep(REQUESTS_AT).await;
        client.request("SET color red").await?;
        let reply = client.request("GET color").await?;
        Ok((reply, client.failed))
    } else {
        let mut connection = connect().await?;
        sleep(REQUESTS_AT).await;
        exchange(&mut connection, "SET color red").await?;
        Ok((exchange(&mut connection, "GET color").await?, 0))
    }
}

/// How a client's script ended: its result, or `None` if it was still
/// waiting at `GIVE_UP`; and when, in simulated time.
struct Outcome<T> {
    result: Option<io::Result<T>>,
    at: Duration,
}

/// Runs the server, and `script` as its client, applying `fault`.
fn simulate<T: 'static>(
    fault: Fault,
    script: impl Future<Output = io::Result<T>> + 'static,
) -> anyhow::Result<Outcome<T>> {
    // One seed, one run, times included.
    let mut sim = turmoil::Builder::new()
        .rng_seed(7)
        .min_message_latency(TICK)
        .max_message_latency(TICK)
        .tick_duration(TICK)
        .simulation_duration(GIVE_UP + Duration::from_secs(1))
        .build();
    sim.host("server", || async { Ok(kv_server().await?) });
    // The client runs on this thread, in the simulation's `LocalSet`: an
    // `Rc` is enough to bring its result out.
    let ended = Rc::new(RefCell::new(None));
    let slot = Rc::clone(&ended);
    sim.client("client", async move {
        let result = script.await;
        let at = turmoil::sim_elapsed().unwrap_or_default();
        *slot.borrow_mut() = Some(Outcome {
            result: Some(result),
            at,
        });
        Ok(())
    });
    let mut events = fault.events().into_iter().peekable();
    loop {
        while let Some((_, event)) = events.next_if(|(at, _)| sim.elapsed() >= *at) {
            event(&mut sim);
        }
        sim.step().map_err(|error| anyhow::anyhow!("{error}"))?;
        if let Some(outcome) = ended.borrow_mut().take() {
            return Ok(outcome);
        }
        if sim.elapsed() >= GIVE_UP {
            return Ok(Outcome {
                result: None,
                at: sim.elapsed(),
            });
        }
    }
}

pub fn run() -> anyhow::Result<()> {
    for fault in [Fault::None, Fault::Latency, Fault::Partition, Fault::Crash] {
        for (careful, name) in [(false, "without deadlines"), (true, "with deadlines")] {
            let Outcome { result, at } = simulate(fault, script(careful))?;
            let at = at.as_secs_f64();
            let ending = match result {
                None => format!("still waiting when the test gave up at {at:.2}s"),
                Some(Ok((reply, 0))) => format!("{reply} at {at:.2}s"),
                Some(Ok((reply, failed))) => {
                    format!("{reply} at {at:.2}s, after {failed} failed attempts")
                }
                Some(Err(error)) => format!("failed at {at:.2}s: {error}"),
            };
            println!("{}, client {name}: {ending}", fault.describe());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(outcome: Outcome<(String, u32)>) -> Option<String> {
        match outcome.result {
            Some(Ok((reply, _))) => Some(reply),
            _ => None,
        }
    }

    /// The plain tests: both clients pass, so they can't tell them apart.
    #[test]
    fn both_clients_pass_without_faults_and_with_latency() -> anyhow::Result<()> {
        for fault in [Fault::None, Fault::Latency] {
            for careful in [false, true] {
                let outcome = simulate(fault, script(careful))?;
                assert_eq!(reply(outcome).as_deref(), Some("VALUE red"), "{fault:?}");
            }
        }
        Ok(())
    }

    /// Five messages reach the other side before the reply to the `GET`
    /// (the connection's first, then two requests and their replies), each
    /// one step, or 50 ms with the latency.
    #[test]
    fn times_are_exact() -> anyhow::Result<()> {
        let plain = simulate(Fault::None, script(true))?.at;
        let slow = simulate(Fault::Latency, script(true))?.at;
        assert_eq!(plain, REQUESTS_AT + 5 * TICK);
        assert_eq!(slow, REQUESTS_AT + 5 * Duration::from_millis(50));
        Ok(())
    }

    /// The bug, pinned: a request lost in the partition is never answered.
    /// turmoil resends nothing, so the request is lost, where real TCP
    /// resends it for 13 to 30 minutes before it fails the connection, and
    /// waits for ever if the server's host died after the request arrived.
    #[test]
    fn without_deadlines_a_partition_hangs_the_client() -> anyhow::Result<()> {
        let outcome = simulate(Fault::Partition, script(false))?;
        assert!(outcome.result.is_none(), "the client is still waiting");
        Ok(())
    }

    #[test]
    fn with_deadlines_the_client_outlasts_a_partition() -> anyhow::Result<()> {
        let outcome = simulate(Fault::Partition, script(true))?;
        assert!(
            outcome.at >= Duration::from_secs(4),
            "not before the repair"
        );
        assert_eq!(reply(outcome).as_deref(), Some("VALUE red"));
        Ok(())
    }

    #[test]
    fn without_deadlines_a_crash_fails_the_client() -> anyhow::Result<()> {
        let outcome = simulate(Fault::Crash, script(false))?;
        let error = outcome
            .result
            .and_then(Result::err)
            .map(|error| error.kind());
        assert_eq!(error, Some(io::ErrorKind::UnexpectedEof));
        Ok(())
    }

    #[test]
    fn with_deadlines_the_client_outlasts_a_crash() -> anyhow::Result<()> {
        let outcome = simulate(Fault::Crash, script(true))?;
        assert!(
            outcome.at >= Duration::from_secs(3),
            "not before the restart"
        );
        assert_eq!(reply(outcome).as_deref(), Some("VALUE red"));
        Ok(())
    }

    /// What the crash shows next: the store lived in the host's memory.
    #[test]
    fn a_crash_loses_what_was_written_before_it() -> anyhow::Result<()> {
        let before_and_after = async {
            let mut client = Client::connect().await?;
            let set = client.request("SET color red").await?;
            sleep(Duration::from_secs(4)).await;
            Ok((set, client.request("GET color").await?))
        };
        let outcome = simulate(Fault::Crash, before_and_after)?;
        let replies = outcome.result.and_then(Result::ok);
        assert_eq!(replies, Some(("OK".to_owned(), "NIL".to_owned())));
        Ok(())
    }

    /// Five attempts, then the error: a client that gives up in bounded time.
    #[test]
    fn with_deadlines_the_client_gives_up_on_a_long_partition() -> anyhow::Result<()> {
        let long_partition = async {
            let mut client = Client::connect().await?;
            turmoil::partition("client", "server");
            client.request("GET color").await
        };
        let outcome = simulate(Fault::None, long_partition)?;
        assert!(matches!(outcome.result, Some(Err(_))), "it gave up");
        assert!(outcome.at < GIVE_UP);
        Ok(())
    }
}
