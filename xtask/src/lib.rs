//! `cargo xtask`: the project's own tooling, written in Rust rather than shell
//! so it runs the same everywhere `cargo` does.
//!
//! The binary only parses its command line ([`cli`]) and calls a task; every
//! task lives here, in the library, where the `tests` crate and xtask's own
//! tests use the very same code.
//!
//! - [`workspace`] finds the sections, builds them and lists their examples.
//! - [`select`] is which examples a FILTER selects, for every command that
//!   runs examples.
//! - [`limits`] names how long the tools wait.
//! - [`golden`] knows where golden files live and how to diff against them.
//! - [`check`] turns a run into a verdict and is `check-all`.
//! - [`parallel`] runs many at once, for every task and the book.
//! - [`bless`] writes golden files, but only from examples that succeeded.
//! - [`new`] starts a new example from a template.
//! - [`twins`] runs each example's asyncio twin and compares it with the
//!   golden file; [`twin_file`] says where a twin lives and how it declares
//!   that it differs, for `twins` and the book.
//! - [`sweep`] cancels every example at every point where it is pending.
//! - [`list`] lists every example.
//! - [`files`] rewrites a file atomically: a temporary file, renamed.
//! - [`tsv`] is the one reader of tab-separated files.
//! - [`export`] writes an example as a project of its own, and checks
//!   that every example builds and runs as one.
//! - [`docs`] generates the book's pages from the examples and checks it;
//!   [`docs::seed_map`] reads `docs/seed-map.tsv`, strictly, through [`tsv`].
//! - [`bench`](mod@bench) times the same workloads in Tokio and in Python's asyncio.
//! - [`stall`] is a server that accepts and never answers, for `--stall`.
//! - [`bridge`](mod@bridge) builds the `bridge` section's Python extension
//!   module and checks its lessons; [`lessons`] says where they are, for it
//!   and the book.
//!
//! Every child process starts through the `proc` crate, in a process group
//! of its own that is killed on timeout and on Ctrl-C.
//!
//! What a section binary accepts and answers is the `protocol` crate, shared
//! with the runner itself.

pub mod bench;
pub mod bless;
pub mod bridge;
pub mod check;
pub mod cli;
pub mod docs;
pub mod export;
pub mod files;
pub mod golden;
pub mod lessons;
pub mod limits;
pub mod list;
pub mod new;
pub mod parallel;
pub mod select;
pub mod stall;
pub mod sweep;
pub mod tsv;
pub mod twin_file;
pub mod twins;
pub mod workspace;

/// Errors that end an xtask command. They are reported, never unwrapped.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A command line that parses but names something that is not there (an
/// unknown example, a directory that can't be used): reported like a
/// parse error, with exit code 2.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

pub use protocol;
