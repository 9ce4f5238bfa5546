//! Writing golden files. A golden file is only ever written from an example
//! that exited cleanly: blessing the output of a crash would turn a bug into
//! the expected result. It is written atomically ([`crate::files`]), so a
//! write that fails halfway leaves the old one.

use std::io;

use crate::check::{self, Report, TimelineRun};
use crate::cli::CheckOptions;
use crate::golden::{self, Golden};
use crate::{Error, Usage};

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
    let blessed = match golden::read(&report.golden) {
        Golden::Text(existing) if existing == output.stdout => return Ok(Blessed::Unchanged),
        Golden::Missing => Blessed::Created,
        // A file that is not UTF-8 is replaced; one that can't be written
        // fails below with the reason.
        Golden::Text(_) | Golden::Unreadable(_) => Blessed::Updated,
    };
    crate::files::write(&report.golden, &output.stdout)?;
    Ok(blessed)
}

/// Writes the timeline the run recorded as the example's timeline golden
/// file, if it has one and the run was clean. Whether it changed is
/// reported like the stdout's.
pub fn bless_timeline(report: &Report) -> io::Result<Blessed> {
    bless_side(report, report.timeline.as_ref())
}

/// Writes the dump the run took as the example's `.dump` golden file, if it
/// has one and the run was clean: the instant stays the one the file named.
pub fn bless_dump(report: &Report) -> io::Result<Blessed> {
    bless_side(report, report.dump.as_ref())
}

fn bless_side(report: &Report, side: Option<&TimelineRun>) -> io::Result<Blessed> {
    let (Some(timeline), true) = (side, report.ran_cleanly()) else {
        return Ok(Blessed::Refused);
    };
    let Some(recorded) = &timeline.recorded else {
        return Ok(Blessed::Refused);
    };
    let blessed = match golden::read(&timeline.golden) {
        Golden::Text(existing) if existing == *recorded => return Ok(Blessed::Unchanged),
        Golden::Missing => Blessed::Created,
        Golden::Text(_) | Golden::Unreadable(_) => Blessed::Updated,
    };
    crate::files::write(&timeline.golden, recorded)?;
    Ok(blessed)
}

/// The environment variable that turns a check into a bless, with xtask
/// (`check-all`) and with `cargo test` (the golden harness).
pub const SNAPSHOTS: &str = "SNAPSHOTS";

/// Whether `SNAPSHOTS=overwrite` asks for golden files to be rewritten.
/// Unset or empty, it does not; any other value is a mistake, refused
/// rather than read as "check", so a typo never passes for a bless.
pub fn overwrite_requested() -> Result<bool, Usage> {
    match std::env::var_os(SNAPSHOTS) {
        None => Ok(false),
        Some(value) if value.is_empty() => Ok(false),
        Some(value) if value == "overwrite" => Ok(true),
        Some(value) => Err(Usage(format!(
            "{SNAPSHOTS}={}: expected `overwrite` (rewrite the golden files, as `bless` \
             does), or leave it unset",
            value.to_string_lossy()
        ))),
    }
}

/// What blessing one example, its stdout, timeline and dump, came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Its golden files hold what it printed; these were written, each
    /// [`Blessed::Created`] or [`Blessed::Updated`], with its display name.
    Blessed(Vec<(Blessed, String)>),
    /// Nothing was written, or only the files before the one refused (its
    /// stdout, then its timeline), for this reason.
    Refused(String),
}

/// Blesses one report: its stdout, then its timeline and its dump if it has
/// them; a side the run wrote none of is refused like a failed run. The
/// one place that decides what may become a golden file, for `bless`,
/// `SNAPSHOTS=overwrite cargo xtask check-all` and the golden harness
/// under `cargo test`.
pub fn bless_one(report: &Report) -> Result<Outcome, Error> {
    let mut written = Vec::new();
    match bless(report).map_err(|error| format!("writing {}: {error}", report.golden.display()))? {
        Blessed::Refused => {
            return Ok(Outcome::Refused(format!(
                "it did not run cleanly\n{}",
                report.details().trim_end()
            )));
        }
        Blessed::Unchanged => {}
        changed => written.push((changed, report.golden_name.clone())),
    }
    let sides = [
        (
            &report.timeline,
            "timeline",
            bless_timeline as fn(&Report) -> _,
        ),
        (&report.dump, "dump", bless_dump),
    ];
    for (side, what, write) in sides {
        let Some(side) = side else { continue };
        match write(report)
            .map_err(|error| format!("writing {}: {error}", side.golden.display()))?
        {
            Blessed::Refused => {
                return Ok(Outcome::Refused(format!(
                    "its {what}: the run wrote none\n{}",
                    report.details().trim_end()
                )));
            }
            Blessed::Unchanged => {}
            changed => written.push((changed, side.golden_name.clone())),
        }
    }
    Ok(Outcome::Blessed(written))
}

/// `cargo xtask bless`: runs the examples and writes each clean run's output
/// as its golden file. `Ok(false)` means some example was refused.
pub fn bless_all(options: &CheckOptions) -> Result<bool, Error> {
    let (workspace, plan, target) = check::prepare(options, None)?;
    // Whether the output matches the old golden file does not matter here;
    // only whether the example ran cleanly.
    let (reports, orphans) = check::run(&workspace, plan, &target, options, |report| {
        let status = if report.ran_cleanly() {
            "ran"
        } else {
            "FAILED"
        };
        println!("{status} {}", report.case.id());
    });
    let (mut blessed, mut changed, mut failed) = (0, 0, 0);
    for report in &reports {
        match bless_one(report)? {
            Outcome::Blessed(written) => {
                blessed += 1;
                changed += written.len();
                for (outcome, name) in written {
                    let verb = if outcome == Blessed::Created {
                        "created"
                    } else {
                        "updated"
                    };
                    println!("{verb} {name}");
                }
            }
            Outcome::Refused(why) => {
                failed += 1;
                println!("\nrefusing to bless {}: {why}", report.case.id());
            }
        }
    }
    for orphan in &orphans {
        failed += 1;
        println!(
            "\n{}",
            check::orphan_details(orphan, &workspace.golden_root())
        );
    }
    println!("{blessed} blessed ({changed} changed), {failed} failed");
    Ok(failed == 0)
}
