//! What a learner sees of a section binary: each example run on a fresh
//! runtime, under a header line when there are several, and an error, a
//! panic or a task left running reported by name with its exit code.

use std::error::Error;
use std::future::Future;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use protocol::timeline::{self, Timeline};
use protocol::{Clock, EXIT_FAILED, EXIT_PANICKED, EXIT_USAGE, Flavor, Header, Kind, Listed};

use crate::cli::{self, Command, Flags, ListFormat};
use crate::line_instants::{LineInstants, Stamps};
use crate::record::{self, Reader, Recorder};
use crate::signals::{self, Defaults};
use crate::watch::{self, DumpFile, Watchdog};
use crate::whole_file::{self, WholeFile};

/// What an example's `run()` returns, once the runner has boxed it.
pub type ExampleFuture = Pin<Box<dyn Future<Output = Result<(), Box<dyn Error>>>>>;

/// What an example's `run()` may return: `()`, or `Result<(), E>` for any
/// error that converts into `Box<dyn Error>`.
pub trait ExampleOutput {
    fn into_result(self) -> Result<(), Box<dyn Error>>;
}

impl ExampleOutput for () {
    fn into_result(self) -> Result<(), Box<dyn Error>> {
        Ok(())
    }
}

impl<E: Into<Box<dyn Error>>> ExampleOutput for Result<(), E> {
    fn into_result(self) -> Result<(), Box<dyn Error>> {
        self.map_err(Into::into)
    }
}

/// How the runner calls an example's `run`; see [`example!`](crate::example!).
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum Entry {
    Plain(fn() -> ExampleFuture),
    WithBaseUrl(fn(String) -> ExampleFuture),
    /// A plain `fn run()` that builds its own runtime.
    Sync(fn() -> Result<(), Box<dyn Error>>),
}

/// One runnable example: a module of a section crate.
#[derive(Clone, Copy)]
pub struct Example {
    name: &'static str,
    /// The file's path, as the compiler saw it.
    pub(crate) path: &'static str,
    pub(crate) source: &'static str,
    pub(crate) entry: Entry,
    detached: u16,
    pub(crate) detaches_when_cancelled: bool,
    counts_polls: bool,
    /// The signals it listens for: see [`Example::catches`].
    catches: &'static [i32],
}

impl Example {
    /// Use [`example!`](crate::example!), which takes all this from the
    /// module itself, so it cannot drift.
    pub const fn new(
        name: &'static str,
        path: &'static str,
        source: &'static str,
        entry: Entry,
    ) -> Self {
        Example {
            name,
            path,
            source,
            entry,
            detached: 0,
            detaches_when_cancelled: false,
            counts_polls: false,
            catches: &[],
        }
    }

    /// Declares that the example leaves `count` tasks running when `run()`
    /// returns, because a detached task is its lesson; for every other
    /// example, a task still alive then is a failure.
    pub const fn detaches(mut self, count: u16) -> Self {
        self.detached = count;
        self
    }

    /// Declares that tasks the example spawns run on when `run()` is
    /// dropped halfway, because that is its lesson or it teaches the plain
    /// `JoinHandle`, which detaches its task; for every other example, the
    /// cancel sweep fails a task still running after the drop.
    pub const fn detaches_when_cancelled(mut self) -> Self {
        self.detaches_when_cancelled = true;
        self
    }

    /// Declares that the example prints how often its futures are polled,
    /// which a task dump's own polls would change: its timelines then have
    /// no dumps, where every other example's have one per instant.
    pub const fn counts_polls(mut self) -> Self {
        self.counts_polls = true;
        self
    }

