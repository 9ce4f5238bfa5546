//! What a learner reads of one exercise: the report of a pass, a wrong
//! output, a compile error, a panic, a hang or a blocked thread, from its
//! build and its run.

use std::fmt::Write as _;
use std::io::{self, IsTerminal as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Once, OnceLock};
use std::time::Duration;

use exercises::{MAX_BYTES, MAX_LINES, Record, SELFTEST_PIDS, Tasks, Transcript, VIRTUAL_LIMIT};
use proc::cargo::DiagnosticSpanLine;

use crate::catalog::{Exercise, SOLUTIONS, crate_dir};
use crate::diagnose::{Dropped, Trap, Unawaited};
use crate::diff::{self, LINE_WIDTH, format_time, parse_expected};
use crate::{diagnose, shipped};

/// How long the checker waits, in real time, for one exercise.
pub const WALL_LIMIT: Duration = Duration::from_secs(10);
/// Real time after which a run on the paused clock counts as blocked: of
/// its thread's own time (`Record::Finished`), which a busy machine does not
/// lengthen.
pub const BLOCKING_LIMIT: Duration = Duration::from_secs(2);
/// The self-tests' binary (`src/selftest.rs`), built with the solutions.
pub const SELFTEST: &str = "exercise-selftest";

/// Which files a build compiles as the exercises.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Files {
    /// The learner's, in `src/exercises/`.
    Learner,
    /// As the last commit has them, copied into `.shipped/` by `verify`.
    Shipped,
    Solutions,
}

impl Files {
    pub fn dir(self) -> &'static str {
        match self {
            Files::Learner => "src/exercises",
            Files::Shipped => shipped::COPIES,
            Files::Solutions => SOLUTIONS,
        }
    }
}

/// What a build of some exercises left: each one's binary, or its errors.
pub struct Built {
    build: proc::cargo::Build,
    files: Files,
    linter: Linter,
    /// Where the binaries are kept, apart from the next build's.
    _kept: tempfile::TempDir,
}

/// Which compiler's lints a build's warnings hold.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Linter {
    /// Clippy's, and so rustc's.
    Clippy,
    /// Rustc's alone: the toolchain has no clippy that matches it.
    Rustc,
}

impl Linter {
    pub fn name(self) -> &'static str {
        match self {
            Linter::Clippy => "clippy",
            Linter::Rustc => "rustc",
        }
    }
}

/// Builds the exercises `names`, each a crate of its own: cargo keeps going
/// past one that does not compile, and its errors are its report.
pub fn build(files: Files, names: &[&str]) -> io::Result<Built> {
    let format = if io::stdout().is_terminal() {
        "--message-format=json-diagnostic-rendered-ansi"
    } else {
        "--message-format=json"
    };
    let mut command = proc::cargo::command();
    command
        // Where the checker was started may be outside the workspace: from
        // inside it, cargo reads `.cargo/config.toml` (the `tokio_unstable`
        // cfg) and rustup `rust-toolchain.toml`, as for every other build.
        .current_dir(crate_dir())
        .stderr(std::process::Stdio::piped())
        .args([
            "build",
            "--quiet",
            "--keep-going",
            format,
            "--manifest-path",
        ])
        .arg(crate_dir().join("Cargo.toml"))
        // With the whole workspace selected, cargo resolves the dependencies'
        // features as `cargo build` does and finds them built.
        .arg("--workspace");
    for name in names {
        command.args(["--bin", name]);
    }
    let feature = match files {
        Files::Learner => "track",
        Files::Shipped => "shipped",
        Files::Solutions => "solutions",
    };
    command.args(["--features", &format!("exercises/{feature}")]);
    if files == Files::Solutions {
        command.args(["--bin", SELFTEST]);
    }
    // Through clippy, which knows a future dropped by `let _ =` (rustc only
    // one never bound): it compiles as rustc does, and lints only the
    // workspace's crates, whose artifacts it keeps apart from rustc's
    // (cargo puts the wrapper's path in their hash), so that neither
    // build makes the other's stale. By a link of its own: `cargo clippy --
    // -D warnings` runs the same driver with other CLIPPY_ARGS, which a
    // build script's unit records, and each would rebuild the other's.
    let linter = match clippy_driver() {
        Some(clippy) => {
            command.env("RUSTC_WORKSPACE_WRAPPER", clippy);
            Linter::Clippy
        }
        None => Linter::Rustc,
    };
    // In the target directory, so that a binary is linked, not copied.
    let target = std::env::current_exe()?
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| io::Error::other("the checker's executable is in no directory"))?;
    let kept = tempfile::Builder::new()
        .prefix(".exercise-binaries-")
        .tempdir_in(target)?;
    let build = proc::cargo::build(command, Some(kept.path()))?;
    // An error anywhere but in an exercise's own crate is not the learner's.
    let ours: Vec<&String> = build
        .errors
        .iter()
        .filter(|(target, _)| !names.contains(&target.as_str()))
        .flat_map(|(_, errors)| errors)
        .collect();
    if !ours.is_empty() || (!build.success() && build.errors.is_empty()) {
        let ours: Vec<&str> = ours.iter().map(|error| error.as_str()).collect();
        return Err(io::Error::other(format!(
            "building the exercises failed:\n{}{}",
            ours.join("\n"),
            build.stderr
        )));
    }
    Ok(Built {
        build,
        files,
        linter,
        _kept: kept,
    })
}

