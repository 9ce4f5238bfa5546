//! A small [httpbin](https://httpbin.org)-compatible server: the HTTP
//! examples' stand-in for the internet. It is infrastructure, not an example.
//!
//! Sections start it with [`spawn`] on the runtime of the example itself, on
//! `127.0.0.1:0`. That matters for Tokio's paused clock: the server's
//! `/delay` sleeps are then paused and advanced together with the client's
//! timeouts, so a 3 s timeout against `/delay/10` fires at exactly 3 s of
//! virtual time. A server on another runtime or another machine keeps real
//! time, and a paused client clock would fire its timeouts at once.
//!
//! `cargo run -p httpbin -- --port 8080` serves it on its own, for poking at
//! it with curl or pointing `--base-url` at it.
//!
//! Endpoints, all `GET`:
//!
//! | Path | Answer |
//! | --- | --- |
//! | `/get` | JSON echo of the query arguments, headers and URL |
//! | `/delay/{seconds}` | the same, after a delay (fractional, at most 10 s) |
//! | `/drip?duration=&numbytes=&code=&delay=` | `numbytes` asterisks spread over `duration` seconds, after `delay` (defaults 2, 10, 200, 0) |
//! | `/json` | a fixed JSON document |
//! | `/html` | a fixed HTML page |
//! | `/status/{code}` | an empty response with that status |
//! | `/posts/{id}` | a JSONPlaceholder-style post, ids 1 to 100 |
//!
//! `/get` and `/delay` echo the request, so their bodies depend on the
//! client's headers and the server's port; an example that wants output
//! which is the same on every run prints their status, not their length.
//! `/drip` is the slow page whose length is known in advance.

use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// httpbin caps `/delay` at ten seconds; so does this server.
pub const MAX_DELAY: Duration = Duration::from_secs(10);

/// httpbin caps `/drip` at 10 MiB; so does this server.
pub const MAX_DRIP_BYTES: u64 = 10 * 1024 * 1024;

/// The number of posts `/posts/{id}` knows, like JSONPlaceholder.
pub const POSTS: u32 = 100;

/// The routes, ready to be served.
pub fn app() -> Router {
    Router::new()
        .route("/get", get(echo))
        .route("/delay/{seconds}", get(delay))
        .route("/drip", get(drip))
        .route("/json", get(document))
        .route("/html", get(page))
        .route("/status/{code}", get(status))
        .route("/posts/{id}", get(post))
}

/// Serves [`app`] on `127.0.0.1:0` from a task on the current runtime and
/// returns its base URL, such as `http://127.0.0.1:41234`. The server lives
/// as long as the runtime does.
pub async fn spawn() -> io::Result<String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(error) = axum::serve(without_nagle(listener), app()).await {
            eprintln!("httpbin on {address} stopped: {error}");
        }
    });
    Ok(base_url(address))
}

/// Sets `TCP_NODELAY` on every accepted connection, as reqwest does on its
/// side. Otherwise Nagle's algorithm holds back a small write, such as one
/// byte of `/drip`, until the client acknowledges the previous one, and the
/// client delays that acknowledgement by up to 40 ms of real time. On the
/// paused clock the runtime sees no I/O during that wait and jumps to the
/// next timer, which may be minutes away.
pub fn without_nagle(
    listener: TcpListener,
) -> impl axum::serve::Listener<Io = tokio::net::TcpStream, Addr = SocketAddr> {
    listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            eprintln!("httpbin: cannot set TCP_NODELAY: {error}");
        }
    })
}

/// `http://<address>`, with no trailing slash.
pub fn base_url(address: SocketAddr) -> String {
    format!("http://{address}")
}

async fn echo(
    uri: Uri,
    headers: HeaderMap,
    Query(args): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    Json(echo_body(&uri, &headers, &args))
}

fn echo_body(uri: &Uri, headers: &HeaderMap, args: &BTreeMap<String, String>) -> Value {
    let headers: BTreeMap<&str, &str> = headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let host = headers.get("host").copied().unwrap_or("localhost");
    json!({
        "args": args,
        "headers": headers,
        "origin": "127.0.0.1",
        "url": format!("http://{host}{uri}"),
    })
}

