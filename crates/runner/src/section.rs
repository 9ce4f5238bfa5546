//! A section's examples, and running each on a fresh runtime as its
//! command line asks: the header line, the clock, the local HTTP server,
//! and an error, a panic or a task left running reported by name.

use std::error::Error;
use std::fs::File;
use std::future::Future;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use protocol::timeline::{self, Timeline};
use protocol::{Clock, EXIT_FAILED, EXIT_PANICKED, EXIT_USAGE, Flavor, Header, Kind, Listed};

use crate::cli::{self, Command, Request};
use crate::record::{self, Recorder};
use crate::watch::{self, Watchdog};

/// What an example's `run()` returns, once the runner has boxed it.
pub type ExampleFuture = Pin<Box<dyn Future<Output = Result<(), Box<dyn Error>>>>>;

/// What an example's `run()` may return: `()` when it cannot fail, or a `Result`.
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

/// How the runner calls an example's `run`.
#[derive(Clone, Copy)]
pub(crate) enum Entry {
    Plain(fn() -> ExampleFuture),
    WithBaseUrl(fn(String) -> ExampleFuture),
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
    /// How many tasks it leaves running on purpose when `run()` returns.
    detached: u16,
    /// Whether tasks it spawned run on, on purpose, when `run()` is dropped.
    pub(crate) detaches_when_cancelled: bool,
}

impl Example {
    /// Use the [`example!`](crate::example!) macro rather than calling this by hand: it fills in
    /// the name and the source from the module itself, so they cannot drift.
    pub const fn new(name: &'static str, source: &'static str, run: fn() -> ExampleFuture) -> Self {
        Self {
            name,
            path: "",
            source,
            entry: Entry::Plain(run),
            detached: 0,
            detaches_when_cancelled: false,
        }
    }

    /// An example whose `run` takes the base URL of an HTTP server; see
    /// [`example!`](crate::example!).
    pub const fn with_base_url(
        name: &'static str,
        source: &'static str,
        run: fn(String) -> ExampleFuture,
    ) -> Self {
        Self {
            name,
            path: "",
            source,
            entry: Entry::WithBaseUrl(run),
            detached: 0,
            detaches_when_cancelled: false,
        }
    }

    /// An example with a synchronous `run()` that builds its own runtime;
    /// see [`example!`](crate::example!).
    pub const fn sync(
        name: &'static str,
        source: &'static str,
        run: fn() -> Result<(), Box<dyn Error>>,
    ) -> Self {
        Self {
            name,
            path: "",
            source,
            entry: Entry::Sync(run),
            detached: 0,
            detaches_when_cancelled: false,
        }
    }

    /// Where the example's file is, for `--list=tsv`.
    pub const fn at(mut self, path: &'static str) -> Self {
        self.path = path;
        self
    }

    /// Declares that the example leaves `count` tasks running when `run()`
    /// returns, because a detached task is its lesson (fire-and-forget).
    /// The runner then expects exactly that many; for every other example,
    /// a task still alive after `run()` returned is a failure.
    pub const fn detaches(mut self, count: u16) -> Self {
        self.detached = count;
        self
    }

