//! Reuse one `reqwest::Client`: where the server allows it, its pool keeps
//! a connection open across requests, while a client per request opens a
//! new connection every time.
//!
//! A `Client` is aiohttp's `ClientSession`: a pool, TLS and a resolver, costly
//! to build, cheap to clone. A relay in front of the server counts the
//! connections each client opens. The shared client usually carries its
//! requests over one connection (hyper returns a connection to the pool from
//! a task of its own, so not always), and the server may close each one
//! anyway (gunicorn's sync worker does); so the example reports what it saw
//! and asserts nothing about the server.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Performance Tips" (2, connection pooling:
//!   one `aiohttp.ClientSession` for many requests)

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::header::CONNECTION;
use reqwest::{Client, Url};
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};
use tokio_util::task::AbortOnDropHandle;

const REQUESTS: usize = 10;
/// reqwest has no timeout by default, and a server that accepts and then
/// stalls would hold a request for ever: `timeout` bounds each whole
/// request, from connecting to the end of the body.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

fn client() -> reqwest::Result<Client> {
    Client::builder().timeout(REQUEST_TIMEOUT).build()
}

/// Fetches `url` and reads the whole body, so the connection is free for
/// the next request. Returns whether the server closed the connection
/// after this answer.
async fn fetch(client: &Client, url: &str) -> reqwest::Result<bool> {
    let response = client.get(url).send().await?.error_for_status()?;
    let closed = response
        .headers()
        .get(CONNECTION)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"close"));
    response.bytes().await?;
    Ok(closed)
}

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    let base_url = Url::parse(base_url).context("invalid base URL")?;

    // One relay per client, so that a connection one of them opened late
    // can't be counted as the other's.
    let relay = CountingRelay::start(&base_url).await?;
    let url = format!("{}/json", relay.url);
    let shared = client().context("cannot build the HTTP client")?;
    let mut closed = 0;
    for _ in 0..REQUESTS {
        if fetch(&shared, &url).await.context("GET /json failed")? {
            closed += 1;
        }
    }
    // Every request was answered over a connection the relay had accepted,
    // so fewer connections than requests means some carried several.
    let reused = relay.stop().await < REQUESTS;
    println!("One shared Client: {REQUESTS} requests, some over a reused connection: {reused}");

    let relay = CountingRelay::start(&base_url).await?;
    let url = format!("{}/json", relay.url);
    for _ in 0..REQUESTS {
        let fresh = client().context("cannot build the HTTP client")?;
        fetch(&fresh, &url).await.context("GET /json failed")?;
    }
    let fresh = relay.stop().await;
    println!("A new Client per request: {REQUESTS} requests over {fresh} connections");

    if closed > 0 {
        println!(
            "The server closed the connection after {closed} of the shared client's \
             {REQUESTS} answers (`Connection: close`), so those could not be reused."
        );
    }
    Ok(())
}

// What only proves the reuse: a relay that counts connections.

/// How long the relay waits for the server to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait before accepting again after an accept failed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// Forwards TCP connections to `upstream` and counts them.
struct CountingRelay {
    url: String,
    connections: Arc<AtomicUsize>,
    /// The accept loop, which owns the listener and the connections' tasks:
    /// dropping the relay aborts it, and with it every connection.
    task: AbortOnDropHandle<()>,
}

impl CountingRelay {
    async fn start(upstream: &Url) -> anyhow::Result<Self> {
        if upstream.scheme() != "http" {
            bail!("the counting relay forwards plain http only, not {upstream}");
        }
        let host = upstream
            .host_str()
            .context("the base URL has no host")?
            .to_owned();
        let port = upstream
            .port_or_known_default()
            .context("the base URL has no port")?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .context("the relay cannot listen on 127.0.0.1")?;
        let url = format!("http://{}", listener.local_addr()?);
        let connections = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(relay(listener, host, port, Arc::clone(&connections)));
        Ok(Self {
            url,
            connections,
            task: AbortOnDropHandle::new(task),
        })
    }

    /// Closes the listener and every connection, and returns how many
    /// connections the relay accepted.
    async fn stop(self) -> usize {
        self.task.abort();
        // Once the aborted task is gone, so are its listener and its
        // `JoinSet`, which aborts the connections' tasks.
        let _ = self.task.await;
        self.connections.load(Ordering::SeqCst)
    }
}

async fn relay(listener: TcpListener, host: String, port: u16, counter: Arc<AtomicUsize>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((mut inbound, _)) => {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let upstream = TcpStream::connect((host.clone(), port));
                    connections.spawn(async move {
                        if let Ok(Ok(mut outbound)) = timeout(CONNECT_TIMEOUT, upstream).await {
                            // Ends once both directions are closed, or at the
                            // first error (a reset, say), which ends the
                            // connection anyway.
                            let _ = copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                }
                // A failed accept (out of file descriptors, a connection
                // reset before it was accepted) is not a reason to stop.
                Err(error) => {
                    eprintln!("relay: accept failed: {error}");
                    sleep(ACCEPT_PAUSE).await;
                }
            },
            // Reaps the connections that ended, so the set holds only the
            // open ones. (With none, this branch is off for the round.)
            Some(_) = connections.join_next() => {}
        }
    }
}
