//! `cargo xtask bench tracker`: what the task-dump tracker costs a program,
//! against the same program with no subscriber and with console-subscriber's
//! layer, the anchor (both watch Tokio's instrumentation); in a release
//! build, and with `--debug` in a debug one too. The workloads are `bench/tracker/src/main.rs`, a project of
//! its own, built with the workspace's `--cfg tokio_unstable`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use super::{Sample, format_duration, median, run_once};
use crate::Error;
use crate::flags::Bench as Options;
use crate::workspace::Workspace;

/// Each workload, and what it does, for its heading.
const WORKLOADS: [(&str, &str); 4] = [
    (
        "locks",
        "100,000 `Mutex`es made and kept, then 100 tasks that each take one 1,000 times",
    ),
    ("spawns", "100,000 tasks spawned, their handles awaited"),
    ("polls", "100 tasks that each yield 2,000 times"),
    (
        "dump",
        "one dump of 10,000 tasks that each wait in a sleep, and its report (with the tracker \
         only, on the current-thread runtime)",
    ),
];

/// Who watches the run: nobody, the tracker, or console-subscriber.
const WATCHERS: [(&str, &str); 3] = [
    ("plain", "no subscriber"),
    ("tracker", "the tracker"),
    ("console", "console-subscriber"),
];

const FLAVORS: [&str; 2] = ["current-thread", "multi-thread"];

/// A build of the workloads, and what the tables call it.
struct Build {
    label: &'static str,
    binary: PathBuf,
}

/// One row of a table: its build, runtime and watcher, and its runs.
struct Row {
    label: String,
    watcher: &'static str,
    command: Vec<String>,
    binary: PathBuf,
    samples: Vec<Sample>,
}

pub fn bench(options: &Options) -> Result<(), Error> {
    let workspace = Workspace::locate();
    let mut builds = vec![build(&workspace, true)?];
    if options.debug {
        builds.push(build(&workspace, false)?);
    }
    let mut text = String::new();
    let mut against = Against::default();
    for (workload, description) in WORKLOADS {
        let mut rows = Vec::new();
        for build in &builds {
            // A debug build is slow enough on one runtime.
            let flavors = if build.label == "debug" {
                &FLAVORS[..1]
            } else {
                &FLAVORS[..]
            };
            for &flavor in flavors {
                for (watcher, label) in WATCHERS {
                    // A dump on the multi-thread runtime can wait for ever
                    // for a worker (tokio-rs/tokio#7478, docs/topics/stuck.md):
                    // it did once here, in 3 runs.
                    if workload == "dump" && (watcher != "tracker" || flavor != "current-thread") {
                        continue;
                    }
                    rows.push(Row {
                        label: format!("{}, {flavor}, {label}", build.label),
                        watcher,
                        command: [workload, watcher, flavor].map(str::to_owned).to_vec(),
                        binary: build.binary.clone(),
                        samples: Vec::new(),
                    });
                }
            }
        }
        for run in 1..=options.runs {
            for row in &mut rows {
                eprintln!("{workload}: run {run} of {}: {}", options.runs, row.label);
                let mut command = Command::new(&row.binary);
                command.args(&row.command);
                let sample =
                    run_once(command).map_err(|e| format!("{workload} {}: {e}", row.label))?;
                row.samples.push(sample);
            }
        }
        let _ = write!(
            text,
            "### {workload}\n\n{description}, {} runs each.\n\n{}",
            options.runs,
            table(&rows)
        );
        against.add(workload, &rows);
    }
    let _ = write!(
        text,
        "### Against console-subscriber\n\n{}\n",
        against.summary()
    );
    println!("{text}");
    if options.save {
        let page = workspace.root().join("bench/tracker/RESULTS.md");
        let header = "# What the tracker costs\n\nWritten by `cargo xtask bench tracker --save`: \
                      one machine's numbers, from one run of the command. \
                      `docs/topics/stuck.md` reads them.\n\n";
        crate::files::write(&page, format!("{header}{text}"))?;
        println!("wrote {}", page.display());
    }
    Ok(())
}

