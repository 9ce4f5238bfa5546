//! Writing golden files. A golden file is only ever written from an example
//! that exited cleanly: blessing the output of a crash would turn a bug into
//! the expected result. It is written atomically ([`crate::files`]), so a
//! write that fails halfway leaves the old one.

use std::io;

use crate::Error;
use crate::check::{self, Report, TimelineRun};
use crate::cli::CheckOptions;
use crate::golden::{self, Golden};

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
        let id = report.case.id();
        match bless(report)
            .map_err(|error| format!("writing {}: {error}", report.golden.display()))?
        {
            Blessed::Unchanged => blessed += 1,
            outcome @ (Blessed::Created | Blessed::Updated) => {
                blessed += 1;
                changed += 1;
                let verb = if outcome == Blessed::Created {
                    "created"
                } else {
                    "updated"
                };
                println!("{verb} {}", report.golden_name);
            }
            Blessed::Refused => {
                failed += 1;
                println!(
                    "\nrefusing to bless {id}: it did not run cleanly\n{}",
                    report.details().trim_end()
                );
                continue;
            }
        }
        for (side, what, bless) in [
            (
                &report.timeline,
                "timeline",
                bless_timeline as fn(&Report) -> _,
            ),
            (&report.dump, "dump", bless_dump),
        ] {
            let Some(side) = side else { continue };
            match bless(report)
                .map_err(|error| format!("writing {}: {error}", side.golden.display()))?
            {
                Blessed::Created | Blessed::Updated => {
                    changed += 1;
                    println!("updated {}", side.golden_name);
                }
                Blessed::Unchanged => {}
                Blessed::Refused => {
                    failed += 1;
                    println!("\nrefusing to bless {id}'s {what}: the run wrote none");
                }
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
