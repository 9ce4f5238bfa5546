//! The guide's `SimpleAsyncServer` as a real axum app: routes, middleware
//! that runs around every matched handler, a 404 for an unknown route and a
//! 500 for a handler that fails; the requests go out at once and the answers
//! are printed in order.
//!
//! The guide's class is a router written by hand. `@server.route(path)`
//! files a handler under its path; `handle_request` answers 404 for a path
//! it does not know, passes the request through each middleware, then calls
//! the handler inside `try`, so any exception becomes a 500. In axum each
//! part is real:
//! - `Router::route` files the handlers, and `fallback` is the 404.
//! - The middleware is an `async fn` wrapped by `middleware::from_fn`: it
//!   gets the request and `next`, the rest of the stack, so it can act
//!   before and after the handler. Added with `route_layer`, it runs only
//!   for a request that matched a route, after the 404 check, as in the
//!   guide; `layer` would run it for unknown paths too. The guide's list of
//!   middleware is empty; this one times the handler and reports it in an
//!   `x-process-time` header, FastAPI's own example of a middleware.
//! - The 500: a handler returns `Result<_, ApiError>`, and `ApiError`'s
//!   `IntoResponse` is the guide's `except`: `{"error": ...}` with status
//!   500. Only errors take that path. A panic in a handler is a bug, not an
//!   exception: it ends that connection's task, and the client sees the
//!   connection close with no answer (tower-http's `CatchPanicLayer` makes
//!   it a 500 for servers that want one).
//!
//! The guide's `test_server` runs three requests through `gather`; here
//! they are real HTTP requests under `join_all`, plus a fourth to `/stats`,
//! whose handler fails, to show the 500 that the guide's three never reach.
//! The guide's simulated server puts the status in the dict it returns,
//! `{'result': ..., 'status': 200}`; over HTTP the status is the status
//! line, so each line prints the status, then the body.
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
