//! What `cargo xtask --help` shows: every command's flags, declared once;
//! clap derives the parser and the help.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::NonEmptyStringValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use protocol::{MAX_SECONDS, MIN_SECONDS, seconds_arg};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The project's own tooling: the examples' golden files, their asyncio twins and \
             exports, and the book.",
    after_help = "Exit codes: 0 success, 1 a check failed, 2 a usage mistake, 130 interrupted."
)]
pub struct Xtask {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run each example in its own process and compare its output with its golden files.
    CheckAll(Check),
    /// Write what each example prints on the virtual clock as its golden files; a run that
    /// fails is never blessed.
    Bless(TimedExamples),
    /// Run each example's asyncio twin (crates/SECTION/python/EXAMPLE.py) and compare it
    /// with the example's golden file.
    Twins(Twins),
    /// Cancel each example at every point where it is pending, on the paused clock, and fail
    /// on anything a cancellation leaves behind.
    CancelSweep(Timed<300>),
    /// Write an example as a Cargo project of its own; --check-all proves every example is one.
    Export(Export),
    /// List every section and its examples, then the bridge's lessons.
    List,
    /// Regenerate the book's generated pages in docs/src.
    Docs(Docs),
    /// mdBook's preprocessor `charts` (docs/book.toml): draws each chart inline.
    BookCharts {
        #[arg(hide = true)]
        supports: Option<String>,
        #[arg(hide = true)]
        renderer: Option<String>,
    },
    /// Time the same workloads in Tokio (release build) and in Python's asyncio.
    Bench(Bench),
    /// Build the bridge's Python extension module and run each of its lessons against its
    /// golden file.
    Bridge(Bridge),
}

/// Which examples a command runs, and how many at once.
#[derive(Clone, Debug, Args)]
pub struct Selected {
    /// SECTION, SECTION/PART or PART: a section's examples, or those whose name contains PART
    /// [default: every example].
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub filter: Option<String>,
    /// How many run at once [default: 8 per CPU].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub jobs: Option<u16>,
}

/// Selected examples, each with a time limit of `SECS` seconds by default.
#[derive(Clone, Debug, Args)]
pub struct Timed<const SECS: u64> {
    #[command(flatten)]
    pub selected: Selected,
    /// Seconds one may run before it is killed and fails [default: 60; --stall 30, twins 120, a sweep 300].
    #[arg(long, value_parser = seconds)]
    pub timeout: Option<Duration>,
}

/// Selected examples, with the time limit of one example's run.
pub type TimedExamples = Timed<{ crate::limits::EXAMPLE.as_secs() }>;

impl<const SECS: u64> Timed<SECS> {
    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(Duration::from_secs(SECS))
    }
}

impl Selected {
    pub fn jobs(&self) -> usize {
        self.jobs.map_or_else(
            || 8 * std::thread::available_parallelism().map_or(1, usize::from),
            usize::from,
        )
    }
}

#[derive(Clone, Debug, Args)]
pub struct Check {
    #[command(flatten)]
    pub timed: TimedExamples,
    /// On the real clock: the same lines in the same order, times aside.
    #[arg(long, group = "mode")]
    pub real: bool,
    /// On the multi-thread runtime: each example must succeed and print something.
    #[arg(long, group = "mode", value_enum)]
    pub flavor: Option<CheckFlavor>,
    /// Against the httpbin at URL: each HTTP example must succeed and print something.
    #[arg(long, group = "mode", value_name = "URL")]
    pub base_url: Option<String>,
    /// Against a server that never answers: each HTTP example must give up with an error.
    #[arg(long, group = "mode")]
    pub stall: bool,
}

/// The runtime `check-all --flavor` checks on, named as the runner's
/// `--flavor` names it. The current-thread runtime has no value: it is
/// where every other mode runs, and the virtual clock's golden check,
/// the only one that may bless, is that mode without a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum CheckFlavor {
    MultiThread,
}

#[derive(Clone, Debug, Args)]
pub struct Twins {
    #[command(flatten)]
    pub timed: Timed<120>,
    /// The Python that runs them, with aiohttp and looptime (.ci/twins-requirements.txt).
    #[arg(long, default_value = "python3")]
    pub python: PathBuf,
}

#[derive(Clone, Debug, Args)]
pub struct Export {
    /// SECTION/EXAMPLE to export; with --check-all, a FILTER.
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub what: Option<String>,
    /// Where to write it, a new or empty directory [default: ./EXAMPLE].
    pub dir: Option<PathBuf>,
    /// Export every selected example as a project of its own and `cargo check` each.
    #[arg(long, conflicts_with = "dir")]
    pub check_all: bool,
}

#[derive(Clone, Copy, Debug, Args)]
pub struct Docs {
    /// Change nothing; fail on anything stale or broken.
    #[arg(long, conflicts_with = "build")]
    check: bool,
    /// Only what needs no build, in seconds: the pages no run of an example makes (templates,
    /// topics, guides) and the README's quotes; with --check, those and the names, quotes and
    /// headers.
    #[arg(long, conflicts_with = "build")]
    text: bool,
    /// Also build the book into docs/book with mdBook (tests/browser checks it).
    #[arg(long)]
    build: bool,
}

/// What `cargo xtask docs` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocsMode {
    /// Writes the generated pages.
    Write,
    /// `--check`: writes nothing, and fails on what is stale or broken.
    Check,
    /// `--check --text`: the same for the checks that need no build.
    CheckText,
    /// `--text`: writes the generated pages that need no build, and the README's quotes.
    WriteText,
    /// `--build`: writes the generated pages, then builds the book.
    Build,
}

