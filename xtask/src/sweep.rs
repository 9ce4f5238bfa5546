//! `cargo xtask cancel-sweep [FILTER]`: every example cancelled at every
//! point where it is pending, by its section binary's `--cancel-sweep`
//! (see `crates/runner/src/section/sweep.rs` for what each cut checks).
//!
//! Each example runs in a process of its own, with a `TMPDIR` of its own, so
//! a temporary file left behind is the example's, and the directory must be
//! empty again once the process has exited.

use std::path::Path;
use std::time::{Duration, Instant};

use proc::{Exit, Finished};
use protocol::{Invocation, SweepSummary};

use crate::Error;
use crate::parallel::parallel;
use crate::select::{Case, Selection};
use crate::workspace::Workspace;

pub use crate::cli::SweepOptions as Options;

/// How the sweep of one example went.
#[derive(Debug)]
pub struct Swept {
    pub case: Case,
    pub invocation: Invocation,
    /// What the binary reported, if it got as far as its summary.
    pub summary: Option<SweepSummary>,
    /// The problems it reported, one per line, and anything that went wrong
    /// around it.
    pub problems: Vec<String>,
    pub elapsed: Duration,
}

impl Swept {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    /// One line: PASS, SKIP or FAIL, the example and its cut points.
    pub fn line(&self) -> String {
        let id = self.case.id();
        let elapsed = self.elapsed.as_secs_f64();
        match &self.summary {
            Some(SweepSummary {
                skipped: Some(why), ..
            }) => format!("SKIP {id}: {why}"),
            Some(summary) if self.passed() => {
                format!("PASS {id}: {} cut points ({elapsed:.1}s)", summary.cuts)
            }
            Some(summary) => format!(
                "FAIL {id}: {} cut points, {} problem(s) ({elapsed:.1}s)",
                summary.cuts,
                self.problems.len()
            ),
            None => format!("FAIL {id} ({elapsed:.1}s)"),
        }
    }

    /// The line, each problem, and the command that re-runs the sweep.
    pub fn details(&self) -> String {
        let mut text = self.line();
        for problem in &self.problems {
            text.push_str("\n  ");
            text.push_str(problem);
        }
        text.push_str("\n  re-run: ");
        text.push_str(&self.invocation.rerun_command(&self.case.section.name));
        text.push_str(" >/dev/null");
        text
    }
}

/// `cargo xtask cancel-sweep`: `Ok(false)` if any example failed.
pub fn cancel_sweep(options: &Options) -> Result<bool, Error> {
    let selection = Selection::build(&Workspace::locate(), options.filter.as_deref())?;
    if selection.cases.is_empty() {
        return Err(selection.matches_nothing("example"));
    }
    let count = selection.cases.len();
    eprintln!(
        "sweeping {count} example{}, {} at a time",
        if count == 1 { "" } else { "s" },
        options.jobs.min(count)
    );
    let started = Instant::now();
    let swept = parallel(
        selection.cases,
        options.jobs,
        |case| sweep_one(case, options.timeout),
        |swept| println!("{}", swept.line()),
    );
    let failures: Vec<&Swept> = swept.iter().filter(|swept| !swept.passed()).collect();
    if !failures.is_empty() {
        println!("\nfailures:");
        for failure in &failures {
            println!("\n{}", failure.details());
        }
        println!();
    }
    let cuts: usize = swept
        .iter()
        .filter_map(|swept| swept.summary.as_ref())
        .map(|summary| summary.cuts)
        .sum();
    let skipped = swept
        .iter()
        .filter(|swept| {
            swept
                .summary
                .as_ref()
                .is_some_and(|summary| summary.skipped.is_some())
        })
        .count();
    println!(
        "{} examples swept, {cuts} cut points, {skipped} skipped, {} failed, in {:.0}s",
        swept.len() - skipped,
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(failures.is_empty())
}

/// Sweeps one example in a process of its own.
pub fn sweep_one(case: Case, timeout: Duration) -> Swept {
    let invocation = Invocation {
        cancel_sweep: true,
        examples: vec![case.example.name.clone()],
        ..Invocation::default()
    };
    let mut swept = Swept {
        case,
        invocation,
        summary: None,
        problems: Vec::new(),
        elapsed: Duration::ZERO,
    };
    let temporary = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => {
            swept
                .problems
                .push(format!("cannot make its temporary directory: {error}"));
            return swept;
        }
    };
    let mut command = swept.case.section.command(&swept.invocation);
    command.env("TMPDIR", temporary.path());
    match proc::run(command, timeout) {
        Err(error) => swept
            .problems
            .push(format!("could not be started: {error}")),
        Ok(finished) => judge(&mut swept, &finished, timeout, temporary.path()),
    }
    swept
}

fn judge(swept: &mut Swept, finished: &Finished, timeout: Duration, temporary: &Path) {
    swept.elapsed = finished.elapsed;
    let lines: Vec<&str> = finished.stderr.lines().collect();
    swept.summary = lines
        .iter()
        .rev()
        .find_map(|line| SweepSummary::parse_line(line));
    swept.problems.extend(
        lines
            .iter()
            .filter_map(|line| line.strip_prefix(SweepSummary::PROBLEM))
            .map(str::to_owned),
    );
    if let Some(summary) = &swept.summary
        && summary.failures > 0
        && swept.problems.is_empty()
    {
        swept.problems.push(format!(
            "the sweep counted {} failure(s) but named none",
            summary.failures
        ));
    }
    match (&finished.exit, &swept.summary) {
        (Exit::Code(0), Some(_)) => {}
        (Exit::Code(_), Some(summary)) if summary.failures > 0 => {}
        (Exit::TimedOut, _) => swept.problems.push(format!(
            "the sweep took longer than {}s and was killed",
            timeout.as_secs()
        )),
        (exit, _) => {
            swept
                .problems
                .push(format!("the sweep ended unexpectedly ({exit:?})"));
            let tail = lines.len().saturating_sub(10);
            swept
                .problems
                .extend(lines[tail..].iter().map(|line| format!("| {line}")));
        }
    }
    let left = std::fs::read_dir(temporary).map_or(0, Iterator::count);
    if left > 0 {
        swept.problems.push(format!(
            "{left} temporary file(s) still there after the process exited"
        ));
    }
}