/// Clippy's driver of the toolchain cargo builds with, found once; `None`
/// where there is none, or one that is not the same compiler (its crates
/// and rustc's could not be linked together), and the build is rustc's
/// alone: the first call says so, on stderr.
fn clippy_driver() -> Option<&'static Path> {
    static DRIVER: OnceLock<Option<PathBuf>> = OnceLock::new();
    let driver = DRIVER.get_or_init(|| {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        match matching_clippy_driver(rustc.as_ref()) {
            Ok(driver) => Some(own_link(driver)),
            Err(why) => {
                eprintln!(
                    "note: futures dropped by `let _ =` are not named: {why}; the exercises \
                     are built by rustc alone."
                );
                None
            }
        }
    });
    driver.as_deref()
}

/// A link to `driver` beside the checker's executable (see `build`), or
/// `driver` itself where none can be made there.
fn own_link(driver: PathBuf) -> PathBuf {
    let Some(link) = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("exercises-clippy-driver")))
    else {
        return driver;
    };
    if std::fs::read_link(&link).is_ok_and(|target| target == driver) {
        return link;
    }
    let _ = std::fs::remove_file(&link);
    match std::os::unix::fs::symlink(&driver, &link) {
        Ok(()) => link,
        Err(_) => driver,
    }
}

/// How long a compiler may take to say its version or sysroot.
const PROBE_LIMIT: Duration = Duration::from_secs(60);

/// `clippy-driver` in the sysroot of `rustc` (a rustup proxy picks the
/// toolchain as cargo's does, here in the workspace), if it is the same
/// compiler as that rustc; else why not.
fn matching_clippy_driver(rustc: &std::ffi::OsStr) -> Result<PathBuf, String> {
    let output = |mut command: Command| -> Result<String, String> {
        command.current_dir(crate_dir());
        let shown = format!("{command:?}").replace('"', "");
        match proc::run(command, PROBE_LIMIT) {
            Ok(finished) if finished.success() => Ok(finished.stdout),
            Ok(finished) => Err(format!("`{shown}` failed ({})", finished.exit)),
            Err(error) => Err(format!("cannot run `{shown}`: {error}")),
        }
    };
    let mut sysroot = Command::new(rustc);
    sysroot.args(["--print", "sysroot"]);
    let sysroot = PathBuf::from(output(sysroot)?.trim());
    let driver = sysroot.join("bin").join("clippy-driver");
    if !driver.is_file() {
        return Err(format!(
            "the toolchain at {} has no clippy (`rustup component add clippy` adds it)",
            sysroot.display()
        ));
    }
    let mut version = Command::new(rustc);
    version.arg("-vV");
    let rustc_version = output(version)?;
    // As cargo runs it: the wrapper, then the compiler it wraps.
    let mut version = Command::new(&driver);
    version.arg(rustc).arg("-vV");
    let driver_version = output(version)?;
    if driver_version != rustc_version {
        let first = |text: &str| text.lines().next().unwrap_or_default().to_owned();
        return Err(format!(
            "{} is {}, but cargo compiles with {}",
            driver.display(),
            first(&driver_version),
            first(&rustc_version)
        ));
    }
    Ok(driver)
}

impl Built {
    pub fn compiled(&self, name: &str) -> bool {
        self.build.binaries.contains_key(name)
    }

    /// Whose lints are among its warnings.
    pub fn linter(&self) -> Linter {
        self.linter
    }

    /// The compiler's (and the linter's) warnings in the target `name`, rendered.
    pub fn warnings(&self, name: &str) -> &[String] {
        self.build.warnings.get(name).map_or(&[], Vec::as_slice)
    }

    /// Runs `exercise` if it compiled; if not, the compiler's errors are
    /// why it fails. The compiler's warnings come after either.
    pub fn outcome(&self, exercise: &Exercise) -> io::Result<Outcome> {
        let name = exercise.name.as_str();
        let warnings = self.warnings(name).to_vec();
        let errors = match self.build.errors.get(name) {
            Some(errors) if !self.compiled(name) => errors,
            _ => {
                let source = crate_dir().join(self.files.dir()).join(&exercise.file);
                let (binary, expected) = (self.binary(name)?, exercise.expected()?);
                let compiler = Compiler {
                    unawaited: self.unawaited(name, &exercise.file),
                    traps: self.trap_lints(name, &exercise.file),
                    warnings,
                };
                let command = Command::new(binary);
                return run(command, name, &expected, &source, &compiler);
            }
        };
        let mut report = prose(&format!("`{name}` does not compile. The compiler says:"));
        for message in errors.iter().chain(&warnings) {
            let _ = write!(report, "\n{}\n", learner_paths(message).trim_end());
        }
        if errors.iter().any(|error| guard_not_send(error)) {
            let _ = write!(report, "\n{}\n", prose(GUARD_NOT_SEND));
        }
        Ok(Outcome::Fail(report))
    }

    /// Clippy's lints in the exercise's file, `file`, of a trap that a run
    /// may not show: a guard held across an `.await`.
    fn trap_lints(&self, name: &str, file: &str) -> Vec<HeldAcrossAwait> {
        let mut found = Vec::new();
        for lint in self.build.lints.get(name).into_iter().flatten() {
            let Some(code) = &lint.code else {
                continue;
            };
            if !HELD_ACROSS_AWAIT.contains(&code.code.as_str()) {
                continue;
            }
            let in_file = lint.spans.iter().find(|span| {
                span.is_primary && Path::new(&span.file_name).file_name() == Some(file.as_ref())
            });
            if let Some(span) = in_file {
                found.push(HeldAcrossAwait {
                    lint: code.code.clone(),
                    line: span.line_start,
                });
            }
        }
        found
    }

