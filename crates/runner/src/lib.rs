//! The runner every section binary shares: `runner::section![...].run()` is
//! a section's whole `main`. Example files never import it.

pub mod dump;

mod cli;
mod section;

pub use cli::{
    Command, DumpRequest, ListFormat, TIMELINE_AVAILABLE, TimelineRequest, UsageError, parse_args,
};
pub use section::*;