async fn delay(
    Path(seconds): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Query(args): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(wait) = seconds
        .parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
    else {
        let message = format!("`{seconds}` is not a number of seconds");
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response();
    };
    // Tokio's sleep, so the paused clock of the runtime it runs on applies.
    tokio::time::sleep(Duration::from_secs_f64(wait).min(MAX_DELAY)).await;
    Json(echo_body(&uri, &headers, &args)).into_response()
}

/// The query of `/drip`, with httpbin's defaults.
#[derive(Debug, Deserialize)]
#[serde(default)]
struct Drip {
    duration: f64,
    numbytes: u64,
    code: u16,
    delay: f64,
}

impl Default for Drip {
    fn default() -> Self {
        Self {
            duration: 2.0,
            numbytes: 10,
            code: 200,
            delay: 0.0,
        }
    }
}

/// Like httpbin's: waits `delay`, answers with status `code`, then sends
/// `numbytes` asterisks one at a time, `duration / numbytes` apart, so the
/// last one arrives after `delay + duration`. (httpbin pauses after each
/// byte instead, so its last byte comes one pause earlier.)
async fn drip(Query(drip): Query<Drip>) -> Response {
    let seconds = |value: f64| {
        (value.is_finite() && value >= 0.0).then(|| Duration::from_secs_f64(value).min(MAX_DELAY))
    };
    let (Some(duration), Some(delay)) = (seconds(drip.duration), seconds(drip.delay)) else {
        let message = "`duration` and `delay` must be numbers of seconds, 0 or more";
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response();
    };
    if drip.numbytes == 0 || drip.numbytes > MAX_DRIP_BYTES {
        let message = format!("`numbytes` must be from 1 to {MAX_DRIP_BYTES}");
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response();
    }
    let Ok(status) = StatusCode::from_u16(drip.code) else {
        let message = format!("`{}` is not an HTTP status code", drip.code);
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response();
    };
    tokio::time::sleep(delay).await;

    let numbytes = drip.numbytes;
    let body = if duration.is_zero() {
        Body::from(vec![b'*'; numbytes as usize])
    } else {
        // Each byte has its own due time on one schedule, so the small
        // lateness of each wake-up does not add up over many bytes.
        let pause = duration / numbytes as u32;
        let start = tokio::time::Instant::now();
        Body::from_stream(futures::stream::unfold(0, move |sent| async move {
            if sent == numbytes {
                return None;
            }
            tokio::time::sleep_until(start + pause * (sent as u32 + 1)).await;
            Some((Ok::<_, std::convert::Infallible>(&b"*"[..]), sent + 1))
        }))
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, numbytes.to_string()),
        ],
        body,
    )
        .into_response()
}

