//! `cargo xtask bench`: the same async workloads in Tokio and in Python's
//! asyncio (and uvloop, when installed), run alternately and timed inside
//! each process, start-up excluded.
//!
//! The workloads are `bench/src/main.rs` and `bench/python/workloads.py`.
//! Each run prints `elapsed_ns=.. ops=.. max_rss_kb=..` and checks its own
//! result, exiting non-zero if the check fails; a failed run fails the bench.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::Error;
use crate::workspace::{Profile, Workspace};
use proc::Exit;

use crate::workspace::Httpbin;

/// One workload, implemented in both languages.
pub struct Workload {
    pub name: &'static str,
    pub description: &'static str,
    /// What one operation is, for the throughput column.
    pub unit: &'static str,
    /// Talks to the local HTTP server, and in Python needs aiohttp.
    pub http: bool,
    /// How the Rust side collects its tasks, where there is a choice: each
    /// is its own row, run by the bench binary as `<workload>-<variant>`.
    /// Empty: one Rust implementation, run as `<workload>`.
    pub tokio_variants: &'static [TokioVariant],
}

/// One way of writing a workload in Tokio.
#[derive(Debug, PartialEq, Eq)]
pub struct TokioVariant {
    /// What the bench binary calls it, after the workload's name.
    pub name: &'static str,
    /// How the table names it.
    pub label: &'static str,
}

/// Awaiting a `Vec` of `JoinHandle`s in order, the direct counterpart of
/// `gather`, and a `JoinSet`, which yields results as tasks finish.
const JOIN_VARIANTS: &[TokioVariant] = &[
    TokioVariant {
        name: "handles",
        label: "`Vec<JoinHandle>`",
    },
    TokioVariant {
        name: "joinset",
        label: "`JoinSet`",
    },
];

pub const WORKLOADS: [Workload; 5] = [
    Workload {
        name: "spawn",
        description: "spawn and await 100,000 no-op tasks: a `Vec<JoinHandle>` awaited in order, and a `JoinSet`, against `create_task` + `gather`",
        unit: "tasks",
        http: false,
        tokio_variants: JOIN_VARIANTS,
    },
    Workload {
        name: "queue",
        description: "1,000,000 items from a producer to a consumer through a bounded queue of 1,024: `mpsc` against `asyncio.Queue`",
        unit: "items",
        http: false,
        tokio_variants: &[],
    },
    Workload {
        name: "semaphore",
        description: "100,000 tasks, each holding one of 100 semaphore permits across a yield, collected as a `Vec<JoinHandle>` and as a `JoinSet`",
        unit: "operations",
        http: false,
        tokio_variants: JOIN_VARIANTS,
    },
    Workload {
        name: "sleep",
        description: "10,000 tasks each sleeping 10 ms: the timers",
        unit: "tasks",
        http: false,
        tokio_variants: &[],
    },
    Workload {
        name: "http",
        description: "10,000 GETs of `/json` over loopback, 64 in flight, against the project's own httpbin server: reqwest against aiohttp",
        unit: "requests",
        http: true,
        tokio_variants: &[],
    },
];

/// Who runs a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Implementation {
    Tokio {
        runtime: TokioRuntime,
        variant: Option<&'static TokioVariant>,
    },
    Asyncio,
    Uvloop,
}

/// Which Tokio runtime runs the workload, and where on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokioRuntime {
    /// In `block_on` on a current-thread runtime: one thread, like asyncio.
    CurrentThread,
    /// In `block_on` on the multi-thread runtime, as `#[tokio::main]` runs
    /// `main`: on the calling thread, outside the pool of workers.
    MultiThread,
    /// Spawned as a task on the multi-thread runtime, so that it runs on a
    /// worker, with the tasks it spawns and wakes.
    MultiThreadTask,
}

impl TokioRuntime {
    pub const ALL: [TokioRuntime; 3] = [
        TokioRuntime::CurrentThread,
        TokioRuntime::MultiThread,
        TokioRuntime::MultiThreadTask,
    ];

