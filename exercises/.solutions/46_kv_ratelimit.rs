use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::DuplexStream;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep, timeout};
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

/// The longest command line the server reads.
const MAX_LINE: usize = 64;
/// Connections served at once; the next one waits for a free slot.
const MAX_CONNECTIONS: usize = 2;
/// How long a connection may stay silent before the server hangs up.
const IDLE_LIMIT: Duration = Duration::from_millis(500);

/// How often the sweeper removes the expired keys.
const SWEEP_EVERY: Duration = Duration::from_millis(400);
/// Commands one connection may send in one `RATE_WINDOW`.
const RATE_LIMIT: u32 = 3;
/// The window `RATE_LIMIT` counts in.
const RATE_WINDOW: Duration = Duration::from_millis(600);

/// A value, and the instant it expires at, if it does.
struct Entry {
    value: String,
    expires: Option<Instant>,
}

impl Entry {
    /// An entry has expired from the instant it expires at on.
    fn has_expired(&self, now: Instant) -> bool {
        self.expires.is_some_and(|expires| now >= expires)
    }
}

/// The store every connection shares. A std `Mutex`: it is never held
/// across an `.await`, so it never blocks a thread for long.
type Store = Arc<Mutex<HashMap<String, Entry>>>;

/// Runs one command on the store, at `now`, and returns the reply.
fn execute(line: &str, store: &mut HashMap<String, Entry>, now: Instant) -> String {
    let mut words = line.split_whitespace();
    match (
        words.next(),
        words.next(),
        words.next(),
        words.next(),
        words.next(),
        words.next(),
    ) {
        // An expired key reads as missing, whether or not the sweeper has
        // removed it yet.
        (Some("GET"), Some(key), None, None, None, None) => match store.get(key) {
            Some(entry) if !entry.has_expired(now) => format!("VALUE {}", entry.value),
            _ => "NIL".to_owned(),
        },
        (Some("SET"), Some(key), Some(value), None, None, None) => {
            let entry = Entry {
                value: value.to_owned(),
                expires: None,
            };
            store.insert(key.to_owned(), entry);
            "OK".to_owned()
        }
        (Some("SET"), Some(key), Some(value), Some("PX"), Some(ms), None) => {
            // The client's number: parsed, and added without overflow.
            let Some(expires) = ms
                .parse()
                .ok()
                .and_then(|ms| now.checked_add(Duration::from_millis(ms)))
            else {
                return format!("ERR bad expiry: {ms}");
            };
            let entry = Entry {
                value: value.to_owned(),
                expires: Some(expires),
            };
            store.insert(key.to_owned(), entry);
            "OK".to_owned()
        }
        _ => format!("ERR unknown command: {line}"),
    }
}

/// Every `SWEEP_EVERY`, removes the expired keys from the store and names
/// them, until `shutdown` is cancelled. Without it, a key that is set with
/// an expiry and never read again would stay in memory for ever.
async fn sweeper(store: Store, shutdown: CancellationToken) {
    // `interval` ticks at once; the first sweep is one period in.
    let mut ticks = interval_at(Instant::now() + SWEEP_EVERY, SWEEP_EVERY);
    // A sweep that comes late need not be made up for.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let now = Instant::now();
        let mut removed = Vec::new();
        store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|key, entry| {
                let expired = entry.has_expired(now);
                if expired {
                    removed.push(key.clone());
                }
                !expired
            });
        if !removed.is_empty() {
            removed.sort_unstable();
            println!("sweeper: removed {}", removed.join(", "));
        }
    }
}

/// One connection's rate limit: at most `RATE_LIMIT` commands in a window
/// of `RATE_WINDOW`, which opens with the first command that finds no
/// window open. A command turned away does not count.
#[derive(Default)]
struct RateLimit {
    opened: Option<Instant>,
    used: u32,
}

impl RateLimit {
    /// `Ok(())` if a command may run at `now`; otherwise how long until the
    /// window closes.
    fn check(&mut self, now: Instant) -> Result<(), Duration> {
        match self.opened {
            Some(opened) if now.saturating_duration_since(opened) < RATE_WINDOW => {
                if self.used < RATE_LIMIT {
                    self.used += 1;
                    Ok(())
                } else {
                    Err(RATE_WINDOW - now.saturating_duration_since(opened))
                }
            }
            _ => {
                self.opened = Some(now);
                self.used = 1;
                Ok(())
            }
        }
    }
}

/// Serves one connection until the client hangs up, stays silent for
/// `IDLE_LIMIT`, sends a line that is too long, or the server shuts down.
/// A command it has read is always answered: shutdown is only awaited
/// between commands.
async fn serve(stream: DuplexStream, store: Store, shutdown: CancellationToken) -> io::Result<()> {
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    // The connection's own: its task is the only one that uses it, so it
    // needs no lock, and one client's burst costs no other client anything.
    let mut limit = RateLimit::default();
    loop {
        // `next` is cancel safe: a line half read stays in the `Framed`.
        let line = tokio::select! {
            () = shutdown.cancelled() => break,
            line = timeout(IDLE_LIMIT, lines.next()) => match line {
                Err(_) => {
                    println!("server: hung up on an idle client");
                    break;
                }
                Ok(None) => break,
                Ok(Some(line)) => line,
            },
        };
        let reply = match line {
            Ok(line) => match limit.check(Instant::now()) {
                Err(wait) => format!("ERR rate limited: retry in {} ms", wait.as_millis()),
                // A stalled server, for the client to time out on.
                Ok(()) if line == "SLOW" => {
                    sleep(Duration::from_secs(1)).await;
                    "OK".to_owned()
                }
                // The guard is a temporary: the lock is let go at the `;`.
                Ok(()) => execute(
                    &line,
                    &mut store.lock().unwrap_or_else(PoisonError::into_inner),
                    Instant::now(),
                ),
            },
            Err(LinesCodecError::MaxLineLengthExceeded) => {
                lines.send("ERR line too long").await.map_err(into_io)?;
                break;
            }
            Err(LinesCodecError::Io(error)) => return Err(error),
        };
        if let Err(error) = lines.send(reply).await {
            return match error {
                LinesCodecError::Io(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                    println!("server: the client left before its reply");
                    Ok(())
                }
                error => Err(into_io(error)),
            };
        }
    }
    Ok(())
}

