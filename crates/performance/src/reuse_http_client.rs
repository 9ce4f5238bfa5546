//! Reuse one `reqwest::Client`: its pool can keep a connection open across
//! requests, where a client per request opens a new connection every time.
//!
//! A `Client` is aiohttp's `ClientSession`: a pool, TLS and a resolver, costly
//! to build, cheap to clone. A relay in front of the server counts the
//! connections each client opens. The shared client usually sends several
//! requests over one, not always, so the example reports what it saw.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Performance Tips" (2, connection pooling:
//!   one `aiohttp.ClientSession` for many requests)

use std::io;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::header::CONNECTION;
use reqwest::{Client, Response, Url};
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
/// The longest body read; a longer one is an error, not a bigger buffer.
const MAX_BODY: usize = 1024 * 1024;

fn client() -> reqwest::Result<Client> {
    Client::builder().timeout(REQUEST_TIMEOUT).build()
}

/// Fetches `url` and reads the whole body, so the connection is free for
/// the next request. Returns whether the server closed the connection
/// after this answer. Errors leave out the URL, which holds the relay's
/// port.
async fn fetch(client: &Client, url: &str) -> anyhow::Result<bool> {
    let response = client
        .get(url)
        .send()
        .await
        .and_then(Response::error_for_status)
        .map_err(reqwest::Error::without_url)?;
    let closed = response
        .headers()
        .get(CONNECTION)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"close"));
    read_body(response).await?;
    Ok(closed)
}

