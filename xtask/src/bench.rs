//! `cargo xtask bench`: the same async workloads in Tokio and in Python's
//! asyncio (and uvloop, when installed), run alternately and timed inside
//! each process, start-up excluded; the tables a reader sees in
//! bench/RESULTS.md.
//!
//! The workloads are `bench/src/main.rs` and `bench/python/workloads.py`.
//! Each run prints `elapsed_ns=.. ops=.. max_rss_kb=..` and checks its own
//! result, exiting non-zero if the check fails; a failed run fails the bench.
//!
//! `cargo xtask bench tracker` is another question, asked only by name:
//! what the task-dump tracker costs a program, against the same program
//! plain and with console-subscriber (`bench/tracker`, a project of its own).
//! `cargo xtask bench cpu-bound`, also asked only by name: where a Tokio
//! program puts CPU work (`cpu_bound.rs`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::Error;
use crate::flags::{Bench as Options, WorkloadName};
use crate::workspace::{Httpbin, Profile, Workspace};

mod cpu_bound;
mod tracker;

/// One workload, implemented in both languages. `http` talks to the local
/// httpbin, and in Python needs aiohttp.
pub struct Workload {
    id: WorkloadName,
    description: &'static str,
    /// What one operation is, for the throughput column.
    unit: &'static str,
    /// The ways it is written in Tokio, each its own row, run by the bench
    /// binary as `<workload>-<variant>`; with none, one way, run as
    /// `<workload>`.
    variants: &'static [Variant],
}

/// One way of writing a workload in Tokio.
struct Variant {
    /// What the bench binary calls it, after the workload's name.
    name: &'static str,
    /// How the table names it.
    label: &'static str,
}

/// Awaiting a `Vec` of `JoinHandle`s in order, the direct counterpart of
/// `gather`, and a `JoinSet`, which yields results as tasks finish.
const JOIN_VARIANTS: &[Variant] = &[
    Variant {
        name: "handles",
        label: "`Vec<JoinHandle>`",
    },
    Variant {
        name: "joinset",
        label: "`JoinSet`",
    },
];

pub const WORKLOADS: [Workload; 6] = [
    Workload {
        id: WorkloadName::Spawn,
        description: "spawn and await 100,000 no-op tasks: a `Vec<JoinHandle>` awaited in order, and a `JoinSet`, against `create_task` + `gather`",
        unit: "tasks",
        variants: JOIN_VARIANTS,
    },
    Workload {
        id: WorkloadName::Queue,
        description: "1,000,000 items from a producer to a consumer through a bounded queue of 1,024: `mpsc` against `asyncio.Queue`",
        unit: "items",
        variants: &[],
    },
    Workload {
        id: WorkloadName::Semaphore,
        description: "100,000 tasks, each holding one of 100 semaphore permits across a yield, collected as a `Vec<JoinHandle>` and as a `JoinSet`",
        unit: "operations",
        variants: JOIN_VARIANTS,
    },
    Workload {
        id: WorkloadName::Sleep,
        description: "10,000 tasks each sleeping 10 ms: the timers",
        unit: "tasks",
        variants: &[],
    },
    Workload {
        id: WorkloadName::Http,
        description: "10,000 GETs of `/json` over loopback, 64 in flight, against the project's own httpbin server: reqwest against aiohttp",
        unit: "requests",
        variants: &[],
    },
    Workload {
        id: WorkloadName::SharedMap,
        description: "8 tasks add one to a count 1,000,000 times in all, over 1,024 keys, yielding every 64: a map behind one `std::sync::Mutex` and one in 16 shards each with its own, against a plain `dict`",
        unit: "additions",
        variants: &[
            Variant {
                name: "one-lock",
                label: "one lock",
            },
            Variant {
                name: "sharded",
                label: "16 shards",
            },
        ],
    },
];

