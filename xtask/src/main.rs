//! `cargo xtask <command>`; see `cargo xtask help`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use xtask::bless::{Blessed, bless};
use xtask::check::{self, Plan, Report};
use xtask::workspace::Workspace;
use xtask::{Clock, Error};

const HELP: &str = "\
Usage: cargo xtask <COMMAND>

Commands:
  check-all [FILTER] [--real] [--jobs N] [--timeout SECS]
      Build every section once, run each example in its own process on the
      virtual clock (the real one with --real), and compare its stdout with
      tests/golden/<section>/<example>.stdout. FILTER is a section's name, or
      any part of `section/example`; only the sections it can match are built.
      With SNAPSHOTS=overwrite, blesses instead.
  bless [FILTER] [--real] [--jobs N] [--timeout SECS]
      Run the examples and write what they print as their golden files.
      An example that fails, panics or times out is refused and left alone.
  list
      List every section and its examples.
  docs [--check | --build]
      Regenerate the book's generated pages in docs/src from the examples,
      their golden files and docs/seed-map.tsv. --check changes nothing and
      fails if a generated page is missing or stale, a link in a hand-written
      page leads nowhere, or the cheat sheet misses an asyncio API. --build
      also runs `mdbook build docs` (install it with `cargo install mdbook`).
  bench [WORKLOAD] [--runs N] [--save]
      Build the Rust workloads in release mode and time each one against the
      same workload in Python's asyncio (and uvloop, if installed), N runs
      each (default 5), alternating. WORKLOAD is one of spawn, queue,
      semaphore, sleep, http. --save writes the tables to bench/RESULTS.md.
  help
      Print this help.

Defaults: --jobs is the number of CPUs (four times that with --real, where
examples mostly sleep); --timeout is 60 seconds per example.
";

