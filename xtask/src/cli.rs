//! `cargo xtask`'s command line: each command's arguments defined once, in
//! a [`flags::Command`] table that both the parser and the help are read
//! from, and the options each task takes. The tasks depend on this module;
//! it depends on none of them.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use flags::{Args, Chosen, Command, Flag, Positional};
use protocol::{BASE_URL, Clock, EXIT_FAILED, EXIT_OK, Flavor, Named, parse_base_url};

use crate::limits;

/// What a usage error ends with.
pub const HINT: &str = "`cargo xtask help [COMMAND]` shows the commands and their options.";

/// What xtask's exit codes mean.
pub const EXIT_CODES: flags::ExitCodes<'static> = &[
    (EXIT_OK, "success"),
    (EXIT_FAILED, "a check failed, or a task could not be done"),
    (
        flags::EXIT_USAGE,
        "a usage mistake (an unknown command or option, a bad value, a FILTER, section or \
         example that names nothing, a directory that can't be used)",
    ),
    (
        130,
        "interrupted by Ctrl-C, every process it started killed",
    ),
];

const ABOUT: &str = "The project's own tooling: checks of the examples, their golden files, \
their asyncio twins and their exports, and the book.

Defaults: --jobs is the number of CPUs; sixteen times that where examples mostly wait and print \
no compared time (--base-url, --flavor, --stall); four times that where they do (--real, \
twins), and for cancel-sweep.";

const FILTER: Positional = Positional::optional(
    "FILTER",
    "A section's name, or any part of `section/example`; only the sections it can match are \
     run [default: every example]",
);
const REAL: Flag = Flag::switch("real", "Run on the real clock instead of the virtual one");
const BASE_URL_FLAG: Flag = Flag::value(
    "base-url",
    "URL",
    "Run every HTTP example against the httpbin-compatible server at URL, on the real clock; \
     each must succeed and print something (golden files are not compared: another server's \
     bodies differ)",
);
const STALL: Flag = Flag::switch(
    "stall",
    "Run every HTTP example against a server that accepts connections and never answers, on \
     the real clock; each must end with an error it prints (exit code 1) within the time limits \
     its own code sets",
);
const FLAVOR: Flag = Flag::value(
    "flavor",
    "FLAVOR",
    "multi_thread: run every example on the runtime plain #[tokio::main] starts, on the real \
     clock; each must succeed and print something (lines may come out in another order, so \
     golden files are not compared; the examples that build their own runtime run on that one)",
)
.default("current_thread");

const fn jobs(default: &'static str) -> Flag {
    Flag::value(
        "jobs",
        "N",
        "How many examples run at once, from 1 to 10000",
    )
    .default(default)
}

const fn timeout(default: Duration) -> Flag {
    Flag::value(
        "timeout",
        "SECS",
        "How long one example may run before it is killed and fails, at most a day",
    )
    .default_seconds(default)
}

const CHECK_JOBS: Flag = jobs("the number of CPUs; more where examples mostly wait, see above");
const EXAMPLE_TIMEOUT: Flag = timeout(limits::EXAMPLE);

const CHECK_ALL: Command = Command {
    name: "check-all",
    summary: "Build every section once, run each example in its own process on the virtual clock \
              (the real one with --real) and compare its stdout, and its timeline where it has \
              one, with its golden files. --base-url, --stall and --flavor multi_thread are \
              checks of their own. With SNAPSHOTS=overwrite, it is `bless`, with every refusal \
              of bless.",
    about: "Build every section once, run each example in its own process on the virtual clock \
            (the real one with --real), and compare its stdout with \
            tests/golden/<section>/<example>.stdout; on the virtual clock, also its timeline \
            with <example>.timeline where there is one. On the real clock a printed time may be \
            up to half a second late, and one unit of its last digit more for rounding; an \
            example that differs only in times printed later than that runs again alone, \
            once, and passes if that run is within it.

--base-url, --stall and --flavor multi_thread are checks of their own, one at a time, on the \
real clock, and compare no golden file. --stall's --timeout defaults to {stall} seconds: an \
example still waiting then is hung.

With SNAPSHOTS=overwrite, check-all is `bless`, with every refusal of bless.",
    positionals: &[FILTER],
    flags: &[
        REAL,
        BASE_URL_FLAG,
        STALL,
        FLAVOR,
        CHECK_JOBS,
        EXAMPLE_TIMEOUT,
    ],
};

