//! `cargo xtask`: the project's own tooling, written in Rust rather than shell
//! so it runs the same everywhere `cargo` does.
//!
//! The library half is shared: the `tests` crate runs the very same golden
//! check from `cargo test`, instead of keeping a second copy of it.
//!
//! - [`workspace`] finds the sections, builds them and lists their examples.
//! - [`process`] runs one example as a child process, with a timeout.
//! - [`golden`] knows where golden files live and how to diff against them.
//! - [`check`] turns a run into a verdict and runs many in parallel.
//! - [`bless`] writes golden files, but only from examples that succeeded.
//! - [`docs`] generates the book's pages from the examples and checks it.
//! - [`bench`] times the same workloads in Tokio and in Python's asyncio.

pub mod bench;
pub mod bless;
pub mod check;
pub mod docs;
pub mod golden;
pub mod process;
pub mod workspace;

/// Errors that end an xtask command. They are reported, never unwrapped.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The clock the section runner is asked to use (`--clock`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// Tokio's paused clock: fast, and the default for checks.
    Virtual,
    /// Real time, to prove the golden files hold outside the paused clock too.
    Real,
}

impl Clock {
    pub fn as_arg(self) -> &'static str {
        match self {
            Clock::Virtual => "virtual",
            Clock::Real => "real",
        }
    }
}