    /// Declares that tasks the example spawns run on when `run()` is
    /// dropped halfway, because that is its lesson (a spawned task outlives
    /// whoever stopped waiting for it, a cleanup that finishes after a
    /// cancellation, plain `JoinHandle`s as asyncio's `create_task`). The
    /// cancel sweep then lets them end by themselves; for every other
    /// example, a task still running right after the drop is a failure.
    pub const fn detaches_when_cancelled(mut self) -> Self {
        self.detaches_when_cancelled = true;
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

    /// The first paragraph of the file's `//!` header, on one line: what the
    /// example shows.
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

/// Builds an [`Example`] from a module of the calling crate.
///
/// - `example!(name)`: the module has `pub async fn run()`.
/// - `example!(name, base_url)`: the module has `pub async fn run(base_url: &str)`,
///   and gets the URL of a local httpbin server (the runner's `httpbin`
///   feature), or `--base-url`.
/// - `example!(name, sync)`: the module has a plain `pub fn run()`, called
///   outside any runtime, because it builds its own. It runs the same on
///   either `--clock`, so its output must not depend on the clock.
///
/// `run` returns `()` or `Result<(), E>`. The summary printed by `--list` is
/// read from the module's own `//!` header.
#[macro_export]
macro_rules! example {
    ($module:ident) => {
        $crate::Example::new(
            ::std::stringify!($module),
            $crate::__source!($module),
            || {
                ::std::boxed::Box::pin(async {
                    $crate::ExampleOutput::into_result($module::run().await)
                })
            },
        )
        .at($crate::__path!($module))
    };
    ($module:ident, sync) => {
        $crate::Example::sync(
            ::std::stringify!($module),
            $crate::__source!($module),
            || $crate::ExampleOutput::into_result($module::run()),
        )
        .at($crate::__path!($module))
    };
    ($module:ident, base_url) => {
        $crate::Example::with_base_url(
            ::std::stringify!($module),
            $crate::__source!($module),
            |base_url| {
                ::std::boxed::Box::pin(async move {
                    $crate::ExampleOutput::into_result($module::run(&base_url).await)
                })
            },
        )
        .at($crate::__path!($module))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __path {
    ($module:ident) => {
        ::std::concat!(
            ::std::env!("CARGO_MANIFEST_DIR"),
            "/src/",
            ::std::stringify!($module),
            ".rs"
        )
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __source {
    ($module:ident) => {
        ::std::include_str!($crate::__path!($module))
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
        let command = match cli::parse(self.name, self.examples, std::env::args_os()) {
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
            Command::List(selected, false) => {
                let width = selected.iter().map(|e| e.name.len()).max().unwrap_or(0);
                for example in selected {
                    println!("{:width$}  {}", example.name, example.summary());
                }
                ExitCode::SUCCESS
            }
            Command::List(selected, true) => {
                for example in selected {
                    println!("{}", example.listed().to_line());
                }
                ExitCode::SUCCESS
            }
            Command::Run(request) => self.run_examples(&request),
            Command::Sweep(examples) => crate::sweep::sweep_all(self.name, &examples),
        }
    }

    fn run_examples(&self, request: &Request) -> ExitCode {
        let section = self.name;
        // A file that can't be created is a usage mistake; nothing has run.
        let create = |path: &Option<PathBuf>, what: &str| match path.as_deref().map(File::create) {
            Some(Err(error)) => {
                let path = path.as_deref().unwrap_or(Path::new("")).display();
                eprintln!("error: cannot write the {what} to {path}: {error}");
                Err(ExitCode::from(EXIT_USAGE))
            }
            created => Ok(created.and_then(Result::ok)),
        };
        let mut timeline_file = match create(&request.timeline_file, "timeline") {
            Ok(file) => file,
            Err(code) => return code,
        };
        let dump_file = match create(&request.dump_file, "dump") {
            Ok(file) => file.map(Mutex::new),
            Err(code) => return code,
        };
        let watchdog = request.timeout.map(Watchdog::start);
        let mut worst = None;
        for (index, example) in request.examples.iter().enumerate() {
            if request.examples.len() > 1 {
                if index > 0 {
                    println!();
                }
                println!("=== {section}/{}: {} ===", example.name, example.summary());
            }
            let run = Run {
                clock: request.clock,
                flavor: request.flavor,
                base_url: request.base_url.as_deref(),
                dump_at: request.dump_at,
                dump_file: dump_file.as_ref(),
                watchdog: watchdog.as_ref(),
                ..Run::new(section, example)
            };
            let ran = run.execute();
            if let Some(recorded) = ran
                .timeline
                .filter(|_| request.chart || timeline_file.is_some())
            {
                if request.chart {
                    let chart = timeline::chart(&recorded, terminal_width());
                    println!("\n{}", chart.trim_end());
                }
                if let Some(file) = &mut timeline_file
                    && let Err(error) = file.write_all(recorded.to_text().as_bytes())
                {
                    eprintln!("error: cannot write the timeline: {error}");
                    worst = worst.max(Some(EXIT_FAILED));
                }
            }
            // Keep stdout and stderr in order when both go to one terminal.
            let _ = std::io::stdout().flush();
            let name = &run.name;
            match ran.outcome {
                Outcome::Ok => {}
                Outcome::Failed(error) => {
                    eprintln!("error: example {name} failed: {}", chain(&*error));
                    worst = worst.max(Some(EXIT_FAILED));
                }
                Outcome::Panicked => {
                    eprintln!("error: example {name} panicked");
                    worst = worst.max(Some(EXIT_PANICKED));
                }
                Outcome::NoRuntime(error) => {
                    eprintln!("error: could not start a Tokio runtime: {error}");
                    return ExitCode::from(EXIT_FAILED);
                }
            }
            if let Some(left) = ran.left_running
                && let Some(problem) = left_running_problem(&left, example.detached)
            {
                eprintln!("error: example {name} {problem}");
                worst = worst.max(Some(EXIT_FAILED));
            }
        }
        worst.map_or(ExitCode::SUCCESS, ExitCode::from)
    }
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
    dump_file: Option<&'a Mutex<std::fs::File>>,
    watchdog: Option<&'a Arc<Watchdog>>,
}

/// What one run of an example came to.
struct Ran {
    outcome: Outcome,
    /// Where each task of the example's still alive after `run()` returned
    /// was spawned; `None` where that can't be known (no task hooks, the
    /// example owns its runtime, or `run()` panicked).
    left_running: Option<Vec<String>>,
    timeline: Option<Timeline>,
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
        }
    }

    /// Runs the example on a runtime of its own, so every example starts
    /// with an empty runtime and, on the virtual clock, at time zero.
    /// Dropping the runtime afterwards cancels a task left running, and the
    /// local server. A `sync` example brings its own runtime.
    fn execute(&self) -> Ran {
        let sync = matches!(self.example.entry, Entry::Sync(_));
        if let Some(watchdog) = self.watchdog {
            watchdog.running(&self.name, sync);
        }
        if let Entry::Sync(run) = self.example.entry {
            if self.dump_at.is_some() {
                eprintln!(
                    "note: {} builds a runtime of its own, whose tasks the runner can't dump",
                    self.name
                );
            }
            let timeline = Timeline {
                example: self.name.clone(),
                clock: self.clock,
                notes: vec!["it builds a runtime of its own, which the runner can't watch".into()],
                ..Timeline::default()
            };
            return Ran {
                outcome: outcome(panic::catch_unwind(run)),
                left_running: None,
                timeline: Some(timeline),
            };
        }
        let recorder = Recorder::new(self.example.path, self.example.source);
        let runtime = match runtime(self.clock, self.flavor, |builder| recorder.install(builder)) {
            Ok(runtime) => runtime,
            Err(error) => {
                return Ran {
                    outcome: Outcome::NoRuntime(error),
                    left_running: None,
                    timeline: None,
                };
            }
        };
        let dumps = watch::Dumps {
            at: self.dump_at,
            file: self.dump_file,
            watchdog: self.watchdog.cloned(),
        };
        let source = crate::dump::Source {
            path: self.example.path,
            module: self.example.name,
        };
        let run = recorder.main(async { self.start(&recorder).await?.await });
        let result = block_on(
            &runtime,
            watch::watched(run, &dumps, &recorder, &self.name, source),
        );
        if let Some(watchdog) = self.watchdog {
            watchdog.stopping(&self.name);
        }
        let outcome = outcome(result);
        let left_running = (record::HOOKS && !matches!(outcome, Outcome::Panicked))
            .then(|| recorder.settle(&runtime, self.clock));
        drop(runtime);
        Ran {
            outcome,
            left_running,
            timeline: Some(recorder.finish(self.name.clone(), self.clock)),
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
/// returned, given how many it declares ([`Example::detaches`]); `None` if
/// nothing is.
fn left_running_problem(left: &[String], declared: u16) -> Option<String> {
    if left.len() == usize::from(declared) {
        return None;
    }
    let tasks = |count: usize| match count {
        1 => "1 task".to_owned(),
        count => format!("{count} tasks"),
    };
    let mut problem = if declared == 0 {
        format!(
            "left {} running after run() returned; every task an example spawns must \
             end, or be stopped, before run() returns",
            tasks(left.len())
        )
    } else {
        format!(
            "declares {} left running on purpose, but left {}",
            tasks(usize::from(declared)),
            left.len()
        )
    };
    for place in left {
        problem.push_str("\n  spawned at ");
        problem.push_str(place);
    }
    Some(problem)
}

fn outcome(result: Caught<Result<(), Box<dyn Error>>>) -> Outcome {
    // The default panic hook has already printed the message and location
    // to stderr by the time `catch_unwind` returns; the runner adds the name.
    match result {
        Ok(Ok(())) => Outcome::Ok,
        Ok(Err(error)) => Outcome::Failed(error),
        Err(_panic) => Outcome::Panicked,
    }
}

/// The terminal's width when stdout is one, or else 80 columns.
fn terminal_width() -> usize {
    rustix::termios::tcgetwinsize(std::io::stdout())
        .ok()
        .map(|size| usize::from(size.ws_col))
        .filter(|&columns| columns > 0)
        .unwrap_or(80)
}

/// A runtime of the given flavor on this clock. The paused clock needs the
/// current-thread runtime; the command line refuses the other pairing.
pub(crate) fn runtime(
    clock: Clock,
    flavor: Flavor,
    configure: impl FnOnce(&mut tokio::runtime::Builder),
) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match flavor {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
    };
    builder.enable_all();
    if clock == Clock::Virtual {
        builder.start_paused(true);
    }
    configure(&mut builder);
    builder.build()
}

/// `--base-url` if given, or else the URL of a local server started on the
/// example's own runtime, so that on the virtual clock the server's sleeps
/// are paused along with the client's timeouts.
async fn server_url(given: Option<&str>) -> Result<String, Box<dyn Error>> {
    if let Some(url) = given {
        return Ok(url.to_owned());
    }
    #[cfg(feature = "httpbin")]
    {
        httpbin::spawn()
            .await
            .map_err(|error| format!("cannot start the local HTTP server: {error}").into())
    }
    #[cfg(not(feature = "httpbin"))]
    {
        Err(
            "this example needs an HTTP server: pass --base-url, or build the section \
             with the runner's `httpbin` feature"
                .into(),
        )
    }
}

type Caught<T> = std::thread::Result<T>;

/// Runs `future` to completion on `runtime`, catching a panic so the runner
/// can report it by name.
fn block_on<F: Future>(runtime: &tokio::runtime::Runtime, future: F) -> Caught<F::Output> {
    panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(future)))
}

enum Outcome {
    Ok,
    Failed(Box<dyn Error>),
    Panicked,
    NoRuntime(std::io::Error),
}

/// `error: cause: cause`, the way `anyhow` prints `{:#}`, for any error type.
fn chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("reading the config")
        }
    }

    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn chain_prints_every_cause() {
        let error = Outer(std::io::Error::other("disk on fire"));
        assert_eq!(chain(&error), "reading the config: disk on fire");
    }

    #[test]
    fn an_http_example_gets_the_given_url_or_a_local_server() {
        let runtime = runtime(Clock::Virtual, Flavor::CurrentThread, |_| {}).unwrap();
        let given = runtime.block_on(server_url(Some("http://example.test")));
        assert_eq!(given.unwrap(), "http://example.test");
        let local = runtime.block_on(server_url(None));
        // Which one depends on how the runner was built: in the workspace,
        // the HTTP sections turn the feature on for every crate.
        #[cfg(feature = "httpbin")]
        assert!(local.unwrap().starts_with("http://127.0.0.1:"));
        #[cfg(not(feature = "httpbin"))]
        assert!(local.unwrap_err().to_string().contains("`httpbin` feature"));
    }

    #[test]
    fn summary_is_the_first_doc_paragraph() {
        let source = "//! Shows a thing,\n//! in two lines.\n//!\n//! More.\nfn f() {}\n";
        let example = Example::new("x", source, || Box::pin(async { Ok(()) }));
        assert_eq!(example.summary(), "Shows a thing, in two lines.");
        assert_eq!(example.kind(), Kind::Plain);
    }
}
