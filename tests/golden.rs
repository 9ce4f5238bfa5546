//! The golden check under `cargo test`: one test per example, on the virtual
//! clock (its stdout, its timeline where it has a `.timeline` golden file
//! and its dump where it has a `.dump` one), plus one failing test per
//! golden file that has no example. A hung example is reported with where
//! each of its tasks waited when its timeout ran out.
//!
//! Equivalent to `cargo xtask check-all`, through the same code. With
//! `SNAPSHOTS=overwrite` (the convention snapbox and trycmd use, as
//! `TRYBUILD=overwrite` is trybuild's), each test blesses its example
//! instead, as `cargo xtask bless` does: never from a failed run.

use std::process::ExitCode;

use libtest_mimic::{Arguments, Failed, Trial};
use xtask::bless::{self, Outcome};
use xtask::check::{self, Target, Verdict};
use xtask::protocol::Clock;
use xtask::select::Selection;
use xtask::workspace::Workspace;

fn main() -> ExitCode {
    let arguments = Arguments::from_args();
    let overwrite = match bless::overwrite_requested() {
        Ok(overwrite) => overwrite,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let workspace = Workspace::locate();
    let golden_root = workspace.golden_root();
    let selected = Selection::build(&workspace, None).and_then(|selection| {
        let orphans = selection.golden_orphans(&golden_root)?;
        Ok((selection.cases, orphans))
    });
    let (cases, orphans) = match selected {
        Ok(selected) => selected,
        Err(error) => {
            eprintln!("error: cannot prepare the golden check: {error}");
            return ExitCode::FAILURE;
        }
    };

    let mut trials: Vec<Trial> = cases
        .into_iter()
        .map(|case| {
            let name = format!("{}::{}", case.section.name, case.example.name);
            let golden_root = golden_root.clone();
            Trial::test(name, move || {
                let report = check::check(
                    case,
                    &Target::Golden(Clock::Virtual),
                    xtask::limits::EXAMPLE,
                    &golden_root,
                );
                if overwrite {
                    return match bless::bless_one(&report) {
                        Ok(Outcome::Blessed(_)) => Ok(()),
                        Ok(Outcome::Refused(why)) => {
                            Err(Failed::from(format!("refusing to bless: {why}")))
                        }
                        Err(error) => Err(Failed::from(error.to_string())),
                    };
                }
                match report.verdict {
                    Verdict::Pass => Ok(()),
                    _ => Err(Failed::from(report.details())),
                }
            })
        })
        .collect();
    trials.extend(orphans.into_iter().map(|orphan| {
        let message = check::orphan_details(&orphan, &golden_root);
        Trial::test(format!("orphan::{}", orphan.display()), move || {
            Err(Failed::from(message))
        })
    }));

    libtest_mimic::run(&arguments, trials).exit_code()
}
