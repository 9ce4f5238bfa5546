//! The runner every section binary shares.
//!
//! A section's `main.rs` declares its example modules and hands them, in
//! order, to [`run_section`] (or to a [`Section`] with a local HTTP server). This crate owns everything around the examples:
//! the command line, the header line, the choice of clock, one fresh Tokio
//! runtime per example, and reporting a failed or panicking example by name.
//!
//! Example files never import this crate. Each one only has to provide
//! `pub async fn run()` (or `run(base_url: &str)` for HTTP examples), returning
//! either `()` or `Result<(), E>` for an error type `E` that converts into
//! `Box<dyn Error>` (`anyhow::Error`, a `thiserror` enum, `io::Error`, ...). A
//! reader can copy the file into a project of their own and call
//! `run().await` from `#[tokio::main]`.

use std::error::Error;
use std::future::Future;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::process::ExitCode;

mod cli;

pub use cli::{Clock, Command, Flavor, UsageError, parse_args};

/// What an example's `run()` returns, once the runner has boxed it.
pub type ExampleFuture = Pin<Box<dyn Future<Output = Result<(), Box<dyn Error>>>>>;

/// Starts a section's local HTTP server on the current runtime and resolves
/// to its base URL, such as `http://127.0.0.1:41234`.
pub type ServerFuture = Pin<Box<dyn Future<Output = std::io::Result<String>>>>;

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
enum Entry {
    /// `run()`
    Plain(fn() -> ExampleFuture),
    /// `run(base_url: &str)`, for examples that make HTTP requests.
    WithBaseUrl(fn(String) -> ExampleFuture),
    /// A synchronous `run()`, called outside any runtime, for examples that
    /// build and own their runtime themselves.
    Sync(fn() -> Result<(), Box<dyn Error>>),
}

/// One runnable example: a module of a section crate.
#[derive(Clone, Copy)]
pub struct Example {
    name: &'static str,
    source: &'static str,
    entry: Entry,
}

impl Example {
    /// Use the [`example!`] macro rather than calling this by hand: it fills in
    /// the name and the source from the module itself, so they cannot drift.
    pub const fn new(name: &'static str, source: &'static str, run: fn() -> ExampleFuture) -> Self {
        Self {
            name,
            source,
            entry: Entry::Plain(run),
        }
    }

    /// An example whose `run` takes the base URL of an HTTP server; see
    /// [`example!`] and [`Section::local_server`].
    pub const fn with_base_url(
        name: &'static str,
        source: &'static str,
        run: fn(String) -> ExampleFuture,
    ) -> Self {
        Self {
            name,
            source,
            entry: Entry::WithBaseUrl(run),
        }
    }

    /// An example with a synchronous `run()` that builds its own runtime;
    /// see [`example!`].
    pub const fn sync(
        name: &'static str,
        source: &'static str,
        run: fn() -> Result<(), Box<dyn Error>>,
    ) -> Self {
        Self {
            name,
            source,
            entry: Entry::Sync(run),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The first paragraph of the file's `//!` header, on one line: what the
    /// example shows.
    pub fn summary(&self) -> String {
        let paragraph: Vec<&str> = self
            .source
            .lines()
            .map_while(|line| line.strip_prefix("//!"))
            .map(str::trim)
            .take_while(|line| !line.is_empty())
            .collect();
        paragraph.join(" ")
    }
}

/// Builds an [`Example`] from a module of the calling crate.
///
/// - `example!(name)`: the module has `pub async fn run()`.
/// - `example!(name, base_url)`: the module has `pub async fn run(base_url: &str)`,
///   and gets the URL of the section's local HTTP server, or `--base-url`.
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
    };
    ($module:ident, sync) => {
        $crate::Example::sync(
            ::std::stringify!($module),
            $crate::__source!($module),
            || $crate::ExampleOutput::into_result($module::run()),
        )
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
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __source {
    ($module:ident) => {
        ::std::include_str!(::std::concat!(
            ::std::env!("CARGO_MANIFEST_DIR"),
            "/src/",
            ::std::stringify!($module),
            ".rs"
        ))
    };
}

/// Exit code for bad command-line input, as most Unix tools use it.
pub const EXIT_USAGE: u8 = 2;
/// Exit code when an example returned an error.
pub const EXIT_FAILED: u8 = 1;
/// Exit code when an example panicked, matching Rust's own exit code for a panic.
pub const EXIT_PANICKED: u8 = 101;

/// The whole `main` of a section binary whose examples need nothing but a
/// runtime.
pub fn run_section(section: &str, examples: &[Example]) -> ExitCode {
    Section::new(section, examples).run()
}

/// A section: its name, its examples in running order, and, for sections
/// that make HTTP requests, how to start the local server they talk to.
pub struct Section<'a> {
    name: &'a str,
    examples: &'a [Example],
    local_server: Option<fn() -> ServerFuture>,
}

impl<'a> Section<'a> {
    pub fn new(name: &'a str, examples: &'a [Example]) -> Self {
        Self {
            name,
            examples,
            local_server: None,
        }
    }

