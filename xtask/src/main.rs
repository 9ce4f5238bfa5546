//! `cargo xtask <command>`; see `cargo xtask help`.

use std::process::ExitCode;

use xtask::cli::{self, Task};
use xtask::protocol::EXIT_USAGE;

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let task = match xtask::bless::overwrite_requested()
        .map_err(|usage| usage.0)
        .and_then(|overwrite| cli::parse(std::env::args_os().skip(1), overwrite))
    {
        Ok(task) => task,
        Err(usage) => {
            eprintln!("error: {usage}\n\n{}", cli::HINT);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let result = match task {
        Task::Help(text) => {
            print!("{text}");
            Ok(true)
        }
        Task::Check(options) => xtask::check::check_all(&options),
        Task::Twins(options) => xtask::twins::check_twins(&options),
        Task::Sweep(options) => xtask::sweep::cancel_sweep(&options),
        Task::Bless(options) => xtask::bless::bless_all(&options),
        Task::New { section, example } => xtask::new::new_example(&section, &example),
        Task::Export { example, dir } => xtask::export::export(&example, dir.as_deref()),
        Task::ExportCheck(options) => xtask::export::verify::check_all(&options),
        Task::List => xtask::list::list(),
        Task::Docs(mode) => xtask::docs::run(mode),
        // mdBook asks first; every renderer is fine.
        Task::BookCharts { supports: true } => Ok(true),
        Task::BookCharts { supports: false } => {
            xtask::docs::charts::preprocess(std::io::stdin().lock(), std::io::stdout().lock())
                .map(|()| true)
        }
        Task::Bench { options, save } => xtask::bench::bench(&options, save),
        Task::Bridge(options) => xtask::bridge::bridge(&options),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) if error.is::<xtask::Usage>() => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
