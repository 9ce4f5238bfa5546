//! Guards the standalone httpbin against clients that would hold it for good.
//!
//! The accept loop: what `axum::serve` does, plus the limits it has no
//! setting for, so that no client can hold the standalone server for good.
//!
//! `axum::serve` gives hyper no timer, and so no time limit on a request's
//! head (hyper's `header_read_timeout` needs one); it caps nothing, and
//! hyper waits for a client's room to write for ever. Here every
//! connection takes a place of `MAX_CONNECTIONS` before it is accepted, and
//! the standalone server adds [`Limits::STANDALONE`]'s time limits.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{sleep, timeout};
use tokio_io_timeout::TimeoutStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The most connections served at once: past it, a client waits to be
/// accepted until one ends.
pub const MAX_CONNECTIONS: usize = 256;
/// The longest request head, in bytes: hyper's `max_buf_size`, which also
/// bounds how much of a response it queues.
pub const MAX_HEAD: usize = 64 * 1024;
/// How long to wait before accepting again after an accept failed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// The time limits a server keeps with its clients.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// How long a connection has to send a request's head, counted from
    /// when the server starts to wait for it: so a connection idle between
    /// requests is closed after it too.
    pub head: Option<Duration>,
    /// How long a handler may take, reading its request's body included: a
    /// body slower than that gets a 408, and its connection is closed.
    pub handler: Option<Duration>,
    /// How long a write may wait for the client to make room for it.
    pub write: Option<Duration>,
}

impl Limits {
    /// The standalone server's, for any client. None is a round number an
    /// example waits for (`/delay` and `/drip` take 20 s at most), so that
    /// on the paused clock no limit falls due at the instant an example's
    /// timer does.
    pub const STANDALONE: Limits = Limits {
        head: Some(Duration::from_secs(15)),
        handler: Some(Duration::from_secs(45)),
        write: Some(Duration::from_secs(15)),
    };

    /// The in-process server's, on the example's own runtime: no timer
    /// while it waits for a client. On the paused clock, a timer lets time
    /// jump ahead whenever the runtime is idle, and a client on another
    /// thread (a blocking one) is idle to the runtime between its requests.
    pub const IN_PROCESS: Limits = Limits {
        head: None,
        handler: None,
        write: None,
    };
}

/// Serves `app` on `listener` until `shutdown` is cancelled; then stops
/// accepting, lets each connection finish the request it is on, and waits
/// for them all.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let app = match limits.handler {
        Some(limit) => app.layer(middleware::from_fn(move |request, next| {
            within(limit, request, next)
        })),
        None => app,
    };
    let connections = TaskTracker::new();
    let places = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    // The connections' own token, cancelled once no new client can come
    // (so that a client whose connection the shutdown closes is refused if
    // it comes back), and when `serve` is dropped.
    let finish = CancellationToken::new();
    let _finish_if_dropped = finish.clone().drop_guard();
    loop {
        let accepted = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = accept(&listener, &places) => accepted,
        };
        match accepted {
            Ok((place, socket)) => {
                let (app, finish) = (app.clone(), finish.clone());
                connections.spawn(async move {
                    let _place = place; // given back when the connection ends
                    serve_connection(socket, app, limits, finish).await;
                });
            }
            // Out of file descriptors, the next accept fails at once too:
            // pause, so that connections can close, rather than spin. (Not
            // a word on stderr: nothing the runtime's tasks do may wait on
            // a pipe.)
            Err(_) => sleep(ACCEPT_PAUSE).await,
        }
    }
    // Closed first, so that a client who comes while the open connections
    // finish is refused at once.
    drop(listener);
    finish.cancel();
    connections.close();
    connections.wait().await;
}

/// Waits for a free place, then for a client to take it. (`acquire_owned`
/// fails only once the semaphore is closed, which this one never is.)
async fn accept(
    listener: &TcpListener,
    places: &Arc<Semaphore>,
) -> io::Result<(OwnedSemaphorePermit, TcpStream)> {
    let place = Arc::clone(places)
        .acquire_owned()
        .await
        .map_err(io::Error::other)?;
    let (socket, _peer): (TcpStream, SocketAddr) = listener.accept().await?;
    Ok((place, socket))
}

async fn serve_connection(
    socket: TcpStream,
    app: Router,
    limits: Limits,
    shutdown: CancellationToken,
) {
    // Nagle's algorithm would hold back a small write, such as one byte of
    // `/drip`, until the client acknowledges the previous one, which it may
    // delay by 40 ms of real time: on the paused clock the runtime sees no
    // I/O meanwhile and jumps to its next timer.
    let _ = socket.set_nodelay(true);
    // A write that waits `limits.write` for the client to make room fails,
    // and hyper closes the connection. Boxed: hyper wants an `Unpin` socket.
    let mut socket = TimeoutStream::new(socket);
    socket.set_write_timeout(limits.write);
    let io = TokioIo::new(Box::pin(socket));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.head)
        .max_buf_size(MAX_HEAD);
    let connection = builder.serve_connection(io, TowerToHyperService::new(app));
    tokio::pin!(connection);
    // An error (a client gone, a limit broken) ends its connection alone.
    tokio::select! {
        _ = connection.as_mut() => {}
        () = shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// Runs the handler within `limit`.
async fn within(limit: Duration, request: Request, next: Next) -> Response {
    match timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_elapsed) => (
            StatusCode::REQUEST_TIMEOUT,
            format!("the request took over {limit:?}"),
        )
            .into_response(),
    }
}
