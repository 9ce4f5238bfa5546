//! A section binary's command line, declared once: clap derives `--help`
//! and refuses a usage mistake with exit code 2.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{Arg, CommandFactory, FromArgMatches, Parser};
use protocol::{
    Clock, EXIT_FAILED, EXIT_OK, EXIT_PANICKED, EXIT_TIMED_OUT, EXIT_USAGE, Flavor, Kind, LIST_TSV,
    Named, parse_base_url, parse_seconds, same_name,
};

use crate::Example;
use crate::record::HOOKS;
use crate::whole_file::one_plain_file;

/// What to run, and how: the command line's flags.
#[derive(Parser)]
#[command(disable_version_flag = true)]
pub(crate) struct Flags {
    /// List the examples; --list=tsv for tools
    #[arg(
        long,
        value_name = "FORMAT",
        require_equals = true,
        value_parser = [LIST_TSV],
        conflicts_with_all = RUN_OPTIONS,
    )]
    pub(crate) list: Option<Option<String>>,
    /// virtual: Tokio's paused clock, where sleeps end at once [default: real]
    #[arg(long, value_parser = named::<Clock>())]
    pub(crate) clock: Option<Clock>,
    /// The runtime; multi_thread needs the real clock
    #[arg(long, value_parser = named::<Flavor>(), default_value = "current_thread")]
    pub(crate) flavor: Flavor,
    /// After each example, chart when each task was spawned, polled and ended
    #[arg(long)]
    pub(crate) timeline: bool,
    /// Write each example's timeline to PATH in its text form
    #[arg(long, value_name = "PATH")]
    pub(crate) timeline_file: Option<PathBuf>,
    /// Write the timelines to PATH as a trace for ui.perfetto.dev or chrome://tracing
    #[arg(long, value_name = "PATH")]
    pub(crate) trace: Option<PathBuf>,
    /// At this instant of each example's clock, print where each task waits
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub(crate) dump_at: Option<Duration>,
    /// Write those dumps to PATH instead of stdout
    #[arg(long, value_name = "PATH", requires = "dump_at")]
    pub(crate) dump_file: Option<PathBuf>,
    /// After SECS of real time, print where each task waits, on stderr, and exit 124
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub(crate) timeout: Option<Duration>,
    /// Cancel each example at every point it is pending; report what that leaves
    #[arg(long)]
    pub(crate) cancel_sweep: bool,
    /// For tools: write each line of stdout to PATH with the instant of its
    /// example's clock at which it was written (`xtask check-all --real`)
    #[arg(long, value_name = "PATH", hide = true)]
    pub(crate) line_instants: Option<PathBuf>,
    /// Run only these examples, in this order
    #[arg(value_name = "EXAMPLE")]
    pub(crate) examples: Vec<String>,
    /// `--base-url`, where the section has HTTP examples.
    #[arg(skip)]
    pub(crate) base_url: Option<String>,
}

/// The options that say how to run the examples, which `--list` refuses
/// rather than ignores (and `--base-url`, where there is one).
const RUN_OPTIONS: [&str; 10] = [
    "clock",
    "flavor",
    "timeline",
    "timeline_file",
    "trace",
    "dump_at",
    "dump_file",
    "timeout",
    "cancel_sweep",
    "line_instants",
];

impl Flags {
    /// Whether a reader will see the timelines, which then say more.
    pub(crate) fn explain(&self) -> bool {
        self.timeline || self.timeline_file.is_some() || self.trace.is_some()
    }
}

/// A [`Named`] value's parser: clap lists the names when one is wrong.
fn named<T: Named + Send + Sync + Clone>() -> impl TypedValueParser<Value = T> {
    let names = T::ALL.iter().map(|(_, name)| *name);
    PossibleValuesParser::new(names).try_map(|name| T::parse(&name))
}

/// What the command line asks for.
pub(crate) enum Command {
    List(Vec<Example>, ListFormat),
    Run(Vec<Example>, Box<Flags>),
    Sweep(Vec<Example>),
}

