//! The command line of a section binary, parsed by hand: a handful of flags
//! does not justify the build time of an argument-parsing crate.

use std::fmt;

use crate::Example;

/// Which clock the examples' runtime uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    /// The system clock: a one-second sleep takes one second.
    #[default]
    Real,
    /// Tokio's paused clock (`start_paused`): whenever every task is waiting,
    /// time jumps to the next timer, so sleeps finish at once while
    /// `tokio::time::Instant` still measures exact virtual time.
    Virtual,
}

/// Which runtime the examples run on, named as in `#[tokio::main(flavor = ...)]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flavor {
    /// One thread, like asyncio's event loop. The golden files are this
    /// runtime's output: its run queue is first in, first out, which Tokio
    /// documents as its current behaviour, not as a promise.
    #[default]
    CurrentThread,
    /// What plain `#[tokio::main]` starts: `run()` on the calling thread, and
    /// spawned tasks on a pool of worker threads. Lines may come out in
    /// another order than in the golden files, but no example may fail.
    MultiThread,
}

impl Flavor {
    fn parse(value: &str) -> Result<Self, UsageError> {
        match value {
            "current_thread" => Ok(Flavor::CurrentThread),
            "multi_thread" => Ok(Flavor::MultiThread),
            _ => Err(UsageError::InvalidFlavor(value.to_owned())),
        }
    }
}

impl Clock {
    /// A runtime of the given flavor on this clock. The paused clock needs
    /// the current-thread runtime; [`parse_args`] refuses the other pairing.
    pub fn runtime(self, flavor: Flavor) -> std::io::Result<tokio::runtime::Runtime> {
        let mut builder = match flavor {
            Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
        };
        builder.enable_all();
        if self == Clock::Virtual {
            builder.start_paused(true);
        }
        builder.build()
    }

    fn parse(value: &str) -> Result<Self, UsageError> {
        match value {
            "real" => Ok(Clock::Real),
            "virtual" => Ok(Clock::Virtual),
            _ => Err(UsageError::InvalidClock(value.to_owned())),
        }
    }
}

/// What the command line asks for.
pub enum Command {
    Help,
    List(Vec<Example>),
    Run {
        clock: Clock,
        flavor: Flavor,
        examples: Vec<Example>,
        /// `--base-url`: talk to this server instead of a local one.
        base_url: Option<String>,
    },
}

/// Bad input on the command line. The binary prints it and exits with code 2.
#[derive(Debug, PartialEq, Eq)]
pub enum UsageError {
    UnknownOption {
        option: String,
        base_url_allowed: bool,
    },
    MissingValue {
        option: &'static str,
        expected: &'static str,
    },
    InvalidClock(String),
    InvalidFlavor(String),
    VirtualClockOnMultiThread,
    InvalidBaseUrl(String),
    BaseUrlOnVirtualClock,
    UnknownExample {
        section: String,
        name: String,
        valid: Vec<&'static str>,
    },
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::UnknownOption {
                option,
                base_url_allowed,
            } => {
                let base_url = if *base_url_allowed {
                    ", --base-url <URL>"
                } else {
                    ""
                };
                write!(
                    f,
                    "unknown option `{option}`\nvalid options: --list, --clock <real|virtual>, --flavor <current_thread|multi_thread>{base_url}, --help"
                )
            }
            UsageError::MissingValue { option, expected } => {
                write!(f, "`{option}` needs a value: {expected}")
            }
            UsageError::InvalidClock(value) => write!(
                f,
                "invalid value `{value}` for `--clock`: expected `real` or `virtual`"
            ),
            UsageError::InvalidFlavor(value) => write!(
                f,
                "invalid value `{value}` for `--flavor`: expected `current_thread` or `multi_thread`"
            ),
            UsageError::VirtualClockOnMultiThread => write!(
                f,
                "`--clock virtual` needs `--flavor current_thread`: Tokio can pause the clock \
                 only on a current-thread runtime"
            ),
            UsageError::InvalidBaseUrl(value) => write!(
                f,
                "invalid value `{value}` for `--base-url`: expected a URL starting with http:// or https://"
            ),
            UsageError::BaseUrlOnVirtualClock => write!(
                f,
                "`--base-url` cannot be combined with `--clock virtual`: an outside server's \
                 delays take real time, which the paused clock does not wait for, so client \
                 timeouts would fire at once; drop `--clock virtual`"
            ),
            UsageError::UnknownExample {
                section,
                name,
                valid,
            } => write!(
                f,
                "section `{section}` has no example `{name}`\nvalid examples: {}\n(`--list` shows what each one covers)",
                valid.join(", ")
            ),
        }
    }
}

