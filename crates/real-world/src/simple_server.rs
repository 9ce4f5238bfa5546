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
//! close. A fourth request, to the failing `/stats`, shows the 500.
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
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

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

    shutdown.cancel();
    server.await?.context("the server failed")?;
    Ok(())
}