impl Workload {
    /// What the bench binary and `workloads.py` call it, as it is typed.
    fn name(&self) -> &'static str {
        match self.id {
            WorkloadName::Spawn => "spawn",
            WorkloadName::Queue => "queue",
            WorkloadName::Semaphore => "semaphore",
            WorkloadName::Sleep => "sleep",
            WorkloadName::Http => "http",
            WorkloadName::SharedMap => "shared-map",
            WorkloadName::Tracker => "tracker",
            WorkloadName::CpuBound => "cpu-bound",
        }
    }
}

/// A Tokio runtime a workload runs on: what the bench binary calls it, and
/// its label.
struct Runtime {
    name: &'static str,
    label: &'static str,
}

/// In `block_on` on a current-thread runtime, one thread like asyncio; in
/// `block_on` on the multi-thread runtime, as `#[tokio::main]` runs `main`,
/// outside the pool of workers; and spawned as a task on it, on a worker,
/// with the tasks it spawns and wakes.
const RUNTIMES: [Runtime; 3] = [
    Runtime {
        name: "current-thread",
        label: "Tokio, current-thread",
    },
    Runtime {
        name: "multi-thread",
        label: "Tokio, multi-thread",
    },
    Runtime {
        name: "multi-thread-task",
        label: "Tokio, multi-thread, in a task",
    },
];

const ASYNCIO: &str = "Python asyncio";

/// One timed run.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub elapsed: Duration,
    pub ops: u64,
    pub max_rss_kb: u64,
}

/// Parses a run's `elapsed_ns=.. ops=.. max_rss_kb=..` line.
pub fn parse_sample(line: &str) -> Option<Sample> {
    let mut fields = line.split_whitespace().map(|field| field.split_once('='));
    let mut value = |key: &str| match fields.next()? {
        Some((found, value)) if found == key => value.parse().ok(),
        _ => None,
    };
    let sample = Sample {
        elapsed: Duration::from_nanos(value("elapsed_ns")?),
        ops: value("ops")?,
        max_rss_kb: value("max_rss_kb")?,
    };
    // Nothing after the three.
    if fields.next().is_some() {
        return None;
    }
    Some(sample)
}

/// A row of a workload's table: its label, what it runs, and its runs.
struct Row {
    label: String,
    run: Run,
    samples: Vec<Sample>,
}

/// What a row runs.
enum Run {
    /// This command line.
    Command(CommandLine),
    /// Nothing: it can't run here, for this reason (a module not installed).
    Unavailable(String),
}

impl Row {
    fn new(label: String, run: Run) -> Row {
        Row {
            label,
            run,
            samples: Vec::new(),
        }
    }
}

struct CommandLine {
    program: PathBuf,
    args: Vec<String>,
}

/// How long one run may take, and asking a tool for its version.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether `python3 -c CODE` succeeds.
fn python(code: &str) -> bool {
    let mut python = Command::new("python3");
    python.args(["-c", code]);
    proc::run(python, PROBE_TIMEOUT).is_ok_and(|finished| finished.success())
}