impl std::error::Error for UsageError {}

/// Parses the arguments that follow the program name. `--base-url` is only
/// an option for sections with a local HTTP server.
pub fn parse_args(
    section: &str,
    examples: &[Example],
    base_url_allowed: bool,
    args: &[String],
) -> Result<Command, UsageError> {
    let mut clock = None;
    let mut flavor = Flavor::default();
    let mut base_url = None;
    let mut list = false;
    let mut names = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline_value) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ => (arg.as_str(), None),
        };
        let mut value = |option: &'static str, expected: &'static str| {
            inline_value
                .or_else(|| args.next().map(String::as_str))
                .ok_or(UsageError::MissingValue { option, expected })
        };
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "--list" if inline_value.is_none() => list = true,
            "--clock" => clock = Some(Clock::parse(value("--clock", "real or virtual")?)?),
            "--flavor" => {
                flavor = Flavor::parse(value("--flavor", "current_thread or multi_thread")?)?;
            }
            "--base-url" if base_url_allowed => {
                base_url = Some(parse_base_url(value(
                    "--base-url",
                    "a URL such as http://127.0.0.1:8080",
                )?)?);
            }
            _ if arg.starts_with('-') => {
                return Err(UsageError::UnknownOption {
                    option: arg.clone(),
                    base_url_allowed,
                });
            }
            _ => names.push(arg.as_str()),
        }
    }
    if base_url.is_some() && clock == Some(Clock::Virtual) {
        return Err(UsageError::BaseUrlOnVirtualClock);
    }
    if flavor == Flavor::MultiThread && clock == Some(Clock::Virtual) {
        return Err(UsageError::VirtualClockOnMultiThread);
    }

    let selected = if names.is_empty() {
        examples.to_vec()
    } else {
        names
            .into_iter()
            .map(|name| find(section, examples, name))
            .collect::<Result<_, _>>()?
    };
    Ok(if list {
        Command::List(selected)
    } else {
        Command::Run {
            clock: clock.unwrap_or_default(),
            flavor,
            examples: selected,
            base_url,
        }
    })
}

fn parse_base_url(value: &str) -> Result<String, UsageError> {
    let url = value.trim_end_matches('/');
    let has_host = ["http://", "https://"].iter().any(|scheme| {
        url.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty())
    });
    if has_host {
        Ok(url.to_owned())
    } else {
        Err(UsageError::InvalidBaseUrl(value.to_owned()))
    }
}

/// Looks an example up by its module name; `kebab-case` works too.
fn find(section: &str, examples: &[Example], name: &str) -> Result<Example, UsageError> {
    let wanted = name.replace('-', "_");
    examples
        .iter()
        .find(|example| example.name == wanted)
        .copied()
        .ok_or_else(|| UsageError::UnknownExample {
            section: section.to_owned(),
            name: name.to_owned(),
            valid: examples.iter().map(|example| example.name).collect(),
        })
}

