//! The guide's simulated API handler: six concurrent requests, where the second
//! request for the cached endpoint really does get the cached answer.
//!
//! The handler is shared by six tasks through an `Arc`: an atomic counter and
//! a cache in a `std::sync::Mutex`, never held across an `.await`. The guide's
//! req3 and req4 both miss the cache, though its comment says req4 "should hit
//! cache"; here the first request spawns the work and every one awaits it
//! through `futures`' `Shared`. A raised `ValueError` is an `Err` to look at.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async API Server Pattern"

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared};
use tokio::task::{JoinError, JoinSet};
use tokio::time::sleep;
use tokio_util::task::AbortOnDropHandle;

/// How long req1 arrives before the other five. req1 and req6 both ask for
/// `/fast`, and timers started at one instant fall due at one instant, to
/// which Tokio gives no order. The other five arrive together: a gap before
/// any of them would be a moment where a busy machine, holding this task up,
/// could delay it past the others' answers (req6 answering after req5).
const ARRIVAL_GAP: Duration = Duration::from_millis(1);

#[derive(Clone, Debug)]
struct ApiResponse {
    status: &'static str,
    data: &'static str,
}

/// Printed as the guide prints its dict.
impl std::fmt::Display for ApiResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { status, data } = self;
        write!(f, r#"{{"status": {status:?}, "data": {data:?}}}"#)
    }
}

#[derive(Clone, Debug, thiserror::Error)]
enum ApiError {
    #[error("Simulated API error")]
    Simulated,
    /// The cached work's task panicked, or the runtime is shutting down.
    #[error("the cached work ended without a result")]
    Lost,
}

/// The work behind a cached endpoint, in a task of its own, as every
/// request for it shares it; a finished one holds its response.
type Cached = Shared<BoxFuture<'static, Result<ApiResponse, ApiError>>>;

#[derive(Default)]
struct AsyncApiHandler {
    request_count: AtomicUsize,
    cache: Mutex<HashMap<&'static str, Cached>>,
}

impl AsyncApiHandler {
    async fn handle_request(
        &self,
        request_id: &str,
        endpoint: &'static str,
    ) -> Result<ApiResponse, ApiError> {
        let number = self.request_count.fetch_add(1, Ordering::Relaxed) + 1;
        println!("[{request_id}] Handling {endpoint} (Request #{number})");

        match endpoint {
            "/fast" => {
                sleep(Duration::from_millis(100)).await;
                Ok(ApiResponse {
                    status: "success",
                    data: "Fast response",
                })
            }
            "/slow" => {
                sleep(Duration::from_secs(2)).await;
                Ok(ApiResponse {
                    status: "success",
                    data: "Slow response",
                })
            }
            "/cached" => self.cached(request_id, endpoint).await,
            "/error" => {
                sleep(Duration::from_millis(500)).await;
                Err(ApiError::Simulated)
            }
            _ => Ok(ApiResponse {
                status: "error",
                data: "Endpoint not found",
            }),
        }
    }

    async fn cached(
        &self,
        request_id: &str,
        endpoint: &'static str,
    ) -> Result<ApiResponse, ApiError> {
        let (work, started_here) = {
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            match cache.get(endpoint) {
                Some(work) => (work.clone(), false),
                None => (cache.entry(endpoint).or_insert_with(compute).clone(), true),
            }
        };
        if let Some(response) = work.peek() {
            println!("[{request_id}] Cache hit");
            return response.clone();
        }
        let response = work.await;
        if !started_here {
            println!("[{request_id}] Cache hit (waited for the request already computing it)");
        }
        response
    }
}

/// Starts the cached endpoint's work in a task, aborted when the last share
/// of it is dropped. Not in req3's future, which runs only while its caller
/// polls it: a caller that stopped polling it without dropping it would hold
/// req4 for ever (`recipes/single_flight_cache` shows it).
fn compute() -> Cached {
    let task = AbortOnDropHandle::new(tokio::spawn(async {
        sleep(Duration::from_secs(1)).await;
        ApiResponse {
            status: "success",
            data: "Cached response",
        }
    }));
    async move { task.await.map_err(|_| ApiError::Lost) }
        .boxed()
        .shared()
}

/// Returns whether the request succeeded.
async fn process_request(
    handler: Arc<AsyncApiHandler>,
    request_id: &str,
    endpoint: &'static str,
) -> bool {
    match handler.handle_request(request_id, endpoint).await {
        Ok(result) => {
            println!("[{request_id}] Success: {result}");
            true
        }
        Err(error) => {
            println!("[{request_id}] Error: {error}");
            false
        }
    }
}

pub async fn run() -> Result<(), JoinError> {
    let handler = Arc::new(AsyncApiHandler::default());
    let requests = [
        ("req1", "/fast"),
        ("req2", "/slow"),
        ("req3", "/cached"),
        ("req4", "/cached"), // should hit the cache
        ("req5", "/error"),
        ("req6", "/fast"),
    ];

    // A task per request, as a server spawns them; dropping the set aborts
    // those still running, as a cancelled `run` does.
    let mut tasks = JoinSet::new();
    let [(req1, endpoint), rest @ ..] = requests;
    tasks.spawn(process_request(Arc::clone(&handler), req1, endpoint));
    sleep(ARRIVAL_GAP).await;
    for (request_id, endpoint) in rest {
        tasks.spawn(process_request(Arc::clone(&handler), request_id, endpoint));
    }
    let mut outcomes = Vec::new();
    while let Some(outcome) = tasks.join_next().await {
        outcomes.push(outcome?);
    }

    let successful = outcomes.iter().filter(|&&ok| ok).count();
    println!();
    println!(
        "Processed {} requests: {successful} successful",
        requests.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use tokio::time::timeout;

    use super::*;

    /// A request for the cached endpoint that starts the work, polled once
    /// and then neither polled again nor dropped: the next request still
    /// gets the answer, when the work is done.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_no_other_caller() {
        let handler = AsyncApiHandler::default();
        let mut held = pin!(handler.handle_request("held", "/cached"));
        assert!(futures::poll!(held.as_mut()).is_pending());
        let other = handler.handle_request("other", "/cached");
        let answer = timeout(Duration::from_secs(10), other).await;
        let answer = answer.expect("the other request waits for ever");
        assert_eq!(
            answer.map(|answer| answer.data).ok(),
            Some("Cached response")
        );
    }
}
