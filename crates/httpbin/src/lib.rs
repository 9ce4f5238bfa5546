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
//! | `/json` | a fixed JSON document |
//! | `/html` | a fixed HTML page |
//! | `/status/{code}` | an empty response with that status |
//! | `/posts/{id}` | a JSONPlaceholder-style post, ids 1 to 100 |
//!
//! `/get` and `/delay` echo the request, so their bodies depend on the
//! client's headers and the server's port; an example that wants output
//! which is the same on every run prints their status, not their length.

use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// httpbin caps `/delay` at ten seconds; so does this server.
pub const MAX_DELAY: Duration = Duration::from_secs(10);

/// The number of posts `/posts/{id}` knows, like JSONPlaceholder.
pub const POSTS: u32 = 100;

/// The routes, ready to be served.
pub fn app() -> Router {
    Router::new()
        .route("/get", get(echo))
        .route("/delay/{seconds}", get(delay))
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
        if let Err(error) = axum::serve(listener, app()).await {
            eprintln!("httpbin on {address} stopped: {error}");
        }
    });
    Ok(base_url(address))
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
    use super::*;

    async fn client() -> (reqwest::Client, String) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        (
            reqwest::Client::new(),
            spawn().await.expect("the server starts"),
        )
    }

    #[tokio::test]
    async fn get_echoes_the_query_arguments() {
        let (client, base) = client().await;
        let body: Value = client
            .get(format!("{base}/get?name=ferris"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["args"], json!({ "name": "ferris" }));
        assert_eq!(body["url"], json!(format!("{base}/get?name=ferris")));
    }

    #[tokio::test]
    async fn status_answers_with_the_code_asked_for() {
        let (client, base) = client().await;
        for code in [200, 404, 500] {
            let response = client
                .get(format!("{base}/status/{code}"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), code);
        }
        let bad = client
            .get(format!("{base}/status/teapot"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn posts_exist_from_1_to_100() {
        let (client, base) = client().await;
        let post: Value = client
            .get(format!("{base}/posts/3"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(post["id"], 3);
        assert_eq!(post["userId"], 1);
        let missing = client
            .get(format!("{base}/posts/101"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn json_and_html_are_fixed_documents() {
        let (client, base) = client().await;
        let json = client
            .get(format!("{base}/json"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let html = client
            .get(format!("{base}/html"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(json.contains("Sample Slide Show"));
        assert_eq!(html, PAGE);
    }

    /// On the paused clock the server's sleep and the client's timeout share
    /// one clock: a 0.5 s delay fits in a 1 s timeout, and a 2 s delay does not.
    #[tokio::test(start_paused = true)]
    async fn delay_is_measured_on_the_runtime_clock() {
        let (client, base) = client().await;
        let start = tokio::time::Instant::now();
        let quick = client
            .get(format!("{base}/delay/0.5"))
            .timeout(Duration::from_secs(1))
            .send()
            .await;
        assert!(quick.is_ok(), "{quick:?}");
        assert_eq!(format!("{:.1}", start.elapsed().as_secs_f64()), "0.5");
        let slow = client
            .get(format!("{base}/delay/2"))
            .timeout(Duration::from_secs(1))
            .send()
            .await;
        assert!(slow.is_err_and(|error| error.is_timeout()));
        assert_eq!(format!("{:.1}", start.elapsed().as_secs_f64()), "1.5");

        let bad = client
            .get(format!("{base}/delay/soon"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    }
}
