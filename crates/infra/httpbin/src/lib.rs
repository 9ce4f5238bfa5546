//! What a learner's HTTP examples talk to: a local httpbin.
//!
//! A small subset of [httpbin](https://httpbin.org): the HTTP examples'
//! stand-in for the internet. It is infrastructure, not an example.
//!
//! Sections start it with [`spawn`] on the runtime of the example itself, on
//! `127.0.0.1:0`. That matters for Tokio's paused clock: the server's
//! `/delay` sleeps are then paused and advanced together with the client's
//! timeouts, so a 3 s timeout against `/delay/10` fires at exactly 3 s of
//! virtual time. A server on another runtime or another machine keeps real
//! time, while a paused client clock jumps to its next timer whenever its
//! runtime is idle, so its timeouts would fire before any answer came.
//!
//! `cargo run -p httpbin -- --port 8080` serves it on its own, for poking at
//! it with curl or pointing `--base-url` at it. The examples run against
//! the real httpbin too (`pip install httpbin gunicorn`, then
//! `gunicorn -b 127.0.0.1:8080 --threads 16 httpbin:app`), so every route
//! here is one httpbin has, with the same path, status and body shape, and
//! nothing else. Without `--threads`, gunicorn's sync worker serves one
//! request at a time and closes every connection: the examples still run,
//! but their concurrent requests queue up, a slow request one example gave
//! up on delays the next example, and no connection is reused.
//!
//! [`ROUTES`] lists the routes and what each answers: `--help` prints that
//! list, an unknown path is answered with it, and the README shows it.
//!
//! JSON comes pretty-printed with sorted keys and header names in
//! `Title-Case`, as httpbin's does. The echoes hold the client's headers and
//! the server's port, so their length can change from run to run: an example
//! that wants the same output on every run prints their status, not their
//! length.
//!
//! Deliberate differences, none of which an example relies on:
//! - Input that httpbin answers with a 500 (`/delay/abc`, `/delay/-1`,
//!   `/drip?numbytes=abc`, `/status/1000`), or with a body it breaks off
//!   (`/drip?duration=-1`), gets a 400 with a message here.
//!   `/status` takes one code, not httpbin's weighted list (`/status/200,404`
//!   is a 400 here), and adds no `Location` to a 3xx or other per-status
//!   headers and bodies. A 1xx status comes before an answer and can't be
//!   one: `/status/1xx` and `/drip?code=1xx` are a 400 here (httpbin sends
//!   the 1xx as its answer, and an HTTP/1.1 client waits on for the real one).
//! - `/drip`'s `duration` and `delay` are capped at 10 s each, like `/delay`;
//!   httpbin does not cap them. Past [`MAX_DRIP_PIECES`] bytes it sends them
//!   in that many pieces, on the same schedule, where httpbin sends every
//!   byte alone.
//! - `/anything` does not parse form fields or files (`form` and `files` are
//!   always empty), and shows a body that is not UTF-8 lossily, where httpbin
//!   base64-encodes it.
//! - It serves plain HTTP/1.1 and keeps connections alive, at most
//!   [`MAX_CONNECTIONS`] at once, with a body of at most [`MAX_BODY`] bytes
//!   and a head of at most [`MAX_HEAD`]. On its own it keeps the time limits
//!   of [`Limits::STANDALONE`] too (gunicorn closes an idle connection after
//!   2 s); in process, none, as [`Limits::IN_PROCESS`] says why.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::sync::CancellationToken;

mod serve;
pub use serve::{Limits, MAX_CONNECTIONS, MAX_HEAD, serve};

/// httpbin caps `/delay` at ten seconds; so does this server (and `/drip`).
pub const MAX_DELAY: Duration = Duration::from_secs(10);

/// httpbin caps `/drip` at 10 MiB; so does this server.
pub const MAX_DRIP_BYTES: u64 = 10 * 1024 * 1024;

/// One route of the server.
pub struct Route {
    pub path: &'static str,
    /// What it answers, for `--help`, an unknown path's answer and the README.
    pub answer: &'static str,
    handler: fn() -> MethodRouter,
}