pub(crate) enum ListFormat {
    /// `--list`: each name and summary, for a reader.
    Text,
    /// `--list=tsv`: see [`protocol::Listed`].
    Tsv,
}

/// The command line (with the program's name first) of section `section`;
/// `Err` for `--help` too, which [`clap::Error::use_stderr`] tells apart.
pub(crate) fn parse(
    section: &str,
    examples: &[Example],
    args: impl IntoIterator<Item = OsString>,
) -> Result<Command, clap::Error> {
    let mut command = declare(section, examples);
    let matches = command.try_get_matches_from_mut(args)?;
    let mut flags = Flags::from_arg_matches(&matches)?;
    if let Some(url) = matches.try_get_one::<String>("base_url").ok().flatten() {
        let url = parse_base_url(url)
            .map_err(|message| command.error(ErrorKind::ValueValidation, message))?;
        flags.base_url = Some(url);
    }
    check_flags(&flags).map_err(|message| command.error(ErrorKind::ArgumentConflict, message))?;
    let selected = select(section, examples, &flags.examples)
        .map_err(|message| command.error(ErrorKind::InvalidValue, message))?;
    // `--timeout 0` asks for none.
    if flags.timeout == Some(Duration::ZERO) {
        flags.timeout = None;
    }
    let command = match flags.list {
        Some(None) => Command::List(selected, ListFormat::Text),
        Some(Some(_)) => Command::List(selected, ListFormat::Tsv),
        None if flags.cancel_sweep => Command::Sweep(selected),
        None => Command::Run(selected, Box::new(flags)),
    };
    Ok(command)
}

/// The command line of section `section`: [`Flags`], its help, and
/// `--base-url` where there are HTTP examples.
fn declare(section: &str, examples: &[Example]) -> clap::Command {
    let first = examples.first().map_or("EXAMPLE", Example::name);
    let command = Flags::command()
        .bin_name(format!("cargo run -p {section} --"))
        .about(format!(
            "Runs the examples of the `{section}` section in order; name some to run only those."
        ))
        .after_help(format!(
            "Examples:\n  cargo run -p {section} -- --list\n  cargo run -p {section} -- {first} \
             --timeline\n  cargo run -p {section} -- {first} --clock virtual --dump-at 0.5\n\n\
             Exit codes: {EXIT_OK} success, {EXIT_FAILED} an example failed, {EXIT_USAGE} a usage \
             mistake, {EXIT_PANICKED} an example panicked, {EXIT_TIMED_OUT} --timeout ran out"
        ));
    let http = examples
        .iter()
        .any(|example| example.kind() == Kind::BaseUrl);
    if !http {
        return command;
    }
    command.arg(
        Arg::new("base_url")
            .long("base-url")
            .value_name("URL")
            .help("Send the HTTP examples' requests to this httpbin-compatible server")
            .conflicts_with("list"),
    )
}

/// Why this binary can't do what needs Tokio's task hooks.
const NO_CFG: &str = "Tokio's task hooks need `--cfg tokio_unstable`, which the workspace sets in \
                      .cargo/config.toml; a RUSTFLAGS of your own replaces it, so add `--cfg \
                      tokio_unstable` to it (or unset it) and build again";

/// Refuses flags that can't be combined, or that this binary can't serve,
/// with why: what clap's declarations can't say.
fn check_flags(flags: &Flags) -> Result<(), String> {
    let virtual_clock = flags.clock == Some(Clock::Virtual);
    if flags.base_url.is_some() && virtual_clock {
        return Err(
            "`--base-url` cannot be combined with `--clock virtual`: an outside server's delays \
             take real time, which the paused clock does not wait for, so client timeouts would \
             fire at once; drop `--clock virtual`"
                .into(),
        );
    }
    if flags.flavor == Flavor::MultiThread && virtual_clock {
        return Err(
            "`--clock virtual` needs `--flavor current_thread`: Tokio can pause the clock only \
             on a current-thread runtime"
                .into(),
        );
    }
    check_outputs(flags)?;
    if flags.explain() && !HOOKS {
        return Err(format!("this binary can't draw timelines: {NO_CFG}"));
    }
    if flags.dump_at.is_some() && !crate::dump::AVAILABLE {
        let why = crate::dump::UNAVAILABLE;
        return Err(format!("this binary can't take task dumps: {why}"));
    }
    if flags.cancel_sweep {
        return check_cancel_sweep(flags);
    }
    Ok(())
}

