//! Reuse one `reqwest::Client`: where the server allows it, its pool keeps
//! a connection open across requests, while a client per request opens a
//! new connection every time.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Performance Tips" (2, connection pooling:
//!   one `aiohttp.ClientSession` for many requests)
//!
//! A `reqwest::Client` is aiohttp's `ClientSession`: it owns a connection
//! pool, a TLS configuration and a DNS resolver, all costly to set up.
//! Build one and share it; it is cheap to clone (an `Arc` inside), so every
//! task can have its own handle on the same pool. `reqwest::get(url)` is a
//! shortcut that builds a new client per call: fine once, wasteful in a loop.
//!
//! To show the difference without timing it, the requests go through a
//! small TCP relay in front of the server that counts the connections it
//! accepts. The requests run one after another, so against a server that
//! keeps connections open the shared client needs one connection; run
//! concurrently, it would open up to one per request in flight and reuse
//! them afterwards. Whether a connection can be reused is the server's
//! choice too: gunicorn's default sync worker answers every request with
//! `Connection: close`, and then the shared client needs a new connection
//! each time, like the fresh ones. So the example reports what it saw,
//! counting the answers that closed their connection, and asserts nothing
//! about the server. The server is the local httpbin (or `--base-url`,
//! plain `http://` only, since the relay does not speak TLS).

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};
use reqwest::header::CONNECTION;
use reqwest::{Client, Url};
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};

const REQUESTS: usize = 10;

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
    let relay = CountingRelay::start(&base_url).await?;
    let url = format!("{}/json", relay.url);

    let client = Client::new();
    let mut closed = 0;
    for _ in 0..REQUESTS {
        if fetch(&client, &url).await.context("GET /json failed")? {
            closed += 1;
        }
    }
    let shared = relay.take();
    println!("One shared Client: {REQUESTS} requests over {shared} connection(s)");

    for _ in 0..REQUESTS {
        fetch(&Client::new(), &url)
            .await
            .context("GET /json failed")?;
    }
    let fresh = relay.take();
    println!("A new Client per request: {REQUESTS} requests over {fresh} connection(s)");

    if closed > 0 {
        println!(
            "The server closed the connection after {closed} of the shared client's \
             {REQUESTS} answers (`Connection: close`), so those could not be reused."
        );
    }
    Ok(())
}

// What only proves the reuse: a relay that counts connections.

/// Forwards TCP connections to `upstream` and counts them.
struct CountingRelay {
    url: String,
    connections: Arc<AtomicUsize>,
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
        let counter = Arc::clone(&connections);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let host = host.clone();
                tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect((host.as_str(), port)).await {
                        // Ends once both directions are closed, or at the first
                        // error (a reset, say), which ends the connection anyway.
                        let _ = copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Ok(Self { url, connections })
    }

    /// The connections accepted since the last call.
    fn take(&self) -> usize {
        self.connections.swap(0, Ordering::SeqCst)
    }
}
