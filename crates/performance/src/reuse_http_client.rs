//! Reuse one `reqwest::Client`: its pool keeps a connection open across
//! requests, where a client per request opens a new connection every time.
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
//! accepts. The requests run one after another, so the shared client needs
//! exactly one connection; run concurrently, it would open up to one per
//! request in flight and reuse them afterwards. The server is the local
//! httpbin-compatible one (or `--base-url`, plain `http://` only, since the
//! relay does not speak TLS).

use std::error::Error;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::{Client, Url};
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};

const REQUESTS: usize = 10;

/// Forwards TCP connections to `upstream` and counts them.
struct CountingRelay {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl CountingRelay {
    async fn start(upstream: &Url) -> Result<Self, Box<dyn Error>> {
        if upstream.scheme() != "http" {
            return Err(
                format!("the counting relay forwards plain http only, not {upstream}").into(),
            );
        }
        let host = upstream
            .host_str()
            .ok_or("the base URL has no host")?
            .to_owned();
        let port = upstream
            .port_or_known_default()
            .ok_or("the base URL has no port")?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let host = host.clone();
                tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect((host.as_str(), port)).await {
                        // Ends when either side closes; an error is a closed connection.
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

async fn fetch(client: &Client, url: &str) -> reqwest::Result<usize> {
    let body = client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    Ok(body.len())
}

pub async fn run(base_url: &str) -> Result<(), Box<dyn Error>> {
    let relay = CountingRelay::start(&Url::parse(base_url)?).await?;
    let url = format!("{}/json", relay.url);

    let client = Client::new();
    for _ in 0..REQUESTS {
        fetch(&client, &url).await?;
    }
    let shared = relay.take();
    println!("One shared Client: {REQUESTS} requests over {shared} connection(s)");

    for _ in 0..REQUESTS {
        fetch(&Client::new(), &url).await?;
    }
    let fresh = relay.take();
    println!("A new Client per request: {REQUESTS} requests over {fresh} connection(s)");
    assert!(shared < fresh);
    Ok(())
}
