//! The command line of a section binary: one table of its flags
//! (`crates/flags`), from which both the parser and `--help` are derived.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use flags::{Flag, Positional};

use crate::Example;
use protocol::{
    Clock, EXIT_FAILED, EXIT_OK, EXIT_PANICKED, EXIT_TIMED_OUT, EXIT_USAGE, Flavor, Kind, LIST_TSV,
    Named,
};

/// How `--list` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    /// `name  summary`, aligned, for people.
    Text,
    /// [`protocol::Listed`] lines, for tools.
    Tsv,
}

/// What the command line asks for.
pub enum Command {
    Help,
    List(Vec<Example>, ListFormat),
    Run {
        clock: Clock,
        flavor: Flavor,
        examples: Vec<Example>,
        /// `--base-url`: talk to this server instead of a local one.
        base_url: Option<String>,
        timeline: TimelineRequest,
        dumps: DumpRequest,
    },
    /// `--cancel-sweep`: cancel each example at every point where it is
    /// pending, and report what that leaves behind.
    Sweep(Vec<Example>),
}

/// What `--timeline` and `--timeline-file` ask for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimelineRequest {
    /// `--timeline`: a chart on stdout after each example's output.
    pub chart: bool,
    /// `--timeline-file <PATH>`: the text form of each example's timeline,
    /// one after another, in this file.
    pub file: Option<PathBuf>,
}

impl TimelineRequest {
    pub fn wanted(&self) -> bool {
        self.chart || self.file.is_some()
    }
}

/// What `--dump-at`, `--dump-file` and `--timeout` ask for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DumpRequest {
    /// `--dump-at <SECS>`: dump each example's tasks at this instant of its
    /// clock, if it is still running then.
    pub at: Option<Duration>,
    /// `--dump-file <PATH>`: write those dumps to this file, not stdout.
    pub file: Option<PathBuf>,
    /// `--timeout <SECS>`: after this much real time, print where each task
    /// waits on stderr and exit with code 124.
    pub timeout: Option<Duration>,
}

impl DumpRequest {
    pub fn wanted(&self) -> bool {
        self.at.is_some() || self.timeout.is_some()
    }
}

/// Whether this binary can record timelines: Tokio's task hooks exist only
/// under `--cfg tokio_unstable`.
pub const TIMELINE_AVAILABLE: bool = cfg!(tokio_unstable);