async fn document() -> Json<Value> {
    Json(json!({
        "slideshow": {
            "author": "Yours Truly",
            "date": "date of publication",
            "title": "Sample Slide Show",
            "slides": [
                { "type": "all", "title": "Wake up to WonderWidgets!" },
                {
                    "type": "all",
                    "title": "Overview",
                    "items": ["Why WonderWidgets are great", "Who buys WonderWidgets"],
                },
            ],
        }
    }))
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

const PAGE: &str = "<!DOCTYPE html>
<html>
  <head>
    <title>A page to scrape</title>
  </head>
  <body>
    <h1>Async Rust by Example</h1>
    <p>This page is served by the project's local httpbin-compatible server, so the
    HTTP examples never need the internet.</p>
    <ul>
      <li><a href=\"/json\">a JSON document</a></li>
      <li><a href=\"/delay/1\">a slow response</a></li>
      <li><a href=\"/status/404\">a missing page</a></li>
    </ul>
  </body>
</html>
";

async fn status(Path(code): Path<String>) -> Response {
    match code
        .parse::<u16>()
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
    {
        Some(status) => status.into_response(),
        None => {
            let message = format!("`{code}` is not an HTTP status code");
            (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
        }
    }
}

async fn post(Path(id): Path<String>) -> Response {
    match id.parse::<u32>() {
        Ok(id @ 1..=POSTS) => Json(json!({
            "userId": (id - 1) / 10 + 1,
            "id": id,
            "title": format!("post number {id}"),
            "body": format!("The body of post {id}, served locally in place of JSONPlaceholder."),
        }))
        .into_response(),
        // JSONPlaceholder answers an unknown post with 404 and `{}`.
        _ => (StatusCode::NOT_FOUND, Json(json!({}))).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use tokio::time::Instant;

    use super::*;

    /// A server on the test's runtime and a client for it.
    struct Local {
        client: reqwest::Client,
        base: String,
    }

    impl Local {
        async fn start() -> Self {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let base = spawn().await.expect("the server starts");
            Self {
                client: reqwest::Client::new(),
                base,
            }
        }

        async fn get(&self, path: &str) -> reqwest::Response {
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .expect("the request gets an answer")
        }

        async fn text(&self, path: &str) -> String {
            self.get(path).await.text().await.expect("the body is text")
        }

        async fn json(&self, path: &str) -> Value {
            self.get(path).await.json().await.expect("the body is JSON")
        }
    }

    fn seconds_since(start: Instant) -> String {
        format!("{:.1}", start.elapsed().as_secs_f64())
    }

    #[tokio::test]
    async fn get_echoes_the_query_arguments() {
        let server = Local::start().await;
        let body = server.json("/get?name=ferris").await;
        assert_eq!(body["args"], json!({ "name": "ferris" }));
        assert_eq!(
            body["url"],
            json!(format!("{}/get?name=ferris", server.base))
        );
    }

    #[tokio::test]
    async fn status_answers_with_the_code_asked_for() {
        let server = Local::start().await;
        for code in [200, 404, 500] {
            assert_eq!(
                server
                    .get(&format!("/status/{code}"))
                    .await
                    .status()
                    .as_u16(),
                code
            );
        }
        assert_eq!(
            server.get("/status/teapot").await.status(),
            StatusCode::BAD_REQUEST
        );
    }

    #[tokio::test]
    async fn posts_exist_from_1_to_100() {
        let server = Local::start().await;
        let post = server.json("/posts/3").await;
        assert_eq!(post["id"], 3);
        assert_eq!(post["userId"], 1);
        assert_eq!(
            server.get("/posts/101").await.status(),
            StatusCode::NOT_FOUND
        );
    }

    #[tokio::test]
    async fn json_and_html_are_fixed_documents() {
        let server = Local::start().await;
        assert!(server.text("/json").await.contains("Sample Slide Show"));
        assert_eq!(server.text("/html").await, PAGE);
    }

    /// `/drip` answers after `delay`, then its body takes `duration` more.
    #[tokio::test(start_paused = true)]
    async fn drip_spreads_a_known_number_of_bytes_over_the_duration() {
        let server = Local::start().await;
        let start = Instant::now();
        let response = server
            .get("/drip?delay=1&duration=2&numbytes=4&code=201")
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.content_length(), Some(4));
        assert_eq!(seconds_since(start), "1.0");
        assert_eq!(response.text().await.unwrap(), "****");
        assert_eq!(seconds_since(start), "3.0");

        assert_eq!(server.text("/drip?duration=0&numbytes=3").await, "***");
        assert_eq!(seconds_since(start), "3.0");

        assert_eq!(server.text("/drip").await, "*".repeat(10));
        assert_eq!(seconds_since(start), "5.0");

        for bad in ["numbytes=0", "duration=-1", "delay=soon", "code=1000"] {
            let status = server.get(&format!("/drip?{bad}")).await.status();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }

    /// On the paused clock the server's sleep and the client's timeout share
    /// one clock: a 0.5 s delay fits in a 1 s timeout, and a 2 s delay does not.
    #[tokio::test(start_paused = true)]
    async fn delay_is_measured_on_the_runtime_clock() {
        let server = Local::start().await;
        let start = Instant::now();
        let within = |path: &str| {
            let url = format!("{}{path}", server.base);
            server
                .client
                .get(url)
                .timeout(Duration::from_secs(1))
                .send()
        };
        let quick = within("/delay/0.5").await;
        assert!(quick.is_ok(), "{quick:?}");
        assert_eq!(seconds_since(start), "0.5");
        let slow = within("/delay/2").await;
        assert!(slow.is_err_and(|error| error.is_timeout()));
        assert_eq!(seconds_since(start), "1.5");

        assert_eq!(
            server.get("/delay/soon").await.status(),
            StatusCode::BAD_REQUEST
        );
    }
}
