//! Builds the exercises, runs one and judges what it printed.

use std::fmt::Write as _;
use std::io::{self, IsTerminal as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub use exercises::crate_dir;
use exercises::{
    BLOCKING_LIMIT, Exercise, Record, SOLUTIONS, VIRTUAL_LIMIT, WALL_LIMIT, format_time,
    parse_expected, shipped,
};
use similar::{Algorithm, DiffTag, capture_diff_slices};

use crate::diagnose;

/// The learner's file of `exercise`, as the learner would type it from the
/// workspace root.
pub fn display_path(exercise: &Exercise) -> String {
    format!("exercises/src/exercises/{}", exercise.file)
}

/// Which files a build compiles as the exercises: the crate's feature
/// that compiles them, and their directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Files {
    /// The learner's, in `src/exercises/`.
    Learner,
    /// The exercises as shipped, copied into `.shipped/` by
    /// [`shipped::write_copies`] first.
    Shipped,
    /// The reference solutions, in `.solutions/`.
    Solutions,
}

impl Files {
    fn feature(self) -> &'static str {
        match self {
            Files::Learner => "track",
            Files::Shipped => "shipped",
            Files::Solutions => "solutions",
        }
    }

    /// The directory of the files, under the crate's.
    pub fn dir(self) -> &'static str {
        match self {
            Files::Learner => "src/exercises",
            Files::Shipped => shipped::COPIES,
            Files::Solutions => SOLUTIONS,
        }
    }
}

/// What a build of some exercises left: each one's binary, or the
/// compiler's errors in it.
pub struct Built {
    build: proc::cargo::Build,
    files: Files,
    /// Where the binaries are kept: the builds `verify` makes one after
    /// another, and a `cargo test` run meanwhile, put their binaries at
    /// the same paths in the target directory.
    _kept: tempfile::TempDir,
}

/// Builds the exercises `names` from `files`, each a crate of its own:
/// cargo keeps going past one that does not compile, and
/// [`Built::outcome`] reports its errors with it. With the solutions, the
/// self-tests' binary is built too.
pub fn build(files: Files, names: &[&str]) -> io::Result<Built> {
    let mut command = proc::cargo::command();
    let format = if io::stdout().is_terminal() {
        "--message-format=json-diagnostic-rendered-ansi"
    } else {
        "--message-format=json"
    };
    command
        .args([
            "build",
            "--quiet",
            "--keep-going",
            format,
            "--manifest-path",
        ])
        .arg(crate_dir().join("Cargo.toml"))
        // The whole workspace selected, though only these binaries are
        // built: cargo then gives the dependencies the features it gives
        // them in `cargo build` and `cargo test --workspace`, and finds them
        // built. With `-p exercises` it would resolve them for this package
        // alone and compile Tokio, serde, syn and the rest a second time.
        .arg("--workspace");
    for name in names {
        command.args(["--bin", name]);
    }
    // Without one of these features the exercises' binaries leave them
    // out (see `exercises::exercise!`).
    command.args(["--features", &format!("exercises/{}", files.feature())]);
    if files == Files::Solutions {
        command.args(["--bin", SELFTEST]);
    }
    // In the target directory, so that a binary is linked, not copied.
    let target = std::env::current_exe()?
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| io::Error::other("the checker's executable is in no directory"))?;
    let kept = tempfile::Builder::new()
        .prefix(".exercise-binaries-")
        .tempdir_in(target)?;
    let build = proc::cargo::build_and_keep(command, proc::cargo::Stderr::Capture, kept.path())?;
    // Errors anywhere but in an exercise's own crate are not the learner's.
    let theirs = |target: &String| names.contains(&target.as_str());
    let ours: Vec<&String> = build.errors.keys().filter(|t| !theirs(t)).collect();
    if !ours.is_empty() || (!build.success() && build.errors.is_empty()) {
        let errors: Vec<&str> = ours
            .iter()
            .flat_map(|target| &build.errors[*target])
            .map(String::as_str)
            .collect();
        return Err(io::Error::other(format!(
            "building the exercises failed:\n{}{}",
            errors.join("\n"),
            build.stderr
        )));
    }
    Ok(Built {
        build,
        files,
        _kept: kept,
    })
}