/// The body, up to `MAX_BODY` bytes: `bytes()` holds the whole body,
/// however long, for as long as the server sends it.
async fn read_body(mut response: Response) -> anyhow::Result<Vec<u8>> {
    // A body announced too long is refused before any of it is read.
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY as u64)
    {
        bail!("the body is longer than {MAX_BODY} bytes");
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(reqwest::Error::without_url)?
    {
        if body.len() + chunk.len() > MAX_BODY {
            bail!("the body is longer than {MAX_BODY} bytes");
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    let base_url = Url::parse(base_url).context("invalid base URL")?;

    // One relay per client, so that a connection one of them opened late
    // can't be counted as the other's.
    let relay = CountingRelay::start(&base_url).await?;
    let shared = client().context("cannot build the HTTP client")?;
    let mut closed = 0;
    for _ in 0..REQUESTS {
        if relay.fetch(&shared, "/json").await? {
            closed += 1;
        }
    }
    // Every request was answered over a connection the relay had accepted,
    // so fewer connections than requests means some carried several. Not
    // always all: hyper returns a connection to the pool from a task of its
    // own, and the server may close each one (gunicorn's sync worker does).
    let reused = relay.stop().await < REQUESTS;
    println!("One shared Client: {REQUESTS} requests, some over a reused connection: {reused}");

    let relay = CountingRelay::start(&base_url).await?;
    for _ in 0..REQUESTS {
        let fresh = client().context("cannot build the HTTP client")?;
        relay.fetch(&fresh, "/json").await?;
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
    /// The base URL, pointing at the relay: its path kept, no `/` at the end.
    base: String,
    connections: Arc<AtomicUsize>,
    /// Why the relay last failed to accept a connection or to reach the
    /// server: its client sees only a connection closed, or none at all.
    failure: Arc<Mutex<Option<anyhow::Error>>>,
    /// The accept loop, which owns the listener and the connections' tasks:
    /// dropping the relay aborts it, and with it every connection.
    task: AbortOnDropHandle<()>,
}

impl CountingRelay {
    async fn start(upstream: &Url) -> anyhow::Result<Self> {
        if upstream.scheme() != "http" {
            bail!("the counting relay forwards plain http only, not {upstream}");
        }
        let host = upstream.host_str().context("the base URL has no host")?;
        // A URL writes an IPv6 address in brackets ("[::1]"); a socket
        // address, here a (host, port) pair, takes it without them.
        let host = host
            .strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host)
            .to_owned();
        let port = upstream
            .port_or_known_default()
            .context("the base URL has no port")?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .context("the relay cannot listen on 127.0.0.1")?;
        let mut base = upstream.clone();
        let pointed = base.set_ip_host(Ipv4Addr::LOCALHOST.into()).is_ok()
            && base.set_port(Some(listener.local_addr()?.port())).is_ok();
        if !pointed {
            bail!("cannot point {upstream} at the relay");
        }
        let connections = Arc::new(AtomicUsize::new(0));
        let failure = Arc::new(Mutex::new(None));
        let task = tokio::spawn(relay(
            listener,
            host,
            port,
            Arc::clone(&connections),
            Arc::clone(&failure),
        ));
        Ok(Self {
            base: base.as_str().trim_end_matches('/').to_owned(),
            connections,
            failure,
            task: AbortOnDropHandle::new(task),
        })
    }

    /// `fetch`es `path` under the base URL through the relay. When it
    /// fails, the relay's own failure, if it had one, is the reason.
    async fn fetch(&self, client: &Client, path: &str) -> anyhow::Result<bool> {
        let url = format!("{}{path}", self.base);
        fetch(client, &url).await.map_err(|error| {
            let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
            match failure.take() {
                Some(why) => why,
                None => error,
            }
            .context(format!("GET {path} failed"))
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

/// Forwards each connection `listener` accepts to `host` and `port`, and
/// counts them; `failure` gets why one could not be forwarded.
async fn relay(
    listener: TcpListener,
    host: String,
    port: u16,
    counter: Arc<AtomicUsize>,
    failure: Arc<Mutex<Option<anyhow::Error>>>,
) {
    let fail = move |why: anyhow::Error| {
        *failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(why);
    };
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((mut inbound, _)) => {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let upstream = TcpStream::connect((host.clone(), port));
                    let (fail, host) = (fail.clone(), host.clone());
                    connections.spawn(async move {
                        let outbound = match timeout(CONNECT_TIMEOUT, upstream).await {
                            Ok(connected) => connected,
                            Err(_elapsed) => Err(io::Error::new(
                                io::ErrorKind::TimedOut,
                                format!("no answer within {CONNECT_TIMEOUT:?}"),
                            )),
                        };
                        match outbound {
                            // Ends once both directions are closed, or at
                            // the first error (a reset, say), which ends
                            // the connection anyway.
                            Ok(mut outbound) => {
                                let _ = copy_bidirectional(&mut inbound, &mut outbound).await;
                            }
                            Err(error) => fail(anyhow::Error::new(error).context(format!(
                                "the relay cannot connect to {host} port {port}"
                            ))),
                        }
                    });
                }
                // A failed accept (out of file descriptors, a connection
                // reset before it was accepted) is not a reason to stop.
                Err(error) => {
                    fail(anyhow::Error::new(error).context("the relay cannot accept"));
                    sleep(ACCEPT_PAUSE).await;
                }
            },
            // Reaps the connections that ended, so the set holds only the
            // open ones. (With none, this branch is off for the round.)
            Some(_) = connections.join_next() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    use super::*;

    /// A server on `address` that answers `GET {path}` with `200` and any
    /// other request with `404`, then closes the connection.
    async fn serve(address: &str, path: &'static str) -> (SocketAddr, AbortOnDropHandle<()>) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = TcpListener::bind(address).await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                let mut socket = BufReader::new(socket);
                let mut request = String::new();
                socket.read_line(&mut request).await.unwrap();
                // The rest of the request head, so that closing resets nothing.
                let mut line = String::new();
                while socket.read_line(&mut line).await.unwrap() > 2 {
                    line.clear();
                }
                let status = if request.starts_with(&format!("GET {path} ")) {
                    "200 OK"
                } else {
                    "404 Not Found"
                };
                let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\n\r\n{{}}");
                socket.write_all(answer.as_bytes()).await.unwrap();
                socket.shutdown().await.unwrap();
            }
        });
        (address, AbortOnDropHandle::new(server))
    }

    #[tokio::test]
    async fn the_relay_keeps_the_base_urls_path() {
        let (address, _server) = serve("127.0.0.1:0", "/base/json").await;
        let base = Url::parse(&format!("http://{address}/base")).unwrap();
        let relay = CountingRelay::start(&base).await.unwrap();
        relay.fetch(&client().unwrap(), "/json").await.unwrap();
    }

    #[tokio::test]
    async fn the_relay_reaches_an_ipv6_server() {
        let (address, _server) = serve("[::1]:0", "/json").await;
        let base = Url::parse(&format!("http://{address}")).unwrap();
        let relay = CountingRelay::start(&base).await.unwrap();
        relay.fetch(&client().unwrap(), "/json").await.unwrap();
    }

    /// The client sees only its connection to the relay closed; the error
    /// says why: the server refused the relay's.
    #[tokio::test]
    async fn the_servers_refusal_comes_through_the_relay() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Bound and never listening: every connection to it is refused.
        let refusing = tokio::net::TcpSocket::new_v4().unwrap();
        refusing.bind((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
        let address = refusing.local_addr().unwrap();
        let base = Url::parse(&format!("http://{address}")).unwrap();
        let relay = CountingRelay::start(&base).await.unwrap();
        let error = relay.fetch(&client().unwrap(), "/json").await.unwrap_err();
        let error = format!("{error:#}");
        let port = format!("port {}", address.port());
        assert!(error.contains(&port), "{error}");
        assert!(error.contains("Connection refused"), "{error}");
    }
}
