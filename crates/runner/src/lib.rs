//! The runner every section binary shares.
//!
//! A section's `main.rs` declares its example modules and hands them, in
//! running order, to [`section!`]. This crate owns everything around the
//! examples: the command line, the header line, the choice of clock and
//! runtime, one fresh Tokio runtime per example, the local HTTP server the
//! HTTP examples talk to, and reporting a failed or panicking example by name.
//!
//! Example files never import this crate. Each one only has to provide
//! `pub async fn run()` (or `run(base_url: &str)` for HTTP examples), returning
//! either `()` or `Result<(), E>` for an error type `E` that converts into
//! `Box<dyn Error>` (`anyhow::Error`, a `thiserror` enum, `io::Error`, ...). A
//! reader can copy the file into a project of their own and call
//! `run().await` from `#[tokio::main]`.
//!
//! [`protocol`] is the contract with the tools that drive a section binary
//! (xtask and the tests), [`timeline`] the data `--timeline` records and how
//! it is drawn. They need no features; everything else
//! needs the `runtime` feature, and the local HTTP server the `httpbin`
//! feature.

pub mod dump;
pub mod protocol;
pub mod timeline;

#[cfg(feature = "runtime")]
mod cli;
#[cfg(feature = "runtime")]
mod section;

#[cfg(feature = "runtime")]
pub use cli::{
    Command, DumpRequest, ListFormat, TIMELINE_AVAILABLE, TimelineRequest, UsageError, parse_args,
};
#[cfg(feature = "runtime")]
pub use section::*;
