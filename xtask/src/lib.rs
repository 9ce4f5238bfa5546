//! `cargo xtask`: what guards the examples (golden files, twins, exports,
//! the cancel sweep) and writes the book. The binary parses its flags
//! ([`flags`]) and calls a task here, where the tests call the same code.

pub mod bench;
pub mod bridge;
pub mod check;
pub mod docs;
pub mod export;
pub mod files;
pub mod flags;
pub mod golden;
pub mod lessons;
pub mod limits;
pub mod list;
pub mod parallel;
pub mod prose;
pub mod rust_source;
pub mod select;
pub mod stall;
pub mod sweep;
pub mod tsv;
pub mod twin_file;
pub mod twins;
pub mod workspace;

pub use protocol;

/// Errors that end a command; reported, never unwrapped.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// How a command ended that ran to its end; an error that ended it early
/// is an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Outcome {
    /// What it checked holds, or it did what it was asked: exit code 0.
    Passed,
    /// A check failed, and the command said which: exit code 1.
    Failed,
}

impl Outcome {
    /// `Passed` for no failures.
    pub fn of_failures(failures: usize) -> Self {
        match failures {
            0 => Outcome::Passed,
            _ => Outcome::Failed,
        }
    }
}

/// A command line that parses but names nothing usable: exit code 2.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// What a golden check does with what a run printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Snapshots {
    /// Compare it with the golden file.
    Compare,
    /// Write it as the golden file: `SNAPSHOTS=overwrite`.
    Overwrite,
}

impl Snapshots {
    /// As `SNAPSHOTS` asks, snapbox's and trycmd's convention: `overwrite`,
    /// or unset; any other value is a mistake.
    pub fn from_env() -> Result<Self, Usage> {
        match std::env::var("SNAPSHOTS").as_deref() {
            Err(std::env::VarError::NotPresent) | Ok("") => Ok(Snapshots::Compare),
            Ok("overwrite") => Ok(Snapshots::Overwrite),
            Ok(other) => Err(Usage(format!(
                "SNAPSHOTS={other}: expected `overwrite`, or leave it unset"
            ))),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(Usage("SNAPSHOTS is not UTF-8: expected `overwrite`".into()))
            }
        }
    }
}