    /// The statements of the exercise's file, `file`, that make a future
    /// and drop it, by the compiler's lints.
    fn unawaited(&self, name: &str, file: &str) -> Vec<Unawaited> {
        let mut found = Vec::new();
        for lint in self.build.lints.get(name).into_iter().flatten() {
            let Some(code) = &lint.code else {
                continue;
            };
            let how = match code.code.as_str() {
                "clippy::let_underscore_future" => Dropped::LetUnderscore,
                // The lint of every unused `#[must_use]` value; a future's
                // says what futures do.
                "unused_must_use" if says_futures_do_nothing(lint) => Dropped::Unused,
                _ => continue,
            };
            let Some(span) = lint.spans.iter().find(|span| span.is_primary) else {
                continue;
            };
            if Path::new(&span.file_name).file_name() != Some(file.as_ref()) {
                continue;
            }
            found.push(Unawaited {
                lines: (span.line_start, span.line_end),
                code: spanned(&span.text),
                how,
            });
        }
        found
    }

    fn binary(&self, name: &str) -> io::Result<&Path> {
        let binary = self.build.binaries.get(name);
        let missing = || io::Error::other(format!("cargo built no `{name}` executable"));
        binary.map(PathBuf::as_path).ok_or_else(missing)
    }

    /// Runs the self-test `case`, whose file is `src/selftest.rs`; one
    /// that starts a process writes its id, a line, to the file `pids`.
    pub fn selftest(&self, case: &str, expected: &str, pids: Option<&Path>) -> io::Result<Outcome> {
        let source = crate_dir().join("src/selftest.rs");
        let compiler = Compiler::default();
        let mut command = Command::new(self.binary(SELFTEST)?);
        command.arg(case);
        if let Some(pids) = pids {
            command.env(SELFTEST_PIDS, pids);
        }
        run(command, case, expected, &source, &compiler)
    }
}

/// Clippy's lints of a `std::sync` (or `parking_lot`) guard or a `RefCell`
/// borrow held across an `.await`: another task that takes the lock
/// meanwhile blocks its thread inside `lock()`, which on a current-thread
/// runtime is a deadlock (and such a future is not `Send`, so it can't be
/// `tokio::spawn`ed); a second `borrow_mut` panics.
const HELD_ACROSS_AWAIT: [&str; 2] = [
    "clippy::await_holding_lock",
    "clippy::await_holding_refcell_ref",
];

/// What the compiler said of an exercise's file, for the report of its run.
#[derive(Default)]
struct Compiler {
    /// Its warnings, rendered.
    warnings: Vec<String>,
    /// The statements that make a future and drop it.
    unawaited: Vec<Unawaited>,
    /// The lints of [`HELD_ACROSS_AWAIT`] it found there.
    traps: Vec<HeldAcrossAwait>,
}

/// One of [`HELD_ACROSS_AWAIT`] in the learner's file: the lint, and the
/// line of the guard or borrow it names.
struct HeldAcrossAwait {
    lint: String,
    line: usize,
}

/// Whether rustc's `unused_must_use` is about a future: its note says what
/// futures do.
fn says_futures_do_nothing(lint: &proc::cargo::Diagnostic) -> bool {
    let notes = lint.children.iter();
    notes
        .map(|child| child.message.as_str())
        .any(|message| message.starts_with("futures do nothing unless"))
}

/// The code a span covers, from the lines the compiler quotes with it (each
/// line's text and its highlighted columns, counted in characters from 1,
/// the end excluded).
fn spanned(lines: &[DiagnosticSpanLine]) -> String {
    let mut parts = Vec::new();
    for line in lines {
        parts.push(highlighted(
            &line.text,
            line.highlight_start,
            line.highlight_end,
        ));
    }
    parts.join("\n")
}

fn highlighted(text: &str, start: usize, end: usize) -> String {
    let skipped = start.saturating_sub(1);
    text.chars()
        .skip(skipped)
        .take(end.saturating_sub(start))
        .collect()
}

/// Compiler messages and panics name an exercise's file as `src/bin/` sees
/// it (`src/bin/../exercises/<file>`); the learner knows it by its own path.
pub fn learner_paths(text: &str) -> String {
    text.replace("src/bin/../exercises/", "src/exercises/")
        .replace("exercises/src/bin/../../.", "exercises/.")
}

pub enum Outcome {
    Pass,
    /// Why it failed, ready to print.
    Fail(String),
}

/// How a run ended.
pub enum Ended {
    /// It returned, having held its thread `held_ms` of real time
    /// (`Record::Finished`).
    Finished {
        held_ms: u64,
    },
    /// It was still running at [`VIRTUAL_LIMIT`].
    VirtualTimeout,
    Panicked,
    /// Killed at [`WALL_LIMIT`].
    Killed,
    /// Killed for writing more than [`MAX_BYTES`] to `stream`.
    TooMuchOutput {
        stream: proc::Stream,
    },
    /// It returned, having printed more than [`MAX_LINES`] lines.
    TooManyLines,
    /// It exited without a last record.
    Exited(proc::Exit),
}