/// Every route, in the order `--help` lists them: the one list the router,
/// the answer to an unknown path and the README are made from.
pub const ROUTES: &[Route] = &[
    Route {
        path: "/get",
        answer: "the request echoed as JSON: `args`, `headers`, `origin`, `url`",
        handler: || {
            echo(
                GET,
                &[Field::Url, Field::Args, Field::Headers, Field::Origin],
            )
        },
    },
    Route {
        path: "/anything",
        answer: "the same, plus `data`, `files`, `form`, `json` and `method`; any method",
        handler: || echo(ANY, &ANYTHING),
    },
    Route {
        path: "/anything/{*path}",
        answer: "the same, for any path below it",
        handler: || echo(ANY, &ANYTHING),
    },
    Route {
        path: "/headers",
        answer: "the request's headers, as `{\"headers\": {...}}`",
        handler: || echo(GET, &[Field::Headers]),
    },
    Route {
        path: "/ip",
        answer: "`{\"origin\": \"127.0.0.1\"}`",
        handler: || echo(GET, &[Field::Origin]),
    },
    Route {
        path: "/delay/{seconds}",
        answer: "`/get`'s echo plus `data`, `files`, `form`, after a delay of at most 10 s; \
                 any method",
        handler: || on(ANY, delay),
    },
    Route {
        path: "/drip",
        answer: "`?duration=2&numbytes=10&code=200&delay=0` (the defaults): after `delay`, \
                 status `code` and `numbytes` asterisks (at most 10 MiB), one every \
                 `duration / numbytes` seconds, the first at once",
        handler: || get(drip),
    },
    Route {
        path: "/json",
        answer: "httpbin's slideshow document, byte for byte",
        handler: || get(document),
    },
    Route {
        path: "/html",
        answer: "an HTML page",
        handler: || get(|| async { Html(html_page()) }),
    },
    Route {
        path: "/status/{code}",
        answer: "an empty answer with that status; any method",
        handler: || on(ANY, status),
    },
];

/// The routes, one a line, for `--help` and for the answer to an unknown
/// path.
pub fn route_list() -> String {
    const INDENT: usize = 23;
    const WIDTH: usize = 80;
    let mut text = String::new();
    for route in ROUTES {
        let mut line = format!("  {:<20}", route.path);
        for word in route.answer.replace('`', "").split_whitespace() {
            if line.len() + 1 + word.len() > WIDTH && line.trim_end().len() > INDENT {
                text.push_str(line.trim_end());
                text.push('\n');
                line = " ".repeat(INDENT - 1);
            }
            line.push(' ');
            line.push_str(word);
        }
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// The routes, ready to be served; any other path is a 404 that lists them.
pub fn app() -> Router {
    let mut router = Router::new();
    for route in ROUTES {
        router = router.route(route.path, (route.handler)());
    }
    router
        .fallback(unknown_route)
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// The largest request body, in bytes: `/anything` and `/delay` hold one
/// whole while they answer (axum's default is 2 MB).
pub const MAX_BODY: usize = 256 * 1024;

/// httpbin answers an unknown path with a 404 page; this one lists the
/// paths it serves.
async fn unknown_route(uri: Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        format!(
            "{} is not a route of this httpbin; it serves:\n{}",
            uri.path(),
            route_list()
        ),
    )
        .into_response()
}

/// The methods httpbin's `/anything`, `/delay` and `/status` answer.
const ANY: MethodFilter = (MethodFilter::GET
    .or(MethodFilter::POST)
    .or(MethodFilter::PUT))
.or(MethodFilter::DELETE
    .or(MethodFilter::PATCH)
    .or(MethodFilter::TRACE));
const GET: MethodFilter = MethodFilter::GET;

/// Serves [`app`] on `127.0.0.1:0` from a task on the current runtime and
/// returns its base URL, such as `http://127.0.0.1:41234`. The server lives
/// as long as the runtime does, with [`Limits::IN_PROCESS`].
pub async fn spawn() -> io::Result<String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let address = listener.local_addr()?;
    let never = CancellationToken::new();
    tokio::spawn(serve(listener, app(), Limits::IN_PROCESS, never));
    Ok(base_url(address))
}

/// `http://<address>`, with no trailing slash.
pub fn base_url(address: SocketAddr) -> String {
    format!("http://{address}")
}

/// JSON as httpbin (Flask with `compact = False`) writes it: two-space
/// indents, sorted keys (serde_json's `Map` is sorted), a final newline.
fn pretty_json(status: StatusCode, value: &Value) -> Response {
    let mut body = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_owned());
    body.push('\n');
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// httpbin answers bad input with a short plain-text message.
fn bad_request(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, message.into()).into_response()
}

/// A field of the request that httpbin's `get_dict` echoes.
#[derive(Clone, Copy)]
enum Field {
    Url,
    Args,
    Headers,
    Origin,
    Method,
    Form,
    Data,
    Files,
    Json,
}

