//! Writing golden files. A golden file is only ever written from an example
//! that exited cleanly: blessing the output of a crash would turn a bug into
//! the expected result.

use std::io;

use crate::check::Report;

/// What blessing one report did.
#[derive(Debug, PartialEq, Eq)]
pub enum Blessed {
    Created,
    Updated,
    Unchanged,
    /// The example failed; its golden file, if any, was left alone.
    Refused,
}

/// Writes the report's stdout as its golden file, unless the example failed.
pub fn bless(report: &Report) -> io::Result<Blessed> {
    let Some(output) = report.output.as_ref().filter(|output| output.success()) else {
        return Ok(Blessed::Refused);
    };
    let blessed = match std::fs::read_to_string(&report.golden) {
        Ok(existing) if existing == output.stdout => return Ok(Blessed::Unchanged),
        Ok(_) => Blessed::Updated,
        Err(error) if error.kind() == io::ErrorKind::NotFound => Blessed::Created,
        Err(error) => return Err(error),
    };
    if let Some(parent) = report.golden.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&report.golden, &output.stdout)?;
    Ok(blessed)
}
