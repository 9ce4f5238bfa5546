//! The guide's simulated API handler: six concurrent requests to fast, slow,
//! cached and failing endpoints, where the second request for the cached
//! endpoint really does get the cached answer.
//!
//! The handler is shared by six tasks through an `Arc`: an atomic counter, and
//! a cache in a `std::sync::Mutex`, never held across an `.await`. The guide's
//! comment says req4 "should hit cache", but req3 and req4 both miss and both
//! do the work. Here each entry is a `tokio::sync::OnceCell`: req4 waits for
//! req3's work and reports the hit. A raised `ValueError` is an `Err` the
//! caller must look at. Requests arrive 1 ms apart, so no two timers tie.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async API Server Pattern"

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::OnceCell;
use tokio::task::JoinError;
use tokio::time::sleep;
use tokio_util::task::AbortOnDropHandle;

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

#[derive(Debug, thiserror::Error)]
#[error("Simulated API error")]
struct ApiError;

#[derive(Default)]
struct AsyncApiHandler {
    request_count: AtomicUsize,
    cache: Mutex<HashMap<&'static str, Arc<OnceCell<ApiResponse>>>>,
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
            "/cached" => Ok(self.cached(request_id, endpoint).await),
            "/error" => {
                sleep(Duration::from_millis(500)).await;
                Err(ApiError)
            }
            _ => Ok(ApiResponse {
                status: "error",
                data: "Endpoint not found",
            }),
        }
    }

    async fn cached(&self, request_id: &str, endpoint: &'static str) -> ApiResponse {
        let entry = {
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(cache.entry(endpoint).or_default())
        };
        if let Some(response) = entry.get() {
            println!("[{request_id}] Cache hit");
            return response.clone();
        }
        let mut computed_here = false;
        let response = entry
            .get_or_init(|| async {
                computed_here = true;
                sleep(Duration::from_secs(1)).await;
                ApiResponse {
                    status: "success",
                    data: "Cached response",
                }
            })
            .await
            .clone();
        if !computed_here {
            println!("[{request_id}] Cache hit (waited for the request already computing it)");
        }
        response
    }
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

    let mut tasks = Vec::new();
    for (request_id, endpoint) in requests {
        let handler = Arc::clone(&handler);
        // Aborted when dropped, so a cancelled `run` stops it too.
        tasks.push(AbortOnDropHandle::new(tokio::spawn(process_request(
            handler, request_id, endpoint,
        ))));
        sleep(ARRIVAL_GAP).await;
    }
    let outcomes = join_all(tasks)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;

    let successful = outcomes.iter().filter(|&&ok| ok).count();
    println!();
    println!(
        "Processed {} requests: {successful} successful",
        requests.len()
    );
    Ok(())
}