/// The self-tests' binary (`src/selftest.rs`).
pub const SELFTEST: &str = "exercise-selftest";

impl Built {
    /// The binary of `name`, if it compiled.
    pub fn binary(&self, name: &str) -> Option<&Path> {
        self.build.binaries.get(name).map(PathBuf::as_path)
    }

    /// Whether `exercise` compiled.
    pub fn compiled(&self, exercise: &Exercise) -> bool {
        self.binary(exercise.name).is_some()
    }

    /// Runs `exercise` if it compiled; if not, the compiler's errors are
    /// why it fails.
    pub fn outcome(&self, exercise: &Exercise) -> io::Result<Outcome> {
        if let Some(binary) = self.binary(exercise.name) {
            let outcome = check(binary, None, exercise, self.files.dir())?;
            let mut warned = self.warnings(exercise).peekable();
            return Ok(match outcome {
                Outcome::Fail(mut report) if warned.peek().is_some() => {
                    report.push_str("\nThe compiler warned about your code, which may be why:\n");
                    for warning in warned {
                        let _ = write!(report, "\n{}\n", learner_paths(warning).trim_end());
                    }
                    Outcome::Fail(report)
                }
                outcome => outcome,
            });
        }
        let Some(errors) = self.build.errors.get(exercise.name) else {
            return Err(io::Error::other(format!(
                "cargo built no `{}` executable",
                exercise.name
            )));
        };
        let mut report = String::new();
        prose(
            &mut report,
            &format!("`{}` does not compile. The compiler says:", exercise.name),
        );
        for message in errors.iter().chain(self.warnings(exercise)) {
            let _ = write!(report, "\n{}\n", learner_paths(message).trim_end());
        }
        Ok(Outcome::Fail(report))
    }

    /// The compiler's warnings in `exercise`'s crate.
    fn warnings(&self, exercise: &Exercise) -> impl Iterator<Item = &String> {
        self.build.warnings.get(exercise.name).into_iter().flatten()
    }

    /// Runs self-test `case` of the self-tests' binary.
    pub fn selftest(&self, case: &Exercise) -> io::Result<Outcome> {
        let binary = self
            .binary(SELFTEST)
            .ok_or_else(|| io::Error::other(format!("cargo built no `{SELFTEST}` executable")))?;
        // Their files are named from `src/exercises/`, as the learner's are.
        check(binary, Some(case.name), case, Files::Learner.dir())
    }
}

/// An exercise's file is compiled from `src/bin/<name>.rs` as
/// `src/bin/../exercises/<file>` (and a solution as
/// `src/bin/../../.solutions/<file>`, a copy as shipped as
/// `src/bin/../../.shipped/<file>`); compiler messages and panics name it
/// that way. The learner knows it by its own path.
pub fn learner_paths(text: &str) -> String {
    text.replace("src/bin/../exercises/", "src/exercises/")
        .replace("exercises/src/bin/../../.", "exercises/.")
}

/// What one run of an exercise came to.
pub enum Outcome {
    Pass,
    /// Why it failed, ready to print.
    Fail(String),
}

/// How the harness process ended.
enum End {
    Record(Record),
    Killed,
    Exited(proc::Exit),
}