    /// What the bench binary calls it.
    fn arg(self) -> &'static str {
        match self {
            TokioRuntime::CurrentThread => "current-thread",
            TokioRuntime::MultiThread => "multi-thread",
            TokioRuntime::MultiThreadTask => "multi-thread-task",
        }
    }

    fn label(self) -> &'static str {
        match self {
            TokioRuntime::CurrentThread => "Tokio, current-thread",
            TokioRuntime::MultiThread => "Tokio, multi-thread",
            TokioRuntime::MultiThreadTask => "Tokio, multi-thread, in a task",
        }
    }
}

impl Implementation {
    pub fn label(self) -> String {
        match self {
            Implementation::Tokio { runtime, variant } => {
                let flavor = runtime.label();
                match variant {
                    Some(variant) => format!("{flavor}, {}", variant.label),
                    None => flavor.to_owned(),
                }
            }
            Implementation::Asyncio => "Python asyncio".to_owned(),
            Implementation::Uvloop => "Python asyncio + uvloop".to_owned(),
        }
    }
}

/// One timed run.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub elapsed: Duration,
    pub ops: u64,
    pub max_rss_kb: u64,
}

/// Parses a run's `elapsed_ns=.. ops=.. max_rss_kb=..` line.
pub fn parse_sample(line: &str) -> Option<Sample> {
    let mut elapsed = None;
    let mut ops = None;
    let mut max_rss_kb = None;
    for field in line.split_whitespace() {
        let (key, value) = field.split_once('=')?;
        let value: u64 = value.parse().ok()?;
        match key {
            "elapsed_ns" => elapsed = Some(Duration::from_nanos(value)),
            "ops" => ops = Some(value),
            "max_rss_kb" => max_rss_kb = Some(value),
            _ => return None,
        }
    }
    Some(Sample {
        elapsed: elapsed?,
        ops: ops?,
        max_rss_kb: max_rss_kb?,
    })
}

/// A row of a workload's table: an implementation and its runs, or why it
/// could not run here.
pub struct Row {
    pub implementation: Implementation,
    pub outcome: Result<Vec<Sample>, String>,
}

use crate::flags::Bench as Options;

/// What is installed on the Python side.
struct Python {
    /// `None` when there is no `python3` at all.
    version: Option<String>,
    uvloop: bool,
    aiohttp: bool,
}

impl Python {
    fn probe() -> Self {
        let mut probe = Command::new("python3");
        probe.arg("--version");
        let version = proc::run(probe, PROBE_TIMEOUT)
            .ok()
            .filter(proc::Finished::success)
            .map(|finished| finished.stdout.trim().to_owned());
        let has = |module: &str| {
            let mut import = Command::new("python3");
            import.args(["-c", &format!("import {module}")]);
            version.is_some()
                && proc::run(import, PROBE_TIMEOUT).is_ok_and(|finished| finished.success())
        };
        Python {
            uvloop: has("uvloop"),
            aiohttp: has("aiohttp"),
            version,
        }
    }
}