    /// Declares the signals the example listens for (`runner::signals::SIGINT`
    /// and the like). Tokio keeps a signal caught once an example has listened
    /// for it: after the example, the runner gives it its default action back
    /// (Ctrl-C ends the process again), and gives it back to the example
    /// while it runs. On Linux, a signal caught undeclared fails the run.
    pub const fn catches(mut self, signals: &'static [i32]) -> Self {
        self.catches = signals;
        self
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn kind(&self) -> Kind {
        match self.entry {
            Entry::Plain(_) => Kind::Plain,
            Entry::WithBaseUrl(_) => Kind::BaseUrl,
            Entry::Sync(_) => Kind::Sync,
        }
    }

    /// The first paragraph of the file's `//!` header: what it shows.
    pub fn summary(&self) -> String {
        Header::parse(self.source).summary
    }

    /// The example's line in `--list=tsv`.
    pub fn listed(&self) -> Listed {
        Listed {
            name: self.name.to_owned(),
            kind: self.kind(),
            source: self.path.to_owned(),
            detached: self.detached,
            summary: self.summary(),
        }
    }
}

/// An [`Example`] from a module of the calling crate, whose `run` returns
/// `()` or `Result<(), E>`:
///
/// - `example!(name)`: `pub async fn run()`;
/// - `example!(name, base_url)`: `pub async fn run(base_url: &str)`, given
///   the URL of a local httpbin (the runner's `httpbin` feature) or `--base-url`;
/// - `example!(name, sync)`: a plain `pub fn run()` that builds its own
///   runtime; its output must not depend on the clock.
#[macro_export]
macro_rules! example {
    ($module:ident) => {
        $crate::example!(@ $module, $crate::Entry::Plain(|| ::std::boxed::Box::pin(async {
            $crate::ExampleOutput::into_result($module::run().await)
        })))
    };
    ($module:ident, sync) => {
        $crate::example!(@ $module, $crate::Entry::Sync(|| {
            $crate::ExampleOutput::into_result($module::run())
        }))
    };
    ($module:ident, base_url) => {
        $crate::example!(@ $module, $crate::Entry::WithBaseUrl(|url| {
            ::std::boxed::Box::pin(async move {
                $crate::ExampleOutput::into_result($module::run(&url).await)
            })
        }))
    };
    (@path $module:ident) => {
        ::std::concat!(::std::env!("CARGO_MANIFEST_DIR"), "/src/", ::std::stringify!($module), ".rs")
    };
    (@ $module:ident, $entry:expr) => {
        $crate::Example::new(
            ::std::stringify!($module),
            $crate::example!(@path $module),
            ::std::include_str!($crate::example!(@path $module)),
            $entry,
        )
    };
}

/// The section of the calling crate, named after its package, with these
/// examples in running order: `runner::section![example!(a), ...].run()` is
/// the whole `main` of a section binary.
#[macro_export]
macro_rules! section {
    ($($example:expr),* $(,)?) => {
        $crate::Section::new(::std::env!("CARGO_PKG_NAME"), &[$($example),*])
    };
}

/// A section: its name and its examples in running order.
pub struct Section<'a> {
    name: &'a str,
    examples: &'a [Example],
}

impl<'a> Section<'a> {
    /// Prefer [`section!`], which takes the name from the package.
    pub fn new(name: &'a str, examples: &'a [Example]) -> Self {
        Self { name, examples }
    }

