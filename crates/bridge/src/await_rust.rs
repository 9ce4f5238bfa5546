//! Python awaits a Rust future: ten HTTP requests made by reqwest inside
//! Tokio, awaited together with `asyncio.gather`.
//!
//! `future_into_py` hands asyncio an awaitable for a Rust future. The future
//! does not run on the event loop: pyo3-async-runtimes spawns it at once as
//! a task on a Tokio runtime of its own (multi-thread, built the first time
//! it is needed), and when the task ends it passes the result to the event
//! loop with `call_soon_threadsafe`, which completes the `asyncio.Future`
//! Python awaits. So the awaitable is a running task, not a coroutine: like
//! `asyncio.create_task`, it makes progress before anyone awaits it. Ten of
//! them awaited with `gather` take as long as the slowest, as ten aiohttp
//! requests would, and the event loop's thread is free all along.
//!
//! The future must be `Send + 'static`: it runs on another thread after the
//! method has returned, so it can't borrow `&self` or the arguments. It owns
//! what it needs, here the request, built before it starts (a
//! `reqwest::Client` is a handle to one pool of connections, cheap to clone,
//! as one `aiohttp.ClientSession` is shared by every request). And
//! `future_into_py` needs the running event loop, to hand it the result:
//! call `get_status` from a coroutine; outside one it raises `RuntimeError:
//! no running event loop`.
//!
//! The future's `PyResult` is what `await` gives back: `Ok` a value, `Err`
//! an exception, here `ConnectionError` with reqwest's message
//! ([errors](errors.md) shows more).

use std::time::Duration;

use pyo3::exceptions::{PyConnectionError, PyValueError};
use pyo3::prelude::*;

/// An HTTP client for one server, shared by every request Python awaits.
#[pyclass(frozen)]
struct HttpClient {
    client: reqwest::Client,
    base_url: reqwest::Url,
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
        Ok(Self { client, base_url })
    }

    /// `await client.get_status("/get")`: the status of a GET of that path.
    fn get_status<'py>(&self, py: Python<'py>, path: &str) -> PyResult<Bound<'py, PyAny>> {
        let url = self
            .base_url
            .join(path)
            .map_err(|error| PyValueError::new_err(format!("path {path:?}: {error}")))?;
        let request = self.client.get(url);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let response = request
                .send()
                .await
                .map_err(|error| PyConnectionError::new_err(error.to_string()))?;
            Ok(response.status().as_u16())
        })
    }
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<HttpClient>()
}
