//! Many HTTP requests at once, at most four in flight, each attempt with a
//! deadline of its own, and a failed attempt tried again after a pause.
//!
//! In asyncio: a `Semaphore(4)` around each request, `gather`,
//! `asyncio.timeout` around each attempt, and `asyncio.sleep` between
//! attempts. Here `buffer_unordered(4)` needs no semaphore and makes each
//! request only when there is room. A timeout, a failed connection, a body cut
//! short, a 5xx or a 429 is retried after a pause that doubles, or the
//! longer one a 429's or 503's `Retry-After` asks, three attempts in all; a
//! 404 is the answer at once.
//!
//! What not to undo when you copy it:
//! - The deadline on each attempt: reqwest sets none.
//! - The limit on the body, `MAX_BODY`: `text()` holds a body of any length,
//!   and the deadline limits only how long it may take to come.
//! - Retrying only what may succeed, a fixed number of times.
//! - A `Retry-After` past `LONGEST_RETRY_AFTER` is the error, at once:
//!   nobody sleeps on a server's say-so unbounded.
//! - One `Client` for every request, as one aiohttp `ClientSession`.
//! - Collecting the results before working on them.

use std::time::Duration;

use futures::stream::{self, StreamExt};
use reqwest::{Client, Response, StatusCode};
use tokio::time::{Instant, sleep, timeout};

/// How many requests may be in flight at once.
const CONCURRENCY: usize = 4;
/// How long one attempt may take, from connecting to the end of the body:
/// reqwest sets no deadline, and a server that never answers would hold the
/// request for ever.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1500);
/// The pauses before the second and the third attempt.
const BACKOFF: [Duration; 2] = [Duration::from_millis(500), Duration::from_secs(1)];
/// The longest `Retry-After` waited for.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(5);
/// The longest body kept; a longer one is an error, not a bigger buffer.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Status(StatusCode),
    /// A 429 or 503 with a `Retry-After`.
    #[error("{0}, asking for a pause of {1:?}")]
    Later(StatusCode, Duration),
    #[error("the body is longer than {MAX_BODY} bytes")]
    TooLarge,
    /// The connection broke while the body came: reqwest calls that a
    /// decode error, never `is_body()`.
    #[error("the body broke off")]
    BodyCut(#[source] reqwest::Error),
    #[error(transparent)]
    Http(#[from] reqwest::Error),
}

impl FetchError {
    /// Whether another attempt may go better.
    fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout(_) => true,
            FetchError::Status(status) => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            FetchError::Later(_, asked) => *asked <= LONGEST_RETRY_AFTER,
            FetchError::TooLarge => false,
            // The network, not the request, may be at fault.
            FetchError::BodyCut(_) => true,
            FetchError::Http(error) => error.is_request(),
        }
    }
}

/// Why a request failed for good, and after how many attempts. The last
/// attempt's error is its source, not part of its message: print it with
/// its chain (`report`, or anyhow's `{:#}`).
#[derive(Debug, thiserror::Error)]
#[error("gave up after {attempts} {}", if *attempts == 1 { "attempt" } else { "attempts" })]
pub struct GaveUp {
    pub attempts: usize,
    #[source]
    pub last: FetchError,
}