    /// Parses the command line and does what it says; the whole `main`.
    pub fn run(self) -> ExitCode {
        closed_stdout::die_quietly_when_stdout_closes();
        // reqwest is built with no crypto provider; `ring` builds faster
        // than rustls's default. This fails only if one is installed.
        #[cfg(feature = "httpbin")]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let parsed = closed_stdout::parse_with(std::env::args_os(), |args| {
            cli::parse(self.name, self.examples, args)
        });
        let command = match parsed {
            Ok(command) => command,
            // `print!`, so that a closed stdout ends `--help` as it ends a run.
            Err(help) if !help.use_stderr() => {
                print!("{}", help.render());
                return ExitCode::SUCCESS;
            }
            Err(mistake) => {
                eprint!("{}", mistake.render());
                return ExitCode::from(EXIT_USAGE);
            }
        };
        match command {
            Command::List(selected, ListFormat::Text) => {
                let width = selected.iter().map(|e| e.name.len()).max().unwrap_or(0);
                for example in selected {
                    println!("{:width$}  {}", example.name, example.summary());
                }
            }
            Command::List(selected, ListFormat::Tsv) => {
                for example in selected {
                    println!("{}", example.listed().to_line());
                }
            }
            Command::Run(examples, flags) => return self.run_examples(&examples, &flags),
            Command::Sweep(examples) => return crate::sweep::sweep_all(self.name, &examples),
        }
        ExitCode::SUCCESS
    }

    fn run_examples(&self, examples: &[Example], flags: &Flags) -> ExitCode {
        // Started first: opening `--dump-file`, a FIFO waits for a reader.
        let watchdog = flags.timeout.map(Watchdog::start);
        if let Some(watchdog) = &watchdog {
            watchdog.opening();
        }
        let files = match Files::create(flags) {
            Ok(files) => files,
            Err(code) => return code,
        };
        if let Some(watchdog) = &watchdog {
            watchdog.opened();
        }
        let lines = match flags
            .line_instants
            .as_deref()
            .map(|path| capture_lines(path, flags.clock.unwrap_or_default()))
            .transpose()
        {
            Ok(lines) => lines,
            Err(code) => return code,
        };
        let mut defaults = Defaults::default();
        let mut timelines = String::new();
        let mut traced = Vec::new();
        let mut worst = None;
        for (index, example) in examples.iter().enumerate() {
            if examples.len() > 1 {
                let blank = if index > 0 { "\n" } else { "" };
                println!(
                    "{blank}=== {}/{}: {} ===",
                    self.name,
                    example.name,
                    example.summary()
                );
            }
            let run = Run {
                clock: flags.clock.unwrap_or_default(),
                flavor: flags.flavor,
                base_url: flags.base_url.as_deref(),
                dump_at: flags.dump_at,
                dump_file: files.dump.as_ref(),
                watchdog: watchdog.as_ref(),
                explain: flags.explain(),
                lines: lines.as_ref().map(LineInstants::stamps),
                ..Run::new(self.name, example)
            };
            defaults.disarm(example.catches);
            let caught_before = signals::caught();
            let finished = run.execute();
            // Before anything else can take time: from here a Ctrl-C ends the
            // process, as it did before the example.
            let rearmed = defaults.rearm(example.catches, caught_before);
            let finished = match finished {
                Ok(finished) => finished,
                Err(error) => {
                    let _ = std::io::stdout().flush();
                    eprintln!("error: could not start a Tokio runtime: {error}");
                    return ExitCode::from(EXIT_FAILED);
                }
            };
            let recorded = finished.timeline;
            if flags.timeline {
                let chart = timeline::chart(&recorded, terminal_width());
                println!("\n{}", chart.trim_end());
            }
            if files.timeline.is_some() {
                timelines.push_str(&recorded.to_text());
            }
            if files.trace.is_some() {
                traced.push(recorded);
            }
            // Keep stdout and stderr in order when both go to one terminal.
            let _ = std::io::stdout().flush();
            let failed = run.report(finished.outcome, finished.left_running, rearmed);
            worst = worst.max(failed);
        }
        if let Some(watchdog) = &watchdog {
            watchdog.writing();
        }
        if !files.write_whole(&timelines, &traced) {
            worst = worst.max(Some(EXIT_FAILED));
        }
        if let Some(watchdog) = &watchdog {
            watchdog.hold_if_fired();
        }
        if files.dump_failed() {
            worst = worst.max(Some(EXIT_FAILED));
        }
        if let Some(lines) = lines
            && let Err(error) = lines.finish()
        {
            eprintln!("error: cannot write the line instants: {error}");
            worst = worst.max(Some(EXIT_FAILED));
        }
        worst.map_or(ExitCode::SUCCESS, ExitCode::from)
    }
}

/// `--line-instants PATH`: stdout captured from now on, or why not (a usage
/// mistake: nothing has run).
fn capture_lines(path: &Path, clock: Clock) -> Result<LineInstants, ExitCode> {
    let captured = WholeFile::new(path, "line instants")
        .and_then(|file| LineInstants::capture(file, clock == Clock::Real));
    captured.map_err(|error| {
        let shown = path.display();
        eprintln!("error: cannot write the line instants to {shown}: {error}");
        ExitCode::from(EXIT_USAGE)
    })
}