/// The project's httpbin server, started on a free port for the HTTP
/// workload so both languages' clients talk to the same server. Killed on drop.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);
/// How long asking a tool for its version may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the Rust side in release, runs every selected workload `runs`
/// times, alternating implementations, and returns the rows per workload.
pub fn run(
    workspace: &Workspace,
    options: &Options,
) -> Result<Vec<(&'static Workload, Vec<Row>)>, Error> {
    let selected: Vec<&Workload> = WORKLOADS
        .iter()
        .filter(|workload| {
            options
                .workload
                .as_deref()
                .is_none_or(|name| name == workload.name)
        })
        .collect();
    if selected.is_empty() {
        let names: Vec<&str> = WORKLOADS.iter().map(|workload| workload.name).collect();
        let asked = options.workload.as_deref().unwrap_or_default();
        return Err(crate::Usage(format!(
            "no workload `{asked}`; the workloads are {}",
            names.join(", ")
        ))
        .into());
    }

    eprintln!("building the Rust workloads and the server in release mode");
    let binaries = workspace.build_binaries(
        &["bench".to_owned(), "httpbin".to_owned()],
        Profile::Release,
    )?;
    let binary = |name: &str| {
        binaries
            .get(name)
            .cloned()
            .ok_or_else(|| format!("the release build reported no `{name}` binary"))
    };
    let bench_binary = binary("bench")?;
    let httpbin_binary = binary("httpbin")?;
    let script = workspace
        .root()
        .join("bench")
        .join("python")
        .join("workloads.py");
    let python = Python::probe();

    let mut results = Vec::new();
    for workload in selected {
        let server = if workload.http {
            Some(Httpbin::start(&httpbin_binary)?)
        } else {
            None
        };
        let url = server.as_ref().map(Httpbin::url);
        let mut rows = rows_for(workload, &python);
        for run in 1..=usize::from(options.runs) {
            for row in rows.iter_mut() {
                let Ok(samples) = &mut row.outcome else {
                    continue;
                };
                eprintln!(
                    "{}: run {run} of {}: {}",
                    workload.name,
                    options.runs,
                    row.implementation.label()
                );
                let command = command(row.implementation, workload, &bench_binary, &script, url);
                samples.push(run_once(command).map_err(|error| {
                    format!("{} {}: {error}", workload.name, row.implementation.label())
                })?);
            }
        }
        results.push((workload, rows));
    }
    Ok(results)
}

/// The rows a workload gets here: Tokio always, Python as far as it is
/// installed, with the reason for each row that cannot run.
fn rows_for(workload: &Workload, python: &Python) -> Vec<Row> {
    let python_missing = match (&python.version, workload.http && !python.aiohttp) {
        (None, _) => Some("python3 not found".to_owned()),
        (Some(_), true) => Some("aiohttp not installed: `pip install aiohttp`".to_owned()),
        _ => None,
    };
    let variants: Vec<Option<&'static TokioVariant>> = if workload.tokio_variants.is_empty() {
        vec![None]
    } else {
        workload.tokio_variants.iter().map(Some).collect()
    };
    let mut rows = Vec::new();
    for runtime in TokioRuntime::ALL {
        for variant in &variants {
            rows.push(Row {
                implementation: Implementation::Tokio {
                    runtime,
                    variant: *variant,
                },
                outcome: Ok(Vec::new()),
            });
        }
    }
    rows.push(Row {
        implementation: Implementation::Asyncio,
        outcome: python_missing.clone().map_or(Ok(Vec::new()), Err),
    });
    if python.uvloop {
        rows.push(Row {
            implementation: Implementation::Uvloop,
            outcome: python_missing.map_or(Ok(Vec::new()), Err),
        });
    }
    rows
}

fn command(
    implementation: Implementation,
    workload: &Workload,
    bench_binary: &Path,
    script: &Path,
    url: Option<&str>,
) -> Command {
    let mut command = match implementation {
        Implementation::Tokio { runtime, variant } => {
            let mut command = Command::new(bench_binary);
            let flavor = runtime.arg();
            let name = match variant {
                Some(variant) => format!("{}-{}", workload.name, variant.name),
                None => workload.name.to_owned(),
            };
            command.args([name.as_str(), flavor]);
            command
        }
        Implementation::Asyncio | Implementation::Uvloop => {
            let mut command = Command::new("python3");
            let event_loop = if implementation == Implementation::Asyncio {
                "asyncio"
            } else {
                "uvloop"
            };
            command.arg(script).args([workload.name, event_loop]);
            command
        }
    };
    command.args(url);
    command
}

