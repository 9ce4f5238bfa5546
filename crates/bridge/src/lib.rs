//! The `bridge` extension module, which the asyncio programs in `python/`
//! import: each lesson's Rust is a module of its own, whose `register` adds
//! its functions and classes here. `maturin develop` builds it into the
//! active virtualenv (`cargo xtask bridge` does that, then runs each
//! lesson).

use pyo3::prelude::*;

mod await_python;
mod await_rust;
mod cancellation;
mod cpu_bound;
mod errors;
mod gil;
mod shutdown;

/// The module Python imports as `bridge`.
#[pymodule]
fn bridge(module: &Bound<'_, PyModule>) -> PyResult<()> {
    await_rust::register(module)?;
    await_python::register(module)?;
    cancellation::register(module)?;
    gil::register(module)?;
    cpu_bound::register(module)?;
    errors::register(module)?;
    shutdown::register(module)?;
    Ok(())
}