/// The files the flags name, made before any example runs.
struct Files {
    /// `--timeline-file`.
    timeline: Option<WholeFile>,
    /// `--dump-file`.
    dump: Option<Mutex<DumpFile>>,
    /// `--trace`.
    trace: Option<WholeFile>,
}

impl Files {
    /// Makes each file the flags name, each one that can't be made saying
    /// why on stderr. One that can't is a usage mistake: nothing has run.
    fn create(flags: &Flags) -> Result<Self, ExitCode> {
        let timeline = make_file(flags.timeline_file.as_deref(), "timeline", |path| {
            WholeFile::new(path, "timeline")
        });
        let dump = make_file(flags.dump_file.as_deref(), "dump", whole_file::dump_file);
        let trace = make_file(flags.trace.as_deref(), "trace", |path| {
            WholeFile::new(path, "trace")
        });
        match (timeline, dump, trace) {
            (Ok(timeline), Ok(dump), Ok(trace)) => {
                let dump = dump.map(|file| {
                    let failed = false;
                    Mutex::new(DumpFile { file, failed })
                });
                Ok(Files {
                    timeline,
                    dump,
                    trace,
                })
            }
            _ => Err(ExitCode::from(EXIT_USAGE)),
        }
    }

    /// Writes the timelines' text and their trace, once every example has
    /// run: a run stopped early leaves the files of the last one that
    /// ended. Whether every write succeeded; one that failed said why on
    /// stderr.
    fn write_whole(&self, timelines: &str, traced: &[Timeline]) -> bool {
        let mut written = true;
        if let Some(file) = &self.timeline
            && let Err(error) = file.write(timelines.as_bytes())
        {
            eprintln!("error: cannot write the {}: {error}", file.what);
            written = false;
        }
        if let Some(file) = &self.trace {
            let json = serde_json::to_vec(&timeline::trace(traced)).map_err(std::io::Error::from);
            if let Err(error) = json.and_then(|json| file.write(&json)) {
                eprintln!("error: cannot write the {}: {error}", file.what);
                written = false;
            }
        }
        written
    }

    /// Whether a dump could not be written to `--dump-file`. Each failed
    /// write said why on stderr as it happened.
    fn dump_failed(self) -> bool {
        self.dump.is_some_and(|file| {
            let file = file.into_inner().unwrap_or_else(PoisonError::into_inner);
            file.failed
        })
    }
}

/// The file at `path`, if one is given, as `make` makes it; if it can't be
/// made, says why on stderr.
fn make_file<F>(
    path: Option<&Path>,
    what: &str,
    make: impl FnOnce(&Path) -> std::io::Result<F>,
) -> std::io::Result<Option<F>> {
    let Some(path) = path else {
        return Ok(None);
    };
    match make(path) {
        Ok(file) => Ok(Some(file)),
        Err(error) => {
            let shown = path.display();
            eprintln!("error: cannot write the {what} to {shown}: {error}");
            Err(error)
        }
    }
}

/// How one run of an example ended.
enum Outcome {
    /// `run()` returned `()` or `Ok`.
    Succeeded,
    /// `run()` returned this error.
    Failed(Box<dyn Error>),
    /// It panicked: the panic hook has printed the message and where.
    Panicked,
}

impl Outcome {
    /// The outcome of a `run()` called inside `catch_unwind`.
    fn caught(result: std::thread::Result<Result<(), Box<dyn Error>>>) -> Self {
        match result {
            Ok(Ok(())) => Outcome::Succeeded,
            Ok(Err(error)) => Outcome::Failed(error),
            Err(_) => Outcome::Panicked,
        }
    }
}

/// What [`Run::execute`] saw of one run of an example.
struct Finished {
    outcome: Outcome,
    /// Where each task still alive after `run()` returned was spawned, if
    /// that can be known: task hooks, a runtime of the runner's, no panic.
    left_running: Option<Vec<String>>,
    timeline: Timeline,
}