/// Bad command line: the same exit code as the section runner uses.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("check-all") => parse(&args[1..]).map(|options| {
            if std::env::var("SNAPSHOTS").is_ok_and(|value| value == "overwrite") {
                bless_all(&options)
            } else {
                check_all(&options)
            }
        }),
        Some("bless") => parse(&args[1..]).map(|options| bless_all(&options)),
        Some("list") if args.len() == 1 => Ok(list()),
        Some("docs") => match args.get(1..).unwrap_or_default() {
            [] => Ok(docs(DocsMode::Write)),
            [flag] if flag == "--check" => Ok(docs(DocsMode::Check)),
            [flag] if flag == "--build" => Ok(docs(DocsMode::Build)),
            other => Err(format!(
                "`docs` takes --check or --build, not `{}`",
                other.join(" ")
            )),
        },
        Some("bench") => parse_bench(&args[1..]).map(|(options, save)| bench(&options, save)),
        Some("help" | "--help" | "-h") => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command or argument `{other}`")),
        None => Err("no command given".to_owned()),
    };
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
        Err(usage) => {
            eprintln!("error: {usage}\n\n{HELP}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Options shared by `check-all` and `bless`.
struct Options {
    filter: Option<String>,
    clock: Clock,
    jobs: usize,
    timeout: Duration,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut filter = None;
    let mut clock = Clock::Virtual;
    let mut jobs = None;
    let mut timeout = Duration::from_secs(60);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--real" => clock = Clock::Real,
            "--jobs" => jobs = Some(count(&mut args, "--jobs")?),
            "--timeout" => {
                let value = args.next().ok_or("`--timeout` needs a number of seconds")?;
                let seconds = value
                    .parse::<f64>()
                    .ok()
                    .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
                    .ok_or(format!(
                        "`--timeout {value}`: expected a positive number of seconds"
                    ))?;
                timeout = Duration::from_secs_f64(seconds);
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            _ if filter.is_some() => {
                return Err(format!("only one FILTER is allowed, got a second: `{arg}`"));
            }
            _ => filter = Some(arg.clone()),
        }
    }
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    let jobs = jobs.unwrap_or(match clock {
        Clock::Virtual => cpus,
        Clock::Real => cpus * 4,
    });
    Ok(Options {
        filter,
        clock,
        jobs,
        timeout,
    })
}

/// Builds the sections and lists what to run, refusing a filter that
/// matches nothing (a typo should not pass as "0 passed, 0 failed").
fn prepare(options: &Options) -> Result<(Workspace, Plan), Error> {
    let workspace = Workspace::locate();
    let filter = options.filter.as_deref();
    let sections = workspace.build_for(filter)?;
    let all_sections = workspace.section_names()?;
    let plan = check::plan(&sections, &all_sections, &workspace.golden_root(), filter)?;
    if plan.cases.is_empty() && plan.orphans.is_empty() {
        let filter = options.filter.as_deref().unwrap_or("");
        return Err(
            format!("no example matches `{filter}`; `cargo xtask list` shows them all").into(),
        );
    }
    Ok((workspace, plan))
}

fn run(
    workspace: &Workspace,
    plan: Plan,
    options: &Options,
    progress: impl Fn(&Report) + Sync,
) -> (Vec<Report>, Vec<std::path::PathBuf>) {
    let golden_root = workspace.golden_root();
    let count = plan.cases.len();
    eprintln!(
        "running {count} example{} on the {} clock, {} at a time",
        if count == 1 { "" } else { "s" },
        options.clock.as_arg(),
        options.jobs.min(count.max(1))
    );
    let reports = check::parallel(
        plan.cases,
        options.jobs,
        |case| check::check(case, options.clock, options.timeout, &golden_root),
        progress,
    );
    (reports, plan.orphans)
}

fn check_all(options: &Options) -> Result<ExitCode, Error> {
    let (workspace, plan) = prepare(options)?;
    let started = Instant::now();
    let (reports, orphans) = run(&workspace, plan, options, |report| {
        println!("{}", report.summary())
    });
    let failures: Vec<String> = reports
        .iter()
        .filter(|report| !report.passed())
        .map(Report::details)
        .chain(
            orphans
                .iter()
                .map(|orphan| check::orphan_details(orphan, &workspace.golden_root())),
        )
        .collect();
    let failed = failures.len();
    if failed > 0 {
        println!("\nfailures:");
        for failure in &failures {
            println!("\n{}", failure.trim_end());
        }
        println!();
    }
    let passed = reports.len() + orphans.len() - failed;
    eprintln!("finished in {:.1}s", started.elapsed().as_secs_f64());
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn bless_all(options: &Options) -> Result<ExitCode, Error> {
    let (workspace, plan) = prepare(options)?;
    // Whether the output matches the old golden file does not matter here;
    // only whether the example ran cleanly.
    let (reports, orphans) = run(&workspace, plan, options, |report| {
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
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn list() -> Result<ExitCode, Error> {
    for section in Workspace::locate().build_all()? {
        let examples = section.list()?;
        let width = examples
            .iter()
            .map(|(name, _)| name.len())
            .max()
            .unwrap_or(0);
        println!("{}", section.name);
        for (name, summary) in examples {
            println!("  {name:width$}  {summary}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

enum DocsMode {
    Write,
    Check,
    Build,
}

fn docs(mode: DocsMode) -> Result<ExitCode, Error> {
    let workspace = Workspace::locate();
    let book = xtask::docs::generate(&workspace)?;
    if let DocsMode::Check = mode {
        let problems = xtask::docs::check(&workspace, &book)?;
        for problem in &problems {
            println!("{problem}");
        }
        if problems.is_empty() {
            println!("docs: {} generated pages up to date", book.files.len());
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "docs: {} problems; `cargo xtask docs` regenerates the generated pages",
            problems.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    for path in xtask::docs::write(&workspace, &book)? {
        println!("wrote docs/src/{}", path.display());
    }
    if let DocsMode::Build = mode {
        let status = std::process::Command::new("mdbook")
            .arg("build")
            .arg(workspace.root().join("docs"))
            .status()
            .map_err(|error| {
                format!("cannot run mdbook ({error}); install it with `cargo install mdbook`")
            })?;
        if !status.success() {
            return Err(format!("`mdbook build docs` failed ({status})").into());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The positive whole number that follows `flag`.
fn count<'a>(args: &mut impl Iterator<Item = &'a String>, flag: &str) -> Result<usize, String> {
    let value = args.next().ok_or(format!("`{flag}` needs a number"))?;
    value
        .parse()
        .ok()
        .filter(|&count| count > 0)
        .ok_or(format!("`{flag} {value}`: expected a positive number"))
}

fn parse_bench(args: &[String]) -> Result<(xtask::bench::Options, bool), String> {
    let mut workload = None;
    let mut runs = 5;
    let mut save = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--save" => save = true,
            "--runs" => runs = count(&mut args, "--runs")?,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            _ if workload.is_some() => {
                return Err(format!(
                    "only one WORKLOAD is allowed, got a second: `{arg}`"
                ));
            }
            _ => workload = Some(arg.clone()),
        }
    }
    Ok((xtask::bench::Options { workload, runs }, save))
}

fn bench(options: &xtask::bench::Options, save: bool) -> Result<ExitCode, Error> {
    let workspace = Workspace::locate();
    let started = Instant::now();
    let results = xtask::bench::run(&workspace, options)?;
    let tables = xtask::bench::report(&results, options.runs);
    let machine = xtask::bench::machine();
    println!("{tables}Machine:\n{machine}");
    eprintln!("bench finished in {:.0}s", started.elapsed().as_secs_f64());
    if save {
        let page = xtask::bench::results_page(&workspace);
        std::fs::write(&page, xtask::bench::results_markdown(&tables, &machine))?;
        println!("wrote {}", page.display());
    }
    Ok(ExitCode::SUCCESS)
}
