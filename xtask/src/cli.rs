//! `cargo xtask`'s command line, parsed with `lexopt` like every other
//! binary of the workspace.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use runner::protocol::{Clock, Flavor, Named, parse_base_url};

use crate::bench;
use crate::docs::DocsMode;
use crate::export::verify;

/// What a usage error ends with.
pub const HINT: &str = "`cargo xtask help` lists the commands and their options.";

pub const HELP: &str = "\
Usage: cargo xtask <COMMAND>

Commands:
  check-all [FILTER] [--real] [--jobs N] [--timeout SECS]
      Build every section once, run each example in its own process on the
      virtual clock (the real one with --real), and compare its stdout with
      tests/golden/<section>/<example>.stdout; on the virtual clock, also its
      timeline with <example>.timeline where there is one. FILTER is a
      section's name, or any part of `section/example`; only the sections it
      can match are built.
      With SNAPSHOTS=overwrite, it is `bless`, with every refusal of bless.
  check-all --base-url URL [FILTER] [--jobs N] [--timeout SECS]
      Run every HTTP example against the httpbin-compatible server at URL, on
      the real clock, and check that each succeeds and prints something. The
      golden files are not compared: another server's bodies differ.
  check-all --stall [FILTER] [--jobs N] [--timeout SECS]
      Run every HTTP example against a server that accepts connections and
      never answers, on the real clock. Each must end with an error it
      prints (exit code 1), within the time limits its own code sets:
      --timeout is 30 seconds here, and an example still waiting then is
      killed and fails.
  check-all --flavor multi_thread [FILTER] [--jobs N] [--timeout SECS]
      Run every example on the multi-thread runtime that plain #[tokio::main]
      starts, on the real clock, and check that each succeeds and prints
      something. Lines may come out in another order there, so the golden
      files are not compared. The examples that build their own runtime run
      on that one.
  cancel-sweep [FILTER] [--jobs N] [--timeout SECS]
      On the paused clock, run each example again and again, dropping its
      run() future after its 1st, 2nd, ... poll, until a run completes. After
      each cut, fail on a panic, a task still running 60s (virtual) later, a
      spawn_blocking job still running 5s (real) later, or a file descriptor,
      thread or temporary file left behind. Each example gets a TMPDIR of
      its own. The examples that build their own runtime are skipped.
  bless [FILTER] [--real] [--jobs N] [--timeout SECS]
      Run the examples and write what they print as their golden files (and
      their timelines, for the examples with a .timeline golden file).
      An example that fails, panics or times out is refused and left alone.
  twins [FILTER] [--python PATH] [--jobs N] [--timeout SECS]
      Run the asyncio twin of each example, crates/<section>/python/<example>.py,
      with Python (python3 unless --python says which), and compare what it
      prints with the example's golden file, after one normalisation: ' is \",
      ( ) are [ ], True/False are true/false. HTTP twins get the local httpbin's
      URL as their first argument.
  new <SECTION> <EXAMPLE>
      Start a new example: write crates/<SECTION>/src/<EXAMPLE>.rs from a
      template, add it to the section's main.rs, run it and bless its golden
      file. Then edit it, and bless again.
  export <SECTION>/<EXAMPLE> [DIR]
      Write the example as a Cargo project of its own in DIR (default
      ./<EXAMPLE>, which must be new or empty): Cargo.toml with exactly the
      crates and features its file names, the file itself, a main.rs that
      runs it on a current-thread runtime, a README and the workspace's
      Cargo.lock. An HTTP example takes its server's base URL as argument.
  export --check-all [FILTER] [--jobs N] [--timeout SECS]
      Export every example into one throwaway workspace outside the
      repository, build them all (into target/export-check), run each on the
      real clock (HTTP ones against the workspace's httpbin) and compare its
      output with its golden file; run the tests of those that have some.
  list
      List every section and its examples.
  docs [--check | --build]
      Regenerate the book's generated pages in docs/src from the examples,
      their golden files and docs/seed-map.tsv. --check changes nothing and
      fails if a generated page is missing or stale, a link or an include in
      the book leads nowhere, or the cheat sheet misses an asyncio API.
      --build also runs `mdbook build docs` (install it with `cargo install mdbook`).
  bench [WORKLOAD] [--runs N] [--save]
      Build the Rust workloads in release mode and time each one against the
      same workload in Python's asyncio (and uvloop, if installed), N runs
      each (default 5), alternating. WORKLOAD is one of spawn, queue,
      semaphore, sleep, http. --save writes the tables to bench/RESULTS.md.
  help
      Print this help.

Defaults: --jobs is the number of CPUs (four times that with --real,
--base-url, --flavor, twins or export --check-all, where examples mostly
wait); --timeout is 60 seconds per example (120 for twins, 300 for
cancel-sweep).
";

/// What to run.
#[derive(Debug, PartialEq)]
pub enum Task {
    Check(CheckOptions),
    Twins(crate::twins::Options),
    Sweep(crate::sweep::Options),
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
    ExportCheck(verify::Options),
    List,
    Docs(DocsMode),
    Bench {
        options: bench::Options,
        save: bool,
    },
    Help,
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

/// Parses the arguments that follow `cargo xtask`. `overwrite` is
/// `SNAPSHOTS=overwrite`, which makes `check-all` a `bless`, with every
/// refusal of `bless`.
pub fn parse(
    args: impl IntoIterator<Item = impl Into<OsString>>,
    overwrite: bool,
) -> Result<Task, String> {
    use lexopt::prelude::*;

    let mut parser = lexopt::Parser::from_args(args);
    let command = match parser.next().map_err(message)? {
        Some(Value(command)) => command.string().map_err(message)?,
        Some(Short('h') | Long("help")) => return Ok(Task::Help),
        Some(other) => return Err(message(other.unexpected())),
        None => return Err("no command given".to_owned()),
    };
    let task = match command.as_str() {
        "check-all" | "bless" => {
            let blesses = command == "bless" || overwrite;
            let options = parse_check(&mut parser, &command, blesses)?;
            if blesses {
                if options.base_url.is_some() {
                    return Err(bless_refuses(
                        &command,
                        "`--base-url`: an outside server's bodies are not golden",
                    ));
                }
                Task::Bless(options)
            } else {
                Task::Check(options)
            }
        }
        "twins" => {
            let mut filter = None;
            let mut python = "python3".to_owned();
            let mut jobs = None;
            let mut timeout = crate::limits::TWIN;
            while let Some(arg) = parser.next().map_err(message)? {
                match arg {
                    Long("python") => {
                        python = parser.value().map_err(message)?.string().map_err(message)?;
                    }
                    Long("jobs") => jobs = Some(count(&mut parser, "--jobs")?),
                    Long("timeout") => timeout = seconds(&mut parser)?,
                    Value(value) if filter.is_none() => {
                        filter = Some(value.string().map_err(message)?);
                    }
                    other => return Err(unexpected(other, &command)),
                }
            }
            let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
            Task::Twins(crate::twins::Options {
                filter,
                jobs: jobs.unwrap_or(cpus * 4),
                python,
                timeout,
            })
        }
        "cancel-sweep" => {
            let mut filter = None;
            let mut jobs = None;
            let mut timeout = crate::limits::SWEEP;
            while let Some(arg) = parser.next().map_err(message)? {
                match arg {
                    Long("jobs") => jobs = Some(count(&mut parser, "--jobs")?),
                    Long("timeout") => timeout = seconds(&mut parser)?,
                    Value(value) if filter.is_none() => {
                        filter = Some(value.string().map_err(message)?);
                    }
                    other => return Err(unexpected(other, &command)),
                }
            }
            // Most of a sweep is examples waiting out blocking jobs in
            // real time, not computing.
            let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
            Task::Sweep(crate::sweep::Options {
                filter,
                jobs: jobs.unwrap_or(cpus * 2),
                timeout,
            })
        }
        "new" => {
            let section = positional(&mut parser, &command, "SECTION")?;
            let example = positional(&mut parser, &command, "EXAMPLE")?;
            no_more(&mut parser, &command)?;
            Task::New { section, example }
        }
        "export" => parse_export(&mut parser)?,
        "list" => {
            no_more(&mut parser, &command)?;
            Task::List
        }
        "docs" => {
            let mut mode = DocsMode::Write;
            while let Some(arg) = parser.next().map_err(message)? {
                mode = match arg {
                    Long("check") if mode == DocsMode::Write => DocsMode::Check,
                    Long("build") if mode == DocsMode::Write => DocsMode::Build,
                    Long("check" | "build") => {
                        return Err("`docs` takes one of --check and --build".to_owned());
                    }
                    other => return Err(unexpected(other, &command)),
                };
            }
            Task::Docs(mode)
        }
        "bench" => {
            let mut workload = None;
            let mut runs = 5;
            let mut save = false;
            while let Some(arg) = parser.next().map_err(message)? {
                match arg {
                    Long("save") => save = true,
                    Long("runs") => runs = count(&mut parser, "--runs")?,
                    Value(value) if workload.is_none() => {
                        let value = value.string().map_err(message)?;
                        if !bench::WORKLOADS.iter().any(|known| known.name == value) {
                            let names: Vec<&str> =
                                bench::WORKLOADS.iter().map(|known| known.name).collect();
                            return Err(format!(
                                "unknown workload `{value}`; expected one of {}",
                                names.join(", ")
                            ));
                        }
                        workload = Some(value);
                    }
                    other => return Err(unexpected(other, &command)),
                }
            }
            Task::Bench {
                options: bench::Options { workload, runs },
                save,
            }
        }
        "help" => {
            no_more(&mut parser, &command)?;
            Task::Help
        }
        other => return Err(format!("unknown command `{other}`")),
    };
    Ok(task)
}

/// Why `bless` refuses an option, said for `command`: `check-all` blesses
/// only under `SNAPSHOTS=overwrite`.
fn bless_refuses(command: &str, what: &str) -> String {
    if command == "bless" {
        format!("`bless` takes no {what}")
    } else {
        format!(
            "SNAPSHOTS=overwrite makes `{command}` a `bless`, and `bless` takes no {what}; \
             unset SNAPSHOTS to check"
        )
    }
}

fn parse_check(
    parser: &mut lexopt::Parser,
    command: &str,
    blesses: bool,
) -> Result<CheckOptions, String> {
    use lexopt::prelude::*;

    let mut filter = None;
    let mut clock = Clock::Virtual;
    let mut base_url = None;
    let mut flavor = Flavor::CurrentThread;
    let mut stall = false;
    let mut jobs = None;
    let mut timeout = None;
    while let Some(arg) = parser.next().map_err(message)? {
        match arg {
            Long("real") => clock = Clock::Real,
            Long("base-url") => {
                let url = parser.value().map_err(message)?.string().map_err(message)?;
                base_url = Some(parse_base_url(&url).map_err(|error| error.to_string())?);
            }
            Long("flavor") => {
                let value = parser.value().map_err(message)?.string().map_err(message)?;
                flavor = Flavor::parse(&value).map_err(|error| error.to_string())?;
            }
            Long("stall") => stall = true,
            Long("jobs") => jobs = Some(count(parser, "--jobs")?),
            Long("timeout") => timeout = Some(seconds(parser)?),
            Value(value) if filter.is_none() => filter = Some(value.string().map_err(message)?),
            Value(value) => {
                return Err(format!(
                    "`{command}` takes one FILTER, got a second: `{}`",
                    value.to_string_lossy()
                ));
            }
            other => return Err(unexpected(other, command)),
        }
    }
    if base_url.is_some() && flavor == Flavor::MultiThread {
        return Err(
            "`--base-url` and `--flavor multi_thread` are two checks; run them one at a time"
                .to_owned(),
        );
    }
    if stall && blesses {
        return Err(bless_refuses(
            command,
            "`--stall`: nothing is blessed from a server that never answers",
        ));
    }
    if stall && (base_url.is_some() || flavor == Flavor::MultiThread) {
        return Err(format!(
            "`{command} --stall` is a check of its own: it takes no `--base-url` or `--flavor`"
        ));
    }
    if blesses && flavor == Flavor::MultiThread {
        return Err(bless_refuses(
            command,
            "`--flavor`: the golden files are the current-thread runtime's output",
        ));
    }
    let golden = base_url.is_none() && flavor == Flavor::CurrentThread && !stall;
    let waits = clock == Clock::Real || !golden;
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    Ok(CheckOptions {
        filter,
        clock: if golden { clock } else { Clock::Real },
        base_url,
        flavor,
        stall,
        jobs: jobs.unwrap_or(if waits { cpus * 4 } else { cpus }),
        timeout: timeout.unwrap_or(if stall {
            crate::limits::STALL
        } else {
            crate::limits::EXAMPLE
        }),
    })
}

/// `export SECTION/EXAMPLE [DIR]` or `export --check-all [FILTER] [--jobs N] [--timeout SECS]`.
fn parse_export(parser: &mut lexopt::Parser) -> Result<Task, String> {
    use lexopt::prelude::*;

    let mut check_all = false;
    let mut values: Vec<OsString> = Vec::new();
    let mut jobs = None;
    let mut timeout = None;
    while let Some(arg) = parser.next().map_err(message)? {
        match arg {
            Long("check-all") => check_all = true,
            Long("jobs") => jobs = Some(count(parser, "--jobs")?),
            Long("timeout") => timeout = Some(seconds(parser)?),
            Value(value) => values.push(value),
            other => return Err(unexpected(other, "export")),
        }
    }
    if check_all {
        let mut values = values.into_iter();
        let filter = values
            .next()
            .map(|value| {
                value
                    .into_string()
                    .map_err(|value| format!("FILTER {value:?} is not UTF-8"))
            })
            .transpose()?;
        if let Some(extra) = values.next() {
            return Err(format!(
                "`export --check-all` takes one FILTER, got a second: `{}`",
                extra.to_string_lossy()
            ));
        }
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        return Ok(Task::ExportCheck(verify::Options {
            filter,
            jobs: jobs.unwrap_or(cpus * 4),
            timeout: timeout.unwrap_or(crate::limits::EXAMPLE),
        }));
    }
    if jobs.is_some() || timeout.is_some() {
        return Err("`--jobs` and `--timeout` go with `export --check-all`".to_owned());
    }
    let mut values = values.into_iter();
    let example = values
        .next()
        .ok_or("`export` needs SECTION/EXAMPLE, or --check-all")?
        .into_string()
        .map_err(|value| format!("SECTION/EXAMPLE {value:?} is not UTF-8"))?;
    match example.split_once('/') {
        Some((section, name)) if !section.is_empty() && !name.is_empty() && !name.contains('/') => {
        }
        _ => {
            return Err(format!(
                "`export {example}`: expected SECTION/EXAMPLE, such as basics/spawn_tasks"
            ));
        }
    }
    let dir = values.next().map(PathBuf::from);
    if let Some(extra) = values.next() {
        return Err(format!(
            "`export` takes SECTION/EXAMPLE and DIR, got a third: `{}`",
            extra.to_string_lossy()
        ));
    }
    Ok(Task::Export { example, dir })
}

/// The value of `--timeout`: a number of seconds, more than 0 and at most
/// a day ([`crate::limits::MAX_TIMEOUT`]).
fn seconds(parser: &mut lexopt::Parser) -> Result<Duration, String> {
    use lexopt::prelude::*;
    let value = parser.value().map_err(message)?.string().map_err(message)?;
    value
        .parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .filter(|timeout| !timeout.is_zero() && *timeout <= crate::limits::MAX_TIMEOUT)
        .ok_or(format!(
            "`--timeout {value}`: expected a number of seconds, more than 0 and at most {}",
            crate::limits::MAX_TIMEOUT.as_secs()
        ))
}

/// A positive whole number, the value of `flag`.
fn count(parser: &mut lexopt::Parser, flag: &str) -> Result<usize, String> {
    use lexopt::prelude::*;
    let value = parser.value().map_err(message)?.string().map_err(message)?;
    value
        .parse()
        .ok()
        .filter(|&count| count > 0 && count <= 10_000)
        .ok_or(format!(
            "`{flag} {value}`: expected a whole number from 1 to 10000"
        ))
}

fn positional(parser: &mut lexopt::Parser, command: &str, what: &str) -> Result<String, String> {
    use lexopt::prelude::*;
    match parser.next().map_err(message)? {
        Some(Value(value)) => value.string().map_err(message),
        Some(other) => Err(unexpected(other, command)),
        None => Err(format!("`{command}` needs {what}")),
    }
}

fn no_more(parser: &mut lexopt::Parser, command: &str) -> Result<(), String> {
    match parser.next().map_err(message)? {
        Some(arg) => Err(unexpected(arg, command)),
        None => Ok(()),
    }
}

/// An argument `command` does not take, named in the message.
fn unexpected(arg: lexopt::Arg<'_>, command: &str) -> String {
    use lexopt::prelude::*;
    match arg {
        Long(option) => format!("`{command}` has no option `--{option}`"),
        Short(option) => format!("`{command}` has no option `-{option}`"),
        Value(value) => format!(
            "`{command}` takes no argument `{}`",
            value.to_string_lossy()
        ),
    }
}

fn message(error: lexopt::Error) -> String {
    error.to_string()
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
            let mut bless = vec!["bless"];
            bless.extend(&args[1..]);
            let error = parse(bless, false).unwrap_err();
            assert!(error.starts_with("`bless` takes no"), "{args:?}: {error}");
        }
    }

    #[test]
    fn an_unexpected_argument_names_its_command() {
        assert_eq!(
            parse(["list", "foo"], false).unwrap_err(),
            "`list` takes no argument `foo`"
        );
        assert_eq!(
            parse(["check-all", "--verbose"], false).unwrap_err(),
            "`check-all` has no option `--verbose`"
        );
        assert_eq!(
            parse(["check-all", "a", "b"], false).unwrap_err(),
            "`check-all` takes one FILTER, got a second: `b`"
        );
        assert_eq!(
            parse(["frobnicate"], false).unwrap_err(),
            "unknown command `frobnicate`"
        );
        assert!(parse(["docs", "--check", "--build"], false).is_err());
        assert!(
            parse(["bench", "nope"], false)
                .unwrap_err()
                .contains("unknown workload")
        );
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
        match parse(
            ["export", "--check-all", "real-world", "--jobs", "3"],
            false,
        )
        .unwrap()
        {
            Task::ExportCheck(options) => {
                assert_eq!(options.filter.as_deref(), Some("real-world"));
                assert_eq!(options.jobs, 3);
            }
            other => panic!("{other:?}"),
        }
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
        assert!(parse(["export", "--check-all", "a", "b"], false).is_err());
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