pub(crate) fn help(section: &str, examples: &[Example], base_url_allowed: bool) -> String {
    let first = examples.first().map_or("EXAMPLE", |example| example.name);
    let base_url_option = if base_url_allowed {
        "
      --base-url <URL> Send the HTTP examples' requests to this httpbin-compatible
                       server instead of the local one each example starts
                       (real clock only)"
    } else {
        ""
    };
    format!(
        "\
Runs the examples of the `{section}` section in order, each under a header line.
Name one or more examples to run only those.

Usage: cargo run -p {section} -- [OPTIONS] [EXAMPLE]...

Options:
      --list           List the examples, with a one-line summary each
      --clock <CLOCK>  Which clock the runtime uses [default: real]
                         real:    sleeps take real time
                         virtual: Tokio's paused clock; sleeps finish at once and
                                  elapsed time stays exact
      --flavor <FLAVOR>
                       Which runtime the examples run on [default: current_thread]
                         current_thread: one thread, like asyncio's event loop;
                                         the golden files are its output
                         multi_thread:   what plain #[tokio::main] starts; lines
                                         may come out in another order (real
                                         clock only){base_url_option}
  -h, --help           Print this help

Examples:
  cargo run -p {section}
  cargo run -p {section} -- --list
  cargo run -p {section} -- {first}
  cargo run -p {section} -- --clock virtual

Exit codes: 0 success, 1 an example failed, 2 bad command line, 101 an example panicked.
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples() -> Vec<Example> {
        let noop = || -> crate::ExampleFuture { Box::pin(async { Ok(()) }) };
        vec![
            Example::new("hello_world", "//! Hi.", noop),
            Example::new("lazy_futures", "//! Lazy.", noop),
        ]
    }

    fn parse_for(base_url_allowed: bool, args: &[&str]) -> Result<Command, UsageError> {
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        parse_args("basics", &examples(), base_url_allowed, &args)
    }

    fn parse(args: &[&str]) -> Result<Command, UsageError> {
        parse_for(false, args)
    }

    fn run_names(command: Command) -> (Clock, Vec<&'static str>, Option<String>) {
        match command {
            Command::Run {
                clock,
                examples,
                base_url,
                ..
            } => (
                clock,
                examples.iter().map(Example::name).collect(),
                base_url,
            ),
            _ => panic!("expected a run"),
        }
    }

    #[test]
    fn no_arguments_run_everything_on_the_real_clock() {
        let (clock, names, base_url) = run_names(parse(&[]).unwrap());
        assert_eq!(clock, Clock::Real);
        assert_eq!(names, ["hello_world", "lazy_futures"]);
        assert_eq!(base_url, None);
    }

    #[test]
    fn names_select_examples_in_the_order_given() {
        let (clock, names, _) =
            run_names(parse(&["lazy-futures", "--clock=virtual", "hello_world"]).unwrap());
        assert_eq!(clock, Clock::Virtual);
        assert_eq!(names, ["lazy_futures", "hello_world"]);
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        assert_eq!(
            parse(&["--clock", "fast"]).err(),
            Some(UsageError::InvalidClock("fast".into()))
        );
        let missing = UsageError::MissingValue {
            option: "--clock",
            expected: "real or virtual",
        };
        assert_eq!(parse(&["--clock"]).err(), Some(missing));
        let unknown = UsageError::UnknownOption {
            option: "--verbose".into(),
            base_url_allowed: false,
        };
        assert_eq!(parse(&["--verbose"]).err(), Some(unknown));
        let error = parse(&["nope"]).err().unwrap();
        assert_eq!(
            error.to_string(),
            "section `basics` has no example `nope`\nvalid examples: hello_world, lazy_futures\n(`--list` shows what each one covers)"
        );
    }

    #[test]
    fn base_url_is_only_an_option_where_there_is_a_server() {
        let error = parse(&["--base-url", "http://127.0.0.1:8080"])
            .err()
            .unwrap();
        assert!(
            error.to_string().starts_with("unknown option `--base-url`"),
            "{error}"
        );
        assert!(!error.to_string().contains("--base-url <URL>"), "{error}");

        let (clock, _, base_url) =
            run_names(parse_for(true, &["--base-url=https://httpbin.org/"]).unwrap());
        assert_eq!(clock, Clock::Real);
        assert_eq!(base_url.as_deref(), Some("https://httpbin.org"));
    }

    #[test]
    fn base_url_must_be_http_and_on_the_real_clock() {
        for bad in ["127.0.0.1:8080", "http://", "ftp://host"] {
            let error = parse_for(true, &["--base-url", bad]).err();
            assert_eq!(error, Some(UsageError::InvalidBaseUrl(bad.into())));
        }
        let error = parse_for(
            true,
            &["--clock", "virtual", "--base-url", "http://localhost:1"],
        )
        .err();
        assert_eq!(error, Some(UsageError::BaseUrlOnVirtualClock));
        let error = parse(&["--flavor", "multi_thread", "--clock", "virtual"]).err();
        assert_eq!(error, Some(UsageError::VirtualClockOnMultiThread));
        assert_eq!(
            parse(&["--flavor=multi-thread"]).err(),
            Some(UsageError::InvalidFlavor("multi-thread".into()))
        );
        assert!(
            parse_for(
                true,
                &["--clock", "real", "--base-url", "http://localhost:1"]
            )
            .is_ok()
        );
    }
}