impl Field {
    /// Its key in the JSON answer.
    fn key(self) -> &'static str {
        match self {
            Field::Url => "url",
            Field::Args => "args",
            Field::Headers => "headers",
            Field::Origin => "origin",
            Field::Method => "method",
            Field::Form => "form",
            Field::Data => "data",
            Field::Files => "files",
            Field::Json => "json",
        }
    }
}

/// What `/anything` echoes.
const ANYTHING: [Field; 9] = [
    Field::Url,
    Field::Args,
    Field::Headers,
    Field::Origin,
    Field::Method,
    Field::Form,
    Field::Data,
    Field::Files,
    Field::Json,
];

/// A handler that echoes `fields` of the request, as httpbin's `get_dict`.
fn echo(methods: MethodFilter, fields: &'static [Field]) -> MethodRouter {
    on(methods, move |method, uri, headers, query, body| {
        echoed(fields, method, uri, headers, query, body)
    })
}

/// httpbin's `get_dict(*keys)`: the fields named, from this request.
async fn echoed(
    fields: &[Field],
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(args): Query<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    let header = |name| headers.get(name).and_then(|value| value.to_str().ok());
    let value = |field: Field| match field {
        Field::Url => json!(format!(
            "http://{}{uri}",
            header("host").unwrap_or("localhost")
        )),
        Field::Args => multi_dict(&args),
        Field::Headers => title_case(&headers),
        // The client, or whom a proxy says it forwards for.
        Field::Origin => json!(header("x-forwarded-for").unwrap_or("127.0.0.1")),
        Field::Method => json!(method.as_str()),
        Field::Data => json!(String::from_utf8_lossy(&body)),
        Field::Json => serde_json::from_slice(&body).unwrap_or(Value::Null),
        Field::Form | Field::Files => json!({}),
    };
    let answer = fields
        .iter()
        .map(|&field| (field.key().to_owned(), value(field)));
    pretty_json(StatusCode::OK, &Value::Object(answer.collect()))
}

/// `user-agent` as `User-Agent`, the way a WSGI server hands headers to
/// httpbin. A repeated header keeps its last value, as httpbin's does.
fn title_case(headers: &HeaderMap) -> Value {
    let title = |word: &str| {
        let mut chars = word.chars();
        let first = chars.next().map(|first| first.to_ascii_uppercase());
        first.into_iter().chain(chars).collect::<String>()
    };
    let headers = headers.iter().filter_map(|(name, value)| {
        let name = name.as_str().split('-').map(title).collect::<Vec<_>>();
        Some((name.join("-"), json!(value.to_str().ok()?)))
    });
    Value::Object(headers.collect())
}

/// httpbin's `semiflatten`: a key given once maps to its value, a key
/// given more than once to the list of its values.
fn multi_dict(pairs: &[(String, String)]) -> Value {
    let mut grouped: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (key, value) in pairs {
        grouped.entry(key).or_default().push(value);
    }
    let map = grouped.into_iter().map(|(key, values)| match values[..] {
        [one] => (key.to_owned(), json!(one)),
        _ => (key.to_owned(), json!(values)),
    });
    Value::Object(map.collect())
}

/// A number of seconds from the request, as httpbin reads it with
/// `float()`, capped at [`MAX_DELAY`]. `None` for anything that is not a
/// number from 0 up (`inf` is fine: it is capped).
fn seconds(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().parse().ok()?;
    if seconds.is_nan() {
        return None;
    }
    // Cap first: `from_secs_f64` panics on a number too large for a
    // `Duration`, such as 1e20; `try_` turns a negative one into `None`.
    Duration::try_from_secs_f64(seconds.min(MAX_DELAY.as_secs_f64())).ok()
}

async fn delay(
    Path(text): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: Query<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    let Some(wait) = seconds(&text) else {
        return bad_request(format!("`{text}` is not a number of seconds, 0 or more"));
    };
    // Tokio's sleep, so the paused clock of the runtime it runs on applies.
    sleep(wait).await;
    let fields = [
        Field::Url,
        Field::Args,
        Field::Form,
        Field::Data,
        Field::Origin,
        Field::Headers,
        Field::Files,
    ];
    echoed(&fields, method, uri, headers, query, body).await
}

