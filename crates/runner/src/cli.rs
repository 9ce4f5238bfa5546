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

impl Clock {
    /// A current-thread runtime: one thread, like asyncio's event loop, which
    /// keeps the order of the examples' output defined.
    pub fn runtime(self) -> std::io::Result<tokio::runtime::Runtime> {
        let mut builder = tokio::runtime::Builder::new_current_thread();
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
        examples: Vec<Example>,
    },
}

/// Bad input on the command line. The binary prints it and exits with code 2.
#[derive(Debug, PartialEq, Eq)]
pub enum UsageError {
    UnknownOption(String),
    MissingValue(&'static str),
    InvalidClock(String),
    UnknownExample {
        section: String,
        name: String,
        valid: Vec<&'static str>,
    },
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::UnknownOption(option) => write!(
                f,
                "unknown option `{option}`\nvalid options: --list, --clock <real|virtual>, --help"
            ),
            UsageError::MissingValue(option) => {
                write!(f, "`{option}` needs a value: real or virtual")
            }
            UsageError::InvalidClock(value) => write!(
                f,
                "invalid value `{value}` for `--clock`: expected `real` or `virtual`"
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

/// Parses the arguments that follow the program name.
pub fn parse_args(
    section: &str,
    examples: &[Example],
    args: &[String],
) -> Result<Command, UsageError> {
    let mut clock = Clock::default();
    let mut list = false;
    let mut names = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--list" => list = true,
            "--clock" => {
                let value = args.next().ok_or(UsageError::MissingValue("--clock"))?;
                clock = Clock::parse(value)?;
            }
            _ => {
                if let Some(value) = arg.strip_prefix("--clock=") {
                    clock = Clock::parse(value)?;
                } else if arg.starts_with('-') {
                    return Err(UsageError::UnknownOption(arg.clone()));
                } else {
                    names.push(arg.as_str());
                }
            }
        }
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
            clock,
            examples: selected,
        }
    })
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

pub(crate) fn help(section: &str, examples: &[Example]) -> String {
    let first = examples.first().map_or("EXAMPLE", |example| example.name);
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

    fn parse(args: &[&str]) -> Result<Command, UsageError> {
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        parse_args("basics", &examples(), &args)
    }

    fn run_names(command: Command) -> (Clock, Vec<&'static str>) {
        match command {
            Command::Run { clock, examples } => {
                (clock, examples.iter().map(Example::name).collect())
            }
            _ => panic!("expected a run"),
        }
    }

    #[test]
    fn no_arguments_run_everything_on_the_real_clock() {
        let (clock, names) = run_names(parse(&[]).unwrap());
        assert_eq!(clock, Clock::Real);
        assert_eq!(names, ["hello_world", "lazy_futures"]);
    }

    #[test]
    fn names_select_examples_in_the_order_given() {
        let (clock, names) =
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
        assert_eq!(
            parse(&["--clock"]).err(),
            Some(UsageError::MissingValue("--clock"))
        );
        assert_eq!(
            parse(&["--verbose"]).err(),
            Some(UsageError::UnknownOption("--verbose".into()))
        );
        let error = parse(&["nope"]).err().unwrap();
        assert_eq!(
            error.to_string(),
            "section `basics` has no example `nope`\nvalid examples: hello_world, lazy_futures\n(`--list` shows what each one covers)"
        );
    }
}