fn run_once(command: Command) -> Result<Sample, String> {
    let finished =
        proc::run(command, RUN_TIMEOUT).map_err(|error| format!("cannot run: {error}"))?;
    match finished.exit {
        Exit::Code(0) => {}
        Exit::TimedOut => return Err(format!("timed out after {}s", RUN_TIMEOUT.as_secs())),
        exit => return Err(format!("failed ({exit:?}): {}", finished.stderr.trim())),
    }
    finished
        .stdout
        .lines()
        .find_map(parse_sample)
        .ok_or_else(|| format!("printed no result line: {:?}", finished.stdout))
}

/// The median of some durations.
pub fn median(samples: &[Sample]) -> Option<Duration> {
    let mut times: Vec<Duration> = samples.iter().map(|sample| sample.elapsed).collect();
    times.sort();
    let middle = times.len() / 2;
    match times.len() {
        0 => None,
        n if n % 2 == 1 => Some(times[middle]),
        _ => Some((times[middle - 1] + times[middle]) / 2),
    }
}

fn format_duration(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn format_rate(per_second: f64, unit: &str) -> String {
    match per_second {
        rate if rate >= 1e6 => format!("{:.2} M {unit}/s", rate / 1e6),
        rate if rate >= 1e3 => format!("{:.0} k {unit}/s", rate / 1e3),
        rate => format!("{rate:.0} {unit}/s"),
    }
}

/// How a time compares with asyncio's, as a speed-up factor. Within 5% is
/// called a draw: run-to-run noise on a shared machine is about that large.
fn compare(speedup: f64) -> String {
    if (0.95..=1.05).contains(&speedup) {
        "about the same".to_owned()
    } else if speedup > 1.0 {
        format!("{speedup:.1}× faster")
    } else {
        format!("{:.1}× slower", 1.0 / speedup)
    }
}

/// One Markdown table per workload.
pub fn report(results: &[(&Workload, Vec<Row>)], runs: usize) -> String {
    let mut text = String::new();
    let runs = if runs == 1 {
        "1 run".to_owned()
    } else {
        format!("{runs} runs")
    };
    for (workload, rows) in results {
        let _ = writeln!(
            text,
            "### {}\n\n{}, {runs} each.\n",
            workload.name, workload.description
        );
        text.push_str(
            "| Implementation | Median | Min–max | Throughput | Peak memory | Time vs asyncio |\n",
        );
        text.push_str("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        let asyncio = rows
            .iter()
            .find(|row| row.implementation == Implementation::Asyncio)
            .and_then(|row| row.outcome.as_ref().ok())
            .and_then(|samples| median(samples));
        for row in rows {
            let label = row.implementation.label();
            let samples = match &row.outcome {
                Ok(samples) if !samples.is_empty() => samples,
                Ok(_) => continue,
                Err(reason) => {
                    let _ = writeln!(text, "| {label} | {reason} | | | | |");
                    continue;
                }
            };
            let Some(middle) = median(samples) else {
                continue;
            };
            let min = samples
                .iter()
                .map(|sample| sample.elapsed)
                .min()
                .unwrap_or(middle);
            let max = samples
                .iter()
                .map(|sample| sample.elapsed)
                .max()
                .unwrap_or(middle);
            let ops = samples[0].ops;
            let rate = ops as f64 / middle.as_secs_f64();
            let rss = samples
                .iter()
                .map(|sample| sample.max_rss_kb)
                .max()
                .unwrap_or(0);
            let ratio = match asyncio {
                Some(asyncio) if row.implementation != Implementation::Asyncio => {
                    compare(asyncio.as_secs_f64() / middle.as_secs_f64())
                }
                Some(_) => "1.0×".to_owned(),
                None => "n/a".to_owned(),
            };
            let _ = writeln!(
                text,
                "| {label} | {} | {}–{} | {} | {:.0} MB | {ratio} |",
                format_duration(middle),
                format_duration(min),
                format_duration(max),
                format_rate(rate, workload.unit),
                rss as f64 / 1024.0
            );
        }
        text.push('\n');
    }
    text
}

/// A few lines on the machine the numbers came from.
pub fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")
                .and_then(|rest| rest.split(':').nth(1))
        })
        .map(str::trim)
        .unwrap_or("unknown CPU")
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_gib = read("/proc/meminfo")
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .map_or("unknown".to_owned(), |kb| {
            format!("{:.0} GiB", kb / 1024.0 / 1024.0)
        });
    let os = read("/etc/os-release")
        .lines()
        .find_map(|line| line.strip_prefix("PRETTY_NAME="))
        .map(|name| name.trim_matches('"').to_owned())
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let version = |program: &str, args: &[&str]| {
        let mut command = Command::new(program);
        command.args(args);
        proc::run(command, PROBE_TIMEOUT)
            .ok()
            .map(|finished| finished.stdout.trim().to_owned())
            .filter(|version| !version.is_empty())
            .unwrap_or_else(|| "not installed".to_owned())
    };
    let module = |name: &str| {
        version(
            "python3",
            &["-c", &format!("import {name}; print({name}.__version__)")],
        )
    };
    format!(
        "- CPU: {cpu}, {cores} cores available\n- Memory: {memory_gib}\n- OS: {os}\n- {}\n- {}, aiohttp {}, uvloop {}\n",
        version("rustc", &["--version"]),
        version("python3", &["--version"]),
        module("aiohttp"),
        module("uvloop"),
    )
}