/// Runs `binary` (with `case` as its argument, for a self-test) and
/// compares what it printed, and when, with `exercise`'s expected output;
/// the notes on traps read its file in `dir`, under the crate's directory.
fn check(binary: &Path, case: Option<&str>, exercise: &Exercise, dir: &str) -> io::Result<Outcome> {
    let expected = parse_expected(exercise.expected)
        .map_err(|error| io::Error::other(format!("expected/{}.txt: {error}", exercise.name)))?;
    let mut command = Command::new(binary);
    command.args(case);
    command
        // The panic message is the lesson; a backtrace through Tokio's
        // scheduler would bury it.
        .env("RUST_BACKTRACE", "0");
    // In a process group of its own: a process the exercise started and
    // left running is killed with it, and can't hold the output open.
    let proc::Finished {
        exit,
        stdout,
        stderr,
        ..
    } = proc::run(command, WALL_LIMIT)?;
    let stderr = learner_paths(&stderr);

    let mut printed = Vec::new();
    let mut waits = Vec::new();
    let mut end = match exit {
        proc::Exit::TimedOut => End::Killed,
        exit => End::Exited(exit),
    };
    for line in stdout.lines() {
        match Record::parse(line) {
            Some(Record::Line { at_ms, text }) => printed.push((at_ms, text)),
            Some(Record::Waits { text }) => waits.push(text),
            Some(record) if !matches!(end, End::Killed) => end = End::Record(record),
            _ => {}
        }
    }

    let mut diff = render_diff(&expected, &printed);
    if diff.is_none() && matches!(end, End::Record(Record::VirtualTimeout)) {
        diff = Some(render_printed(&printed));
    }
    let seen_end = match &end {
        End::Record(Record::Finished { wall_ms }) => {
            diagnose::Ended::Finished { wall_ms: *wall_ms }
        }
        End::Record(Record::VirtualTimeout) => diagnose::Ended::VirtualTimeout,
        _ => diagnose::Ended::Other,
    };
    let mut report = String::new();
    let name = exercise.name;
    match end {
        End::Record(Record::Finished { wall_ms }) => {
            if diff.is_none() {
                if Duration::from_millis(wall_ms) <= BLOCKING_LIMIT {
                    return Ok(Outcome::Pass);
                }
                prose(
                    &mut report,
                    &format!(
                        "`{name}` printed the right lines at the right times, but took {:.1}s of real \
                     time on a clock that is paused. Only a blocked thread takes real time \
                     here: `std::thread::sleep`, a busy loop or blocking I/O inside async \
                     code stops every other task too.",
                        wall_ms as f64 / 1000.0
                    ),
                );
            } else {
                prose(
                    &mut report,
                    &format!(
                        "`{name}` ran to the end, but its output differs from what was expected."
                    ),
                );
                // A task that panicked ended alone; the run went on without
                // what it was to do, and only stderr says so.
                push_task_panics(&mut report, &panics(&stderr));
                if Duration::from_millis(wall_ms) > BLOCKING_LIMIT {
                    prose(
                        &mut report,
                        &format!(
                            "It also took {:.1}s of real time although the clock is paused: something \
                         blocked the thread (`std::thread::sleep`, a busy loop, blocking I/O), and \
                         the paused clock does not see that time pass.",
                            wall_ms as f64 / 1000.0
                        ),
                    );
                }
            }
        }
        End::Record(Record::Panicked) => {
            let _ = writeln!(report, "`{name}` panicked:");
            push_indented(&mut report, &stderr);
            push_panic_notes(&mut report, &panics(&stderr));
        }
        End::Record(Record::VirtualTimeout) => {
            prose(
                &mut report,
                &format!(
                    "`{name}` was still running after {}s of virtual time, so it was stopped. \
                 Something awaits forever: a channel whose senders are never dropped, a task \
                 that is never told to stop, a future that nothing wakes.",
                    VIRTUAL_LIMIT.as_secs()
                ),
            );
            // Such as the task that was to answer, or to drop a sender.
            push_task_panics(&mut report, &panics(&stderr));
        }
        End::Record(Record::Line { .. } | Record::Waits { .. }) => {
            unreachable!("lines are collected above")
        }
        End::Killed => {
            prose(
                &mut report,
                &format!(
                    "`{name}` did not finish within {}s of real time, so it was stopped. On the \
                 paused clock sleeping takes no real time, so this is a loop that never reaches \
                 an `.await`, or code that blocks the thread. What it printed before it was \
                 stopped is below.",
                    WALL_LIMIT.as_secs()
                ),
            );
        }
        End::Exited(exit) => {
            let _ = writeln!(report, "`{name}` stopped without finishing ({exit}):");
            push_indented(&mut report, &stderr);
        }
    }
    if let Some(diff) = diff {
        let _ = write!(report, "\n{diff}");
    }
    let source = std::fs::read_to_string(crate_dir().join(dir).join(exercise.file));
    push_diagnoses(
        &mut report,
        &diagnose::Seen {
            expected: &expected,
            printed: &printed,
            ended: seen_end,
            waits: &waits,
            source: source.as_deref().ok(),
        },
    );
    // After what it printed, where it was stuck.
    if !waits.is_empty() {
        let _ = writeln!(
            report,
            "\nWhere each task was waiting at {}s:",
            VIRTUAL_LIMIT.as_secs()
        );
        for text in &waits {
            let _ = writeln!(report, "  {text}");
        }
    }
    Ok(Outcome::Fail(report))
}