/// Bad input on the command line. The binary prints it and exits with code 2.
#[derive(Debug, PartialEq, Eq)]
pub enum UsageError {
    /// What the table of flags refuses: an unknown option, a missing or
    /// extra value, an argument that is not UTF-8, a time that is not a
    /// number of seconds.
    Flags(flags::Error),
    /// A value that is not one of the option's names.
    InvalidValue(protocol::InvalidValue),
    InvalidListFormat(String),
    InvalidBaseUrl(protocol::InvalidBaseUrl),
    BaseUrlOnVirtualClock,
    VirtualClockOnMultiThread,
    /// `--timeline` in a binary built without `--cfg tokio_unstable`.
    TimelineUnavailable,
    /// `--cancel-sweep` in a binary built without `--cfg tokio_unstable`.
    SweepUnavailable,
    /// `--dump-at` in a binary that can't take task dumps.
    DumpUnavailable,
    /// `--dump-file` without `--dump-at`.
    DumpFileAlone,
    /// `--cancel-sweep` with an option it can't honour.
    SweepWith(&'static str),
    UnknownExample {
        section: String,
        name: String,
        valid: Vec<&'static str>,
    },
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::Flags(error) => error.fmt(f),
            UsageError::InvalidValue(error) => error.fmt(f),
            UsageError::InvalidListFormat(value) => write!(
                f,
                "invalid value `{value}` for `--list`: expected `--list` or `--list={LIST_TSV}`"
            ),
            UsageError::InvalidBaseUrl(error) => error.fmt(f),
            UsageError::BaseUrlOnVirtualClock => write!(
                f,
                "`--base-url` cannot be combined with `--clock virtual`: an outside server's \
                 delays take real time, which the paused clock does not wait for, so client \
                 timeouts would fire at once; drop `--clock virtual`"
            ),
            UsageError::VirtualClockOnMultiThread => write!(
                f,
                "`--clock virtual` needs `--flavor current_thread`: Tokio can pause the clock \
                 only on a current-thread runtime"
            ),
            UsageError::TimelineUnavailable => write!(
                f,
                "this binary can't draw timelines: it was built without `--cfg tokio_unstable`, \
                 which Tokio's task hooks need. The workspace sets it in .cargo/config.toml; \
                 a RUSTFLAGS of your own replaces that, so add `--cfg tokio_unstable` to it \
                 (or unset it) and build again"
            ),
            UsageError::SweepUnavailable => write!(
                f,
                "this binary can't run the cancellation sweep: it was built without \
                 `--cfg tokio_unstable`, whose task hooks show which tasks are left. The \
                 workspace sets it in .cargo/config.toml; a RUSTFLAGS of your own replaces \
                 that"
            ),
            UsageError::DumpUnavailable => write!(
                f,
                "this binary can't take task dumps: {}",
                crate::dump::UNAVAILABLE
            ),
            UsageError::DumpFileAlone => {
                f.write_str("`--dump-file` says where `--dump-at` writes: give `--dump-at` too")
            }
            UsageError::SweepWith(option) => write!(
                f,
                "`--cancel-sweep` runs each example on the paused clock and the \
                 current-thread runtime, against the local server: it can't be combined \
                 with `{option}`"
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

impl From<flags::Error> for UsageError {
    fn from(error: flags::Error) -> Self {
        UsageError::Flags(error)
    }
}

impl From<protocol::InvalidValue> for UsageError {
    fn from(error: protocol::InvalidValue) -> Self {
        UsageError::InvalidValue(error)
    }
}

const LIST: Flag = Flag::optional_value(
    "list",
    "FORMAT",
    "List the examples, with a one-line summary each (--list=tsv: name, kind, source, \
     detached tasks and summary, tab-separated, for tools)",
);
const CLOCK: Flag = Flag::value(
    "clock",
    "CLOCK",
    "Which clock the runtime uses: real, where sleeps take real time, or virtual, Tokio's \
     paused clock, where sleeps finish at once and elapsed time stays exact",
)
.default("real");
const FLAVOR: Flag = Flag::value(
    "flavor",
    "FLAVOR",
    "Which runtime the examples run on: current_thread, one thread like asyncio's event loop \
     (the golden files are its output), or multi_thread, what plain #[tokio::main] starts, \
     where lines may come out in another order (real clock only)",
)
.default("current_thread");
const BASE_URL_FLAG: Flag = Flag::value(
    "base-url",
    "URL",
    "Send the HTTP examples' requests to this httpbin-compatible server instead of the local \
     one each example starts (real clock only)",
);
const TIMELINE: Flag = Flag::switch(
    "timeline",
    "After each example, chart its tasks on its clock: when each was spawned, polled and ended \
     (needs --cfg tokio_unstable, which the workspace sets)",
);
const TIMELINE_FILE: Flag = Flag::value(
    "timeline-file",
    "PATH",
    "Write each example's timeline to PATH in its text form",
);
const DUMP_AT: Flag = Flag::value(
    "dump-at",
    "SECS",
    "At this instant of each example's clock, print where each of its tasks waits: the \
     example's own frames, innermost last, and the Tokio future each one waits in (needs Linux \
     and --cfg tokio_unstable, which the workspace sets). On the real clock, the example's own \
     timing moves by the few milliseconds a dump takes",
);
const DUMP_FILE: Flag = Flag::value(
    "dump-file",
    "PATH",
    "Write those dumps to PATH instead of stdout",
);
const TIMEOUT: Flag = Flag::value(
    "timeout",
    "SECS",
    "After SECS seconds of real time, print where each task of the example still running \
     waits, on stderr, and exit with code 124",
);
// The help above names the code; the exit codes' list is derived.
const _: () = assert!(EXIT_TIMED_OUT == 124);
const CANCEL_SWEEP: Flag = Flag::switch(
    "cancel-sweep",
    "On the paused clock, run each example again and again, dropping its run() future after \
     its 1st, 2nd, ... poll, and report what any of those cancellations leaves behind: a \
     panic, a task left running (at once, unless declared, or 60s later), a blocking job, an \
     open socket or file, a thread \
     or a temporary file. The examples' output is discarded; the report is on stderr",
);
const EXAMPLES: Positional = Positional::many("EXAMPLE", "Run only these examples, in this order");

/// A section binary's flags; `--base-url` only where there are HTTP examples.
const FLAGS: [Flag; 9] = [
    LIST,
    CLOCK,
    FLAVOR,
    TIMELINE,
    TIMELINE_FILE,
    DUMP_AT,
    DUMP_FILE,
    TIMEOUT,
    CANCEL_SWEEP,
];
const FLAGS_WITH_BASE_URL: [Flag; 10] = [
    LIST,
    CLOCK,
    FLAVOR,
    BASE_URL_FLAG,
    TIMELINE,
    TIMELINE_FILE,
    DUMP_AT,
    DUMP_FILE,
    TIMEOUT,
    CANCEL_SWEEP,
];

/// The exit codes of a section binary.
const EXIT_CODES: flags::ExitCodes<'static> = &[
    (EXIT_OK, "success"),
    (EXIT_FAILED, "an example failed"),
    (
        EXIT_USAGE,
        "a usage mistake (an unknown option or example, a bad value, a --timeline-file or \
         --dump-file that can't be created)",
    ),
    (EXIT_PANICKED, "an example panicked"),
    (EXIT_TIMED_OUT, "--timeout ran out"),
];

/// The command line of the section `section`, whose examples are `examples`.
fn table<'a>(about: &'a str, examples: &[Example]) -> flags::Command<'a> {
    let http = examples
        .iter()
        .any(|example| example.kind() == Kind::BaseUrl);
    flags::Command {
        name: "",
        summary: "",
        about,
        positionals: &[EXAMPLES],
        flags: if http { &FLAGS_WITH_BASE_URL } else { &FLAGS },
    }
}