/// Runs `command`, an exercise's binary, and compares what it printed,
/// and when, with `expected`; the notes on traps read the learner's file,
/// `source`, and what the compiler said of it, `compiler`.
fn run(
    command: Command,
    name: &str,
    expected: &str,
    source: &Path,
    compiler: &Compiler,
) -> io::Result<Outcome> {
    let expected = parse_expected(expected)
        .map_err(|error| io::Error::other(format!("expected/{name}.txt: {error}")))?;
    let finished = run_within_limits(command)?;
    let Transcript {
        printed,
        more_lines,
        last_line_ms,
        waits,
        left_running,
        spawned,
        tasks,
        end,
    } = Transcript::read(&finished.stdout);
    if tasks == Tasks::Unseen {
        tell_once_tasks_unseen();
    }
    let ended = Ended::of(finished.exit, end, more_lines);
    let text = std::fs::read_to_string(source).ok();
    let notes = diagnose::diagnose(&diagnose::Seen {
        expected: &expected,
        printed: &printed,
        ended: &ended,
        waits: &waits,
        source: text.as_deref(),
        unawaited: &compiler.unawaited,
        spawned: &spawned,
        tasks,
    });
    let ran = Ran {
        name,
        diff: diff::render(&expected, &printed),
        printed,
        ended,
        stderr: learner_paths(&finished.stderr),
        more_lines,
        last_line_ms,
        waits,
        left_behind: LeftBehind {
            tasks: left_running,
            streams: finished.streams,
        },
        notes,
        file_name: source.file_name().unwrap_or_default().to_string_lossy(),
        source: text,
    };
    match ran.verdict(compiler) {
        Verdict::Pass => Ok(Outcome::Pass),
        Verdict::Fail { opening, output } => {
            Ok(Outcome::Fail(ran.report(opening, output, compiler)))
        }
    }
}

/// Runs `command` until it returns, [`WALL_LIMIT`] passes or it writes
/// more than [`MAX_BYTES`].
fn run_within_limits(mut command: Command) -> io::Result<proc::Finished> {
    // The panic message is the lesson; a backtrace would bury it.
    command.env("RUST_BACKTRACE", "0");
    // In a process group of its own: what it left running is killed with it.
    proc::run_limited(command, WALL_LIMIT, MAX_BYTES)
}

impl Ended {
    /// How a run ended, by how its process exited, `exit`, the harness's
    /// last record, `end`, and how many lines it printed past
    /// [`MAX_LINES`], `more_lines`.
    fn of(exit: proc::Exit, end: Option<Record>, more_lines: usize) -> Ended {
        match (exit, end) {
            (proc::Exit::TimedOut, _) => Ended::Killed,
            (proc::Exit::TooMuchOutput { stream, .. }, _) => Ended::TooMuchOutput { stream },
            (_, Some(Record::Finished { .. })) if more_lines > 0 => Ended::TooManyLines,
            (_, Some(Record::Finished { held_ms })) => Ended::Finished { held_ms },
            (_, Some(Record::VirtualTimeout)) => Ended::VirtualTimeout,
            (_, Some(Record::Panicked)) => Ended::Panicked,
            (exit, _) => Ended::Exited(exit),
        }
    }
}

/// One run of an exercise, as its verdict and its report read it.
struct Ran<'a> {
    name: &'a str,
    ended: Ended,
    printed: Vec<(u64, String)>,
    /// How `printed` differs from what was expected, if it does.
    diff: Option<String>,
    /// Its stderr, naming the learner's paths.
    stderr: String,
    /// How many lines it printed past [`MAX_LINES`].
    more_lines: usize,
    /// When it printed its last line, in virtual ms.
    last_line_ms: Option<u64>,
    /// Where each task of a hung run waited (the harness's sentences).
    waits: Vec<String>,
    left_behind: LeftBehind,
    /// What [`diagnose::diagnose`] found, each note with its trap.
    notes: Vec<(Trap, String)>,
    /// The learner's file: its name, and its text if it could be read.
    file_name: std::borrow::Cow<'a, str>,
    source: Option<String>,
}

/// Whether a run passes, by its output and how it ended.
enum Verdict {
    Pass,
    Fail {
        /// What its report says first: how it ended, and why.
        opening: String,
        output: Output,
    },
}