const BLESS: Command = Command {
    name: "bless",
    summary: "Run the examples and write what they print as their golden files (and their \
              timelines, where they have one). An example that fails, panics or times out is \
              refused and left alone.",
    about: "Run the examples and write what they print as their golden files (and their \
            timelines, for the examples with a .timeline golden file). An example that fails, \
            panics or times out is refused and left alone. Golden files are the current-thread \
            runtime's output, from this workspace's own server: bless takes no --flavor, \
            --base-url or --stall.",
    positionals: &[FILTER],
    flags: &[REAL, CHECK_JOBS, EXAMPLE_TIMEOUT],
};

const PYTHON: Flag =
    Flag::value("python", "PATH", "The Python to run the twins with").default("python3");
const TWINS_JOBS: Flag = jobs("four times the number of CPUs");
const TWINS: Command = Command {
    name: "twins",
    summary: "Run the asyncio twin of each example, crates/<section>/python/<example>.py, and \
              compare what it prints with the example's golden file.",
    about: "Run the asyncio twin of each example, crates/<section>/python/<example>.py, with \
            Python, and compare what it prints with the example's golden file, after one \
            normalisation: ' is \", ( ) are [ ], True/False are true/false. A printed time may \
            be up to half a second late, and one unit of its last digit more for rounding; a \
            twin that differs only in times printed later than that runs again alone, once, and \
            passes if that run is within it. HTTP twins get the local httpbin's URL as their \
            first argument.",
    positionals: &[FILTER],
    flags: &[PYTHON, TWINS_JOBS, timeout(limits::TWIN)],
};

const SWEEP: Command = Command {
    name: "cancel-sweep",
    summary: "On the paused clock, cancel each example at every point where it is pending, and \
              fail on anything a cancellation leaves behind.",
    about: "On the paused clock, run each example again and again, dropping its run() future \
            after its 1st, 2nd, ... poll, until a run completes. After each cut, fail on a \
            panic, a task still running once the others have had their turns (one the example \
            declares is let be), or 60s (virtual) later, a spawn_blocking job still running \
            5s (real) later, or a file descriptor, thread or temporary file left behind. Each \
            example gets a TMPDIR of its own. The examples that build their own runtime are \
            skipped.",
    positionals: &[FILTER],
    flags: &[
        jobs("four times the number of CPUs"),
        timeout(limits::SWEEP),
    ],
};

const SECTION: Positional =
    Positional::required("SECTION", "The section, as `cargo xtask list` names it");
const EXAMPLE: Positional = Positional::required(
    "EXAMPLE",
    "The new example's name, a snake_case module name",
);
const NEW: Command = Command {
    name: "new",
    summary: "Start a new example from a template, add it to its section's main.rs, run it and \
              bless its golden file.",
    about: "Start a new example: write crates/<SECTION>/src/<EXAMPLE>.rs from a template, add it \
            to the section's main.rs, run it and bless its golden file. Then edit it, and bless \
            again.",
    positionals: &[SECTION, EXAMPLE],
    flags: &[],
};

const WHAT: Positional = Positional::optional(
    "WHAT",
    "SECTION/EXAMPLE, the example to export; with --check-all, a FILTER",
);
const DIR: Positional = Positional::optional(
    "DIR",
    "Where to write the project, a new or empty directory [default: ./<EXAMPLE>]",
);
const CHECK_EXPORTS: Flag = Flag::switch(
    "check-all",
    "Export every example the FILTER selects into one throwaway workspace outside the \
     repository and check each with `cargo check` (into target/export-check), with only the \
     crates and features it lists, and the tests of those that have some with only their \
     dev-dependencies. What the examples print is checked in the workspace, on both clocks \
     (check-all, and check-all --real)",
);
const EXPORT: Command = Command {
    name: "export",
    summary: "Write an example as a Cargo project of its own; with --check-all, prove that every \
              example compiles as one.",
    about: "Write the example as a Cargo project of its own in DIR: Cargo.toml with exactly the \
            crates and features its file names, the file itself, a main.rs that runs it on a \
            current-thread runtime, a README and the workspace's Cargo.lock. An HTTP example \
            takes its server's base URL as argument.",
    positionals: &[WHAT, DIR],
    flags: &[CHECK_EXPORTS],
};

const LIST: Command = Command {
    name: "list",
    summary: "List every section and its examples.",
    about: "List every section, in teaching order, and its examples with their summaries.",
    positionals: &[],
    flags: &[],
};