/// Parses the arguments that follow the program name. `--base-url` is only
/// an option for sections with HTTP examples.
pub fn parse_args(
    section: &str,
    examples: &[Example],
    args: impl IntoIterator<Item = impl Into<OsString>>,
) -> Result<Command, UsageError> {
    let table = table("", examples);
    let mut parser = lexopt::Parser::from_args(args);
    let args = match flags::parse(&table, &mut parser)? {
        flags::Parsed::Help => return Ok(Command::Help),
        flags::Parsed::Args(args) => args,
    };
    let list = match args.value(&LIST)? {
        _ if !args.switch(&LIST) => None,
        None => Some(ListFormat::Text),
        Some(format) if format == LIST_TSV => Some(ListFormat::Tsv),
        Some(other) => return Err(UsageError::InvalidListFormat(other)),
    };
    let clock = args
        .value(&CLOCK)?
        .map(|name| Clock::parse(&name))
        .transpose()?;
    let flavor = args
        .value(&FLAVOR)?
        .map(|name| Flavor::parse(&name))
        .transpose()?
        .unwrap_or_default();
    let base_url = args
        .value(&BASE_URL_FLAG)?
        .map(|url| protocol::parse_base_url(&url).map_err(UsageError::InvalidBaseUrl))
        .transpose()?;
    let timeline = TimelineRequest {
        chart: args.switch(&TIMELINE),
        file: args.os_value(&TIMELINE_FILE).map(PathBuf::from),
    };
    let seconds = |flag: &Flag| -> Result<Option<Duration>, UsageError> {
        args.value(flag)?
            .map(|value| {
                protocol::parse_seconds(&format!("--{}", flag.long), &value)
                    .map_err(|message| UsageError::Flags(args.mistake(message)))
            })
            .transpose()
    };
    let dumps = DumpRequest {
        at: seconds(&DUMP_AT)?,
        file: args.os_value(&DUMP_FILE).map(PathBuf::from),
        // `--timeout 0` asks for no timeout.
        timeout: seconds(&TIMEOUT)?.filter(|timeout| !timeout.is_zero()),
    };
    let sweep = args.switch(&CANCEL_SWEEP);
    let names = args.positionals(&EXAMPLES)?;
    if base_url.is_some() && clock == Some(Clock::Virtual) {
        return Err(UsageError::BaseUrlOnVirtualClock);
    }
    if flavor == Flavor::MultiThread && clock == Some(Clock::Virtual) {
        return Err(UsageError::VirtualClockOnMultiThread);
    }
    if timeline.wanted() && !TIMELINE_AVAILABLE {
        return Err(UsageError::TimelineUnavailable);
    }
    if dumps.file.is_some() && dumps.at.is_none() {
        return Err(UsageError::DumpFileAlone);
    }
    if dumps.at.is_some() && !crate::dump::AVAILABLE {
        return Err(UsageError::DumpUnavailable);
    }
    if sweep {
        let conflict = [
            (clock == Some(Clock::Real), "--clock real"),
            (flavor == Flavor::MultiThread, "--flavor multi_thread"),
            (base_url.is_some(), "--base-url"),
            (timeline.chart, "--timeline"),
            (timeline.file.is_some(), "--timeline-file"),
            (dumps.at.is_some(), "--dump-at"),
            (dumps.timeout.is_some(), "--timeout"),
        ]
        .into_iter()
        .find_map(|(conflicts, option)| conflicts.then_some(option));
        if let Some(option) = conflict {
            return Err(UsageError::SweepWith(option));
        }
        if !TIMELINE_AVAILABLE {
            return Err(UsageError::SweepUnavailable);
        }
    }

    let selected = if names.is_empty() {
        examples.to_vec()
    } else {
        names
            .iter()
            .map(|name| find(section, examples, name))
            .collect::<Result<_, _>>()?
    };
    Ok(match list {
        Some(format) => Command::List(selected, format),
        None if sweep => Command::Sweep(selected),
        None => Command::Run {
            clock: clock.unwrap_or_default(),
            flavor,
            examples: selected,
            base_url,
            timeline,
            dumps,
        },
    })
}