impl Ran<'_> {
    fn verdict(&self, compiler: &Compiler) -> Verdict {
        let name = self.name;
        let opening = match &self.ended {
            Ended::Finished { held_ms } if Duration::from_millis(*held_ms) > BLOCKING_LIMIT => {
                self.took_real_time(*held_ms)
            }
            Ended::Finished { .. } if self.diff.is_none() && self.left_behind.is_nothing() => {
                return self.right_output(compiler);
            }
            Ended::Finished { .. } if self.diff.is_none() => prose(&format!(
                "`{name}` printed the right lines at the right times, but left something running \
                 when it returned."
            )),
            Ended::Finished { .. } => ran_to_the_end(name, &self.stderr),
            Ended::Panicked => {
                format!("`{name}` panicked:\n")
                    + &indented(&self.stderr)
                    + &panic_notes(&panics(&self.stderr))
            }
            Ended::VirtualTimeout => self.still_running(),
            Ended::Killed => self.killed(),
            Ended::TooMuchOutput { stream } => {
                prose(&format!(
                    "`{name}` printed more to {stream} than the checker reads ({} MiB), so it was \
                     stopped: a loop that prints on every turn and never ends, most likely. What \
                     it printed first is below.",
                    MAX_BYTES >> 20
                )) + &task_panics(&panics(&self.stderr))
            }
            Ended::TooManyLines => prose(&format!(
                "`{name}` ran to the end, but printed {} lines; only the first {MAX_LINES} are \
                 compared.",
                MAX_LINES + self.more_lines
            )),
            Ended::Exited(exit) => {
                format!("`{name}` stopped without finishing ({exit}):\n") + &indented(&self.stderr)
            }
        };
        Verdict::Fail {
            opening,
            output: Output::Wrong,
        }
    }

    /// A run that held its thread `held_ms` of real time, more than
    /// [`BLOCKING_LIMIT`], on the paused clock.
    fn took_real_time(&self, held_ms: u64) -> String {
        let (name, took) = (self.name, held_ms as f64 / 1000.0);
        if hands_off_blocking_work(&self.notes) {
            // Not a blocked thread, or not only: the note says why.
            return match self.diff {
                None => prose(&format!(
                    "`{name}` printed the right lines at the right times, but took {took:.1}s of \
                     real time on a clock that is paused."
                )),
                Some(_) => {
                    ran_to_the_end(name, &self.stderr)
                        + &prose(&format!(
                            "It also took {took:.1}s of real time, which the paused clock did not \
                             count."
                        ))
                }
            };
        }
        match self.diff {
            None => prose(&format!(
                "`{name}` printed the right lines at the right times, but took {took:.1}s of real \
                 time on a clock that is paused. Only a blocked thread takes real time here: \
                 `std::thread::sleep`, a busy loop or blocking I/O inside async code stops every \
                 other task too."
            )),
            Some(_) => {
                ran_to_the_end(name, &self.stderr)
                    + &prose(&format!(
                        "It also took {took:.1}s of real time although the clock is paused: \
                         something blocked the thread (`std::thread::sleep`, a busy loop, \
                         blocking I/O), and the paused clock does not see that time pass."
                    ))
            }
        }
    }

    /// A run that printed the right lines at the right times and left
    /// nothing running.
    fn right_output(&self, compiler: &Compiler) -> Verdict {
        // Right lines at right times show what the run printed, not all
        // that the code does. Two traps the compiler finds in the code may
        // not show in the output: a future never awaited did nothing, which
        // may have printed nothing anyway; a std guard or a `RefCell`
        // borrow held across an `.await` goes wrong only when another task
        // wants it meanwhile (a blocked thread, a deadlock, a panic), which
        // this run may not have had. A pass would tell the learner such
        // code is right, so it fails, with the note and the compiler's
        // warnings. Other warnings (an unused variable) are not async
        // traps, and pass.
        let dropped = self
            .notes
            .iter()
            .any(|(trap, _)| *trap == Trap::FutureDropped);
        if !dropped && compiler.traps.is_empty() {
            return Verdict::Pass;
        }
        let mut text = format!(
            "`{}` printed the right lines at the right times, but the compiler found a mistake in \
             your code that the output does not show.",
            self.name
        );
        for held in &compiler.traps {
            let (line, lint) = (held.line, &held.lint);
            text.push_str(&format!(
                " Line {line} of your file keeps a `std` lock guard or a `RefCell` borrow \
                 across an `.await` (`{lint}`): a task that takes the lock meanwhile blocks \
                 its thread, for good on a one-thread runtime, and a second borrow panics. \
                 Drop it before the `.await`, or use `tokio::sync::Mutex`."
            ));
        }
        Verdict::Fail {
            opening: prose(&text),
            output: Output::Right,
        }
    }

    /// A run stopped at [`VIRTUAL_LIMIT`]: still printing, or waiting.
    fn still_running(&self) -> String {
        let stopped = format!(
            "`{}` was still running after {}s of virtual time, so it was stopped.",
            self.name,
            VIRTUAL_LIMIT.as_secs()
        );
        let why = match self.last_line_ms {
            Some(ms)
                if VIRTUAL_LIMIT.saturating_sub(Duration::from_millis(ms)) <= STILL_PRINTING =>
            {
                format!(
                    "It was still printing then (its last line at {}): a loop that never \
                     ends, such as one whose exit condition never changes.",
                    format_time(ms)
                )
            }
            // Such as the task that was to answer, or to drop a sender.
            _ => "Something awaits forever: a channel whose senders are never dropped, a \
                  task that is never told to stop, a future that nothing wakes."
                .to_owned(),
        };
        prose(&format!("{stopped} {why}")) + &task_panics(&panics(&self.stderr))
    }

    /// A run killed at [`WALL_LIMIT`].
    fn killed(&self) -> String {
        let causes = if hands_off_blocking_work(&self.notes) {
            "a loop that never reaches an `.await`, code that blocks the thread, or a \
             blocking task that was still running (see below)"
        } else {
            "a loop that never reaches an `.await`, or code that blocks the thread"
        };
        prose(&format!(
            "`{}` did not finish within {}s of real time, so it was stopped. On the paused clock \
             sleeping takes no real time, so this is {causes}. What it printed before it was \
             stopped is below.",
            self.name,
            WALL_LIMIT.as_secs()
        ))
    }

    /// The report of a failed run, from its first paragraph, `opening`:
    /// what it printed, what it left running, the notes on its traps,
    /// where its tasks waited, and the compiler's warnings.
    fn report(self, opening: String, output: Output, compiler: &Compiler) -> String {
        let mut report = opening;
        if let Some(shown) = self.shown_output() {
            let _ = write!(report, "\n{shown}");
        }
        let source = self.source.as_deref().unwrap_or_default();
        report += &self.left_behind.note(&self.file_name, source);
        for (trap, text) in self.notes {
            report.push('\n');
            report += &prose(&format!("{}. {text}", trap.title()));
        }
        if !self.waits.is_empty() {
            let _ = writeln!(
                report,
                "\nWhere each task was waiting at {}s:",
                VIRTUAL_LIMIT.as_secs()
            );
            for text in &self.waits {
                let _ = writeln!(report, "  {text}");
            }
        }
        if !compiler.warnings.is_empty() {
            report += match output {
                Output::Right => "\nThe compiler warned about your code:\n",
                Output::Wrong => "\nThe compiler warned about your code, which may be why:\n",
            };
            for message in &compiler.warnings {
                let _ = write!(report, "\n{}\n", learner_paths(message).trim_end());
            }
        }
        report
    }

    /// What the report shows of the output: how it differs from what was
    /// expected, if it does; and what a run that never returned printed,
    /// even if each line came at its time.
    fn shown_output(&self) -> Option<String> {
        match self.ended {
            Ended::VirtualTimeout | Ended::Exited(_) => Some(
                self.diff
                    .clone()
                    .unwrap_or_else(|| diff::render_printed(&self.printed)),
            ),
            _ => self.diff.clone(),
        }
    }
}