const DOCS_CHECK: Flag = Flag::switch(
    "check",
    "Change nothing; fail if a generated page is missing or stale, a link or an include in the \
     book leads nowhere, or the cheat sheet misses an asyncio API",
);
const DOCS_BUILD: Flag = Flag::switch(
    "build",
    "Also run `mdbook build docs` (install it with `cargo install mdbook`), then check that \
     every link and anchor of the built book leads somewhere",
);
const DOCS: Command = Command {
    name: "docs",
    summary: "Regenerate the book's generated pages in docs/src; --check changes nothing and \
              fails on anything stale or broken.",
    about: "Regenerate the book's generated pages in docs/src from the examples, their golden \
            files and docs/seed-map.tsv.",
    positionals: &[],
    flags: &[DOCS_CHECK, DOCS_BUILD],
};

const SUPPORTS: Positional = Positional::optional(
    "supports",
    "mdBook asks `supports RENDERER` first; every renderer is supported",
);
const RENDERER: Positional = Positional::optional("RENDERER", "The renderer mdBook asks about");
const BOOK_CHARTS: Command = Command {
    name: "book-charts",
    summary: "mdBook's preprocessor `charts` (docs/book.toml): draws each example page's chart \
              inline in the built book.",
    about: "The mdBook preprocessor `charts`, which docs/book.toml names and mdBook runs: reads \
            the book as JSON on stdin and writes it to stdout with each example page's chart, \
            the image of docs/src/<section>/<example>.svg, replaced by the SVG itself, so that \
            it takes the theme's colours and answers the pointer.",
    positionals: &[SUPPORTS, RENDERER],
    flags: &[],
};

const WORKLOAD: Positional = Positional::optional(
    "WORKLOAD",
    "One of spawn, queue, semaphore, sleep, http [default: all of them]",
);
const RUNS: Flag = Flag::value("runs", "N", "How many runs of each, alternating").default("5");
const SAVE: Flag = Flag::switch("save", "Write the tables to bench/RESULTS.md");
const BENCH: Command = Command {
    name: "bench",
    summary: "Time the same workloads in Tokio (release build) and in Python's asyncio.",
    about: "Build the Rust workloads in release mode and time each one against the same workload \
            in Python's asyncio (and uvloop, if installed), N runs each, alternating.",
    positionals: &[WORKLOAD],
    flags: &[RUNS, SAVE],
};

const LESSON_FILTER: Positional = Positional::optional(
    "FILTER",
    "Any part of `bridge/<lesson>` [default: every lesson]",
);
const VENV_PYTHON: Flag = Flag::value(
    "python",
    "PATH",
    "The Python to make target/bridge-venv with, once",
)
.default("python3");
const BRIDGE: Command = Command {
    name: "bridge",
    summary: "Build the bridge's Python extension module with maturin and run each of its asyncio \
              lessons against its golden file, on the real clock.",
    about: "Make target/bridge-venv with maturin from .ci/bridge-requirements.txt (once), build \
            crates/bridge into it with `maturin develop`, then run each lesson, \
            crates/bridge/python/<lesson>.py, one at a time, and compare what it prints with \
            tests/golden/bridge/<lesson>.stdout, as on the real clock: a printed time may be up \
            to half a second late. HTTP lessons get the local httpbin's URL as their \
            argument. With SNAPSHOTS=overwrite, write the golden file of each lesson that \
            succeeds instead.",
    positionals: &[LESSON_FILTER],
    flags: &[VENV_PYTHON, timeout(limits::LESSON)],
};

/// Every command, in the order `help` lists them.
pub const COMMANDS: [Command<'static>; 11] = [
    CHECK_ALL,
    SWEEP,
    BLESS,
    TWINS,
    NEW,
    EXPORT,
    LIST,
    DOCS,
    BOOK_CHARTS,
    BENCH,
    BRIDGE,
];

/// The workloads `bench` takes, as its help names them.
pub const WORKLOADS: [&str; 5] = ["spawn", "queue", "semaphore", "sleep", "http"];

/// The help of xtask, or of one of its commands.
pub fn help(command: Option<&Command>) -> String {
    match command {
        None => flags::program_help("cargo xtask", ABOUT, &COMMANDS, EXIT_CODES),
        Some(command) => {
            // The limits a text names come from their constants.
            let about = command
                .about
                .replace("{stall}", &limits::STALL.as_secs().to_string());
            let command = Command {
                about: &about,
                ..*command
            };
            flags::help(
                &format!("cargo xtask {}", command.name),
                &command,
                EXIT_CODES,
            )
        }
    }
}