/// One example to run, and how.
pub(crate) struct Run<'a> {
    /// `section/example`.
    pub(crate) name: String,
    pub(crate) example: &'a Example,
    clock: Clock,
    flavor: Flavor,
    base_url: Option<&'a str>,
    dump_at: Option<std::time::Duration>,
    dump_file: Option<&'a Mutex<DumpFile>>,
    watchdog: Option<&'a Arc<Watchdog>>,
    /// Whether a reader will see its timeline: see [`Reader`].
    explain: bool,
    /// `--line-instants`.
    lines: Option<&'a Stamps>,
}

impl<'a> Run<'a> {
    /// On the paused clock and the current-thread runtime, unwatched.
    pub(crate) fn new(section: &str, example: &'a Example) -> Self {
        Run {
            name: format!("{section}/{}", example.name),
            example,
            clock: Clock::Virtual,
            flavor: Flavor::CurrentThread,
            base_url: None,
            dump_at: None,
            dump_file: None,
            watchdog: None,
            explain: false,
            lines: None,
        }
    }

    /// Runs the example on a runtime of its own, so that each one starts
    /// with no tasks and, on the virtual clock, at time zero; dropping the
    /// runtime cancels what it left. Fails only if that runtime can't be
    /// built.
    fn execute(&self) -> std::io::Result<Finished> {
        if let Some(watchdog) = self.watchdog {
            watchdog.running(&self.name, self.example.kind());
        }
        if let Entry::Sync(run) = self.example.entry {
            if self.dump_at.is_some() {
                let name = &self.name;
                eprintln!(
                    "note: {name} builds a runtime of its own, whose tasks the runner can't dump"
                );
            }
            let timeline = Timeline {
                example: self.name.clone(),
                clock: self.clock,
                notes: vec!["it builds a runtime of its own, which the runner can't watch".into()],
                ..Timeline::default()
            };
            let outcome = Outcome::caught(panic::catch_unwind(run));
            return Ok(Finished {
                outcome,
                left_running: None,
                timeline,
            });
        }
        let recorder = Recorder::new(self.example.path, self.example.source);
        let _listening = self.reader().map(|reader| recorder.listen(reader));
        let runtime = runtime(self.clock, self.flavor, &recorder, self.lines)?;
        if let Some(lines) = self.lines {
            let _inside = runtime.enter();
            lines.start();
        }
        let dumps = watch::Dumps {
            clock: self.clock,
            at: self.dump_at,
            file: self.dump_file,
            watchdog: self.watchdog.cloned(),
        };
        let run = recorder.main(async { self.start(&recorder).await?.await });
        let watched = watch::watched(run, &dumps, &recorder, &self.name);
        let caught = panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(watched)));
        if let Some(lines) = self.lines {
            let _inside = runtime.enter();
            lines.stamp();
        }
        let outcome = Outcome::caught(caught);
        if let Some(watchdog) = self.watchdog {
            watchdog.stopping(&self.name);
        }
        // Where tasks still alive were spawned, if the hooks can tell and
        // no panic cut the run short.
        let panicked = matches!(outcome, Outcome::Panicked);
        let left_running = if record::HOOKS && !panicked {
            Some(recorder.settle(&runtime, self.clock, usize::from(self.example.detached)))
        } else {
            None
        };
        drop(runtime);
        let timeline = recorder.finish(self.name.clone(), self.clock);
        Ok(Finished {
            outcome,
            left_running,
            timeline,
        })
    }

    /// Says on stderr what went wrong in the example's run, if anything:
    /// `outcome`, the tasks it left running, a signal it caught undeclared
    /// (`rearmed`). The exit code that calls for, if any.
    fn report(
        &self,
        outcome: Outcome,
        left_running: Option<Vec<String>>,
        rearmed: Result<(), String>,
    ) -> Option<u8> {
        let name = &self.name;
        let mut worst = None;
        match outcome {
            Outcome::Succeeded => {}
            Outcome::Failed(error) => {
                eprintln!("error: example {name} failed: {}", chain(&*error));
                worst = Some(EXIT_FAILED);
            }
            Outcome::Panicked => {
                eprintln!("error: example {name} panicked");
                worst = Some(EXIT_PANICKED);
            }
        }
        let declared = self.example.detached;
        let left = left_running.and_then(|left| left_running_problem(&left, declared));
        for problem in left.into_iter().chain(rearmed.err()) {
            eprintln!("error: example {name} {problem}");
            worst = worst.max(Some(EXIT_FAILED));
        }
        worst
    }

    /// What the recorder reads besides the task hooks: what a timeline for a
    /// reader needs, or a dump.
    fn reader(&self) -> Option<Reader> {
        if self.explain {
            let every_instant = self.clock == Clock::Virtual && !self.example.counts_polls;
            if every_instant {
                Some(Reader::TimelineWithWaits)
            } else {
                Some(Reader::Timeline)
            }
        } else if self.dump_at.is_some() || self.watchdog.is_some() {
            Some(Reader::Dumps)
        } else {
            None
        }
    }

    /// The example's `run()` future, once the local server it needs (if any)
    /// is up: the runner's work, whose tasks the recorder leaves out.
    pub(crate) async fn start(&self, recorder: &Recorder) -> Result<ExampleFuture, Box<dyn Error>> {
        match self.example.entry {
            Entry::Plain(run) => Ok(run()),
            Entry::WithBaseUrl(run) => {
                Ok(run(recorder.scaffolding(server_url(self.base_url)).await?))
            }
            Entry::Sync(_) => Err("a sync example has no future to run".into()),
        }
    }
}

