//! The runner every section binary shares.
//!
//! A section's `main.rs` declares its example modules and hands them, in
//! order, to [`run_section`]. This crate owns everything around the examples:
//! the command line, the header line, the choice of clock, one fresh Tokio
//! runtime per example, and reporting a failed or panicking example by name.
//!
//! Example files never import this crate. Each one only has to provide
//! `pub async fn run()`, returning either `()` or `Result<(), E>` for an error
//! type `E` that converts into `Box<dyn Error>` (`anyhow::Error`, a `thiserror`
//! enum, `io::Error`, ...). A reader can copy the file into a project of their
//! own and call `run().await` from `#[tokio::main]`.

use std::error::Error;
use std::future::Future;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::process::ExitCode;

mod cli;

pub use cli::{Clock, Command, UsageError, parse_args};

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

/// One runnable example: a module of a section crate.
#[derive(Clone, Copy)]
pub struct Example {
    name: &'static str,
    source: &'static str,
    run: fn() -> ExampleFuture,
}

impl Example {
    /// Use the [`example!`] macro rather than calling this by hand: it fills in
    /// the name and the source from the module itself, so they cannot drift.
    pub const fn new(name: &'static str, source: &'static str, run: fn() -> ExampleFuture) -> Self {
        Self { name, source, run }
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

/// Builds an [`Example`] from a module of the calling crate that has
/// `pub async fn run()` returning `()` or `Result<(), E>`.
///
/// The summary printed by `--list` is read from the module's own `//!` header.
#[macro_export]
macro_rules! example {
    ($module:ident) => {
        $crate::Example::new(
            ::std::stringify!($module),
            ::std::include_str!(::std::concat!(
                ::std::env!("CARGO_MANIFEST_DIR"),
                "/src/",
                ::std::stringify!($module),
                ".rs"
            )),
            || {
                ::std::boxed::Box::pin(async {
                    $crate::ExampleOutput::into_result($module::run().await)
                })
            },
        )
    };
}

/// Exit code for bad command-line input, as most Unix tools use it.
pub const EXIT_USAGE: u8 = 2;
/// Exit code when an example returned an error.
pub const EXIT_FAILED: u8 = 1;
/// Exit code when an example panicked, matching Rust's own exit code for a panic.
pub const EXIT_PANICKED: u8 = 101;

/// The whole `main` of a section binary.
pub fn run_section(section: &str, examples: &[Example]) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(section, examples, &args) {
        Ok(Command::Help) => {
            print!("{}", cli::help(section, examples));
            ExitCode::SUCCESS
        }
        Ok(Command::List(selected)) => {
            let width = selected.iter().map(|e| e.name.len()).max().unwrap_or(0);
            for example in selected {
                println!("{:width$}  {}", example.name, example.summary());
            }
            ExitCode::SUCCESS
        }
        Ok(Command::Run { clock, examples }) => run_examples(section, &examples, clock),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run_examples(section: &str, examples: &[Example], clock: Clock) -> ExitCode {
    let with_headers = examples.len() > 1;
    let mut worst = None;
    for (index, example) in examples.iter().enumerate() {
        if with_headers {
            if index > 0 {
                println!();
            }
            println!("=== {section}/{}: {} ===", example.name, example.summary());
        }
        let outcome = run_one(example, clock);
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

enum Outcome {
    Ok,
    Failed(Box<dyn Error>),
    Panicked,
    NoRuntime(std::io::Error),
}

/// Runs one example on a runtime of its own, so every example starts with an
/// empty runtime and, on the virtual clock, at virtual time zero. Dropping the
/// runtime afterwards cancels any task the example left behind.
fn run_one(example: &Example, clock: Clock) -> Outcome {
    let runtime = match clock.runtime() {
        Ok(runtime) => runtime,
        Err(error) => return Outcome::NoRuntime(error),
    };
    // The default panic hook has already printed the message and location to
    // stderr by the time `catch_unwind` returns; the runner only adds the name.
    match panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on((example.run)()))) {
        Ok(Ok(())) => Outcome::Ok,
        Ok(Err(error)) => Outcome::Failed(error),
        Err(_) => Outcome::Panicked,
    }
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