/// Like httpbin's: waits `delay`, answers with status `code` and the length
/// of the body, then sends `numbytes` asterisks one at a time: one, a pause
/// of `duration / numbytes`, the next, and so on, with one last pause before
/// the body ends. So the last byte arrives a pause before `delay + duration`.
/// Past [`MAX_DRIP_PIECES`] bytes they go in pieces, on the same schedule.
async fn drip(Query(query): Query<BTreeMap<String, String>>) -> Response {
    let param = |name: &str, default| query.get(name).map_or(default, String::as_str);
    let Some(duration) = seconds(param("duration", "2")) else {
        return bad_request("`duration` must be a number of seconds, 0 or more");
    };
    let delay = param("delay", "0");
    if delay.trim().parse::<f64>().is_err() {
        return bad_request("`delay` must be a number of seconds");
    }
    // httpbin sleeps only for a `delay` above 0, so a negative one (or NaN),
    // which `seconds` refuses, means no delay.
    let delay = seconds(delay).unwrap_or_default();
    let Ok(numbytes) = param("numbytes", "10").trim().parse::<i128>() else {
        return bad_request("`numbytes` must be a whole number");
    };
    if numbytes <= 0 {
        return bad_request("number of bytes must be positive");
    }
    // Positive, and at most 10 MiB once capped, so it fits in a `u64`.
    let numbytes = u64::try_from(numbytes).map_or(MAX_DRIP_BYTES, |n| n.min(MAX_DRIP_BYTES));
    let code = param("code", "200");
    let Some(status) = status_code(code) else {
        return bad_request(format!("`{code}` is not an HTTP status code"));
    };
    if status.is_informational() {
        return bad_request(INFORMATIONAL);
    }
    sleep(delay).await;

    // A 204 or a 304 has no body, so no length either, as httpbin's WSGI
    // server sends it.
    if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return (status, [(header::CONTENT_TYPE, "application/octet-stream")]).into_response();
    }
    (
        status,
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, numbytes.to_string()),
        ],
        Body::from_stream(drip_pieces(numbytes, duration)),
    )
        .into_response()
}

/// `/drip` sends a byte at a time up to this many bytes, as httpbin does,
/// and past it this many pieces, each when its first byte is due: 10 MiB
/// over 10 s is a thousand wake-ups, not ten million.
pub const MAX_DRIP_PIECES: u64 = 1000;

/// What the pieces are cut from, so that none is a buffer of its own.
static ASTERISKS: [u8; 64 * 1024] = [b'*'; 64 * 1024];

// Every piece fits, however many bytes are asked for.
const _: () = assert!(MAX_DRIP_BYTES.div_ceil(MAX_DRIP_PIECES) <= ASTERISKS.len() as u64);

/// `numbytes` asterisks over `duration`: piece `i` of `n` holds the bytes
/// from `numbytes * i / n` and is due at `duration * i / n`, on one schedule
/// from the start, so that the small lateness of each wake-up does not add
/// up; then a last pause until `duration`. With no duration, as few pieces
/// as the asterisks allow, at once.
fn drip_pieces(
    numbytes: u64,
    duration: Duration,
) -> impl futures::Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    let timed = !duration.is_zero();
    let pieces = if timed {
        numbytes.min(MAX_DRIP_PIECES)
    } else {
        numbytes.div_ceil(ASTERISKS.len() as u64)
    };
    let start = Instant::now();
    // `i` and `pieces` are at most 1000 when timed, so they fit in a `u32`.
    let due = move |i: u64| start + duration * i as u32 / pieces as u32;
    futures::stream::unfold(0, move |i| async move {
        if timed {
            sleep_until(due(i)).await;
        }
        if i == pieces {
            return None;
        }
        let (from, to) = (numbytes * i / pieces, numbytes * (i + 1) / pieces);
        // At most `ASTERISKS.len()`, by the assertion above.
        let piece = Bytes::from_static(&ASTERISKS[..(to - from) as usize]);
        Some((Ok(piece), i + 1))
    })
}

/// httpbin's `/json`, the same document with the same bytes.
async fn document() -> Response {
    let slideshow = json!({
        "slideshow": {
            "author": "Yours Truly",
            "date": "date of publication",
            "slides": [
                { "title": "Wake up to WonderWidgets!", "type": "all" },
                {
                    "items": [
                        "Why <em>WonderWidgets</em> are great",
                        "Who <em>buys</em> WonderWidgets",
                    ],
                    "title": "Overview",
                    "type": "all",
                },
            ],
            "title": "Sample Slide Show",
        }
    });
    pretty_json(StatusCode::OK, &slideshow)
}

/// httpbin's own `/html`, a chapter of *Moby-Dick*, from httpbin's
/// templates (httpbin is under the ISC and MIT licences; the text is in the
/// public domain). The examples print what they read, so the same page on
/// both servers keeps their output the same against either.
const MOBY_DICK: &str = include_str!("moby.html");