/// A successful answer: its status and its body.
pub struct Page {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

/// One attempt, within `ATTEMPT_TIMEOUT`.
async fn attempt(client: &Client, url: &str) -> Result<Page, FetchError> {
    let fetch = async {
        let mut response = client.get(url).send().await?;
        let status = response.status();
        if !status.is_success() {
            let later = [
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::SERVICE_UNAVAILABLE,
            ];
            return Err(match retry_after(&response) {
                Some(asked) if later.contains(&status) => FetchError::Later(status, asked),
                _ => FetchError::Status(status),
            });
        }
        // A body announced too long is refused before any of it is read.
        if response
            .content_length()
            .is_some_and(|length| length > MAX_BODY as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(FetchError::BodyCut)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Page { status, body })
    };
    timeout(ATTEMPT_TIMEOUT, fetch)
        .await
        .map_err(|_elapsed| FetchError::Timeout(ATTEMPT_TIMEOUT))?
}

/// The pause a `Retry-After` asks for, in seconds; its date form (rare, and
/// a clock apart) is left to the backoff's pause.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    let seconds = value.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// `GET url`, tried again after each pause of `BACKOFF`, or the longer one a
/// `Retry-After` asks, while it fails in a way that may pass. Add jitter
/// where many clients retry together; the `backon` crate has both.
pub async fn get_with_retry(client: &Client, url: &str) -> Result<Page, GaveUp> {
    let mut pauses = BACKOFF.iter();
    let mut attempts = 0;
    loop {
        attempts += 1;
        match attempt(client, url).await {
            Ok(page) => return Ok(page),
            Err(error) => match pauses.next() {
                Some(&pause) if error.is_transient() => {
                    let wait = match error {
                        FetchError::Later(_, asked) => pause.max(asked),
                        _ => pause,
                    };
                    sleep(wait).await;
                }
                _ => {
                    return Err(GaveUp {
                        attempts,
                        last: error,
                    });
                }
            },
        }
    }
}

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    let client = Client::new();
    let start = Instant::now();
    let urls: Vec<String> = PATHS
        .iter()
        .map(|(path, _)| format!("{base_url}{path}"))
        .collect();

    let mut results: Vec<_> = stream::iter(urls.iter().enumerate())
        .map(|(index, url)| {
            // `async move` copies this reference into each future; moving the
            // client itself would give it to the first one only. See "The
            // Rust you need", `move`.
            let client = &client;
            async move {
                let result = get_with_retry(client, url).await;
                (index, result, start.elapsed())
            }
        })
        .buffer_unordered(CONCURRENCY)
        // Collected before any work on them: a slow loop body between two
        // `next()` calls would stop the requests in flight, while their
        // deadlines ran on.
        .collect()
        .await;
    // They come as they finish: sorted back by index.
    results.sort_by_key(|(index, _, _)| *index);

    let mut unexpected = 0;
    for ((path, expected), (_, result, done_at)) in PATHS.iter().zip(&results) {
        let at = done_at.as_secs_f64();
        match result {
            Ok(page) => println!("{path}: {} (at {at:.1}s)", page.status),
            Err(gave_up) => println!("{path}: {} (at {at:.1}s)", report(gave_up)),
        }
        // httpbin's answers to these are never empty.
        let as_expected = match result {
            Ok(page) => *expected == Expect::Ok && !page.body.is_empty(),
            Err(_) => *expected == Expect::Fail,
        };
        if !as_expected {
            unexpected += 1;
        }
    }
    println!(
        "{} requests in {:.1}s, at most {CONCURRENCY} at a time",
        PATHS.len(),
        start.elapsed().as_secs_f64()
    );
    // Another server, or one that never answers, fails where httpbin
    // would not: that is an error, not a demonstration.
    if unexpected > 0 {
        anyhow::bail!("{unexpected} requests to {base_url} did not end as httpbin's would");
    }
    Ok(())
}

/// The error and each of its sources, joined with ": ".
fn report(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(source) = cause {
        text = format!("{text}: {source}");
        cause = source.source();
    }
    text
}

// The demonstration's requests, against httpbin: `/delay/n` answers after
// n seconds, `/status/n` with status n.

#[derive(PartialEq)]
enum Expect {
    Ok,
    Fail,
}