/// `cargo xtask bench`: builds the Rust side in release, runs every selected
/// workload `runs` times, alternating the implementations, prints the
/// tables, and with `save` writes them to bench/RESULTS.md.
pub fn bench(options: &Options) -> Result<(), Error> {
    if options.workload == Some(WorkloadName::Tracker) {
        return tracker::bench(options);
    }
    if options.workload == Some(WorkloadName::CpuBound) {
        return cpu_bound::bench(options);
    }
    let selected = selected(options.workload);
    let workspace = Workspace::locate();
    let started = std::time::Instant::now();
    let programs = Programs::find(&workspace)?;
    let mut tables = Vec::new();
    for workload in &selected {
        // The http workload's server, serving while its rows run.
        let server = match workload.id {
            WorkloadName::Http => Some(Httpbin::start(&programs.httpbin)?),
            WorkloadName::Spawn
            | WorkloadName::Queue
            | WorkloadName::Semaphore
            | WorkloadName::Sleep
            | WorkloadName::SharedMap
            | WorkloadName::Tracker
            | WorkloadName::CpuBound => None,
        };
        let url: Vec<String> = server.iter().map(|s| s.url().to_owned()).collect();
        let mut rows = tokio_rows(workload, &programs.bench, &url);
        rows.extend(python_rows(workload, &programs, &url));
        take_samples(workload.name(), &mut rows, options.runs)?;
        let text = heading(workload, options.runs) + &table(&rows, workload.unit);
        tables.push((workload.name(), text));
    }
    let machine = machine();
    let printed: String = tables.iter().map(|(_, text)| text.as_str()).collect();
    println!("{printed}Machine:\n{machine}");
    eprintln!("bench finished in {:.0}s", started.elapsed().as_secs_f64());
    if options.save {
        let page = workspace.root().join("bench/RESULTS.md");
        let saved = if selected.len() == WORKLOADS.len() {
            Ok(results(&machine, &tables))
        } else {
            let old = std::fs::read_to_string(&page).unwrap_or_default();
            results_with(&old, &machine, &tables)
        };
        crate::files::write(
            &page,
            saved.map_err(|why| format!("bench/RESULTS.md: {why}"))?,
        )?;
        println!("wrote {}", page.display());
    }
    Ok(())
}

/// The workload `wanted`, or every workload.
fn selected(wanted: Option<WorkloadName>) -> Vec<&'static Workload> {
    let Some(wanted) = wanted else {
        return WORKLOADS.iter().collect();
    };
    WORKLOADS
        .iter()
        .filter(|workload| workload.id == wanted)
        .collect()
}

/// What the rows run: the release binaries, and the Python side.
struct Programs {
    bench: PathBuf,
    httpbin: PathBuf,
    /// `bench/python/workloads.py`.
    script: String,
    python: Python,
}

/// What the Python here can import.
struct Python {
    asyncio: bool,
    uvloop: bool,
    aiohttp: bool,
}

impl Programs {
    fn find(workspace: &Workspace) -> Result<Programs, Error> {
        eprintln!("building the Rust workloads and the server in release mode");
        let mut binaries = workspace.build_binaries(
            &["bench".to_owned(), "httpbin".to_owned()],
            Profile::Release,
        )?;
        let mut binary = |name: &str| {
            binaries
                .remove(name)
                .ok_or_else(|| format!("the release build reported no `{name}` binary"))
        };
        let (bench, httpbin) = (binary("bench")?, binary("httpbin")?);
        let script = workspace.root().join("bench/python/workloads.py");
        let script = script.to_str().ok_or("the workspace's path is not UTF-8")?;
        let python = Python {
            asyncio: python("import asyncio"),
            uvloop: python("import uvloop"),
            aiohttp: python("import aiohttp"),
        };
        Ok(Programs {
            bench,
            httpbin,
            script: script.to_owned(),
            python,
        })
    }
}

/// The rows of `workload` in Tokio: one per runtime, and per variant if it
/// has any, each run by the bench binary `bench`, given `url`.
fn tokio_rows(workload: &Workload, bench: &Path, url: &[String]) -> Vec<Row> {
    let name = workload.name();
    let command_line = |program: String, runtime: &Runtime| CommandLine {
        program: bench.to_owned(),
        args: [vec![program, runtime.name.to_owned()], url.to_vec()].concat(),
    };
    let mut rows = Vec::new();
    for runtime in &RUNTIMES {
        if workload.variants.is_empty() {
            let run = command_line(name.to_owned(), runtime);
            rows.push(Row::new(runtime.label.to_owned(), Run::Command(run)));
        }
        for variant in workload.variants {
            let run = command_line(format!("{name}-{}", variant.name), runtime);
            let label = format!("{}, {}", runtime.label, variant.label);
            rows.push(Row::new(label, Run::Command(run)));
        }
    }
    rows
}

