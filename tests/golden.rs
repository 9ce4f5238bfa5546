//! The golden check under `cargo test`: one test per example on the virtual
//! clock, as `cargo xtask check-all` runs it, plus a failing test per golden
//! file without an example. `SNAPSHOTS=overwrite` blesses instead, never
//! from a run that failed.

use std::process::ExitCode;

use libtest_mimic::{Arguments, Failed, Trial};
use xtask::Snapshots;
use xtask::check::{self, Mode};
use xtask::select::Selection;
use xtask::workspace::Workspace;

fn main() -> ExitCode {
    let arguments = Arguments::from_args();
    let prepared = Snapshots::from_env()
        .map_err(xtask::Error::from)
        .and_then(|snapshots| {
            let workspace = Workspace::locate();
            let selection = Selection::build(&workspace, None)?;
            let orphans = selection.golden_orphans(&workspace.golden_root())?;
            Ok((snapshots, workspace.golden_root(), selection.cases, orphans))
        });
    let (snapshots, golden_root, cases, orphans) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => {
            eprintln!("error: cannot prepare the golden check: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut trials: Vec<Trial> = cases
        .into_iter()
        .map(|case| {
            let golden_root = golden_root.clone();
            Trial::test(case.id().replace('/', "::"), move || {
                let report = check::check(
                    case,
                    &Mode::Virtual,
                    xtask::limits::EXAMPLE,
                    &golden_root,
                    snapshots,
                    None,
                );
                if report.passed() {
                    Ok(())
                } else {
                    Err(Failed::from(report.details()))
                }
            })
        })
        .collect();
    trials.extend(orphans.into_iter().map(|orphan| {
        Trial::test(format!("orphan::{}", orphan.display()), move || {
            Err(Failed::from("a golden file without an example; delete it"))
        })
    }));
    libtest_mimic::run(&arguments, trials).exit_code()
}