/// What to run.
#[derive(Debug, PartialEq)]
pub enum Task {
    Check(CheckOptions),
    Twins(TwinsOptions),
    Sweep(SweepOptions),
    Bless(CheckOptions),
    New {
        section: String,
        example: String,
    },
    /// `export SECTION/EXAMPLE [DIR]`.
    Export {
        example: String,
        dir: Option<PathBuf>,
    },
    ExportCheck(ExportCheckOptions),
    List,
    Docs(DocsMode),
    /// `book-charts`: the preprocessor's run (`false`), or mdBook asking
    /// whether it supports a renderer (`true`).
    BookCharts {
        supports: bool,
    },
    Bench {
        options: BenchOptions,
        save: bool,
    },
    Bridge(BridgeOptions),
    /// Print this text and succeed.
    Help(String),
}

/// Options shared by `check-all` and `bless`.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckOptions {
    pub filter: Option<String>,
    pub clock: Clock,
    /// `--base-url`: check the HTTP examples against this server instead.
    pub base_url: Option<String>,
    /// `--flavor multi_thread`: check that every example succeeds there.
    pub flavor: Flavor,
    /// `--stall`: check that every HTTP example gives up on a server that
    /// never answers.
    pub stall: bool,
    pub jobs: usize,
    pub timeout: Duration,
}

/// Options of `cargo xtask twins`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwinsOptions {
    pub filter: Option<String>,
    pub jobs: usize,
    /// The Python to run the twins with.
    pub python: String,
    pub timeout: Duration,
}

/// Options of `cargo xtask cancel-sweep`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepOptions {
    pub filter: Option<String>,
    pub jobs: usize,
    pub timeout: Duration,
}

/// Options of `cargo xtask export --check-all`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportCheckOptions {
    pub filter: Option<String>,
}

/// What `cargo xtask docs` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocsMode {
    /// Regenerate the pages.
    Write,
    /// Change nothing; fail on any problem.
    Check,
    /// Regenerate, run `mdbook build docs`, then check every link and anchor
    /// of the built site.
    Build,
}

/// Options of `cargo xtask bridge`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeOptions {
    pub filter: Option<String>,
    /// The Python to make the venv with.
    pub python: String,
    pub timeout: Duration,
    /// `SNAPSHOTS=overwrite`: write the golden files instead.
    pub overwrite: bool,
}

/// Options of `cargo xtask bench`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchOptions {
    pub workload: Option<String>,
    pub runs: usize,
}

/// Parses the arguments that follow `cargo xtask`. `overwrite` is
/// `SNAPSHOTS=overwrite`, which makes `check-all` a `bless`, with every
/// refusal of `bless`.
pub fn parse(
    args: impl IntoIterator<Item = impl Into<OsString>>,
    overwrite: bool,
) -> Result<Task, String> {
    let (command, args) = match flags::parse_program(&COMMANDS, None, args) {
        Ok(Chosen::ProgramHelp) => return Ok(Task::Help(help(None))),
        Ok(Chosen::CommandHelp(command)) => return Ok(Task::Help(help(Some(command)))),
        Ok(Chosen::Run(command, args)) => (command, args),
        Err(error) => return Err(error.0),
    };
    task(command.name, &args, overwrite).map_err(|error| error.0)
}

/// How many examples run at once per CPU where they mostly wait (on the
/// real clock, for a sleep, a server or a timeout) rather than compute. The
/// examples sleep about 360 s in all and the slowest about 15 s: at sixteen
/// per CPU on two CPUs the slowest one, not the queue, sets the time a check
/// takes. A wait that comes back a little late changes nothing these checks
/// compare.
const WAITING_JOBS_PER_CPU: usize = 16;
/// The same where the times an example prints are compared with its golden
/// file on the real clock (`--real`, twins). There a
/// time may read up to half a second late
/// ([`crate::golden::compare_on_the_real_clock`]). At sixteen per CPU,
/// starting processes by the dozen made printed times late now and then
/// (CI: `scrape_pages` printed 2.1s for 2.0s); four per CPU keeps the
/// processes' own start-up from using up that room.
const TIMED_JOBS_PER_CPU: usize = 4;