/// Accepts connections until `shutdown` is cancelled (or the listener
/// closes), serving up to `MAX_CONNECTIONS` at once, each in a task of its
/// own; then waits for the connections to end.
async fn server(mut listener: mpsc::Receiver<DuplexStream>, shutdown: CancellationToken) {
    let store = Store::default();
    let sweeper = tokio::spawn(sweeper(Arc::clone(&store), shutdown.clone()));
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    let mut served = 0;
    loop {
        let slot = tokio::select! {
            () = shutdown.cancelled() => break,
            slot = Arc::clone(&slots).acquire_owned() => {
                slot.expect("the semaphore is never closed")
            }
        };
        let stream = tokio::select! {
            () = shutdown.cancelled() => break,
            stream = listener.recv() => match stream {
                Some(stream) => stream,
                None => break,
            },
        };
        served += 1;
        let store = Arc::clone(&store);
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let _slot = slot;
            serve(stream, store, shutdown).await
        });
    }
    // Each connection sees the same token and ends after its current
    // command, so this waits for no more than one command each.
    while let Some(joined) = connections.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(error)) => println!("server: {error}"),
            Err(error) => println!("server: {error}"),
        }
    }
    match sweeper.await {
        Ok(()) => println!("server: sweeper stopped"),
        Err(error) => println!("server: sweeper: {error}"),
    }
    println!("server: stopped after {served} connections");
}

fn into_io(error: LinesCodecError) -> io::Error {
    match error {
        LinesCodecError::Io(error) => error,
        other => io::Error::other(other),
    }
}

/// How long the client waits for a reply.
const REPLY_LIMIT: Duration = Duration::from_millis(300);

/// A connection to the server that gives each request `REPLY_LIMIT`.
struct Client {
    connect: mpsc::Sender<DuplexStream>,
    lines: Framed<DuplexStream, LinesCodec>,
}

impl Client {
    async fn open(connect: mpsc::Sender<DuplexStream>) -> io::Result<Client> {
        let lines = Self::connection(&connect).await?;
        Ok(Client { connect, lines })
    }

    async fn connection(
        connect: &mpsc::Sender<DuplexStream>,
    ) -> io::Result<Framed<DuplexStream, LinesCodec>> {
        let (near, far) = tokio::io::duplex(1024);
        connect
            .send(far)
            .await
            .map_err(|_| io::Error::other("the server is gone"))?;
        Ok(Framed::new(near, LinesCodec::new()))
    }

    /// The reply to `command`, or `Ok(None)` if none came in time.
    async fn request(&mut self, command: &str) -> io::Result<Option<String>> {
        let exchange = async {
            self.lines.send(command).await.map_err(into_io)?;
            match self.lines.next().await {
                Some(reply) => reply.map_err(into_io),
                None => Err(io::Error::other("the server hung up")),
            }
        };
        match timeout(REPLY_LIMIT, exchange).await {
            Ok(reply) => reply.map(Some),
            Err(_) => {
                // The late reply would come in as the reply to the next
                // request: this connection is out of step. A new one.
                self.lines = Self::connection(&self.connect).await?;
                Ok(None)
            }
        }
    }
}

/// Sends `command` and prints the reply, as `who`.
async fn say(who: &str, client: &mut Client, command: &str) -> io::Result<()> {
    match client.request(command).await? {
        Some(reply) => println!("{who}: {command} -> {reply}"),
        None => println!("{who}: {command} -> no reply in time, reconnected"),
    }
    Ok(())
}

async fn talk(connect: mpsc::Sender<DuplexStream>) -> io::Result<()> {
    let mut alice = Client::open(connect.clone()).await?;
    for command in ["SET a 1", "SET b 2", "SET c 3", "SET d 4"] {
        say("alice", &mut alice, command).await?;
    }
    sleep(Duration::from_millis(100)).await;
    let mut bob = Client::open(connect).await?;
    for command in ["GET a", "GET b", "GET c"] {
        say("bob", &mut bob, command).await?;
    }
    drop(bob);
    for (pause_ms, command) in [(200, "SET d 4"), (300, "SET d 4"), (0, "GET d")] {
        sleep(Duration::from_millis(pause_ms)).await;
        say("alice", &mut alice, command).await?;
    }
    Ok(())
}

pub async fn run() {
    let (connect, listener) = mpsc::channel(4);
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(server(listener, shutdown.clone()));
    if let Err(error) = talk(connect.clone()).await {
        println!("client: {error}");
    }
    println!("shutting down");
    shutdown.cancel();
    if let Err(error) = server.await {
        println!("server: {error}");
    }
    drop(connect);
}
