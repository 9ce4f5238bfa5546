//! Python awaits a Rust future: ten HTTP requests made by reqwest inside
//! Tokio, awaited together with `asyncio.gather`.
//!
//! `future_into_py` spawns the future at once on pyo3-async-runtimes' own
//! multi-thread Tokio runtime and returns an `asyncio.Future` that the task
//! completes through `call_soon_threadsafe`: like `create_task`, it runs
//! before anyone awaits it, and the loop's thread stays free. The future must
//! be `Send + 'static`, owning what it needs (a clone of the one
//! `reqwest::Client`), and `future_into_py` needs a running event loop. An
//! `Err` is raised at the `await` ([errors](errors.md)). The client counts
//! the requests under way, so that the lesson counts how many ran at once
//! rather than timing them, which a busy machine slows.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pyo3::exceptions::{PyConnectionError, PyValueError};
use pyo3::prelude::*;
use tokio_util::task::TaskTracker;

/// An HTTP client for one server, shared by every request Python awaits.
#[pyclass(frozen)]
struct HttpClient {
    client: reqwest::Client,
    base_url: reqwest::Url,
    /// What only feeds the demonstration: the requests under way, and the
    /// most there were at once.
    under_way: TaskTracker,
    most_at_once: Arc<AtomicUsize>,
}

#[pymethods]
impl HttpClient {
    #[new]
    fn new(base_url: &str) -> PyResult<Self> {
        let base_url = reqwest::Url::parse(base_url)
            .map_err(|error| PyValueError::new_err(format!("base URL {base_url:?}: {error}")))?;
        let client = reqwest::Client::builder()
            // Every request ends, answered or not: a stalled server is an
            // error after 10 s, not an await that never returns.
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|error| PyConnectionError::new_err(error.to_string()))?;
        Ok(Self {
            client,
            base_url,
            under_way: TaskTracker::new(),
            most_at_once: Arc::default(),
        })
    }

    /// `await client.get_status("/get")`: the status of a GET of that path.
    fn get_status<'py>(&self, py: Python<'py>, path: &str) -> PyResult<Bound<'py, PyAny>> {
        let url = self
            .base_url
            .join(path)
            .map_err(|error| PyValueError::new_err(format!("path {path:?}: {error}")))?;
        let request = self.client.get(url);
        let (under_way, most_at_once) = (self.under_way.clone(), Arc::clone(&self.most_at_once));
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            // Counted from the moment Tokio runs it until it is answered.
            let sending = under_way.track_future(request.send());
            most_at_once.fetch_max(under_way.len(), Ordering::SeqCst);
            let response = sending
                .await
                .map_err(|error| PyConnectionError::new_err(error.to_string()))?;
            Ok(response.status().as_u16())
        })
    }

    /// The most of its requests that were under way at once.
    fn most_at_once(&self) -> usize {
        self.most_at_once.load(Ordering::SeqCst)
    }
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<HttpClient>()
}