/// A panic a run's stderr reports: where, and its message.
#[derive(Debug, PartialEq, Eq)]
struct Panic {
    /// The thread it happened on; every task of an exercise runs on `main`.
    thread: String,
    /// `file:line`, as the learner knows the file.
    at: String,
    message: String,
}

impl Panic {
    /// Whether it is a `todo!()` (or `unimplemented!()`) that was reached.
    fn is_todo(&self) -> bool {
        self.message.starts_with("not yet implemented")
            || self.message.starts_with("not implemented")
    }
}

/// The panics in `stderr` (already through [`learner_paths`]), each place
/// once, in the order they happened. Rust prints each as `thread 'main'
/// (12) panicked at file:line:column:` and the message on the lines after.
fn panics(stderr: &str) -> Vec<Panic> {
    let mut found: Vec<Panic> = Vec::new();
    let mut lines = stderr.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("thread '") else {
            continue;
        };
        let Some((thread, after)) = rest.split_once('\'') else {
            continue;
        };
        let Some((_, place)) = after.split_once(" panicked at ") else {
            continue;
        };
        let place = place.strip_suffix(':').unwrap_or(place);
        // `file:line:column`; the column says little to a reader.
        let at = match place.rsplit_once(':') {
            Some((file_line, column)) if column.bytes().all(|b| b.is_ascii_digit()) => file_line,
            _ => place,
        };
        let mut message = Vec::new();
        while let Some(next) = lines.peek() {
            if next.is_empty() || next.starts_with("thread '") || next.starts_with("note: ") {
                break;
            }
            message.push(*next);
            lines.next();
        }
        let panic = Panic {
            thread: thread.to_owned(),
            at: at.to_owned(),
            message: message.join("\n"),
        };
        if !found.iter().any(|seen| seen.at == panic.at) {
            found.push(panic);
        }
    }
    found
}

/// Says where each of `panics` happened, in a run that went on to its end:
/// a panic in a spawned task ends that task only.
fn push_task_panics(report: &mut String, panics: &[Panic]) {
    for panic in panics {
        let who = if panic.thread == "main" {
            "A task it spawned".to_owned()
        } else {
            format!("Its thread `{}`", panic.thread)
        };
        report.push('\n');
        let what = if panic.is_todo() {
            format!(
                "{who} panicked at the `todo!()` at {}: replace it with your code. A panic \
                 ends only the task it happens in, and the program ran on without what that \
                 task was to do.",
                panic.at
            )
        } else {
            let message = panic.message.lines().next().unwrap_or_default();
            format!("{who} panicked at {}: {message}", panic.at)
        };
        prose(report, &what);
    }
}

