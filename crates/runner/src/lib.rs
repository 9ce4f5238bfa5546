//! The runner every section binary shares: `runner::section![...].run()` is
//! a section's whole `main`. Example files never import it.

pub mod dump;

mod cli;
mod record;
mod section;
pub mod signals;
mod sweep;
mod watch;

pub use section::{Entry, Example, ExampleFuture, ExampleOutput, Section};