/// The page `--save` writes: the tables, the machine, and how to read them.
pub fn results_markdown(tables: &str, machine: &str) -> String {
    format!(
        "# Benchmark results\n\n\
         Written by `cargo xtask bench --save`. These are one machine's \
         numbers, from one run of the command; run it on yours with \
         `cargo xtask bench`. What the workloads are and how to read the \
         numbers is in [README.md](README.md).\n\n\
         ## The machine\n\n{machine}\n## Results\n\n{tables}"
    )
}

/// Where `--save` writes the results page.
pub fn results_page(workspace: &Workspace) -> PathBuf {
    workspace.root().join("bench").join("RESULTS.md")
}

/// `cargo xtask bench`: runs, prints the tables, and with `save` writes them
/// to bench/RESULTS.md.
pub fn bench(options: &Options) -> Result<bool, Error> {
    let workspace = Workspace::locate();
    let started = std::time::Instant::now();
    let results = run(&workspace, options)?;
    let tables = report(&results, usize::from(options.runs));
    let machine = machine();
    println!("{tables}Machine:\n{machine}");
    eprintln!("bench finished in {:.0}s", started.elapsed().as_secs_f64());
    if options.save {
        let page = results_page(&workspace);
        crate::files::write(&page, results_markdown(&tables, &machine))?;
        println!("wrote {}", page.display());
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The command line refuses an unknown workload before anything is
    /// built, from its own list: it must be this one.
    #[test]
    fn a_result_line_parses_and_anything_else_does_not() {
        let sample = parse_sample("elapsed_ns=1500000 ops=10 max_rss_kb=2048").unwrap();
        assert_eq!(sample.elapsed, Duration::from_micros(1500));
        assert_eq!((sample.ops, sample.max_rss_kb), (10, 2048));
        assert!(parse_sample("elapsed_ns=1 ops=x max_rss_kb=1").is_none());
        assert!(parse_sample("warming up").is_none());
    }

    #[test]
    fn close_times_are_a_draw() {
        assert_eq!(compare(14.46), "14.5× faster");
        assert_eq!(compare(1.02), "about the same");
        assert_eq!(compare(0.5), "2.0× slower");
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let sample = |ms| Sample {
            elapsed: Duration::from_millis(ms),
            ops: 1,
            max_rss_kb: 0,
        };
        assert_eq!(
            median(&[sample(3), sample(1), sample(2)]),
            Some(Duration::from_millis(2))
        );
        assert_eq!(
            median(&[sample(4), sample(1), sample(2), sample(3)]),
            Some(Duration::from_micros(2500))
        );
        assert_eq!(median(&[]), None);
    }
}
