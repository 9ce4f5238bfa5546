//! Guards cancel safety (`cargo xtask cancel-sweep`): every example cancelled
//! at every point where it is pending, by its section binary's `--cancel-sweep`, which says what each
//! cut left behind; here, a temporary file left in its own `TMPDIR` fails too.

use std::time::Duration;

use proc::Exit;
use protocol::{Invocation, SweepSummary};

use crate::flags;
use crate::parallel::parallel;
use crate::select::{Case, Selection};
use crate::workspace::Workspace;
use crate::{Error, Outcome};

/// How one example's sweep went.
#[derive(Debug)]
pub struct Swept {
    pub case: Case,
    pub summary: Option<SweepSummary>,
    pub problems: Vec<String>,
}

impl Swept {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    /// The sweep with one more problem, for a sweep that ends here.
    fn failing(mut self, problem: String) -> Self {
        self.problems.push(problem);
        self
    }

    fn line(&self) -> String {
        let id = self.case.id();
        match &self.summary {
            Some(SweepSummary {
                skipped: Some(why), ..
            }) => format!("SKIP {id}: {why}"),
            Some(summary) if self.passed() => format!("PASS {id} (cut points: {})", summary.cuts),
            _ => format!("FAIL {id}"),
        }
    }
}

pub fn cancel_sweep(options: &flags::Timed<300>) -> Result<Outcome, Error> {
    let selection = Selection::build(&Workspace::locate(), options.selected.filter.as_deref())?;
    if selection.cases.is_empty() {
        return Err(selection.matches_nothing("example"));
    }
    let swept = parallel(
        selection.cases,
        options.selected.jobs(),
        |case| sweep_one(case, options.timeout()),
        |swept| println!("{}", swept.line()),
    );
    let failed: Vec<&Swept> = swept.iter().filter(|swept| !swept.passed()).collect();
    for swept in &failed {
        println!("\nFAIL {}", swept.case.id());
        for problem in &swept.problems {
            println!("  {problem}");
        }
        let rerun = invocation(&swept.case).rerun_command(&swept.case.section.name);
        println!("  re-run: {rerun} >/dev/null");
    }
    let cuts: usize = swept
        .iter()
        .filter_map(|s| s.summary.as_ref())
        .map(|s| s.cuts)
        .sum();
    println!(
        "\n{} swept, {} failed (cut points: {cuts})",
        swept.len(),
        failed.len()
    );
    Ok(Outcome::of_failures(failed.len()))
}

fn invocation(case: &Case) -> Invocation {
    Invocation {
        cancel_sweep: true,
        examples: vec![case.example.name.clone()],
        ..Invocation::default()
    }
}

fn sweep_one(case: Case, timeout: Duration) -> Swept {
    let mut swept = Swept {
        summary: None,
        problems: Vec::new(),
        case,
    };
    let temporary = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => return swept.failing(format!("cannot make its TMPDIR: {error}")),
    };
    let mut command = swept.case.section.command(&invocation(&swept.case));
    command.env("TMPDIR", temporary.path());
    let finished = match proc::run_limited(command, timeout, crate::limits::OUTPUT) {
        Ok(finished) => finished,
        Err(error) => return swept.failing(format!("could not be started: {error}")),
    };
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
    match (&finished.exit, &swept.summary) {
        (Exit::Code(0), Some(_)) => {}
        (Exit::Code(_), Some(summary)) if summary.failures > 0 && !swept.problems.is_empty() => {}
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
    match std::fs::read_dir(temporary.path()) {
        Ok(entries) => {
            let left = entries.count();
            if left > 0 {
                swept.problems.push(format!(
                    "{left} temporary file(s) left after the process exited"
                ));
            }
        }
        Err(error) => swept.problems.push(format!(
            "cannot list {} for files left behind: {error}",
            temporary.path().display()
        )),
    }
    swept
}