/// Appends, after the panic that ended a run, where it came from: a
/// spawned task's panic handed back by its `JoinHandle` and unwrapped, and
/// a `todo!()` left in place.
fn push_panic_notes(report: &mut String, panics: &[Panic]) {
    // `handle.await.unwrap()` on a task that panicked: the task's panic
    // comes back as `Err(JoinError::Panic(..))`, and the unwrap panics again.
    if let [first, .., last] = panics
        && last.message.contains("JoinError::Panic(")
    {
        report.push('\n');
        prose(
            report,
            &format!(
                "A task it spawned panicked first, at {}. Its `JoinHandle` handed that panic \
                 back as `Err(JoinError::Panic(..))`, and the `unwrap` or `expect` at {} \
                 panicked in turn, which ended the program. (Both say `thread 'main'`: every \
                 task here runs on that one thread.)",
                first.at, last.at
            ),
        );
    }
    if let Some(todo) = panics.iter().find(|panic| panic.is_todo()) {
        report.push('\n');
        prose(
            report,
            &format!(
                "The `todo!()` at {} is still there: replace it with your code.",
                todo.at
            ),
        );
    }
}

/// Appends the notes on the traps the run fell into, each naming its trap.
fn push_diagnoses(report: &mut String, seen: &diagnose::Seen<'_>) {
    for note in diagnose::diagnose(seen) {
        report.push('\n');
        prose(report, &format!("{}. {}", note.trap.title(), note.text));
    }
}

/// Appends `text` as a paragraph wrapped to 78 columns.
fn prose(report: &mut String, text: &str) {
    let mut width = 0;
    for word in text.split(' ') {
        let length = word.chars().count();
        if width > 0 && width + 1 + length > 78 {
            report.push('\n');
            width = 0;
        } else if width > 0 {
            report.push(' ');
            width += 1;
        }
        report.push_str(word);
        width += length;
    }
    report.push('\n');
}

fn push_indented(report: &mut String, text: &str) {
    let noise = |line: &&str| line.starts_with("note: run with `RUST_BACKTRACE=1`");
    // Several tasks failing the same way print the same message each.
    let mut seen: Vec<String> = Vec::new();
    for block in text.trim().split("\n\n") {
        let block: Vec<&str> = block.lines().filter(|line| !noise(line)).collect();
        let block = block.join("\n");
        if block.is_empty() || seen.contains(&block) {
            continue;
        }
        if !seen.is_empty() {
            report.push('\n');
        }
        for line in block.lines() {
            let _ = writeln!(report, "    {line}");
        }
        seen.push(block);
    }
}

/// A row of the diff: its mark, the time it is shown at, the line, a note.
type Row<'a> = (char, u64, &'a str, String);

/// How many lines of a diff are shown.
const MAX_DIFF_ROWS: usize = 30;

