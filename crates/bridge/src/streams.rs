//! An async stream to Python: an object with `__aiter__` and `__anext__`
//! that `async for` reads, each item received from a bounded Tokio channel
//! that a Rust task fills; when Python stops early, the producer stops too.
//!
//! `__anext__` returns an awaitable (`future_into_py`) that receives the next
//! item, or raises `StopAsyncIteration` once the channel is closed and empty.
//! The channel holds two items, so the producer runs at most two ahead of
//! the reader and then waits in `send`. A loop that `break`s leaves the
//! iterator open, as it leaves an async generator open: `aclose()` (which
//! `contextlib.aclosing` calls) drops the receiver, and the producer's next
//! `send` fails, which ends it. Dropping the object would do the same, but
//! only when Python frees it. A producer that ignored that error would run
//! on for nobody.

use std::sync::Arc;

use pyo3::exceptions::{PyRuntimeError, PyStopAsyncIteration};
use pyo3::prelude::*;
use tokio::sync::{Mutex, mpsc, oneshot};

/// `count_up(limit)`: an async iterator of `0, 1, ..., limit - 1`.
#[pyclass]
struct Numbers {
    // `None` once closed. `__anext__`'s awaitables, which Tokio runs, share it.
    receiver: Arc<Mutex<Option<mpsc::Receiver<u64>>>>,
    // How the producer ended, until `producer()` takes it.
    producer: Option<oneshot::Receiver<String>>,
}

#[pymethods]
impl Numbers {
    fn __aiter__(this: PyRef<'_, Self>) -> PyRef<'_, Self> {
        this
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let receiver = Arc::clone(&self.receiver);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let next = match receiver.lock().await.as_mut() {
                Some(receiver) => receiver.recv().await,
                None => None,
            };
            next.ok_or_else(|| PyStopAsyncIteration::new_err(()))
        })
    }

    /// `await numbers.aclose()`: drops the receiver.
    fn aclose<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let receiver = Arc::clone(&self.receiver);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            receiver.lock().await.take();
            Ok(())
        })
    }

    /// `await numbers.producer()`: how the producer ended; once.
    fn producer<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let ended = self
            .producer
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("producer() was awaited already"))?;
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            ended
                .await
                .map_err(|error| PyRuntimeError::new_err(error.to_string()))
        })
    }
}

#[pyfunction]
fn count_up(limit: u64) -> Numbers {
    let (sender, receiver) = mpsc::channel(2);
    let (ended, producer) = oneshot::channel();
    pyo3_async_runtimes::tokio::get_runtime().spawn(async move {
        let mut how = format!("sent all {limit}");
        for number in 0..limit {
            if sender.send(number).await.is_err() {
                how = "stopped: the receiver is gone".to_owned();
                break;
            }
        }
        let _ = ended.send(how);
    });
    Numbers {
        receiver: Arc::new(Mutex::new(Some(receiver))),
        producer: Some(producer),
    }
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Numbers>()?;
    module.add_function(wrap_pyfunction!(count_up, module)?)
}