/// Builds the workloads, in release or debug, into a target directory of
/// their own (console-subscriber's dependencies are theirs alone).
fn build(workspace: &Workspace, release: bool) -> Result<Build, Error> {
    let label = if release { "release" } else { "debug" };
    eprintln!("building bench/tracker ({label})");
    let target = workspace.metadata()?.target_directory.join("tracker-bench");
    let mut cargo = workspace.cargo();
    cargo.args([
        "build",
        "--quiet",
        "--locked",
        "--message-format=json-render-diagnostics",
        "--manifest-path",
        "bench/tracker/Cargo.toml",
        "--target-dir",
        target.as_str(),
    ]);
    if release {
        cargo.arg("--release");
    }
    let built = proc::cargo::build(cargo, None)?;
    if !built.success() {
        return Err(format!("`cargo build` of bench/tracker failed ({})", built.status).into());
    }
    let mut binaries: BTreeMap<String, PathBuf> = built.binaries;
    let binary = binaries
        .remove("tracker-bench")
        .ok_or("the build reported no `tracker-bench` binary")?;
    Ok(Build { label, binary })
}

/// The tracker's rows against console-subscriber's of the same build and
/// runtime: how many it beat, in median time and in peak memory, and the
/// rows where it did not. Written, not typed, so that a page quoting it
/// says what the run measured.
#[derive(Default)]
struct Against {
    compared: usize,
    faster: usize,
    smaller: usize,
    slower_in: Vec<String>,
    larger_in: Vec<String>,
}

impl Against {
    fn add(&mut self, workload: &str, rows: &[Row]) {
        let median_of = |row: &Row| median(row.samples.iter().map(|s| s.elapsed).collect());
        let peak = |row: &Row| row.samples.iter().map(|s| s.max_rss_kb).max().unwrap_or(0);
        for tracker in rows.iter().filter(|row| row.watcher == "tracker") {
            let console = rows.iter().find(|row| {
                row.watcher == "console"
                    && row.binary == tracker.binary
                    && row.command[2] == tracker.command[2]
            });
            let (Some(console), Some(time), Some(console_time)) =
                (console, median_of(tracker), console.and_then(median_of))
            else {
                continue;
            };
            let place = tracker.label.trim_end_matches(", the tracker");
            let place = format!("{workload} ({place})");
            self.compared += 1;
            if time < console_time {
                self.faster += 1;
            } else {
                self.slower_in.push(place.clone());
            }
            if peak(tracker) < peak(console) {
                self.smaller += 1;
            } else {
                self.larger_in.push(place);
            }
        }
    }

    fn summary(&self) -> String {
        let but = |rows: &[String]| match rows {
            [] => String::new(),
            rows => format!(" (not in {})", rows.join(", ")),
        };
        format!(
            "Of {} rows with both, the tracker's median time was below console-subscriber's in \
             {}{}, and its peak memory in {}{}.\n",
            self.compared,
            self.faster,
            but(&self.slower_in),
            self.smaller,
            but(&self.larger_in)
        )
    }
}

/// A workload's table: each row's median time and peak memory, and how
/// many times the plain run's of its build and runtime they are.
fn table(rows: &[Row]) -> String {
    let mut text = String::from(
        "| Build, runtime, watcher | Median | Min–max | Peak memory | Time vs plain | Memory vs plain |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let times = |row: &Row| row.samples.iter().map(|s| s.elapsed).collect::<Vec<_>>();
    let peak = |row: &Row| row.samples.iter().map(|s| s.max_rss_kb).max().unwrap_or(0);
    let mut plain = None;
    for row in rows {
        let Some(middle) = median(times(row)) else {
            continue;
        };
        if row.watcher == "plain" {
            plain = Some((middle, peak(row)));
        }
        let min = times(row).into_iter().min().unwrap_or(middle);
        let max = times(row).into_iter().max().unwrap_or(middle);
        let (time_ratio, memory_ratio) = match plain {
            Some(_) if row.watcher == "plain" => ("1.0×".to_owned(), "1.0×".to_owned()),
            Some((time, memory)) => (
                format!("{:.1}×", middle.as_secs_f64() / time.as_secs_f64()),
                format!("{:.1}×", peak(row) as f64 / memory.max(1) as f64),
            ),
            None => ("n/a".to_owned(), "n/a".to_owned()),
        };
        let _ = writeln!(
            text,
            "| {} | {} | {}–{} | {:.0} MB | {time_ratio} | {memory_ratio} |",
            row.label,
            format_duration(middle),
            format_duration(min),
            format_duration(max),
            peak(row) as f64 / 1024.0
        );
    }
    text + "\n"
}