/// A line-by-line comparison in which every line carries its virtual time,
/// or `None` when the output is exactly as expected.
pub fn render_diff(expected: &[(u64, String)], printed: &[(u64, String)]) -> Option<String> {
    if expected == printed {
        return None;
    }
    let expected_text: Vec<&str> = expected.iter().map(|(_, text)| text.as_str()).collect();
    let printed_text: Vec<&str> = printed.iter().map(|(_, text)| text.as_str()).collect();
    let mut rows: Vec<Row> = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &expected_text, &printed_text) {
        let (tag, old, new) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => {
                for (old, new) in old.zip(new) {
                    let (want, text) = &expected[old];
                    let (got, _) = &printed[new];
                    rows.push(printed_row(text, *want, *got));
                }
            }
            DiffTag::Delete | DiffTag::Insert | DiffTag::Replace => {
                for (at, text) in &expected[old] {
                    rows.push((
                        '-',
                        *at,
                        text,
                        format!("expected at {}, not printed", format_time(*at)),
                    ));
                }
                for (at, text) in &printed[new] {
                    rows.push((
                        '+',
                        *at,
                        text,
                        format!("printed at {}, not expected", format_time(*at)),
                    ));
                }
            }
        }
    }
    pair_moved_lines(&mut rows);
    // The text column is as wide as the longest line shown, up to
    // `TEXT_COLUMN`: a longer line is wrapped within it, so that one long
    // line (a printed error, a panic message) does not push every note far
    // to the right.
    let width = rows
        .iter()
        .take(MAX_DIFF_ROWS)
        .map(|(_, _, text, _)| text.chars().count())
        .max()
        .unwrap_or(0)
        .min(TEXT_COLUMN);
    let mut out =
        String::from("  time     line (~ printed at the wrong time, - missing, + not expected)\n");
    // A program that runs away (a loop that never stops printing) would
    // bury the first difference, which is the one that matters.
    let shown = rows.len().min(MAX_DIFF_ROWS);
    let hidden = rows.len() - shown;
    for (mark, at, text, note) in rows.into_iter().take(shown) {
        // A line without a note may take the whole width.
        let room = if note.is_empty() {
            LINE_WIDTH - ROW_PREFIX
        } else {
            width
        };
        let mut pieces = wrap_text(text, room).into_iter();
        let first = pieces.next().unwrap_or_default();
        let line = format!("{mark} {:>7}  {first:<width$}  {note}", format_time(at));
        let _ = writeln!(out, "{}", line.trim_end());
        for piece in pieces {
            let _ = writeln!(out, "{:ROW_PREFIX$}{piece}", "");
        }
    }
    if hidden > 0 {
        let _ = writeln!(out, "  ... and {hidden} more lines");
    }
    Some(out)
}

/// How wide the diff's text column may grow before its lines are wrapped.
const TEXT_COLUMN: usize = 32;
/// The width the checker's reports keep to.
const LINE_WIDTH: usize = 78;
/// What comes before a row's text: its mark, its time and two spaces.
const ROW_PREFIX: usize = 11;

/// `text` in pieces of at most `width` characters, broken after a space
/// where there is one, and within a word that is longer than `width`.
fn wrap_text(text: &str, width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > width {
        let cut = rest[..=width]
            .iter()
            .rposition(|c| *c == ' ')
            .filter(|&space| space > 0)
            .map_or(width, |space| space + 1);
        let piece: String = rest.drain(..cut).collect();
        pieces.push(piece.trim_end().to_owned());
    }
    pieces.push(rest.into_iter().collect());
    pieces
}

/// A line printed in another order than expected comes out of the text
/// diff twice, as "not printed" where it was expected and "not expected"
/// where it was printed. It was printed, so it becomes one row where it was
/// printed, marked only if its time is wrong.
fn pair_moved_lines(rows: &mut Vec<Row<'_>>) {
    let mut index = 0;
    while index < rows.len() {
        let (mark, printed_at, text, _) = rows[index];
        let missing = (mark == '+')
            .then(|| {
                rows.iter()
                    .position(|&(other, _, other_text, _)| other == '-' && other_text == text)
            })
            .flatten();
        if let Some(missing) = missing {
            rows[index] = printed_row(text, rows[missing].1, printed_at);
            rows.remove(missing);
            if missing < index {
                // Everything from `missing` on moved up one: `index` is
                // already the next row.
                continue;
            }
        }
        index += 1;
    }
}

/// What a program that printed only expected lines, at their times, printed
/// before it hung: the last lines, which lead up to where it stopped.
fn render_printed(printed: &[(u64, String)]) -> String {
    let mut out =
        String::from("  time     line (each as expected; then it printed nothing more)\n");
    let hidden = printed.len().saturating_sub(MAX_DIFF_ROWS);
    if hidden > 0 {
        let _ = writeln!(out, "  ... {hidden} lines before these");
    }
    for (at, text) in &printed[hidden..] {
        let _ = writeln!(out, "  {:>7}  {text}", format_time(*at));
    }
    out
}