    /// Examples made with `example!(name, base_url)` talk to this server. The
    /// runner starts it on each example's own runtime, so on the virtual clock
    /// the server's sleeps are paused along with the client's timeouts.
    /// It also enables `--base-url`, to use another httpbin-compatible server.
    pub fn local_server(mut self, start: fn() -> ServerFuture) -> Self {
        self.local_server = Some(start);
        self
    }

    /// Parses the command line and does what it says; the whole `main`.
    pub fn run(self) -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        match parse_args(self.name, self.examples, self.local_server.is_some(), &args) {
            Ok(Command::Help) => {
                print!(
                    "{}",
                    cli::help(self.name, self.examples, self.local_server.is_some())
                );
                ExitCode::SUCCESS
            }
            Ok(Command::List(selected)) => {
                let width = selected.iter().map(|e| e.name.len()).max().unwrap_or(0);
                for example in selected {
                    println!("{:width$}  {}", example.name, example.summary());
                }
                ExitCode::SUCCESS
            }
            Ok(Command::Run {
                clock,
                flavor,
                examples,
                base_url,
            }) => self.run_examples(&examples, clock, flavor, base_url.as_deref()),
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(EXIT_USAGE)
            }
        }
    }

    fn run_examples(
        &self,
        examples: &[Example],
        clock: Clock,
        flavor: Flavor,
        base_url: Option<&str>,
    ) -> ExitCode {
        let section = self.name;
        let with_headers = examples.len() > 1;
        let mut worst = None;
        for (index, example) in examples.iter().enumerate() {
            if with_headers {
                if index > 0 {
                    println!();
                }
                println!("=== {section}/{}: {} ===", example.name, example.summary());
            }
            let outcome = self.run_one(example, clock, flavor, base_url);
            // Keep stdout and stderr in order when both go to one terminal.
            let _ = std::io::stdout().flush();
            match outcome {
                Outcome::Ok => {}
                Outcome::Failed(error) => {
                    eprintln!(
                        "error: example {section}/{} failed: {}",
                        example.name,
                        chain(&*error)
                    );
                    worst = worst.max(Some(EXIT_FAILED));
                }
                Outcome::Panicked => {
                    eprintln!("error: example {section}/{} panicked", example.name);
                    worst = worst.max(Some(EXIT_PANICKED));
                }
                Outcome::NoRuntime(error) => {
                    eprintln!("error: could not start a Tokio runtime: {error}");
                    return ExitCode::from(EXIT_FAILED);
                }
            }
        }
        worst.map_or(ExitCode::SUCCESS, ExitCode::from)
    }

    /// Runs one example on a runtime of its own, so every example starts with
    /// an empty runtime and, on the virtual clock, at virtual time zero.
    /// Dropping the runtime afterwards cancels any task the example left
    /// behind, the local server included. A `sync` example brings its own.
    fn run_one(
        &self,
        example: &Example,
        clock: Clock,
        flavor: Flavor,
        base_url: Option<&str>,
    ) -> Outcome {
        let result = match example.entry {
            Entry::Sync(run) => Ok(panic::catch_unwind(run)),
            Entry::Plain(run) => block_on(clock.runtime(flavor), run()),
            Entry::WithBaseUrl(run) => block_on(clock.runtime(flavor), async {
                run(self.base_url(base_url).await?).await
            }),
        };
        // The default panic hook has already printed the message and location
        // to stderr by the time `catch_unwind` returns; the runner adds the name.
        match result {
            Ok(Ok(Ok(()))) => Outcome::Ok,
            Ok(Ok(Err(error))) => Outcome::Failed(error),
            Ok(Err(_panic)) => Outcome::Panicked,
            Err(error) => Outcome::NoRuntime(error),
        }
    }

    /// `--base-url` if given, or else the URL of a freshly started local server.
    async fn base_url(&self, given: Option<&str>) -> Result<String, Box<dyn Error>> {
        if let Some(url) = given {
            return Ok(url.to_owned());
        }
        let start = self
            .local_server
            .ok_or("this example needs an HTTP server, but its section has no local server")?;
        start()
            .await
            .map_err(|error| format!("cannot start the local HTTP server: {error}").into())
    }
}

type Caught<T> = std::thread::Result<T>;

/// Runs `future` to completion on a freshly built runtime, catching a panic
/// so the runner can report it by name.
fn block_on<F>(
    runtime: std::io::Result<tokio::runtime::Runtime>,
    future: F,
) -> std::io::Result<Caught<F::Output>>
where
    F: Future,
{
    let runtime = runtime?;
    Ok(panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(future)
    })))
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
    fn summary_is_the_first_doc_line() {
        let source = "//! Shows a thing,\n//! in two lines.\n//!\n//! More.\nfn f() {}\n";
        let example = Example::new("x", source, || Box::pin(async { Ok(()) }));
        assert_eq!(example.summary(), "Shows a thing, in two lines.");
    }
}