const PATHS: [(&str, Expect); 8] = [
    ("/get", Expect::Ok),
    ("/delay/1", Expect::Ok),
    ("/status/503", Expect::Fail), // tried three times
    ("/delay/3", Expect::Fail),    // times out three times
    ("/status/404", Expect::Fail), // not tried again
    ("/delay/1", Expect::Ok),
    ("/get", Expect::Ok),
    ("/delay/1", Expect::Ok),
];

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;
    use tokio_util::task::AbortOnDropHandle;

    use super::*;

    /// A server that promises 100 bytes, sends 10 and closes, every time:
    /// a body cut short may come whole next time, so all three attempts are
    /// made.
    #[tokio::test]
    async fn a_body_cut_short_is_tried_again() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let _server = AbortOnDropHandle::new(tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                let mut socket = BufReader::new(socket);
                // The whole request head, so that closing resets nothing.
                let mut line = String::new();
                while socket.read_line(&mut line).await.unwrap() > 2 {
                    line.clear();
                }
                let head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
                socket.write_all(head.as_bytes()).await.unwrap();
                socket.write_all(b"0123456789").await.unwrap();
                socket.shutdown().await.unwrap();
            }
        }));

        let gave_up = get_with_retry(&Client::new(), &url).await.err().unwrap();
        assert_eq!(gave_up.attempts, 3, "{gave_up}");
        assert!(matches!(gave_up.last, FetchError::BodyCut(_)), "{gave_up}");
        // Each error in the chain once: no message repeats its source's.
        let chain = report(&gave_up);
        assert_eq!(chain.matches("the body broke off").count(), 1, "{chain}");
        assert_eq!(chain.matches("error decoding").count(), 1, "{chain}");
    }

    /// A request polled once, then neither polled again nor dropped, keeps
    /// the connection it took from the shared client's pool, and no more:
    /// the others open their own.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_no_other_caller() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let _server = AbortOnDropHandle::new(tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let mut socket = BufReader::new(socket);
                    let mut line = String::new();
                    while socket.read_line(&mut line).await.unwrap() > 2 {
                        line.clear();
                    }
                    let answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                    socket.write_all(answer.as_bytes()).await.unwrap();
                    socket.shutdown().await.unwrap();
                });
            }
        }));

        let client = Client::new();
        let mut held = std::pin::pin!(get_with_retry(&client, &url));
        assert!(futures::poll!(held.as_mut()).is_pending());
        let others = futures::future::join_all((0..3).map(|_| get_with_retry(&client, &url)));
        let pages = timeout(Duration::from_secs(10), others).await;
        let pages = pages.expect("the others wait for ever");
        assert!(pages.iter().all(Result::is_ok));
    }

    /// A server that gives each answer of `answers` in turn, the last one
    /// for ever, and records when each request came.
    async fn server(
        answers: &'static [&'static str],
    ) -> (String, Arc<Mutex<Vec<Instant>>>, AbortOnDropHandle<()>) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let asked_at = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&asked_at);
        let task = tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                let mut socket = BufReader::new(socket);
                let mut line = String::new();
                while socket.read_line(&mut line).await.unwrap() > 2 {
                    line.clear();
                }
                let n = {
                    let mut asked_at = record.lock().unwrap();
                    asked_at.push(Instant::now());
                    asked_at.len() - 1
                };
                let answer = format!(
                    "HTTP/1.1 {}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    answers[n.min(answers.len() - 1)]
                );
                socket.write_all(answer.as_bytes()).await.unwrap();
                socket.shutdown().await.unwrap();
            }
        });
        (url, asked_at, AbortOnDropHandle::new(task))
    }

    /// A 429 asking for 2 s: the second attempt comes 2 s later, not after
    /// the backoff's 0.5 s.
    #[tokio::test(start_paused = true)]
    async fn a_retry_after_is_waited_for() {
        let (url, asked_at, _server) =
            server(&["429 Too Many Requests\r\nRetry-After: 2", "200 OK"]).await;
        let start = Instant::now();
        get_with_retry(&Client::new(), &url).await.unwrap();
        let asked_at: Vec<_> = asked_at
            .lock()
            .unwrap()
            .iter()
            .map(|at| *at - start)
            .collect();
        assert_eq!(asked_at, [Duration::ZERO, Duration::from_secs(2)]);
    }

    /// A 503 asking for more than `LONGEST_RETRY_AFTER` is the answer, at
    /// once.
    #[tokio::test(start_paused = true)]
    async fn a_retry_after_too_long_is_the_error() {
        let (url, asked_at, _server) =
            server(&["503 Service Unavailable\r\nRetry-After: 60", "200 OK"]).await;
        let start = Instant::now();
        let gave_up = get_with_retry(&Client::new(), &url).await.err().unwrap();
        assert_eq!(gave_up.attempts, 1, "{gave_up}");
        assert!(matches!(gave_up.last, FetchError::Later(_, _)), "{gave_up}");
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert_eq!(asked_at.lock().unwrap().len(), 1);
    }
}