/// An asyncio event loop a workload runs on: its label, and what
/// `workloads.py` calls it.
struct EventLoop {
    label: &'static str,
    name: &'static str,
}

/// The rows of `workload` in Python, given `url`: one per event loop that
/// is installed, each saying why it can't run if Python or a module it
/// needs is missing.
fn python_rows(workload: &Workload, programs: &Programs, url: &[String]) -> Vec<Row> {
    let name = workload.name();
    let python = &programs.python;
    let missing = if !python.asyncio {
        Some("python3 not found")
    } else if workload.id == WorkloadName::Http && !python.aiohttp {
        Some("aiohttp not installed: `pip install aiohttp`")
    } else {
        None
    };
    let mut event_loops = vec![EventLoop {
        label: ASYNCIO,
        name: "asyncio",
    }];
    if python.uvloop {
        event_loops.push(EventLoop {
            label: "Python asyncio + uvloop",
            name: "uvloop",
        });
    }
    let mut rows = Vec::new();
    for event_loop in event_loops {
        let run = match missing {
            Some(why) => Run::Unavailable(why.to_owned()),
            None => Run::Command(CommandLine {
                program: "python3".into(),
                args: [
                    [programs.script.as_str(), name, event_loop.name]
                        .map(str::to_owned)
                        .to_vec(),
                    url.to_vec(),
                ]
                .concat(),
            }),
        };
        rows.push(Row::new(event_loop.label.to_owned(), run));
    }
    rows
}

/// Runs each row that can run `runs` times, the rows taking turns, and
/// keeps its samples; the first failed run fails the bench.
fn take_samples(name: &str, rows: &mut [Row], runs: u16) -> Result<(), Error> {
    for run in 1..=runs {
        for row in rows.iter_mut() {
            let Run::Command(line) = &row.run else {
                continue;
            };
            eprintln!("{name}: run {run} of {runs}: {}", row.label);
            let mut command = Command::new(&line.program);
            command.args(&line.args);
            let sample = run_once(command).map_err(|e| format!("{name} {}: {e}", row.label))?;
            row.samples.push(sample);
        }
    }
    Ok(())
}

/// A workload's heading and description, over its table.
fn heading(workload: &Workload, runs: u16) -> String {
    let runs = match runs {
        1 => "1 run".to_owned(),
        runs => format!("{runs} runs"),
    };
    format!(
        "### {}\n\n{}, {runs} each.\n\n",
        workload.name(),
        workload.description
    )
}

/// bench/RESULTS.md: the machine, then each workload's table, in the
/// order of [`WORKLOADS`].
fn results(machine: &str, tables: &[(&str, String)]) -> String {
    let mut text = format!(
        "# Benchmark results\n\n\
         Written by `cargo xtask bench --save`. These are one machine's \
         numbers, from one run of the command; run it on yours with \
         `cargo xtask bench`. What the workloads are and how to read the \
         numbers is in [README.md](README.md).\n\n\
         ## The machine\n\n{machine}\n## Results\n\n"
    );
    for workload in &WORKLOADS {
        if let Some((_, table)) = tables.iter().find(|(name, _)| *name == workload.name()) {
            text.push_str(table);
        }
    }
    text
}

/// bench/RESULTS.md, `old`, with the workloads of `tables` run again: the
/// others' tables are kept, which only the same machine makes comparable.
fn results_with(old: &str, machine: &str, tables: &[(&str, String)]) -> Result<String, String> {
    let machine_and_results = format!("## The machine\n\n{machine}\n## Results\n\n");
    let Some((_, kept)) = old.split_once(&machine_and_results) else {
        return Err(
            "its tables came from another machine, toolchain or Python: \
                    save every workload (`cargo xtask bench --save`)"
                .to_owned(),
        );
    };
    let mut all: Vec<(&str, String)> = tables.to_vec();
    for section in kept.split("### ").filter(|section| !section.is_empty()) {
        let name = section.split_whitespace().next().unwrap_or_default();
        if !all.iter().any(|(run, _)| *run == name) {
            let known = WORKLOADS.iter().find(|workload| workload.name() == name);
            let name = known.map(Workload::name).ok_or_else(|| {
                format!("its table `### {name}` is of no workload; save every workload")
            })?;
            all.push((name, format!("### {section}")));
        }
    }
    Ok(results(machine, &all))
}