/// Whether a failed run's output was right, for what its report says of
/// the compiler's warnings.
#[derive(Clone, Copy)]
enum Output {
    Right,
    Wrong,
}

/// A run stopped at [`VIRTUAL_LIMIT`] that printed a line this close to it
/// was still printing, not waiting.
const STILL_PRINTING: Duration = Duration::from_secs(5);

/// Whether the notes of a run name a blocking task, which stops the paused
/// clock.
fn hands_off_blocking_work(notes: &[(Trap, String)]) -> bool {
    notes.iter().any(|(trap, _)| *trap == Trap::BlockingTask)
}

/// Says once, on stderr, that the harness could not see the exercises'
/// tasks: a check that could not run must not pass for one that did.
fn tell_once_tasks_unseen() {
    static TOLD: Once = Once::new();
    TOLD.call_once(|| {
        eprintln!(
            "note: tasks left running when `run()` returns are not checked, and futures dropped \
             by `let _ =` are not named: the exercises were built without `--cfg tokio_unstable`, which Tokio's task hooks need (a RUSTFLAGS of \
             your own replaces the one in .cargo/config.toml)."
        );
    });
}

/// What a run that returned left behind it.
struct LeftBehind {
    /// Where each task still running was spawned, `file:line: code` from
    /// the harness.
    tasks: Vec<String>,
    /// Whether a process still held the output open.
    streams: proc::Streams,
}

impl LeftBehind {
    fn is_nothing(&self) -> bool {
        self.tasks.is_empty() && self.streams == proc::Streams::Ended
    }

    /// What it left, for the learner; a line of `file_name`, whose text is
    /// `source`, is theirs.
    fn note(&self, file_name: &str, source: &str) -> String {
        let mut note = left_running_note(&self.tasks, file_name, source).unwrap_or_default();
        if self.streams == proc::Streams::HeldOpen {
            note += &held_open_note();
        }
        note
    }
}

/// Where the tasks still running when `run()` returned were spawned, each
/// `file:line: code` from the harness, and why they ran on: `None` if none
/// did. A line of `file_name` is the learner's; a file with a `select!`,
/// whose text is `source`, is told about racing tasks.
fn left_running_note(places: &[String], file_name: &str, source: &str) -> Option<String> {
    let count = places.len();
    let tasks = match count {
        0 => return None,
        1 => "1 task it spawned was".to_owned(),
        _ => format!("{count} tasks it spawned were"),
    };
    let why = if source.contains("select!") {
        "A task runs until it ends, whatever becomes of its `JoinHandle`: dropping the handle \
         (as `select!` drops the branch that loses) detaches the task, it does not cancel it, \
         like the pending tasks that asyncio's `wait(..., return_when=FIRST_COMPLETED)` hands \
         back. To cancel the loser of a race, race the futures themselves in `select!`, not \
         tasks: the branch that loses is dropped at its `.await`. Or stop the task yourself: \
         `handle.abort()`, or spawn it on a `JoinSet`, which aborts its tasks when it is dropped."
    } else {
        "A task runs until it ends, whatever becomes of its `JoinHandle`: dropping the handle \
         detaches the task, it does not cancel it. Every task must end before `run()` returns: \
         await its handle, stop it with `handle.abort()`, or spawn it on a `JoinSet`, which \
         aborts its tasks when it is dropped."
    };
    let mut note = String::from("\n");
    note += &prose(&format!(
        "When `run()` returned, {tasks} still running. {why}"
    ));
    for place in places {
        let (at, code) = place.split_once(": ").unwrap_or((place, ""));
        let at = match at.split_once(':') {
            Some((file, line)) if file == file_name => format!("line {line} of your file"),
            _ => at.to_owned(),
        };
        // The code as it is, unwrapped: it is what the learner looks for.
        match code {
            "" => note += &format!("  spawned at {at}\n"),
            code => note += &format!("  spawned at {at}: {code}\n"),
        }
    }
    Some(note)
}

/// A process that left the harness's process group, still holding the
/// output open after the harness ended.
fn held_open_note() -> String {
    "\n".to_owned()
        + &prose(
            "It started a process that still holds its output open: the process left its \
             process group (as `setsid` does), out of the checker's reach, and was not stopped. \
             Stop every process you start before `run()` returns (`Child::kill`, then \
             `wait`), or give it no output to keep (`Stdio::null()`).",
        )
}

/// A run that ended with the wrong output; a task that panicked ended alone,
/// and only stderr says so.
fn ran_to_the_end(name: &str, stderr: &str) -> String {
    prose(&format!(
        "`{name}` ran to the end, but its output differs from what was expected."
    )) + &task_panics(&panics(stderr))
}

/// A panic in a run's stderr: its thread, `file:line`, and message.
#[derive(Debug, PartialEq, Eq)]
struct Panic {
    thread: String,
    at: String,
    message: String,
}

impl Panic {
    fn is_todo(&self) -> bool {
        self.message.starts_with("not yet implemented")
            || self.message.starts_with("not implemented")
    }
}