impl Docs {
    /// The one mode its flags ask for (clap refuses both at once).
    pub fn mode(self) -> DocsMode {
        if self.text && self.check {
            DocsMode::CheckText
        } else if self.text {
            DocsMode::WriteText
        } else if self.check {
            DocsMode::Check
        } else if self.build {
            DocsMode::Build
        } else {
            DocsMode::Write
        }
    }
}

/// A workload of `cargo xtask bench`, as it is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WorkloadName {
    Spawn,
    Queue,
    Semaphore,
    Sleep,
    Http,
    SharedMap,
    /// Not against Python: what the task-dump tracker costs a program,
    /// beside console-subscriber (bench/tracker); run only when named.
    Tracker,
    /// Not against Python: CPU work inline, on `spawn_blocking` (capped or
    /// not), `block_in_place` or rayon, beside a heartbeat; run only when named.
    CpuBound,
}

#[derive(Clone, Debug, Args)]
pub struct Bench {
    /// One workload [default: all of them].
    #[arg(value_enum)]
    pub workload: Option<WorkloadName>,
    /// Runs of each, alternating.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub runs: u16,
    /// Write the tables to bench/RESULTS.md, where one workload's replaces only its own (`tracker`: bench/tracker/RESULTS.md; `cpu-bound`: bench/cpu-bound.md).
    #[arg(long)]
    pub save: bool,
    /// `tracker` only: a debug build's rows too, on the current-thread runtime.
    #[arg(long)]
    pub debug: bool,
}

#[derive(Clone, Debug, Args)]
pub struct Bridge {
    /// `bridge`, `bridge/PART` or PART: the lessons whose name contains PART [default: every
    /// lesson].
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub filter: Option<String>,
    /// The Python to make target/bridge-venv with: 3.11 or later; another makes it anew.
    #[arg(long, default_value = "python3")]
    pub python: PathBuf,
    /// Seconds one lesson may run before it is killed and fails.
    #[arg(long, default_value = "60", value_parser = seconds)]
    pub timeout: Duration,
}

/// A time limit, as the runner's `--timeout` takes it
/// ([`protocol::parse_seconds`]), but for 0, the runner's "no time limit":
/// every run xtask starts has one.
fn seconds(text: &str) -> Result<Duration, String> {
    let (min, max) = (MIN_SECONDS, MAX_SECONDS);
    let expected = format!(
        "expected a number of seconds, such as 1.5, from {} to {}",
        seconds_arg(min),
        seconds_arg(max)
    );
    match protocol::parse_seconds(text) {
        Ok(Duration::ZERO) => Err(format!("{expected}; 0 would be no time limit")),
        Ok(seconds) => Ok(seconds),
        Err(_) => Err(expected),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::{CommandFactory, Parser};

    #[test]
    fn the_flags_are_consistent() {
        super::Xtask::command().debug_assert();
    }

    /// `check-all --flavor current_thread` was the virtual clock's check
    /// under another name, which `SNAPSHOTS=overwrite` blessed from.
    #[test]
    fn the_only_flavor_check_all_takes_is_multi_thread() {
        let parse =
            |flavor| super::Xtask::try_parse_from(["xtask", "check-all", "--flavor", flavor]);
        let error = parse("current_thread").expect_err("refused");
        assert_eq!(error.kind(), clap::error::ErrorKind::InvalidValue);
        let parsed = parse("multi_thread").expect("parsed");
        let super::Command::CheckAll(check) = parsed.command else {
            panic!("not check-all");
        };
        assert_eq!(check.flavor, Some(super::CheckFlavor::MultiThread));
    }

    #[test]
    fn docs_runs_in_one_mode_of_three() {
        let mode = |args: &[&str]| {
            let xtask = super::Xtask::try_parse_from([&["xtask", "docs"], args].concat());
            let super::Command::Docs(docs) = xtask.expect("parsed").command else {
                panic!("not docs");
            };
            docs.mode()
        };
        assert_eq!(mode(&[]), super::DocsMode::Write);
        assert_eq!(mode(&["--check"]), super::DocsMode::Check);
        assert_eq!(mode(&["--build"]), super::DocsMode::Build);
    }

    /// A time limit is the runner's `--timeout` value, but for 0.
    #[test]
    fn a_time_limit_is_a_runners_timeout_but_not_0() {
        assert_eq!(super::seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(super::seconds("86400"), Ok(protocol::MAX_SECONDS));
        for bad in ["0", "86401", "0.0001", "soon"] {
            assert!(super::seconds(bad).is_err(), "{bad}");
        }
        assert!(
            super::seconds("0")
                .unwrap_err()
                .ends_with("from 0.001 to 86400; 0 would be no time limit")
        );
    }

    /// `bless ""` would select every example, as no FILTER does: an empty
    /// value of any command's argument is a usage mistake.
    #[test]
    fn an_empty_argument_is_a_usage_mistake() {
        let xtask = super::Xtask::command();
        let mut checked = 0;
        for command in xtask.get_subcommands() {
            for arg in command.get_positionals().filter(|arg| !arg.is_hide_set()) {
                let name = command.get_name();
                // Every positional before this one given a value, this one empty.
                let mut args = vec!["xtask", name];
                for before in command.get_positionals() {
                    if before.get_id() == arg.get_id() {
                        break;
                    }
                    args.push("x");
                }
                args.push("");
                let error = super::Xtask::try_parse_from(&args)
                    .err()
                    .unwrap_or_else(|| panic!("{args:?} parsed"));
                assert_eq!(
                    error.kind(),
                    clap::error::ErrorKind::InvalidValue,
                    "{args:?}"
                );
                assert_eq!(error.exit_code(), 2, "{args:?}");
                checked += 1;
            }
        }
        // check-all, bless, twins, cancel-sweep, export (2), bench, bridge.
        assert_eq!(checked, 8);
    }
}