pub(crate) fn run_once(command: Command) -> Result<Sample, String> {
    let finished =
        proc::run(command, RUN_TIMEOUT).map_err(|error| format!("cannot run: {error}"))?;
    if !finished.success() {
        return Err(format!("{}: {}", finished.exit, finished.stderr.trim()));
    }
    let sample = finished.stdout.lines().find_map(parse_sample);
    sample.ok_or_else(|| format!("printed no result line: {:?}", finished.stdout))
}

/// The median of some durations.
pub fn median(mut times: Vec<Duration>) -> Option<Duration> {
    times.sort();
    let middle = times.len() / 2;
    match times.len() {
        0 => None,
        n if n % 2 == 1 => Some(times[middle]),
        _ => Some((times[middle - 1] + times[middle]) / 2),
    }
}

pub(crate) fn format_duration(duration: Duration) -> String {
    match duration.as_secs_f64() * 1000.0 {
        ms if ms >= 100.0 => format!("{ms:.0} ms"),
        ms => format!("{ms:.1} ms"),
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
    match speedup {
        draw if (0.95..=1.05).contains(&draw) => "about the same".to_owned(),
        faster if faster > 1.0 => format!("{faster:.1}× faster"),
        slower => format!("{:.1}× slower", 1.0 / slower),
    }
}

/// One workload's Markdown table.
fn table(rows: &[Row], unit: &str) -> String {
    let mut text = String::from(
        "| Implementation | Median | Min–max | Throughput | Peak memory | Time vs asyncio |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let times = |row: &Row| row.samples.iter().map(|s| s.elapsed).collect::<Vec<_>>();
    let asyncio = rows.iter().find(|row| row.label == ASYNCIO);
    let asyncio = asyncio.and_then(|row| median(times(row)));
    for row in rows {
        let label = &row.label;
        let (middle, samples) = match (&row.run, median(times(row))) {
            (Run::Unavailable(reason), _) => {
                let _ = writeln!(text, "| {label} | {reason} | | | | |");
                continue;
            }
            (Run::Command(_), None) => continue,
            (Run::Command(_), Some(middle)) => (middle, &row.samples),
        };
        let min = times(row).into_iter().min().unwrap_or(middle);
        let max = times(row).into_iter().max().unwrap_or(middle);
        let rate = samples[0].ops as f64 / middle.as_secs_f64();
        let rss = samples.iter().map(|s| s.max_rss_kb).max().unwrap_or(0);
        let ratio = match asyncio {
            Some(_) if *label == ASYNCIO => "1.0×".to_owned(),
            Some(asyncio) => compare(asyncio.as_secs_f64() / middle.as_secs_f64()),
            None => "n/a".to_owned(),
        };
        let _ = writeln!(
            text,
            "| {label} | {} | {}–{} | {} | {:.0} MB | {ratio} |",
            format_duration(middle),
            format_duration(min),
            format_duration(max),
            format_rate(rate, unit),
            rss as f64 / 1024.0
        );
    }
    text + "\n"
}

/// A few lines on the machine the numbers came from.
fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let field = |text: String, key: &str| {
        let found = text.lines().find_map(|line| line.strip_prefix(key));
        found.map(|rest| {
            rest.trim_start_matches([' ', '\t', ':', '='])
                .trim()
                .to_owned()
        })
    };
    let cpu = field(read("/proc/cpuinfo"), "model name").unwrap_or("unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = field(read("/proc/meminfo"), "MemTotal:");
    let memory = memory.and_then(|kb| kb.trim_end_matches(" kB").parse::<f64>().ok());
    let memory = memory.map_or("unknown".to_owned(), |kb| {
        format!("{:.0} GiB", kb / 1024.0 / 1024.0)
    });
    let os = field(read("/etc/os-release"), "PRETTY_NAME=");
    let os = os.map_or(std::env::consts::OS.to_owned(), |name| {
        name.trim_matches('"').to_owned()
    });
    let version = |program: &str, args: &[&str]| {
        let mut command = Command::new(program);
        command.args(args);
        match proc::run(command, PROBE_TIMEOUT) {
            Ok(finished) if !finished.stdout.trim().is_empty() => finished.stdout.trim().to_owned(),
            _ => "not installed".to_owned(),
        }
    };
    let module = |name: &str| {
        let code = format!("import {name}; print({name}.__version__)");
        version("python3", &["-c", &code])
    };
    format!(
        "- CPU: {cpu}, {cores} cores available\n- Memory: {memory}\n- OS: {os}\n- {}\n- {}, aiohttp {}, uvloop {}\n",
        version("rustc", &["--version"]),
        version("python3", &["--version"]),
        module("aiohttp"),
        module("uvloop"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_line_parses_and_anything_else_does_not() {
        let sample = parse_sample("elapsed_ns=1500000 ops=10 max_rss_kb=2048").unwrap();
        assert_eq!(sample.elapsed, Duration::from_micros(1500));
        assert_eq!((sample.ops, sample.max_rss_kb), (10, 2048));
        assert!(parse_sample("elapsed_ns=1 ops=x max_rss_kb=1").is_none());
        assert!(parse_sample("elapsed_ns=1 ops=1 max_rss_kb=1 more=1").is_none());
        assert!(parse_sample("warming up").is_none());
    }

    /// Each workload is typed as the bench binary and `workloads.py` call
    /// it, and every one typed is there.
    #[test]
    fn every_workload_is_typed_by_its_name() {
        use clap::ValueEnum as _;
        for id in WorkloadName::value_variants() {
            if matches!(id, WorkloadName::Tracker | WorkloadName::CpuBound) {
                continue;
            }
            let workload = selected(Some(*id));
            assert_eq!(workload.len(), 1, "{id:?}");
            let typed = id.to_possible_value().expect("not skipped");
            assert_eq!(workload[0].name(), typed.get_name());
        }
        assert_eq!(selected(None).len(), WORKLOADS.len());
    }

    /// Saving one workload keeps the other tables, in their order, and
    /// only where they came from the same machine.
    #[test]
    fn saving_one_workload_keeps_the_others_of_the_same_machine() {
        let table = |name: &str, figure: &str| format!("### {name}\n\n| {figure} |\n\n");
        let all = [
            ("spawn", table("spawn", "1")),
            ("queue", table("queue", "2")),
            ("sleep", table("sleep", "3")),
        ];
        let old = results("- CPU: one\n", &all);
        let new = results_with(&old, "- CPU: one\n", &[("queue", table("queue", "9"))]).unwrap();
        let expected = results(
            "- CPU: one\n",
            &[
                all[0].clone(),
                ("queue", table("queue", "9")),
                all[2].clone(),
            ],
        );
        assert_eq!(new, expected);
        let error = results_with(&old, "- CPU: two\n", &[("queue", table("queue", "9"))]);
        assert!(error.unwrap_err().contains("another machine"));
    }

    #[test]
    fn close_times_are_a_draw() {
        assert_eq!(compare(14.46), "14.5× faster");
        assert_eq!(compare(1.02), "about the same");
        assert_eq!(compare(0.5), "2.0× slower");
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let ms = |list: &[u64]| list.iter().map(|&ms| Duration::from_millis(ms)).collect();
        assert_eq!(median(ms(&[3, 1, 2])), Some(Duration::from_millis(2)));
        assert_eq!(median(ms(&[4, 1, 2, 3])), Some(Duration::from_micros(2500)));
        assert_eq!(median(Vec::new()), None);
    }
}