/// The panics of `stderr`, each place once: Rust prints each as
/// `thread 'main' (12) panicked at file:line:column:`, then the message.
fn panics(stderr: &str) -> Vec<Panic> {
    let mut found: Vec<Panic> = Vec::new();
    let mut lines = stderr.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((thread, after)) = line
            .strip_prefix("thread '")
            .and_then(|r| r.split_once('\''))
        else {
            continue;
        };
        let Some((_, place)) = after.split_once(" panicked at ") else {
            continue;
        };
        let place = place.strip_suffix(':').unwrap_or(place);
        let at = match place.rsplit_once(':') {
            Some((at, column)) if column.bytes().all(|b| b.is_ascii_digit()) => at,
            _ => place,
        };
        let mut message = Vec::new();
        while let Some(next) = lines.next_if(|next| {
            !next.is_empty() && !next.starts_with("thread '") && !next.starts_with("note: ")
        }) {
            message.push(next);
        }
        if !found.iter().any(|seen| seen.at == at) {
            found.push(Panic {
                thread: thread.to_owned(),
                at: at.to_owned(),
                message: message.join("\n"),
            });
        }
    }
    found
}

/// Where each panic of a run that went on happened: it ended one task only.
fn task_panics(panics: &[Panic]) -> String {
    let mut out = String::new();
    for panic in panics {
        let who = if panic.thread == "main" {
            "A task it spawned".to_owned()
        } else {
            format!("Its thread `{}`", panic.thread)
        };
        let what = if panic.is_todo() {
            format!(
                "{who} panicked at the `todo!()` at {}: replace it with your code. A panic ends \
                 only the task it happens in, and the program ran on without what that task was \
                 to do.",
                panic.at
            )
        } else {
            let message = panic.message.lines().next().unwrap_or_default();
            format!("{who} panicked at {}: {message}", panic.at)
        };
        out += &format!("\n{}", prose(&what));
    }
    out
}

/// After the panic that ended a run: a spawned task's panic unwrapped from
/// its `JoinHandle`, and a `todo!()` left in place.
fn panic_notes(panics: &[Panic]) -> String {
    let mut out = String::new();
    if let [first, .., last] = panics
        && last.message.contains("JoinError::Panic(")
    {
        out += &format!(
            "\n{}",
            prose(&format!(
                "A task it spawned panicked first, at {}. Its `JoinHandle` handed that panic back \
                 as `Err(JoinError::Panic(..))`, and the `unwrap` or `expect` at {} panicked in \
                 turn, which ended the program. (Both say `thread 'main'`: every task here runs \
                 on that one thread.)",
                first.at, last.at
            ))
        );
    }
    if let Some(todo) = panics.iter().find(|panic| panic.is_todo()) {
        let text = format!(
            "The `todo!()` at {} is still there: replace it with your code.",
            todo.at
        );
        out += &format!("\n{}", prose(&text));
    }
    out
}

/// `text` as a paragraph wrapped to [`LINE_WIDTH`].
fn prose(text: &str) -> String {
    wrap(text, 0)
}

/// `text` as a paragraph indented by `indent` and wrapped to [`LINE_WIDTH`].
pub fn wrap(text: &str, indent: usize) -> String {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let lines = diff::wrap(&words, LINE_WIDTH - indent).into_iter();
    lines
        .map(|line| format!("{:indent$}{line}\n", ""))
        .collect()
}

/// Stderr indented, without the backtrace hint, each message once.
fn indented(text: &str) -> String {
    let mut seen: Vec<String> = Vec::new();
    for block in text.trim().split("\n\n") {
        let block: Vec<&str> = block
            .lines()
            .filter(|line| !line.starts_with("note: run with `RUST_BACKTRACE=1`"))
            .collect();
        let block = block.join("\n");
        if !block.is_empty() && !seen.contains(&block) {
            seen.push(block);
        }
    }
    let blocks: Vec<String> = seen
        .iter()
        .map(|block| block.lines().map(|line| format!("    {line}\n")).collect())
        .collect();
    let text = blocks.join("\n");
    // A run may write megabytes there; the first lines say what went wrong.
    let mut lines = text.lines();
    let shown: String = lines
        .by_ref()
        .take(MAX_STDERR_LINES)
        .map(|line| format!("{line}\n"))
        .collect();
    match lines.count() {
        0 => shown,
        hidden => format!("{shown}    ... and {hidden} more lines\n"),
    }
}

/// How many lines of a run's stderr a report shows.
const MAX_STDERR_LINES: usize = 60;

/// What the compiler's "future cannot be sent between threads safely" means
/// when a `std::sync::MutexGuard` is what can't be sent.
const GUARD_NOT_SEND: &str = "A `std::sync::MutexGuard` is still alive at an `.await` in a \
 spawned task, and a task may move to another thread there. End the guard before the \
 `.await`: lock inside a block of its own (`{ *total.lock().unwrap() += visits; }`) or \
 `drop(guard)` first; or, if the lock must be held across the `.await`, use \
 `tokio::sync::Mutex`.";

