//! The `bridge` extension module, which the asyncio programs in `python/`
//! import: each lesson's Rust is a module of its own, whose `register` adds
//! its functions and classes here. `maturin develop` builds it into the
//! active virtualenv (`cargo xtask bridge` does that, then runs each
//! lesson).
//!
//! Without the `python` feature, which maturin turns on, the crate is empty.
#![cfg(feature = "python")]

use pyo3::prelude::*;

mod await_python;
mod await_rust;
mod cancellation;
mod context_vars;
mod cpu_bound;
mod errors;
mod gil;
mod shutdown;
mod streams;
mod sync_entry;

/// The module Python imports as `bridge`.
#[pymodule]
fn bridge(module: &Bound<'_, PyModule>) -> PyResult<()> {
    // reqwest is built with rustls but no crypto provider, as in the
    // sections: building a client panics until one is installed. This fails
    // only if one already is.
    let _ = rustls::crypto::ring::default_provider().install_default();
    await_rust::register(module)?;
    await_python::register(module)?;
    cancellation::register(module)?;
    gil::register(module)?;
    cpu_bound::register(module)?;
    errors::register(module)?;
    context_vars::register(module)?;
    shutdown::register(module)?;
    sync_entry::register(module)?;
    streams::register(module)?;
    Ok(())
}