fn task(command: &str, args: &Args, overwrite: bool) -> Result<Task, flags::Error> {
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    Ok(match command {
        "check-all" | "bless" => {
            let blesses = command == "bless" || overwrite;
            let options = check_options(args, command, blesses, cpus)?;
            if blesses {
                Task::Bless(options)
            } else {
                Task::Check(options)
            }
        }
        "twins" => Task::Twins(TwinsOptions {
            filter: args.positional(&FILTER)?,
            jobs: count(args, &TWINS_JOBS)?.unwrap_or(cpus * TIMED_JOBS_PER_CPU),
            python: args.value(&PYTHON)?.unwrap_or_else(|| "python3".to_owned()),
            timeout: seconds(args, &timeout(limits::TWIN))?.unwrap_or(limits::TWIN),
        }),
        // Much of a sweep is examples waiting out blocking jobs in real
        // time, not computing.
        "cancel-sweep" => Task::Sweep(SweepOptions {
            filter: args.positional(&FILTER)?,
            jobs: count(args, &jobs(""))?.unwrap_or(cpus * 4),
            timeout: seconds(args, &timeout(limits::SWEEP))?.unwrap_or(limits::SWEEP),
        }),
        "new" => Task::New {
            section: args.positional(&SECTION)?.unwrap_or_default(),
            example: args.positional(&EXAMPLE)?.unwrap_or_default(),
        },
        "export" => export(args)?,
        "bridge" => Task::Bridge(BridgeOptions {
            filter: args.positional(&LESSON_FILTER)?,
            python: args
                .value(&VENV_PYTHON)?
                .unwrap_or_else(|| "python3".to_owned()),
            timeout: seconds(args, &timeout(limits::LESSON))?.unwrap_or(limits::LESSON),
            overwrite,
        }),
        "list" => Task::List,
        "docs" => Task::Docs(match (args.switch(&DOCS_CHECK), args.switch(&DOCS_BUILD)) {
            (true, true) => {
                return Err(args.mistake("`docs` takes one of --check and --build"));
            }
            (true, false) => DocsMode::Check,
            (false, true) => DocsMode::Build,
            (false, false) => DocsMode::Write,
        }),
        "book-charts" => {
            let supports = args.positional(&SUPPORTS)?;
            let renderer = args.positional(&RENDERER)?;
            match (supports.as_deref(), renderer) {
                (None, None) => Task::BookCharts { supports: false },
                (Some("supports"), Some(_)) => Task::BookCharts { supports: true },
                _ => {
                    return Err(
                        args.mistake("`book-charts` takes no argument, or `supports RENDERER`")
                    );
                }
            }
        }
        "bench" => {
            let workload = args.positional(&WORKLOAD)?;
            if let Some(name) = &workload
                && !WORKLOADS.contains(&name.as_str())
            {
                return Err(args.mistake(format!(
                    "unknown workload `{name}`; expected one of {}",
                    WORKLOADS.join(", ")
                )));
            }
            Task::Bench {
                options: BenchOptions {
                    workload,
                    runs: count(args, &RUNS)?.unwrap_or(5),
                },
                save: args.switch(&SAVE),
            }
        }
        other => return Err(args.mistake(format!("unknown command `{other}`"))),
    })
}

/// Why `bless` refuses an option, said for `command`: `check-all` blesses
/// only under `SNAPSHOTS=overwrite`.
fn bless_refuses(command: &str, what: &str) -> flags::Error {
    flags::Error(if command == "bless" {
        format!("`bless` takes no {what}")
    } else {
        format!(
            "SNAPSHOTS=overwrite makes `{command}` a `bless`, and `bless` takes no {what}; \
             unset SNAPSHOTS to check"
        )
    })
}

