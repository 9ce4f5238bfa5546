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
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use xtask::bless::{Blessed, bless, bless_dump, bless_timeline};
use xtask::check::{self, Target, Verdict};
use xtask::protocol::Clock;
use xtask::workspace::Workspace;

const TIMEOUT: Duration = Duration::from_secs(60);

fn main() -> ExitCode {
    let arguments = Arguments::from_args();
    let workspace = Workspace::locate();
    let plan = match workspace.build_all().and_then(|sections| {
        let all_sections = workspace.section_names()?;
        check::plan(&sections, &all_sections, &workspace.golden_root(), None)
    }) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: cannot prepare the golden check: {error}");
            return ExitCode::FAILURE;
        }
    };

    let golden_root = workspace.golden_root();
    let overwrite = std::env::var("SNAPSHOTS").is_ok_and(|value| value == "overwrite");
    let mut trials: Vec<Trial> = plan
        .cases
        .into_iter()
        .map(|case| {
            let name = format!("{}::{}", case.section.name, case.example.name);
            let golden_root = golden_root.clone();
            Trial::test(name, move || {
                let report =
                    check::check(case, &Target::Golden(Clock::Virtual), TIMEOUT, &golden_root);
                if overwrite {
                    return match bless(&report) {
                        Ok(Blessed::Refused) => Err(Failed::from(format!(
                            "refusing to bless: it did not run cleanly\n{}",
                            report.details()
                        ))),
                        Ok(_) => {
                            for (side, what, bless) in [
                                (
                                    report.timeline.is_some(),
                                    "timeline",
                                    bless_timeline as fn(&_) -> _,
                                ),
                                (report.dump.is_some(), "dump", bless_dump),
                            ] {
                                if !side {
                                    continue;
                                }
                                match bless(&report) {
                                    Ok(Blessed::Refused) => {
                                        return Err(Failed::from(format!(
                                            "refusing to bless its {what}: the run wrote none"
                                        )));
                                    }
                                    Ok(_) => {}
                                    Err(error) => {
                                        return Err(Failed::from(format!(
                                            "writing its {what}: {error}"
                                        )));
                                    }
                                }
                            }
                            Ok(())
                        }
                        Err(error) => Err(Failed::from(format!(
                            "writing {}: {error}",
                            report.golden.display()
                        ))),
                    };
                }
                match report.verdict {
                    Verdict::Pass => Ok(()),
                    _ => Err(Failed::from(report.details())),
                }
            })
        })
        .collect();
    trials.extend(plan.orphans.into_iter().map(|orphan| {
        let message = check::orphan_details(&orphan, &golden_root);
        Trial::test(format!("orphan::{}", orphan.display()), move || {
            Err(Failed::from(message))
        })
    }));

    libtest_mimic::run(&arguments, trials).exit_code()
}
