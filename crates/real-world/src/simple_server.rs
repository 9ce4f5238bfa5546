//! The guide's `SimpleAsyncServer` as a real axum app: routes, middleware
//! that runs around every matched handler, a 404 for an unknown route and a
//! 500 for a handler that fails; the requests go out at once and the answers
//! are printed in order.
//!
//! The guide's hand-written router becomes axum's: `Router::route` files the
//! handlers, `fallback` is the 404, and the middleware, an `async fn` under
//! `route_layer`, runs around matched handlers only and reports the time in
//! `x-process-time`. A handler's `Err(ApiError)` is the guide's `except`: a
//! 500. A panic is a bug, not an exception: the client sees the connection
//! close. A fourth request, to the failing `/stats`, shows the 500. Graceful
//! shutdown gives up after a grace period, as axum never times out a client
//! that stops mid-request.
//!
//! Needs: `reqwest/json`
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "FastAPI Integration" (the `SimpleAsyncServer` simulation after the
//!   FastAPI app; the FastAPI app itself is `api_server`)

use std::future::IntoFuture;
use std::time::Duration;

use anyhow::Context;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::future::join_all;
use reqwest::RequestBuilder;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;

/// How long the connections still open get to finish once shutdown starts.
const GRACE_PERIOD: Duration = Duration::from_secs(1);

#[derive(Serialize)]
struct User {
    id: u32,
    name: &'static str,
}

/// Field order is kept in the JSON, as in the guide's dict.
#[derive(Serialize)]
struct Processed {
    processed: bool,
    input: Value,
}

/// What a handler's failure becomes: the guide's `except Exception as e`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ApiError(&'static str);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.to_string() }));
        (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
    }
}

async fn get_users() -> Json<Vec<User>> {
    sleep(Duration::from_millis(100)).await; // a database query, simulated
    Json(vec![
        User {
            id: 1,
            name: "Alice",
        },
        User { id: 2, name: "Bob" },
    ])
}

async fn process_data(Json(input): Json<Value>) -> Json<Processed> {
    sleep(Duration::from_millis(500)).await; // processing, simulated
    Json(Processed {
        processed: true,
        input,
    })
}

async fn get_stats() -> Result<Json<Value>, ApiError> {
    sleep(Duration::from_millis(100)).await; // a query that fails
    Err(ApiError("Simulated database error"))
}

async fn not_found() -> (StatusCode, Json<Value>) {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": "Route not found" })),
    )
}

/// Runs around the handler: the time it took, in seconds, as a header.
async fn process_time(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let mut response = next.run(request).await;
    let seconds = format!("{:.1}", start.elapsed().as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert("x-process-time", value);
    }
    response
}

fn app() -> Router {
    Router::new()
        .route("/users", get(get_users))
        .route("/process", post(process_data))
        .route("/stats", get(get_stats))
        .route_layer(middleware::from_fn(process_time))
        .fallback(not_found)
}

/// Starts a graceful shutdown and waits for the server, at most
/// `GRACE_PERIOD`: axum's `serve` has no timeout on reading a request, and a
/// connection with half a request on it is not idle, so one client that
/// stops mid-line would hold a graceful shutdown for ever.
async fn stop_server(
    shutdown: &CancellationToken,
    mut server: JoinHandle<std::io::Result<()>>,
) -> anyhow::Result<()> {
    shutdown.cancel();
    if let Ok(served) = timeout(GRACE_PERIOD, &mut server).await {
        return served?.context("the server failed");
    }
    // The connection tasks are axum's own: each ends when its client goes
    // or the runtime stops.
    server.abort();
    println!("Connections still open after {GRACE_PERIOD:?}; stopped waiting for them");
    Ok(())
}

/// One request, and its answer on one line.
async fn handle_request(label: &str, request: RequestBuilder) -> anyhow::Result<String> {
    let response = request
        .send()
        .await
        .with_context(|| format!("{label} failed"))?;
    let status = response.status();
    let took = response
        .headers()
        .get("x-process-time")
        .and_then(|value| value.to_str().ok())
        .map(|seconds| format!(" (x-process-time: {seconds}s)"))
        .unwrap_or_default();
    let body = response.text().await?;
    Ok(format!("{label} -> {status} {body}{took}"))
}

pub async fn run() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen on 127.0.0.1")?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(
        axum::serve(listener, app())
            .with_graceful_shutdown(shutdown.clone().cancelled_owned())
            .into_future(),
    );
    // However `run` ends (an error, or its caller dropping it at an
    // `.await`), the server is told to shut down; its handle alone would
    // leave it running, detached.
    let _stop_server = shutdown.clone().drop_guard();

    // reqwest has no timeout by default: a server that accepted and then
    // stalled would hold a request for ever. `timeout` bounds the whole
    // request, from connecting to the end of the body.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .context("cannot build the HTTP client")?;
    let requests = [
        handle_request("GET /users", client.get(format!("{base_url}/users"))),
        handle_request(
            "POST /process",
            client
                .post(format!("{base_url}/process"))
                .json(&json!({ "data": "test" })),
        ),
        handle_request(
            "GET /nonexistent",
            client.get(format!("{base_url}/nonexistent")),
        ),
        handle_request("GET /stats", client.get(format!("{base_url}/stats"))),
    ];
    for line in join_all(requests).await {
        println!("{}", line?);
    }

    stop_server(&shutdown, server).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;

    /// A client that sent half a request is not idle, so graceful shutdown
    /// would wait for it for ever; the server is let go after the grace
    /// period.
    #[tokio::test]
    async fn a_half_sent_request_does_not_hold_the_shutdown() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(
            axum::serve(listener, app())
                .with_graceful_shutdown(shutdown.clone().cancelled_owned())
                .into_future(),
        );
        client.write_all(b"GET /users HTTP/1.1\r\n").await.unwrap();
        // Real time, for the server to read the half request.
        sleep(Duration::from_millis(100)).await;
        let stopped = timeout(Duration::from_secs(5), stop_server(&shutdown, server));
        stopped
            .await
            .expect("the server still waits 5 s after shutdown")
            .unwrap();
    }
}