/// Refuses two of `--timeline-file`, `--trace`, `--dump-file` and
/// `--line-instants` naming one plain file: the one written last would replace the other without a
/// word. (Two may name one stream, a FIFO or `/dev/null`.)
fn check_outputs(flags: &Flags) -> Result<(), String> {
    let outputs = [
        ("--timeline-file", &flags.timeline_file),
        ("--trace", &flags.trace),
        ("--dump-file", &flags.dump_file),
        ("--line-instants", &flags.line_instants),
    ];
    let named = outputs
        .iter()
        .filter_map(|(flag, path)| Some((*flag, path.as_deref()?)));
    let mut seen: Vec<(&str, &Path)> = Vec::new();
    for (flag, path) in named {
        if let Some((other, _)) = seen.iter().find(|(_, seen)| one_plain_file(seen, path)) {
            return Err(format!(
                "`{other}` and `{flag}` name one file, `{}`: each needs its own",
                path.display()
            ));
        }
        seen.push((flag, path));
    }
    Ok(())
}

/// Refuses what `--cancel-sweep` can't be combined with: it runs on the
/// paused clock and the current-thread runtime, against the local server.
fn check_cancel_sweep(flags: &Flags) -> Result<(), String> {
    let conflict = [
        (flags.clock == Some(Clock::Real), "--clock real"),
        (flags.flavor == Flavor::MultiThread, "--flavor multi_thread"),
        (flags.base_url.is_some(), "--base-url"),
        (flags.timeline, "--timeline"),
        (flags.timeline_file.is_some(), "--timeline-file"),
        (flags.trace.is_some(), "--trace"),
        (flags.dump_at.is_some(), "--dump-at"),
        (flags.timeout.is_some(), "--timeout"),
        (flags.line_instants.is_some(), "--line-instants"),
    ];
    if let Some((_, option)) = conflict.iter().find(|(conflicts, _)| *conflicts) {
        return Err(format!(
            "`--cancel-sweep` runs each example on the paused clock and the current-thread \
             runtime, against the local server: it can't be combined with `{option}`"
        ));
    }
    if !HOOKS {
        return Err(format!(
            "this binary can't run the cancellation sweep: {NO_CFG}"
        ));
    }
    Ok(())
}

/// The examples `names` names, in that order, or every one if it names
/// none; an unknown name is refused with the valid ones.
fn select(section: &str, examples: &[Example], names: &[String]) -> Result<Vec<Example>, String> {
    if names.is_empty() {
        return Ok(examples.to_vec());
    }
    let mut selected = Vec::new();
    for name in names {
        let Some(example) = examples
            .iter()
            .find(|example| same_name(name, example.name()))
        else {
            let valid: Vec<&str> = examples.iter().map(Example::name).collect();
            return Err(format!(
                "section `{section}` has no example `{name}`\nvalid examples: {}\n(`--list` \
                 shows what each one covers)",
                valid.join(", ")
            ));
        };
        selected.push(*example);
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn list_refuses_every_run_option() {
        // Whatever is neither `--list` itself nor the examples' names says
        // how to run them: a new option left out of RUN_OPTIONS would be
        // ignored beside `--list`.
        let command = super::Flags::command();
        let options: Vec<&str> = command
            .get_arguments()
            .map(|arg| arg.get_id().as_str())
            .filter(|id| !["list", "examples", "help"].contains(id))
            .collect();
        assert_eq!(options, super::RUN_OPTIONS);
    }
}
