//! Testing your own HTTP client: a mock server (`wiremock`) that answers,
//! fails, answers late and never answers, and what a reqwest client with a
//! deadline, retries and status handling makes of each.
//!
//! `fetch`, the client under test, gives each attempt a deadline and tries
//! again what may differ next time (a missed deadline, a failed connection,
//! a 5xx, 408 or 429), after a pause that doubles or that `Retry-After`
//! asks, `ATTEMPTS` times; the rest comes back at once. No jitter, and no
//! budget shared across calls (tower's `retry::budget`): one client needs
//! neither, but many clients failing together would retry in step, and a
//! failing server would see each call up to `ATTEMPTS` times. The tests each
//! mount answers on a `MockServer` and count the requests (`expect`), as
//! `aiohttp.test_utils.TestServer` or `aioresponses` would.
//!
//! They run on the real clock: wiremock serves from a runtime of its own,
//! so on the paused clock the attempt's deadline fires before its answer
//! comes (the last test pins it; `testing/paused_clock_io` says why). `run`
//! uses the local httpbin, on the example's own runtime: exact when paused.
//!
//! Beyond the guides: *Complete Guide to Async IO and Asynchronous
//! Programming in Python* names `aioresponses` among its "Recommended
//! Libraries" for testing, and none of the guides tests an HTTP client.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use tokio::time::{Instant, sleep};