/// httpbin renders the file as a template, which drops its final newline.
fn html_page() -> &'static str {
    MOBY_DICK.strip_suffix('\n').unwrap_or(MOBY_DICK)
}

/// A status code from the request, as a number from 100 to 999.
fn status_code(text: &str) -> Option<StatusCode> {
    StatusCode::from_u16(text.trim().parse().ok()?).ok()
}

async fn status(Path(code): Path<String>) -> Response {
    match status_code(&code) {
        Some(status) if status.is_informational() => bad_request(INFORMATIONAL),
        Some(status) => status.into_response(),
        None => bad_request("Invalid status code"),
    }
}

/// Why `/status/1xx` and `/drip?code=1xx` are refused.
const INFORMATIONAL: &str = "a 1xx status comes before an answer, and can't be one";

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// How long a test waits for what must come: a bound against a hang.
    const PATIENCE: Duration = Duration::from_secs(30);

    /// A server on the test's runtime and a client for it.
    struct Local {
        client: reqwest::Client,
        base: String,
    }

    impl Local {
        async fn start() -> Self {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let base = spawn().await.expect("the server starts");
            // A server that stalls fails the test instead of hanging it.
            // On the paused clock the limit is virtual time, which jumps
            // ahead only when the runtime has nothing else to do.
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a client");
            Self { client, base }
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

    /// A server with the standalone server's limits, on the test's runtime,
    /// for as long as the runtime lives.
    async fn standalone(limits: Limits) -> SocketAddr {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, app(), limits, CancellationToken::new()));
        address
    }

    /// Everything the server sends until it closes the connection, or
    /// `None` if it has not closed it within `patience`.
    async fn until_closed(
        socket: &mut tokio::net::TcpStream,
        patience: Duration,
    ) -> Option<String> {
        let mut received = Vec::new();
        let read = tokio::time::timeout(patience, socket.read_to_end(&mut received)).await;
        // A reset is a close too.
        read.ok()
            .map(|_| String::from_utf8_lossy(&received).into_owned())
    }

    /// The work of a `/drip` is bounded by construction: at most
    /// `MAX_DRIP_PIECES` pieces, whatever it is asked for. (A byte at a
    /// time, 10 MiB over 10 s took 27 s of CPU.)
    #[tokio::test(start_paused = true)]
    async fn drip_sends_at_most_max_drip_pieces() {
        use futures::StreamExt;
        for (numbytes, duration) in [
            (100_000, "10"),
            (MAX_DRIP_BYTES, "10"),
            (MAX_DRIP_BYTES, "0"),
            (7, "1"),
        ] {
            let query = BTreeMap::from([
                ("numbytes".to_owned(), numbytes.to_string()),
                ("duration".to_owned(), duration.to_owned()),
            ]);
            let response = drip(Query(query)).await;
            assert_eq!(response.status(), StatusCode::OK);
            let mut body = response.into_body().into_data_stream();
            let (mut pieces, mut bytes) = (0, 0);
            while let Some(piece) = body.next().await {
                let piece = piece.unwrap();
                assert!(piece.iter().all(|&byte| byte == b'*'));
                pieces += 1;
                bytes += piece.len() as u64;
                assert!(
                    pieces <= MAX_DRIP_PIECES,
                    "{numbytes} bytes over {duration} s"
                );
            }
            assert_eq!(bytes, numbytes);
            if numbytes <= MAX_DRIP_PIECES {
                assert_eq!(pieces, numbytes, "a byte at a time, as httpbin");
            }
        }
    }

    /// A body past `MAX_BODY` is refused.
    #[tokio::test]
    async fn a_big_body_is_refused() {
        let server = Local::start().await;
        for (size, status) in [
            (MAX_BODY, StatusCode::OK),
            (MAX_BODY + 1, StatusCode::PAYLOAD_TOO_LARGE),
        ] {
            let response = server
                .client
                .post(format!("{}/anything", server.base))
                .body(vec![b'x'; size])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), status, "{size}");
        }
    }

    /// Slowloris: a connection that sends nothing, or a head a byte at a
    /// time, or nothing after an answer, is closed once the head's limit is
    /// up. (They were kept for good: with `ulimit -n 64`, idle sockets
    /// locked every other client out.)
    #[tokio::test(start_paused = true)]
    async fn a_head_that_does_not_come_in_time_ends_its_connection() {
        let address = standalone(Limits::STANDALONE).await;
        let limit = Limits::STANDALONE.head.unwrap();
        let patience = limit + Duration::from_secs(1);

        let mut silent = tokio::net::TcpStream::connect(address).await.unwrap();
        assert!(
            until_closed(&mut silent, patience).await.is_some(),
            "silent"
        );

        let mut trickle = tokio::net::TcpStream::connect(address).await.unwrap();
        let trickling = async {
            for byte in b"GET /get HTTP/1.1\r\nHost: x\r\nX-Slow: ".iter().cycle() {
                if trickle.write_all(&[*byte]).await.is_err() {
                    break;
                }
                sleep(Duration::from_secs(1)).await;
            }
        };
        let cut = tokio::time::timeout(patience, trickling).await;
        assert!(
            cut.is_ok(),
            "a head a byte a second was still read after {patience:?}"
        );

        let mut idle = tokio::net::TcpStream::connect(address).await.unwrap();
        idle.write_all(b"GET /ip HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let answered = until_closed(&mut idle, patience).await.expect("closed");
        assert!(answered.starts_with("HTTP/1.1 200 OK"), "{answered}");
    }

    /// A body that does not come in time gets a 408, and its connection is
    /// closed, and its memory with it. (Slow partial uploads were kept for
    /// good, and their buffers: 185 MB grew to 482 MB.)
    #[tokio::test(start_paused = true)]
    async fn a_body_that_does_not_come_in_time_is_a_408() {
        let address = standalone(Limits::STANDALONE).await;
        let limit = Limits::STANDALONE.handler.unwrap();
        let mut upload = tokio::net::TcpStream::connect(address).await.unwrap();
        let head = "POST /anything HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n";
        upload.write_all(head.as_bytes()).await.unwrap();
        upload.write_all(&[b'x'; 10]).await.unwrap();
        let answer = until_closed(&mut upload, limit + Duration::from_secs(1)).await;
        let answer = answer.expect("a slow body still held its connection");
        assert!(
            answer.starts_with("HTTP/1.1 408 Request Timeout"),
            "{answer}"
        );
    }

    /// A client that reads nothing of a big answer: the write that waits
    /// for room gives up, and the connection is closed.
    #[tokio::test(start_paused = true)]
    async fn a_client_that_reads_nothing_is_let_go() {
        let address = standalone(Limits::STANDALONE).await;
        let limit = Limits::STANDALONE.write.unwrap();
        let mut deaf = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = "GET /drip?duration=0&numbytes=10485760 HTTP/1.1\r\nHost: x\r\n\r\n";
        deaf.write_all(request.as_bytes()).await.unwrap();
        sleep(limit + Duration::from_secs(1)).await;
        let received = until_closed(&mut deaf, Duration::from_secs(1)).await;
        let received = received.expect("the server still waited to write");
        assert!(received.len() < MAX_DRIP_BYTES as usize, "it sent it all");
    }

    /// Requests held at their first `Pending`: a body that stops halfway, a
    /// head that stops halfway, an answer nobody reads. Each holds one
    /// place, and the others are answered meanwhile.
    #[tokio::test]
    async fn held_caller_held_requests_stall_no_one() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let address = standalone(Limits::STANDALONE).await;
        let mut held = Vec::new();
        for request in [
            "POST /anything HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
            "GET /get HTTP/1.1\r\nHost: x\r\nX-Half: ",
            "GET /drip?duration=0&numbytes=10485760 HTTP/1.1\r\nHost: x\r\n\r\n",
        ] {
            let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
            socket.write_all(request.as_bytes()).await.unwrap();
            held.push(socket);
        }
        let client = reqwest::Client::new();
        let others = async {
            for path in ["/get", "/delay/0", "/drip?numbytes=3&duration=0"] {
                let url = format!("{}{path}", base_url(address));
                let response = client.get(url).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK, "{path}");
                response.bytes().await.unwrap();
            }
        };
        tokio::time::timeout(Duration::from_secs(10), others)
            .await
            .expect("the others waited behind the held requests");
        drop(held);
    }

    /// Past `MAX_CONNECTIONS`, a client waits to be accepted, and is served
    /// once a connection ends: none is lost. On the real clock: the paused
    /// one jumps over a wait for a socket, and so did the hang guard. Every
    /// place is taken when the last client comes, since each before it was
    /// answered and is still connected.
    #[tokio::test]
    async fn clients_past_the_cap_wait_and_none_is_lost() {
        let address = standalone(Limits::IN_PROCESS).await;
        let request = b"GET /ip HTTP/1.1\r\nHost: x\r\n\r\n";
        let answer = async |socket: &mut tokio::net::TcpStream| {
            let mut answer = [0; 15];
            socket.read_exact(&mut answer).await.map(|_| answer)
        };
        let mut served = Vec::new();
        for _ in 0..MAX_CONNECTIONS {
            let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
            socket.write_all(request).await.unwrap();
            assert_eq!(&answer(&mut socket).await.unwrap(), b"HTTP/1.1 200 OK");
            served.push(socket);
        }
        let mut waiting = tokio::net::TcpStream::connect(address).await.unwrap();
        waiting.write_all(request).await.unwrap();
        // Not served yet. A server that served past the cap could still be
        // slower than this half second on a busy machine, so this passes
        // falsely at worst; it never fails one that waits.
        let early = tokio::time::timeout(Duration::from_millis(500), answer(&mut waiting)).await;
        assert!(early.is_err(), "served past the cap");
        drop(served.remove(0));
        let answered = tokio::time::timeout(PATIENCE, answer(&mut waiting)).await;
        let answered = answered.expect("lost past the cap").unwrap();
        assert_eq!(&answered, b"HTTP/1.1 200 OK");
    }

    /// The README's table of routes is [`ROUTES`], row for row.
    #[test]
    fn the_readme_lists_every_route() {
        const BEGIN: &str =
            "<!-- httpbin routes: checked against ROUTES by crates/infra/httpbin's tests -->\n";
        const END: &str = "<!-- end of httpbin routes -->";
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../README.md"))
                .expect("the README");
        let mut table = String::from("| Route | Answer |\n| --- | --- |\n");
        for route in ROUTES {
            table.push_str(&format!("| `{}` | {} |\n", route.path, route.answer));
        }
        let listed = readme
            .split_once(BEGIN)
            .and_then(|(_, rest)| rest.split_once(END))
            .map(|(listed, _)| listed);
        assert_eq!(
            listed,
            Some(table.as_str()),
            "README.md must hold, between `{}` and `{END}`:\n{table}",
            BEGIN.trim_end()
        );
    }

    /// Every route of the list answers, and any other path is a 404 that
    /// lists them all: the router and the list can't disagree.
    #[tokio::test(start_paused = true)]
    async fn every_listed_route_answers_and_an_unknown_one_lists_them() {
        let local = Local::start().await;
        for route in ROUTES {
            let path = route
                .path
                .replace("{*path}", "a/b")
                .replace("{seconds}", "0")
                .replace("{code}", "200")
                .replace("/drip", "/drip?duration=0&numbytes=1");
            let response = local.get(&path).await;
            assert_eq!(
                response.status().as_u16(),
                StatusCode::OK.as_u16(),
                "{path}"
            );
        }
        let response = local.get("/no/such/route").await;
        assert_eq!(response.status().as_u16(), StatusCode::NOT_FOUND.as_u16());
        let body = response.text().await.expect("a body");
        assert!(body.starts_with("/no/such/route is not a route"), "{body}");
        for route in ROUTES {
            assert!(body.contains(route.path), "{body}");
        }
    }

    #[tokio::test]
    async fn get_echoes_the_query_arguments_and_headers() {
        let server = Local::start().await;
        let body = server.json("/get?name=ferris&n=1&n=2").await;
        assert_eq!(body["args"], json!({ "name": "ferris", "n": ["1", "2"] }));
        assert_eq!(
            body["url"],
            json!(format!("{}/get?name=ferris&n=1&n=2", server.base))
        );
        assert_eq!(body["origin"], "127.0.0.1");
        let host = server.base.trim_start_matches("http://");
        assert_eq!(body["headers"]["Host"], host);
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["args", "headers", "origin", "url"]);
    }

    #[tokio::test]
    async fn anything_echoes_any_method_and_a_json_body() {
        let server = Local::start().await;
        let body: Value = server
            .client
            .post(format!("{}/anything/posts/1?x=1", server.base))
            .json(&json!({ "title": "hello" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["method"], "POST");
        assert_eq!(body["json"], json!({ "title": "hello" }));
        assert_eq!(body["data"], r#"{"title":"hello"}"#);
        assert_eq!(body["args"], json!({ "x": "1" }));
        assert_eq!(body["headers"]["Content-Type"], "application/json");
        assert_eq!(server.json("/anything").await["json"], Value::Null);
    }

    #[tokio::test]
    async fn status_answers_with_the_code_asked_for() {
        let server = Local::start().await;
        for code in [200, 204, 404, 500, 599] {
            let response = server.get(&format!("/status/{code}")).await;
            assert_eq!(response.status().as_u16(), code);
        }
        let deleted = server
            .client
            .delete(format!("{}/status/202", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), StatusCode::ACCEPTED);
    }

    /// Input that httpbin answers with a 500, or a body it breaks off, is a
    /// 400 here. A 1xx can't end a response: hyper sent a 101 and closed,
    /// and turned the others into a 500 and closed.
    #[tokio::test]
    async fn bad_input_is_a_400_that_says_why() {
        let server = Local::start().await;
        let bad = |route: &str, inputs: &[&str], says: &'static str| {
            let cases = inputs.iter().map(|input| (format!("{route}{input}"), says));
            cases.collect::<Vec<_>>()
        };
        let statuses = ["teapot", "99", "1000", "-5", "200,404", "99999999999"];
        let drips = [
            "numbytes=0",
            "numbytes=-3",
            "numbytes=lots",
            "duration=-1",
            "code=-1",
        ];
        let more_drips = ["duration=nan", "delay=soon", "delay=1e", "code=1000"];
        let paths = [
            bad("/status/", &statuses, "Invalid status code"),
            bad("/drip?", &drips, ""),
            bad("/drip?", &more_drips, ""),
            bad("/delay/", &["soon", "-1", "nan", "-inf"], ""),
            bad("/status/", &["100", "101", "103"], INFORMATIONAL),
            bad("/drip?code=", &["101"], INFORMATIONAL),
        ];
        for (path, says) in paths.concat() {
            let response = server.get(&path).await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
            let text = response.text().await.unwrap();
            assert!(text.starts_with(says), "{path}: {text}");
        }
    }

    /// The same bytes as httpbin 0.10's `/json`, pretty-printed by Flask.
    #[tokio::test]
    async fn json_is_httpbins_document() {
        let server = Local::start().await;
        let text = server.text("/json").await;
        assert_eq!(text.len(), 421);
        assert!(text.starts_with("{\n  \"slideshow\": {\n    \"author\": \"Yours Truly\",\n"));
        assert!(text.ends_with("    \"title\": \"Sample Slide Show\"\n  }\n}\n"));
        assert_eq!(server.json("/ip").await, json!({ "origin": "127.0.0.1" }));
        assert_eq!(server.text("/html").await, html_page());
        let missing = server.get("/posts/1").await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }

    /// `/drip` answers after `delay`; the first byte comes at once, then one
    /// per pause, and the last a pause before `delay + duration`.
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
        assert_eq!(seconds_since(start), "2.5");

        let start = Instant::now();
        assert_eq!(server.text("/drip?duration=0&numbytes=3").await, "***");
        assert_eq!(seconds_since(start), "0.0");

        let start = Instant::now();
        assert_eq!(server.text("/drip").await, "*".repeat(10));
        assert_eq!(seconds_since(start), "1.8");

        // A 204 or a 304 has no body, and so no length: the 5 it said before
        // left a client that trusts it waiting for bytes that never come.
        for code in [204, 304] {
            let response = server.get(&format!("/drip?code={code}&numbytes=5")).await;
            assert_eq!(response.status().as_u16(), code);
            let length = response.headers().get(header::CONTENT_LENGTH);
            assert_eq!(length, None, "{code}");
            assert_eq!(response.bytes().await.unwrap().len(), 0);
        }
    }

    /// Numbers too large for a `Duration` are capped like any other, not a
    /// panic; a huge `numbytes` is capped at 10 MiB, as httpbin caps it.
    #[tokio::test(start_paused = true)]
    async fn huge_numbers_are_capped() {
        let server = Local::start().await;
        for path in [
            "/delay/1e20",
            "/delay/inf",
            "/drip?delay=1e300&numbytes=1&duration=0",
        ] {
            let start = Instant::now();
            let response = server.get(path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            response.bytes().await.unwrap();
            assert_eq!(seconds_since(start), "10.0", "{path}");
        }
        let huge = server.get("/drip?numbytes=99999999999&duration=0").await;
        assert_eq!(huge.content_length(), Some(MAX_DRIP_BYTES));

        // Like httpbin, a `delay` of 0 or less is no delay.
        let start = Instant::now();
        for delay in ["-5", "nan", "-inf", "0"] {
            let path = format!("/drip?delay={delay}&duration=0&numbytes=1");
            assert_eq!(server.get(&path).await.status(), StatusCode::OK, "{path}");
        }
        assert_eq!(seconds_since(start), "0.0");
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
        let echo = server.json("/delay/0?page=2").await;
        assert_eq!(echo["args"], json!({ "page": "2" }));
        assert_eq!(echo["data"], "");
    }
}