/// What is wrong with the tasks an example left running when `run()`
/// returned, given how many it declares ([`Example::detaches`]).
fn left_running_problem(left: &[String], declared: u16) -> Option<String> {
    let tasks = |count: usize| format!("{count} task{}", if count == 1 { "" } else { "s" });
    let mut problem = match usize::from(declared) {
        declared if declared == left.len() => return None,
        0 => format!(
            "left {} running after run() returned; every task an example spawns must end, or be \
             stopped, before run() returns",
            tasks(left.len())
        ),
        declared => format!(
            "declares {} left running on purpose, but left {}",
            tasks(declared),
            left.len()
        ),
    };
    for place in left {
        problem.push_str("\n  spawned at ");
        problem.push_str(place);
    }
    Some(problem)
}

/// The terminal's width when stdout is one, or else 80 columns.
fn terminal_width() -> usize {
    match rustix::termios::tcgetwinsize(std::io::stdout()) {
        Ok(size) if size.ws_col > 0 => usize::from(size.ws_col),
        _ => 80,
    }
}

/// A runtime of the given flavor on this clock (the command line refuses
/// the paused clock on the multi-thread runtime), with `recorder`'s hooks.
pub(crate) fn runtime(
    clock: Clock,
    flavor: Flavor,
    recorder: &Recorder,
    lines: Option<&Stamps>,
) -> std::io::Result<tokio::runtime::Runtime> {
    builder(clock, flavor, recorder, lines).build()
}

/// The builder of [`runtime`].
pub(crate) fn builder(
    clock: Clock,
    flavor: Flavor,
    recorder: &Recorder,
    lines: Option<&Stamps>,
) -> tokio::runtime::Builder {
    let mut builder = match flavor {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
    };
    builder.enable_all().start_paused(clock == Clock::Virtual);
    recorder.install(&mut builder, lines.cloned());
    builder
}

/// `--base-url` if given, or else the URL of a local server started on the
/// example's own runtime, so that on the virtual clock the server's sleeps
/// are paused along with the client's timeouts.
async fn server_url(given: Option<&str>) -> Result<String, Box<dyn Error>> {
    if let Some(url) = given {
        return Ok(url.to_owned());
    }
    #[cfg(feature = "httpbin")]
    let url = httpbin::spawn()
        .await
        .map_err(|error| format!("cannot start the local HTTP server: {error}"));
    #[cfg(not(feature = "httpbin"))]
    let url = Err(
        "this example needs an HTTP server: pass --base-url, or build the section with the \
                   runner's `httpbin` feature",
    );
    Ok(url?)
}

/// `error: cause: cause`, the way `anyhow` prints `{:#}`, for any error type.
fn chain(error: &(dyn Error + 'static)) -> String {
    let causes = std::iter::successors(Some(error), |&error| error.source());
    let causes: Vec<String> = causes.map(ToString::to_string).collect();
    causes.join(": ")
}