fn check_options(
    args: &Args,
    command: &str,
    blesses: bool,
    cpus: usize,
) -> Result<CheckOptions, flags::Error> {
    // `bless`'s table has none of these; `check-all`'s has, and under
    // SNAPSHOTS=overwrite it is refused as bless refuses it.
    let base_url = args
        .value(&BASE_URL_FLAG)?
        .map(|url| parse_base_url(&url).map_err(|error| flags::Error(error.to_string())))
        .transpose()?;
    let flavor = match args.value(&FLAVOR)? {
        Some(value) => Flavor::parse(&value).map_err(|error| flags::Error(error.to_string()))?,
        None => Flavor::CurrentThread,
    };
    let stall = args.switch(&STALL);
    if blesses && base_url.is_some() {
        return Err(bless_refuses(
            command,
            &format!("`{BASE_URL}`: an outside server's bodies are not golden"),
        ));
    }
    if blesses && stall {
        return Err(bless_refuses(
            command,
            "`--stall`: nothing is blessed from a server that never answers",
        ));
    }
    if blesses && flavor == Flavor::MultiThread {
        return Err(bless_refuses(
            command,
            "`--flavor`: the golden files are the current-thread runtime's output",
        ));
    }
    if base_url.is_some() && flavor == Flavor::MultiThread {
        return Err(args.mistake(
            "`--base-url` and `--flavor multi_thread` are two checks; run them one at a time",
        ));
    }
    if stall && (base_url.is_some() || flavor == Flavor::MultiThread) {
        return Err(args.mistake(format!(
            "`{command} --stall` is a check of its own: it takes no `--base-url` or `--flavor`"
        )));
    }
    let golden = base_url.is_none() && flavor == Flavor::CurrentThread && !stall;
    let clock = if args.switch(&REAL) || !golden {
        Clock::Real
    } else {
        Clock::Virtual
    };
    let waits = clock == Clock::Real;
    Ok(CheckOptions {
        filter: args.positional(&FILTER)?,
        clock,
        base_url,
        flavor,
        stall,
        jobs: count(args, &CHECK_JOBS)?.unwrap_or(match (waits, golden) {
            // Printed times compared with a golden file on the real clock.
            (true, true) => cpus * TIMED_JOBS_PER_CPU,
            (true, false) => cpus * WAITING_JOBS_PER_CPU,
            (false, _) => cpus,
        }),
        timeout: seconds(args, &EXAMPLE_TIMEOUT)?.unwrap_or(if stall {
            limits::STALL
        } else {
            limits::EXAMPLE
        }),
    })
}

/// `export SECTION/EXAMPLE [DIR]` or `export --check-all [FILTER]`.
fn export(args: &Args) -> Result<Task, flags::Error> {
    let what = args.positional(&WHAT)?;
    let dir = args.os_positionals(&DIR).into_iter().next();
    if args.switch(&CHECK_EXPORTS) {
        if let Some(extra) = dir {
            return Err(args.mistake(format!(
                "`export --check-all` takes one FILTER, got a second: `{}`",
                extra.to_string_lossy()
            )));
        }
        return Ok(Task::ExportCheck(ExportCheckOptions { filter: what }));
    }
    let example =
        what.ok_or_else(|| args.mistake("`export` needs SECTION/EXAMPLE, or --check-all"))?;
    match example.split_once('/') {
        Some((section, name)) if !section.is_empty() && !name.is_empty() && !name.contains('/') => {
        }
        _ => {
            return Err(args.mistake(format!(
                "`export {example}`: expected SECTION/EXAMPLE, such as basics/spawn_tasks"
            )));
        }
    }
    Ok(Task::Export {
        example,
        dir: dir.map(PathBuf::from),
    })
}

/// The value of a `--timeout` flag: a number of seconds, more than 0 and at
/// most a day ([`limits::MAX_TIMEOUT`]).
fn seconds(args: &Args, flag: &Flag) -> Result<Option<Duration>, flags::Error> {
    let Some(value) = args.value(flag)? else {
        return Ok(None);
    };
    value
        .parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .filter(|timeout| !timeout.is_zero() && *timeout <= limits::MAX_TIMEOUT)
        .map(Some)
        .ok_or_else(|| {
            args.mistake(format!(
                "`--{} {value}`: expected a number of seconds, more than 0 and at most {}",
                flag.long,
                limits::MAX_TIMEOUT.as_secs()
            ))
        })
}