/// A line that was printed: unmarked if at its expected time, `~` with both
/// times if not.
fn printed_row(text: &str, expected_at: u64, printed_at: u64) -> Row<'_> {
    if expected_at == printed_at {
        return (' ', printed_at, text, String::new());
    }
    (
        '~',
        printed_at,
        text,
        format!(
            "expected at {}, printed at {}",
            format_time(expected_at),
            format_time(printed_at)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(lines: &[(u64, &str)]) -> Vec<(u64, String)> {
        lines
            .iter()
            .map(|&(at, text)| (at, text.to_owned()))
            .collect()
    }

    #[test]
    fn a_late_line_is_labelled_with_both_times() {
        let expected = lines(&[(0, "start"), (2000, "done")]);
        let printed = lines(&[(0, "start"), (6000, "done")]);
        let diff = render_diff(&expected, &printed).unwrap();
        assert!(
            diff.contains("~    6.0s  done   expected at 2.0s, printed at 6.0s"),
            "{diff}"
        );
        assert!(diff.contains("     0.0s  start\n"), "{diff}");
        assert_eq!(render_diff(&expected, &expected), None);
    }

    #[test]
    fn missing_and_extra_lines_are_marked() {
        let expected = lines(&[(0, "a"), (1000, "b")]);
        let printed = lines(&[(0, "a"), (500, "c")]);
        let diff = render_diff(&expected, &printed).unwrap();
        assert!(
            diff.contains("-    1.0s  b  expected at 1.0s, not printed"),
            "{diff}"
        );
        assert!(
            diff.contains("+    0.5s  c  printed at 0.5s, not expected"),
            "{diff}"
        );
    }

    /// The README's `three_downloads` walk-through: the downloads ran one
    /// after the other, so "b.txt done" comes after "downloading c.txt"
    /// instead of before it. Each line shows once, where it was printed.
    #[test]
    fn a_line_printed_in_another_order_shows_once_with_its_times() {
        let expected = lines(&[
            (0, "downloading a.txt"),
            (0, "downloading b.txt"),
            (0, "downloading c.txt"),
            (1000, "c.txt done"),
            (1500, "b.txt done"),
            (2000, "a.txt done"),
        ]);
        let printed = lines(&[
            (0, "downloading a.txt"),
            (2000, "a.txt done"),
            (2000, "downloading b.txt"),
            (3500, "b.txt done"),
            (3500, "downloading c.txt"),
            (4500, "c.txt done"),
        ]);
        let diff = render_diff(&expected, &printed).unwrap();
        assert!(
            !diff.lines().any(|row| row.starts_with(['-', '+'])),
            "{diff}"
        );
        assert!(diff.contains("\n     2.0s  a.txt done\n"), "{diff}");
        assert!(
            diff.contains("~    3.5s  b.txt done         expected at 1.5s, printed at 3.5s"),
            "{diff}"
        );
        assert_eq!(diff.lines().count(), 7, "{diff}");
    }

    /// One long line, such as a printed `JoinError` with its panic message,
    /// is wrapped in the text column: the other rows and their notes keep
    /// to the report's width.
    #[test]
    fn a_long_line_is_wrapped_and_pads_no_other_row() {
        let long = format!(
            "the task failed: JoinError::Panic(Id(2), \"not yet implemented: {}\", ...)",
            "x".repeat(90)
        );
        let expected = lines(&[(0, "Hello"), (1000, "World")]);
        let printed = lines(&[(0, "Hello"), (1000, &long)]);
        let diff = render_diff(&expected, &printed).unwrap();
        for row in diff.lines() {
            assert!(row.chars().count() <= LINE_WIDTH, "{row:?} in\n{diff}");
        }
        assert!(diff.contains("\n     0.0s  Hello\n"), "{diff}");
        assert!(
            diff.contains(
                "-    1.0s  World                             expected at 1.0s, not printed"
            ),
            "{diff}"
        );
        assert!(
            diff.contains(
                "+    1.0s  the task failed:                  printed at 1.0s, not expected\n"
            ),
            "{diff}"
        );
        // All of it is there, in order.
        let shown: String = diff
            .lines()
            .skip_while(|row| !row.starts_with('+'))
            .map(|row| {
                row[ROW_PREFIX..]
                    .split("  printed at")
                    .next()
                    .unwrap()
                    .trim()
            })
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(shown.replace(' ', ""), long.replace(' ', ""), "{diff}");
        assert_eq!(wrap_text("abc", 2), ["ab", "c"]);
        assert_eq!(wrap_text("ab cd", 4), ["ab", "cd"]);
        assert_eq!(wrap_text("", 4), [""]);
    }

    #[test]
    fn a_task_panic_unwrapped_through_its_handle_is_told_apart() {
        let stderr = "thread 'main' (7) panicked at exercises/src/exercises/02_spawn_join.rs:30:9:\n\
                      not yet implemented\n\
                      note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
                      \n\
                      thread 'main' (7) panicked at exercises/src/exercises/02_spawn_join.rs:33:21:\n\
                      called `Result::unwrap()` on an `Err` value: JoinError::Panic(Id(3), \
                      \"not yet implemented\", ...)\n";
        let mut report = String::new();
        push_panic_notes(&mut report, &panics(stderr));
        let report = report.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            report.contains(
                "A task it spawned panicked first, at exercises/src/exercises/02_spawn_join.rs:30."
            ),
            "{report}"
        );
        assert!(
            report.contains("at exercises/src/exercises/02_spawn_join.rs:33 panicked in turn"),
            "{report}"
        );
        assert!(
            report
                .contains("The `todo!()` at exercises/src/exercises/02_spawn_join.rs:30 is still"),
            "{report}"
        );

        // A panic of the main task alone names no spawned task.
        let mut report = String::new();
        push_panic_notes(
            &mut report,
            &panics(&stderr[..stderr.find("note:").unwrap()]),
        );
        assert!(!report.contains("spawned"), "{report}");
        assert!(report.contains("`todo!()`"), "{report}");
    }

    #[test]
    fn panics_are_read_from_stderr_with_their_place() {
        let stderr = "thread 'main' (20734) panicked at exercises/src/exercises/15_actor.rs:35:5:\n\
                      not yet implemented\n\
                      note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
                      \n\
                      thread 'main' (20734) panicked at exercises/src/exercises/15_actor.rs:35:5:\n\
                      not yet implemented\n\
                      thread '<unnamed>' panicked at exercises/src/exercises/15_actor.rs:40:9:\n\
                      the account is closed\n";
        let found = panics(stderr);
        assert_eq!(
            found,
            [
                Panic {
                    thread: "main".to_owned(),
                    at: "exercises/src/exercises/15_actor.rs:35".to_owned(),
                    message: "not yet implemented".to_owned(),
                },
                Panic {
                    thread: "<unnamed>".to_owned(),
                    at: "exercises/src/exercises/15_actor.rs:40".to_owned(),
                    message: "the account is closed".to_owned(),
                },
            ]
        );
        assert!(found[0].is_todo() && !found[1].is_todo());
        let mut report = String::new();
        push_task_panics(&mut report, &found);
        assert!(
            report.contains(
                "A task it spawned panicked at the `todo!()` at\n\
                 exercises/src/exercises/15_actor.rs:35: replace it with your code."
            ),
            "{report}"
        );
        assert!(
            report.contains(
                "Its thread `<unnamed>` panicked at exercises/src/exercises/15_actor.rs:40: the"
            ),
            "{report}"
        );
        assert!(panics("no panic here\n").is_empty());
    }
}