/// Whether a compiler error is a spawned future that isn't `Send` because of
/// a `MutexGuard` (Tokio's is `Send`; std's is not).
fn guard_not_send(error: &str) -> bool {
    error.contains("cannot be sent between threads safely") && error.contains("MutexGuard")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rustc 1.95's words for a std guard held across an `.await` in a
    /// spawned task get the note; another value that isn't `Send` doesn't.
    #[test]
    fn a_guard_that_cannot_be_sent_is_explained() {
        let guard = "error: future cannot be sent between threads safely\n  --> \
                     src/exercises/14_shared_counter.rs:26:20\n   |\n   = help: within \
                     `{async block@src/exercises/14_shared_counter.rs:26:33: 26:43}`, the \
                     trait `Send` is not implemented for `std::sync::MutexGuard<'_, u32>`";
        assert!(guard_not_send(guard));
        let rc = guard.replace("std::sync::MutexGuard<'_, u32>", "Rc<u32>");
        assert!(!guard_not_send(&rc));
    }

    const TASK_TODO: &str = "thread 'main' (7) panicked at exercises/src/exercises/02_spawn_join.rs:30:9:\n\
        not yet implemented\n\
        note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
        \n\
        thread 'main' (7) panicked at exercises/src/exercises/02_spawn_join.rs:33:21:\n\
        called `Result::unwrap()` on an `Err` value: JoinError::Panic(Id(3), \"not yet implemented\", ...)\n\
        thread '<unnamed>' panicked at exercises/src/exercises/02_spawn_join.rs:30:9:\n\
        not yet implemented\n";

    #[test]
    fn panics_are_read_from_stderr_each_place_once() {
        let found = panics(TASK_TODO);
        let places: Vec<(&str, &str)> = found
            .iter()
            .map(|p| (p.thread.as_str(), p.at.as_str()))
            .collect();
        assert_eq!(
            places,
            [
                ("main", "exercises/src/exercises/02_spawn_join.rs:30"),
                ("main", "exercises/src/exercises/02_spawn_join.rs:33")
            ]
        );
        assert!(found[0].is_todo() && !found[1].is_todo());
        assert!(panics("no panic here\n").is_empty());
        assert_eq!(
            indented("a\nnote: run with `RUST_BACKTRACE=1` ..\n\na\n\nb"),
            "    a\n\n    b\n"
        );
        let flood: String = (0..1000).map(|n| format!("line {n}\n")).collect();
        let shown = indented(&flood);
        assert_eq!(shown.lines().count(), MAX_STDERR_LINES + 1, "{shown}");
        assert!(
            shown.ends_with("    line 59\n    ... and 940 more lines\n"),
            "{shown}"
        );
    }

    #[test]
    fn a_task_panic_unwrapped_through_its_handle_is_told_apart() {
        let notes = panic_notes(&panics(TASK_TODO)).replace('\n', " ");
        for says in [
            "A task it spawned panicked first, at exercises/src/exercises/02_spawn_join.rs:30.",
            "at exercises/src/exercises/02_spawn_join.rs:33 panicked in turn",
            "The `todo!()` at exercises/src/exercises/02_spawn_join.rs:30 is still there",
        ] {
            assert!(notes.contains(says), "{says}: {notes}");
        }
        let alone = panic_notes(&panics(&TASK_TODO[..TASK_TODO.find("note:").unwrap()]));
        assert!(
            !alone.contains("spawned") && alone.contains("`todo!()`"),
            "{alone}"
        );
        let task = task_panics(&panics(TASK_TODO)).replace('\n', " ");
        assert!(
            task.contains("A task it spawned panicked at the `todo!()` at"),
            "{task}"
        );
    }

    /// The parts rustc highlights of a statement over three lines (from its
    /// JSON), which `spanned` joins.
    #[test]
    fn a_span_is_the_highlighted_columns_of_its_lines() {
        let lines = [
            ("    orders.send(", 5, 17),
            ("        order,", 1, 15),
            ("    );", 1, 6),
            ("é = f(x);", 5, 9),
        ];
        let parts: Vec<String> = lines
            .iter()
            .map(|&(text, start, end)| highlighted(text, start, end))
            .collect();
        assert_eq!(parts, ["orders.send(", "        order,", "    )", "f(x)"]);
    }

    /// Clippy's driver is used only where it is the very compiler cargo
    /// builds with; else the build is rustc's alone, and the reason is
    /// given. Fake compilers, shell scripts, stand in for a toolchain
    /// without clippy and for one whose clippy is another compiler.
    #[test]
    fn clippy_is_used_only_when_it_is_the_compiler_cargo_builds_with() {
        use std::os::unix::fs::PermissionsExt as _;
        let toolchain = tempfile::tempdir().unwrap();
        let bin = toolchain.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let script = |path: &Path, body: &str| {
            std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        let rustc = bin.join("rustc");
        let sysroot = toolchain.path().display();
        script(
            &rustc,
            &format!(
                "case \"$1\" in --print) echo {sysroot} ;; *) echo 'rustc 1.95.0 (stable)' ;; esac"
            ),
        );
        let why = matching_clippy_driver(rustc.as_os_str()).unwrap_err();
        assert!(why.contains("has no clippy"), "{why}");
        let driver = bin.join("clippy-driver");
        script(&driver, "echo 'rustc 1.97.0-nightly'");
        let why = matching_clippy_driver(rustc.as_os_str()).unwrap_err();
        assert!(
            why.ends_with("is rustc 1.97.0-nightly, but cargo compiles with rustc 1.95.0 (stable)"),
            "{why}"
        );
        script(&driver, "echo 'rustc 1.95.0 (stable)'");
        assert_eq!(matching_clippy_driver(rustc.as_os_str()), Ok(driver));
        // The workspace's toolchain has clippy (rust-toolchain.toml).
        let real = matching_clippy_driver("rustc".as_ref());
        assert!(real.is_ok(), "{real:?}");
    }

    #[test]
    fn the_learner_reads_their_own_paths() {
        assert_eq!(
            learner_paths("--> exercises/src/bin/../exercises/02_spawn_join.rs:3"),
            "--> exercises/src/exercises/02_spawn_join.rs:3"
        );
        assert_eq!(
            learner_paths("exercises/src/bin/../../.shipped/02_spawn_join.rs"),
            "exercises/.shipped/02_spawn_join.rs"
        );
    }
}