/// A positive whole number, the value of `flag`.
fn count(args: &Args, flag: &Flag) -> Result<Option<usize>, flags::Error> {
    let Some(value) = args.value(flag)? else {
        return Ok(None);
    };
    value
        .parse()
        .ok()
        .filter(|&count| count > 0 && count <= 10_000)
        .map(Some)
        .ok_or_else(|| {
            args.mistake(format!(
                "`--{} {value}`: expected a whole number from 1 to 10000",
                flag.long
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(args: &[&str]) -> Result<CheckOptions, String> {
        let mut all = vec!["check-all"];
        all.extend(args);
        match parse(all, false)? {
            Task::Check(options) => Ok(options),
            other => panic!("expected check-all, got {other:?}"),
        }
    }

    #[test]
    fn options_take_a_value_inline_or_after_them() {
        let options = check(&["--jobs=4", "basics", "--timeout", "2.5"]).unwrap();
        assert_eq!(options.jobs, 4);
        assert_eq!(options.timeout, Duration::from_millis(2500));
        assert_eq!(options.filter.as_deref(), Some("basics"));
        assert_eq!(options.clock, Clock::Virtual);
    }

    #[test]
    fn numbers_out_of_range_are_refused_not_a_panic() {
        for bad in ["1e20", "0", "-1", "nan", "inf", "1e-30"] {
            let error = check(&["--timeout", bad]).unwrap_err();
            assert!(error.contains("--timeout"), "{bad}: {error}");
        }
        for bad in ["0", "-3", "99999999999999999999", "x"] {
            assert!(check(&["--jobs", bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_defaults_are_the_named_limits() {
        assert_eq!(check(&[]).unwrap().timeout, limits::EXAMPLE);
        assert_eq!(check(&["--stall"]).unwrap().timeout, limits::STALL);
        match parse(["twins"], false).unwrap() {
            Task::Twins(options) => assert_eq!(options.timeout, limits::TWIN),
            other => panic!("{other:?}"),
        }
        match parse(["cancel-sweep"], false).unwrap() {
            Task::Sweep(options) => assert_eq!(options.timeout, limits::SWEEP),
            other => panic!("{other:?}"),
        }
        // And the help says so, from the same constants.
        let text = help(Some(&TWINS));
        assert!(
            text.contains(&format!("[default: {}]", limits::TWIN.as_secs())),
            "{text}"
        );
        let text = help(Some(&CHECK_ALL));
        assert!(
            text.contains(&format!("defaults to {} seconds", limits::STALL.as_secs())),
            "{text}"
        );
    }

    #[test]
    fn a_base_url_check_runs_on_the_real_clock() {
        let options = check(&["--base-url", "http://127.0.0.1:8080/"]).unwrap();
        assert_eq!(options.clock, Clock::Real);
        assert_eq!(options.base_url.as_deref(), Some("http://127.0.0.1:8080"));
        // The runner's own rules: it would refuse what xtask passed on.
        for bad in ["127.0.0.1:8080", "http://", "https:///x", "http://a b"] {
            assert_eq!(
                check(&["--base-url", bad]).unwrap_err(),
                parse_base_url(bad).unwrap_err().to_string()
            );
        }
        assert!(parse(["bless", "--base-url", "http://x"], false).is_err());
    }

    #[test]
    fn a_multi_thread_check_runs_on_the_real_clock() {
        let options = check(&["--flavor", "multi_thread"]).unwrap();
        assert_eq!(options.flavor, Flavor::MultiThread);
        assert_eq!(options.clock, Clock::Real);
        assert!(check(&["--flavor", "multi-thread"]).is_err());
        assert!(check(&["--flavor=multi_thread", "--base-url", "http://x"]).is_err());
        assert!(parse(["bless", "--flavor", "multi_thread"], false).is_err());
    }

    /// mdBook runs the preprocessor with no argument, and first asks
    /// `supports RENDERER`.
    #[test]
    fn book_charts_answers_mdbooks_two_calls() {
        assert_eq!(
            parse(["book-charts"], false),
            Ok(Task::BookCharts { supports: false })
        );
        assert_eq!(
            parse(["book-charts", "supports", "html"], false),
            Ok(Task::BookCharts { supports: true })
        );
        assert!(parse(["book-charts", "html"], false).is_err());
        assert!(parse(["book-charts", "supports"], false).is_err());
    }

    #[test]
    fn snapshots_overwrite_makes_check_all_a_bless_with_every_refusal() {
        assert!(matches!(
            parse(["check-all", "--real", "basics"], true),
            Ok(Task::Bless(_))
        ));
        for args in [
            &["check-all", "--flavor", "multi_thread"][..],
            &["check-all", "--base-url", "http://127.0.0.1:1"],
            &["check-all", "--stall"],
        ] {
            let error = parse(args, true).unwrap_err();
            assert!(
                error.starts_with(
                    "SNAPSHOTS=overwrite makes `check-all` a `bless`, and `bless` takes no"
                ),
                "{args:?}: {error}"
            );
        }
        // `bless` has no such options at all.
        for args in [
            &["bless", "--flavor", "multi_thread"][..],
            &["bless", "--base-url", "http://127.0.0.1:1"],
            &["bless", "--stall"],
        ] {
            let error = parse(args, false).unwrap_err();
            assert!(
                error.starts_with("`bless` has no option"),
                "{args:?}: {error}"
            );
        }
    }

    #[test]
    fn an_unexpected_argument_names_its_command() {
        assert_eq!(
            parse(["list", "foo"], false).unwrap_err(),
            "`list` takes no argument `foo`"
        );
        assert!(
            parse(["check-all", "--verbose"], false)
                .unwrap_err()
                .starts_with("`check-all` has no option `--verbose`\nvalid options: --real, ")
        );
        assert_eq!(
            parse(["check-all", "a", "b"], false).unwrap_err(),
            "`check-all` takes one FILTER, got a second: `b`"
        );
        assert!(
            parse(["frobnicate"], false)
                .unwrap_err()
                .starts_with("unknown command `frobnicate`")
        );
        assert!(parse(["docs", "--check", "--build"], false).is_err());
        assert!(
            parse(["bench", "nope"], false)
                .unwrap_err()
                .contains("unknown workload")
        );
    }

    #[test]
    fn help_is_printed_for_help_and_refused_with_a_value() {
        assert!(matches!(parse(["--help"], false), Ok(Task::Help(_))));
        assert!(matches!(parse(["help"], false), Ok(Task::Help(_))));
        assert!(
            matches!(parse(["help", "export"], false), Ok(Task::Help(text)) if text.starts_with("Usage: cargo xtask export "))
        );
        assert!(matches!(
            parse(["bless", "a", "-h"], false),
            Ok(Task::Help(_))
        ));
        assert!(parse(["--help=3"], false).is_err());
        assert!(parse(["check-all", "--help=3"], false).is_err());
        assert!(parse(["help", "frobnicate"], false).is_err());
    }

    #[test]
    fn a_double_dash_ends_the_options() {
        let options = check(&["--", "--weird"]).unwrap();
        assert_eq!(options.filter.as_deref(), Some("--weird"));
    }

    #[test]
    fn new_needs_a_section_and_an_example() {
        assert_eq!(
            parse(["new", "basics", "hello"], false).unwrap(),
            Task::New {
                section: "basics".into(),
                example: "hello".into()
            }
        );
        assert_eq!(
            parse(["new", "basics"], false).unwrap_err(),
            "`new` needs EXAMPLE"
        );
    }

    #[test]
    fn export_takes_an_example_and_a_dir_or_check_all() {
        assert_eq!(
            parse(["export", "basics/hello_world", "/tmp/x"], false).unwrap(),
            Task::Export {
                example: "basics/hello_world".into(),
                dir: Some(PathBuf::from("/tmp/x"))
            }
        );
        assert_eq!(
            parse(["export", "basics/hello_world"], false).unwrap(),
            Task::Export {
                example: "basics/hello_world".into(),
                dir: None
            }
        );
        assert_eq!(
            parse(["export", "--check-all", "real-world"], false).unwrap(),
            Task::ExportCheck(ExportCheckOptions {
                filter: Some("real-world".into())
            })
        );
        for bad in ["hello_world", "basics/", "/x", "a/b/c"] {
            let error = parse(["export", bad], false).unwrap_err();
            assert!(error.contains("expected SECTION/EXAMPLE"), "{bad}: {error}");
        }
        assert!(
            parse(["export"], false)
                .unwrap_err()
                .contains("needs SECTION/EXAMPLE")
        );
        assert!(parse(["export", "a/b", "dir", "more"], false).is_err());
        assert!(parse(["export", "a/b", "--jobs", "2"], false).is_err());
        assert!(parse(["export", "--check-all", "--jobs", "2"], false).is_err());
        assert!(parse(["export", "--check-all", "a", "b"], false).is_err());
    }

    #[test]
    fn bridge_takes_a_filter_and_blesses_under_snapshots_overwrite() {
        match parse(["bridge", "gil", "--timeout", "5"], false).unwrap() {
            Task::Bridge(options) => {
                assert_eq!(options.filter.as_deref(), Some("gil"));
                assert_eq!(options.timeout, Duration::from_secs(5));
                assert_eq!(options.python, "python3");
                assert!(!options.overwrite);
            }
            other => panic!("{other:?}"),
        }
        match parse(["bridge"], true).unwrap() {
            Task::Bridge(options) => {
                assert!(options.overwrite);
                assert_eq!(options.timeout, limits::LESSON);
            }
            other => panic!("{other:?}"),
        }
        assert!(parse(["bridge", "a", "b"], false).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn an_argument_that_is_not_utf8_is_refused() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![0x62, 0xff]);
        let args = vec![OsString::from("check-all"), bad];
        assert!(parse(args, false).is_err());
    }
}
