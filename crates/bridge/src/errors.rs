//! Errors across the boundary: a Rust error becomes a Python exception with
//! its message, a Python exception comes back to Rust as an `Err`, and a
//! Rust panic is an exception too: a `BaseException` from a call, an
//! `Exception` from an awaited future.
//!
//! A `PyResult`'s `Err` is raised in the caller: `impl From<FetchError> for
//! PyErr` picks the class a Python caller would catch (`ValueError`,
//! `ConnectionError`, or `HttpStatusError` and `BodyTooLongError` from
//! `create_exception!`; `fetch` keeps a body up to `MAX_BODY`). A Python
//! exception reaching Rust is a `PyErr`; `load` raises another *from* it
//! (`set_cause`, on a blocking thread, as it needs the GIL). A panic in a
//! function Python called is a `PanicException`, a `BaseException` that
//! `except Exception` lets through; in a future from
//! `future_into_py` it is `RustPanic`, an `Exception` that it catches, whose
//! message pyo3-async-runtimes 0.30.0 loses ("unknown error") unless the
//! future catches the panic itself (`average_later_caught` raises the
//! `PanicException` a call would). Keep `panic = "unwind"`: `abort` would
//! end the Python process. Before it becomes an exception, a panic goes
//! through Rust's panic hook, which writes its report to stderr (each run
//! of this lesson writes three; with `RUST_BACKTRACE=1`, each with its
//! backtrace): a service that logs its exceptions itself sets its own hook
//! once, in the module's init, such as
//! `std::panic::set_hook(Box::new(|info| tracing::error!("{info}")))`.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::time::Duration;

use futures::FutureExt as _;
use pyo3::create_exception;
use pyo3::exceptions::{PyConnectionError, PyException, PyRuntimeError, PyValueError};
use pyo3::panic::PanicException;
use pyo3::prelude::*;

create_exception!(
    bridge,
    HttpStatusError,
    PyException,
    "The server answered with an error status."
);

create_exception!(
    bridge,
    BodyTooLongError,
    PyException,
    "The server sent a body longer than fetch keeps."
);

/// The longest body `fetch` keeps: `text()` would keep one of any length,
/// for as long as the server sends it.
const MAX_BODY: usize = 1024 * 1024;

/// Why `fetch` failed.
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("{url:?} is not a URL: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("GET {path} answered {status}")]
    Status {
        path: String,
        status: reqwest::StatusCode,
    },
    #[error("GET {url} failed: {source}")]
    Request {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("GET {path}: the body is longer than {MAX_BODY} bytes")]
    TooLong { path: String },
}

impl From<FetchError> for PyErr {
    fn from(error: FetchError) -> Self {
        let message = error.to_string();
        match error {
            FetchError::BadUrl { .. } => PyValueError::new_err(message),
            FetchError::Status { .. } => HttpStatusError::new_err(message),
            FetchError::Request { .. } => PyConnectionError::new_err(message),
            FetchError::TooLong { .. } => BodyTooLongError::new_err(message),
        }
    }
}

/// `await fetch(url)`: the body of a GET of `url`.
#[pyfunction]
fn fetch(py: Python<'_>, url: String) -> PyResult<Bound<'_, PyAny>> {
    let parsed = reqwest::Url::parse(&url).map_err(|error| FetchError::BadUrl {
        url: url.clone(),
        reason: error.to_string(),
    })?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move { Ok(get(parsed).await?) })
}

async fn get(url: reqwest::Url) -> Result<String, FetchError> {
    let failed = |source| FetchError::Request {
        url: url.to_string(),
        source,
    };
    let mut response = client()
        .map_err(failed)?
        .get(url.clone())
        .send()
        .await
        .map_err(failed)?;
    let status = response.status();
    let path = url.path().to_owned();
    if !status.is_success() {
        return Err(FetchError::Status { path, status });
    }
    // A body announced too long is refused before any of it is read.
    let announced = response.content_length();
    if announced.is_some_and(|length| length > MAX_BODY as u64) {
        return Err(FetchError::TooLong { path });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(FetchError::TooLong { path });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// The one client every `fetch` shares, with its pool of connections: built
/// by the first call, then kept for the process, as the Tokio runtime is.
fn client() -> Result<&'static reqwest::Client, reqwest::Error> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client);
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    // Two first calls at once may both build one; the first stored wins.
    Ok(CLIENT.get_or_init(|| client))
}

/// `await load(loader, name)`: `await loader(name)`; an exception it raises
/// comes back as a `RuntimeError` raised from it.
#[pyfunction]
fn load<'py>(
    py: Python<'py>,
    loader: Bound<'py, PyAny>,
    name: String,
) -> PyResult<Bound<'py, PyAny>> {
    let loading = pyo3_async_runtimes::tokio::into_future(loader.call1((&name,))?)?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        let error = match loading.await {
            Ok(loaded) => return Ok(loaded),
            Err(error) => error,
        };
        // Setting the cause needs the GIL, which a Tokio worker must not
        // wait for (the tasks beside it would wait too): a blocking thread
        // waits instead, as pyo3-async-runtimes does to hand a result over.
        let raised = tokio::task::spawn_blocking(move || {
            Python::attach(|py| {
                let context = PyRuntimeError::new_err(format!("cannot load {name:?}"));
                context.set_cause(py, Some(error));
                context
            })
        });
        Err(raised
            .await
            .unwrap_or_else(|error| PyRuntimeError::new_err(error.to_string())))
    })
}

/// The average of `values`, with a bug: an empty list divides by zero, and
/// integer division by zero panics.
#[pyfunction]
fn average(values: Vec<i64>) -> i64 {
    values.iter().sum::<i64>() / values.len() as i64
}

/// The same bug in a future.
#[pyfunction]
fn average_later(py: Python<'_>, values: Vec<i64>) -> PyResult<Bound<'_, PyAny>> {
    pyo3_async_runtimes::tokio::future_into_py(py, async move { Ok(average(values)) })
}

/// The same bug in a future that turns its own panic into a
/// `PanicException` with the panic's message.
#[pyfunction]
fn average_later_caught(py: Python<'_>, values: Vec<i64>) -> PyResult<Bound<'_, PyAny>> {
    let averaging = async move { Ok(average(values)) };
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        AssertUnwindSafe(averaging)
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| Err(PanicException::new_err(panic_message(&*panic))))
    })
}

/// What `panic!` was given: a `&str` or a `String`, or else nothing
/// printable.
fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// The average of `values`, without the bug: an empty list is bad input.
#[pyfunction]
fn mean(values: Vec<f64>) -> PyResult<f64> {
    if values.is_empty() {
        return Err(PyValueError::new_err("mean() of an empty list"));
    }
    Ok(values.iter().sum::<f64>() / values.len() as f64)
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("HttpStatusError", module.py().get_type::<HttpStatusError>())?;
    module.add(
        "BodyTooLongError",
        module.py().get_type::<BodyTooLongError>(),
    )?;
    module.add_function(wrap_pyfunction!(fetch, module)?)?;
    module.add_function(wrap_pyfunction!(load, module)?)?;
    module.add_function(wrap_pyfunction!(average, module)?)?;
    module.add_function(wrap_pyfunction!(average_later, module)?)?;
    module.add_function(wrap_pyfunction!(average_later_caught, module)?)?;
    module.add_function(wrap_pyfunction!(mean, module)?)
}