/// How many times `fetch` asks, and its first pause between two tries.
const ATTEMPTS: u32 = 3;
const FIRST_PAUSE: Duration = Duration::from_millis(100);
/// The longest `Retry-After` waited for: a server that asks for longer
/// gets its error back to the caller at once.
const LONGEST_PAUSE: Duration = Duration::from_secs(10);
/// The longest body kept; a longer one is an error, not a bigger buffer.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the server answered {0}")]
    Status(StatusCode),
    #[error("the server answered {0}, {ATTEMPTS} times")]
    Refused(StatusCode),
    #[error("the server answered {0}, and asks for a pause of {1:?}")]
    Later(StatusCode, Duration),
    #[error("no answer within {0:?}, {ATTEMPTS} times")]
    TimedOut(Duration),
    #[error("the connection failed before the whole answer came, {ATTEMPTS} times")]
    Connection(#[source] reqwest::Error),
    #[error("the body is longer than {MAX_BODY} bytes")]
    TooLarge,
    #[error("request failed")]
    Other(#[source] reqwest::Error),
}

/// What one attempt came to.
enum Attempt {
    Answered(String),
    /// Worth another try, after at least the pause given: a missed
    /// deadline, a failed connection, or a status that may be different
    /// later.
    Again(FetchError, Option<Duration>),
    Failed(FetchError),
}

async fn attempt(client: &Client, url: &str, deadline: Duration) -> Attempt {
    // A GET asks again safely: whatever failed on the way (a refused,
    // reset or closed connection, a missed deadline) may not next time.
    // What can't change is the caller's: a bad URL, a redirect loop. The
    // URL is left out: the caller knows it, and it holds a port.
    let sorted = |error: reqwest::Error| {
        if error.is_timeout() {
            Attempt::Again(FetchError::TimedOut(deadline), None)
        } else if error.is_builder() || error.is_redirect() {
            Attempt::Failed(FetchError::Other(error.without_url()))
        } else {
            Attempt::Again(FetchError::Connection(error.without_url()), None)
        }
    };
    // The deadline covers the whole exchange, the body too.
    let mut response = match client.get(url).timeout(deadline).send().await {
        Ok(response) => response,
        Err(error) => return sorted(error),
    };
    let status = response.status();
    let later = [StatusCode::REQUEST_TIMEOUT, StatusCode::TOO_MANY_REQUESTS];
    if status.is_server_error() || later.contains(&status) {
        return Attempt::Again(FetchError::Refused(status), retry_after(&response));
    }
    if !status.is_success() {
        return Attempt::Failed(FetchError::Status(status));
    }
    // Read up to `MAX_BODY`: `text()` holds the whole body, however long,
    // for as long as the server sends it. A body too long would be as long
    // next time.
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY as u64)
    {
        return Attempt::Failed(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(error) => return sorted(error),
        };
        if body.len() + chunk.len() > MAX_BODY {
            return Attempt::Failed(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Attempt::Answered(String::from_utf8_lossy(&body).into_owned())
}

/// The pause an answer's `Retry-After` asks for, in its seconds form; its
/// date form (rare, and a clock apart) is left to the doubling pause.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    let seconds = value.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// GETs `url`'s body, each attempt within `deadline`, trying again on a
/// missed deadline, a failed connection, a server error, a 408 or a 429
/// after a pause that doubles, or the one the answer asks for. Another 4xx
/// (the caller's mistake), a `Retry-After` past `LONGEST_PAUSE` or a body
/// past `MAX_BODY` comes back at once. So a call takes at most `ATTEMPTS`
/// deadlines and the pauses between; a caller with a deadline of its own
/// wraps it in `timeout`, which drops it at an `.await`, where it holds
/// nothing.
pub async fn fetch(client: &Client, url: &str, deadline: Duration) -> Result<String, FetchError> {
    let (mut tried, mut pause) = (1, FIRST_PAUSE);
    loop {
        let asked = match attempt(client, url, deadline).await {
            Attempt::Answered(body) => return Ok(body),
            Attempt::Failed(error) => return Err(error),
            Attempt::Again(error, _) if tried == ATTEMPTS => return Err(error),
            Attempt::Again(FetchError::Refused(status), Some(asked)) if asked > LONGEST_PAUSE => {
                return Err(FetchError::Later(status, asked));
            }
            Attempt::Again(_, asked) => asked.unwrap_or_default(),
        };
        sleep(pause.max(asked)).await;
        (tried, pause) = (tried + 1, pause * 2);
    }
}

/// Each attempt's deadline in `run`.
const DEADLINE: Duration = Duration::from_secs(1);

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()?;
    // The one that must work: a server that never answers fails the run.
    let started = Instant::now();
    let document: serde_json::Value =
        serde_json::from_str(&fetch(&client, &format!("{base_url}/json"), DEADLINE).await?)?;
    println!(
        "/json: the slideshow {} [{:.1}s]",
        document["slideshow"]["title"],
        started.elapsed().as_secs_f64()
    );
    for path in ["/status/503", "/status/404", "/delay/3"] {
        let started = Instant::now();
        let outcome = match fetch(&client, &format!("{base_url}{path}"), DEADLINE).await {
            Ok(body) => format!("{} bytes", body.len()),
            Err(error) => error.to_string(),
        };
        let took = started.elapsed().as_secs_f64();
        println!("{path}: {outcome} [{took:.1}s]");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// Far longer than an answer on loopback takes on the busiest machine:
    /// no test that expects one waits for this deadline.
    const DEADLINE: Duration = Duration::from_secs(30);

    fn client() -> Client {
        // reqwest has no crypto provider of its own (the runner installs
        // one for the examples); this fails only if one is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Client::new()
    }

    /// A server of its own. `MockServer::start` lends one of a pool, at the
    /// same port from test to test: a request still on its way when a test
    /// ends (the paused-clock test's, whose deadlines can pass before the
    /// server has read it) would reach the next test that borrows it, and
    /// match that test's mocks.
    async fn fresh_server() -> MockServer {
        MockServer::builder().start().await
    }

    /// A mock server that answers GET /price with `answer`, and checks,
    /// when it is dropped, that it was asked `times` times.
    async fn server(answer: ResponseTemplate, times: u64) -> MockServer {
        let server = fresh_server().await;
        Mock::given(method("GET"))
            .and(path("/price"))
            .respond_with(answer)
            .expect(times)
            .mount(&server)
            .await;
        server
    }

    #[tokio::test]
    async fn an_answer_is_returned_after_one_request() {
        let server = server(ResponseTemplate::new(200).set_body_string("42"), 1).await;
        let url = format!("{}/price", server.uri());
        assert_eq!(fetch(&client(), &url, DEADLINE).await.unwrap(), "42");
    }

    #[tokio::test]
    async fn a_server_error_is_tried_again_until_it_answers() {
        let server = fresh_server().await;
        // Mocks are tried in the order they were mounted: twice 503, then 200.
        Mock::given(path("/price"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(2)
            .expect(2)
            .mount(&server)
            .await;
        Mock::given(path("/price"))
            .respond_with(ResponseTemplate::new(200).set_body_string("42"))
            .expect(1)
            .mount(&server)
            .await;
        let url = format!("{}/price", server.uri());
        assert_eq!(fetch(&client(), &url, DEADLINE).await.unwrap(), "42");
    }

    /// 408 and 429 are client errors, but ones that say "not now" rather
    /// than "never".
    #[tokio::test]
    async fn a_request_timeout_or_too_many_requests_is_tried_again() {
        let server = fresh_server().await;
        for status in [408, 429] {
            Mock::given(path("/price"))
                .respond_with(ResponseTemplate::new(status))
                .up_to_n_times(1)
                .expect(1)
                .mount(&server)
                .await;
        }
        Mock::given(path("/price"))
            .respond_with(ResponseTemplate::new(200).set_body_string("42"))
            .expect(1)
            .mount(&server)
            .await;
        let url = format!("{}/price", server.uri());
        assert_eq!(fetch(&client(), &url, DEADLINE).await.unwrap(), "42");
    }

    #[tokio::test]
    async fn a_server_that_keeps_failing_is_given_up_after_every_attempt() {
        let server = server(ResponseTemplate::new(500), ATTEMPTS.into()).await;
        let url = format!("{}/price", server.uri());
        let error = fetch(&client(), &url, DEADLINE).await.unwrap_err();
        assert!(
            matches!(
                error,
                FetchError::Refused(StatusCode::INTERNAL_SERVER_ERROR)
            ),
            "{error:?}"
        );
    }

    /// A server that takes each connection and closes it unanswered, as a
    /// crashing or restarting one does: asked once per attempt. (Refused
    /// connections are sorted the same way: no server can count those.)
    #[tokio::test]
    async fn a_connection_closed_before_the_answer_is_tried_again() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicU32, Ordering};

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/price", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicU32::new(0));
        // Counted before the close that fails the attempt: all counted
        // by the time `fetch` returns. The thread ends with the test's process.
        std::thread::spawn({
            let accepted = Arc::clone(&accepted);
            move || {
                for connection in listener.incoming() {
                    accepted.fetch_add(1, Ordering::SeqCst);
                    drop(connection);
                }
            }
        });
        let error = fetch(&client(), &url, DEADLINE).await.unwrap_err();
        assert!(matches!(error, FetchError::Connection(_)), "{error:?}");
        assert_eq!(accepted.load(Ordering::SeqCst), ATTEMPTS);
    }

    /// A 429 that asks for a pause gets it (the time, a lower bound that
    /// load can only raise, is at least the pause); one that asks for more
    /// than `LONGEST_PAUSE` comes back at once, asked once.
    #[tokio::test]
    async fn retry_after_is_waited_for_up_to_the_longest_pause() {
        let pausing = fresh_server().await;
        Mock::given(path("/price"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
            .up_to_n_times(1)
            .expect(1)
            .mount(&pausing)
            .await;
        Mock::given(path("/price"))
            .respond_with(ResponseTemplate::new(200).set_body_string("42"))
            .expect(1)
            .mount(&pausing)
            .await;
        let url = format!("{}/price", pausing.uri());
        let started = std::time::Instant::now();
        assert_eq!(fetch(&client(), &url, DEADLINE).await.unwrap(), "42");
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );

        let asks_an_hour = ResponseTemplate::new(429).insert_header("Retry-After", "3600");
        let refusing = server(asks_an_hour, 1).await;
        let url = format!("{}/price", refusing.uri());
        // Bounded: a client that waited for the hour would fail here, not
        // sleep.
        let error = tokio::time::timeout(LONGEST_PAUSE * 2, fetch(&client(), &url, DEADLINE))
            .await
            .expect("an hour's Retry-After is the error at once")
            .unwrap_err();
        assert!(
            matches!(error, FetchError::Later(StatusCode::TOO_MANY_REQUESTS, d) if d.as_secs() == 3600),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn a_client_error_is_not_tried_again() {
        let server = server(ResponseTemplate::new(404), 1).await;
        let url = format!("{}/price", server.uri());
        let error = fetch(&client(), &url, DEADLINE).await.unwrap_err();
        assert!(
            matches!(error, FetchError::Status(StatusCode::NOT_FOUND)),
            "{error:?}"
        );
    }

    /// A body past `MAX_BODY` is an error, not a body held whole, and it is
    /// not asked for again.
    #[tokio::test]
    async fn a_body_too_long_is_an_error_asked_once() {
        let long = ResponseTemplate::new(200).set_body_bytes(vec![b'x'; MAX_BODY + 1]);
        let server = server(long, 1).await;
        let url = format!("{}/price", server.uri());
        let error = fetch(&client(), &url, DEADLINE).await.unwrap_err();
        assert!(matches!(error, FetchError::TooLarge), "{error:?}");
    }

    /// An answer far later than the deadline, every time, and one that
    /// never comes (an hour is never, here): each attempt gives up at its
    /// deadline, so the whole takes at least every deadline and pause (real
    /// time: a lower bound, never an exact figure), and the server is asked
    /// once per attempt at most. Not always once: on a busy machine a
    /// request can take longer to reach the server than the deadline, which
    /// is short so that the test is quick. The answer is 20 times as late,
    /// so that no stall lets it come first.
    #[tokio::test]
    async fn an_answer_too_late_or_never_is_given_up_at_each_deadline() {
        let deadline = Duration::from_millis(500);
        for delay in [deadline * 20, Duration::from_secs(3600)] {
            let server = fresh_server().await;
            Mock::given(method("GET"))
                .and(path("/price"))
                .respond_with(ResponseTemplate::new(200).set_delay(delay))
                .expect(..=u64::from(ATTEMPTS))
                .mount(&server)
                .await;
            let url = format!("{}/price", server.uri());
            let started = std::time::Instant::now();
            let error = fetch(&client(), &url, deadline).await.unwrap_err();
            assert!(
                matches!(error, FetchError::TimedOut(d) if d == deadline),
                "{error:?}"
            );
            let least = deadline * ATTEMPTS + all_pauses();
            assert!(started.elapsed() >= least, "{:?}", started.elapsed());
        }
    }

    /// Why the tests above run on the real clock: on the paused one, an
    /// answer half a minute of real time away misses a deadline of a
    /// minute, three times over, and the clock moves exactly as far as the
    /// client's own timers: its deadlines and pauses.
    #[tokio::test(start_paused = true)]
    async fn on_the_paused_clock_the_deadline_fires_before_the_answer() {
        let server = fresh_server().await;
        let soon = ResponseTemplate::new(200).set_delay(Duration::from_secs(30));
        Mock::given(path("/price"))
            .respond_with(soon)
            .mount(&server)
            .await;
        let url = format!("{}/price", server.uri());
        let minute = Duration::from_secs(60);
        let started = Instant::now();
        let error = fetch(&client(), &url, minute).await.unwrap_err();
        assert!(matches!(error, FetchError::TimedOut(_)), "{error:?}");
        assert_eq!(started.elapsed(), minute * ATTEMPTS + all_pauses());
    }

    /// The pauses between `ATTEMPTS` tries, each twice the one before.
    fn all_pauses() -> Duration {
        (0..ATTEMPTS - 1).map(|n| FIRST_PAUSE * 2u32.pow(n)).sum()
    }
}