/// Looks an example up by its module name; `kebab-case` works too.
fn find(section: &str, examples: &[Example], name: &str) -> Result<Example, UsageError> {
    let wanted = name.replace('-', "_");
    examples
        .iter()
        .find(|example| example.name() == wanted)
        .copied()
        .ok_or_else(|| UsageError::UnknownExample {
            section: section.to_owned(),
            name: name.to_owned(),
            valid: examples.iter().map(Example::name).collect(),
        })
}

pub(crate) fn help(section: &str, examples: &[Example]) -> String {
    let first = examples.first().map_or("EXAMPLE", Example::name);
    let about = format!(
        "Runs the examples of the `{section}` section in order, each under a header line. \
         Name one or more examples to run only those.

Examples:
  cargo run -p {section}
  cargo run -p {section} -- --list
  cargo run -p {section} -- {first}
  cargo run -p {section} -- --clock virtual
  cargo run -p {section} -- {first} --timeline
  cargo run -p {section} -- {first} --clock virtual --dump-at 0.5"
    );
    flags::help(
        &format!("cargo run -p {section} --"),
        &table(&about, examples),
        EXIT_CODES,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::InvalidValue;

    fn noop() -> crate::ExampleFuture {
        Box::pin(async { Ok(()) })
    }

    fn examples(with_http: bool) -> Vec<Example> {
        let mut examples = vec![
            Example::new("hello_world", "//! Hi.", noop),
            Example::new("lazy_futures", "//! Lazy.", noop),
        ];
        if with_http {
            examples.push(Example::with_base_url("fetch", "//! Fetch.", |_| noop()));
        }
        examples
    }

    fn parse_for(with_http: bool, args: &[&str]) -> Result<Command, UsageError> {
        parse_args("basics", &examples(with_http), args)
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
    fn after_a_double_dash_everything_is_a_name() {
        let error = parse(&["--", "--list"]).err().unwrap();
        assert!(error.to_string().contains("no example `--list`"), "{error}");
    }

    #[test]
    fn list_takes_an_optional_format() {
        assert!(matches!(
            parse(&["--list"]),
            Ok(Command::List(_, ListFormat::Text))
        ));
        assert!(matches!(
            parse(&["--list=tsv"]),
            Ok(Command::List(_, ListFormat::Tsv))
        ));
        assert_eq!(
            parse(&["--list=json"]).err(),
            Some(UsageError::InvalidListFormat("json".into()))
        );
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        assert_eq!(
            parse(&["--clock", "fast"]).err(),
            Some(UsageError::InvalidValue(InvalidValue {
                option: "--clock",
                value: "fast".into(),
                valid: vec!["real", "virtual"],
            }))
        );
        let missing = parse(&["--clock"]).err().unwrap();
        assert_eq!(missing.to_string(), "missing argument for option '--clock'");
        let unknown = parse(&["--verbose"]).err().unwrap().to_string();
        assert!(
            unknown.starts_with("unknown option `--verbose`\nvalid options: --list, --clock"),
            "{unknown}"
        );
        assert!(!unknown.contains("--base-url"), "{unknown}");
        assert!(matches!(parse(&["--flavor"]), Err(UsageError::Flags(_))));
        assert!(matches!(parse(&["--help=1"]), Err(UsageError::Flags(_))));
        assert!(matches!(parse(&["x", "--help"]), Ok(Command::Help)));
        let error = parse(&["nope"]).err().unwrap();
        assert_eq!(
            error.to_string(),
            "section `basics` has no example `nope`\nvalid examples: hello_world, lazy_futures\n(`--list` shows what each one covers)"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_argument_that_is_not_utf8_is_refused_not_a_panic() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![0x66, 0x6f, 0xff]);
        let error = parse_args("basics", &examples(false), [bad]).err().unwrap();
        assert!(matches!(error, UsageError::Flags(_)), "{error}");
    }

    #[test]
    fn base_url_is_only_an_option_where_there_are_http_examples() {
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
            assert_eq!(
                error,
                Some(UsageError::InvalidBaseUrl(
                    protocol::parse_base_url(bad).unwrap_err()
                ))
            );
        }
        let error = parse_for(
            true,
            &["--clock", "virtual", "--base-url", "http://localhost:1"],
        )
        .err();
        assert_eq!(error, Some(UsageError::BaseUrlOnVirtualClock));
        assert!(
            parse_for(
                true,
                &["--clock", "real", "--base-url", "http://localhost:1"]
            )
            .is_ok()
        );
    }

    #[test]
    fn timeline_options_are_parsed_where_the_hooks_exist() {
        let result = parse(&[
            "--timeline",
            "--timeline-file",
            "out.timeline",
            "hello_world",
        ]);
        if TIMELINE_AVAILABLE {
            let Ok(Command::Run { timeline, .. }) = result else {
                panic!("expected a run");
            };
            assert!(timeline.chart);
            assert_eq!(timeline.file, Some(PathBuf::from("out.timeline")));
        } else {
            assert_eq!(result.err(), Some(UsageError::TimelineUnavailable));
        }
        let Ok(Command::Run { timeline, .. }) = parse(&[]) else {
            panic!("expected a run");
        };
        assert!(!timeline.wanted());
    }

    #[test]
    fn the_sweep_takes_no_option_it_cannot_honour() {
        let result = parse(&["--cancel-sweep", "hello_world"]);
        if TIMELINE_AVAILABLE {
            let Ok(Command::Sweep(examples)) = result else {
                panic!("expected a sweep");
            };
            assert_eq!(examples.len(), 1);
        } else {
            assert_eq!(result.err(), Some(UsageError::SweepUnavailable));
        }
        for (args, option) in [
            (&["--cancel-sweep", "--clock", "real"][..], "--clock real"),
            (
                &["--flavor=multi_thread", "--cancel-sweep"],
                "--flavor multi_thread",
            ),
            (&["--cancel-sweep", "--timeline"], "--timeline"),
        ] {
            assert_eq!(parse(args).err(), Some(UsageError::SweepWith(option)));
        }
        let error = parse_for(true, &["--cancel-sweep", "--base-url", "http://x.test"]).err();
        assert_eq!(error, Some(UsageError::SweepWith("--base-url")));
    }

    #[test]
    fn dump_options_take_seconds_and_say_when_the_build_cannot_dump() {
        let result = parse(&[
            "--dump-at",
            "1.5",
            "--dump-file",
            "out.dump",
            "--timeout=60",
        ]);
        if crate::dump::AVAILABLE {
            let Ok(Command::Run { dumps, .. }) = result else {
                panic!("expected a run");
            };
            assert_eq!(dumps.at, Some(Duration::from_millis(1500)));
            assert_eq!(dumps.file, Some(PathBuf::from("out.dump")));
            assert_eq!(dumps.timeout, Some(Duration::from_secs(60)));
        } else {
            assert_eq!(result.err(), Some(UsageError::DumpUnavailable));
        }
        // A timeout needs no dump to be useful: every build takes it.
        assert!(parse(&["--timeout", "2"]).is_ok());
        assert_eq!(
            parse(&["--dump-file", "x"]).err(),
            Some(UsageError::DumpFileAlone)
        );
        let error = parse(&["--dump-at", "soon"]).err().unwrap();
        assert!(error.to_string().contains("`--dump-at`"), "{error}");
        assert_eq!(
            parse(&["--cancel-sweep", "--dump-at", "1"]).err(),
            Some(UsageError::SweepWith("--dump-at"))
        );
    }

    #[test]
    fn the_paused_clock_needs_the_current_thread_runtime() {
        let error = parse(&["--flavor", "multi_thread", "--clock", "virtual"]).err();
        assert_eq!(error, Some(UsageError::VirtualClockOnMultiThread));
        let error = parse(&["--flavor=multi-thread"]).err().unwrap();
        assert!(matches!(error, UsageError::InvalidValue(_)), "{error}");
    }
}
