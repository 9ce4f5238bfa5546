//! `cargo xtask <command>`; see `cargo xtask help`.

use std::process::ExitCode;

use xtask::flags::{Command, Export, Xtask};
use xtask::{Error, Outcome, Snapshots, Usage};

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let xtask: Xtask = closed_stdout::parse();
    match run(xtask.command) {
        Ok(Outcome::Passed) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(if error.is::<Usage>() { 2 } else { 1 })
        }
    }
}

fn run(command: Command) -> Result<Outcome, Error> {
    let snapshots = Snapshots::from_env()?;
    match command {
        Command::CheckAll(options) => xtask::check::check_all(&options, snapshots),
        Command::Bless(options) => xtask::check::bless(&options),
        Command::Bridge(options) => xtask::bridge::bridge(&options, snapshots),
        Command::Twins(options) => xtask::twins::check_twins(&options, snapshots),
        _ if snapshots == Snapshots::Overwrite => Err(Usage(
            "SNAPSHOTS=overwrite: only check-all, bless, bridge and twins write golden files"
                .into(),
        )
        .into()),
        Command::CancelSweep(options) => xtask::sweep::cancel_sweep(&options),
        Command::Export(Export {
            what,
            check_all: true,
            ..
        }) => xtask::export::verify::check_all(what.as_deref()),
        Command::Export(Export { what, dir, .. }) => {
            let what =
                what.ok_or_else(|| Usage("export: which example? SECTION/EXAMPLE".into()))?;
            xtask::export::export(&what, dir.as_deref()).map(|()| Outcome::Passed)
        }
        Command::List => xtask::list::list().map(|()| Outcome::Passed),
        Command::Docs(docs) => xtask::docs::run(docs.mode()),
        // mdBook asks `supports RENDERER` first; every renderer is fine.
        Command::BookCharts {
            supports: Some(_), ..
        } => Ok(Outcome::Passed),
        Command::BookCharts { supports: None, .. } => {
            xtask::docs::charts::preprocess(std::io::stdin().lock(), std::io::stdout().lock())
                .map(|()| Outcome::Passed)
        }
        Command::Bench(options) => xtask::bench::bench(&options).map(|()| Outcome::Passed),
    }
}
