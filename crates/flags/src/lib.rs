//! One definition of each command line: a command's arguments are a table
//! of [`Flag`]s and [`Positional`]s, and both its parser and its `--help`
//! are read from that table, so the two can't drift apart. `lexopt` does
//! the splitting (`--opt=value`, `--`, arguments that are not UTF-8).
//!
//! The conventions, the same in every binary of the workspace:
//! - `-h` or `--help` anywhere before `--` prints the help on stdout and
//!   exits 0; `--help=VALUE` is a usage mistake, as is a value given to any
//!   flag that takes none.
//! - a usage mistake (an unknown option, a missing or extra argument, a
//!   bad value) is an [`Error`]: the binary prints it on stderr and exits
//!   with [`EXIT_USAGE`], and every help says so.
//!
//! The model is rust-analyzer's `xtask/src/flags.rs` (xflags): one
//! declaration per command, the help derived from it.

use std::ffi::OsString;
use std::fmt::{self, Write as _};
use std::time::Duration;

/// The exit code of a usage mistake, as most Unix tools use it.
pub const EXIT_USAGE: u8 = 2;

/// What `EXIT_USAGE` means, for the exit-code lines of the helps.
pub const USAGE_MISTAKE: &str = "a usage mistake";

/// How wide the help is wrapped.
pub const WIDTH: usize = 80;

/// What a flag takes after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Takes {
    Nothing,
    /// A value: `--jobs 4` or `--jobs=4`.
    Value(&'static str),
    /// A value only when attached: `--list` or `--list=tsv`.
    OptionalValue(&'static str),
}

/// A flag's default, shown in the help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Default {
    None,
    Text(&'static str),
    Seconds(Duration),
}

/// A flag: `--name`, what it takes, and its help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag {
    pub long: &'static str,
    pub short: Option<char>,
    pub takes: Takes,
    pub help: &'static str,
    pub default: Default,
}

impl Flag {
    /// A flag that takes nothing.
    pub const fn switch(long: &'static str, help: &'static str) -> Self {
        Self {
            long,
            short: None,
            takes: Takes::Nothing,
            help,
            default: Default::None,
        }
    }

    /// A flag that takes a value, named `value` in the help.
    pub const fn value(long: &'static str, value: &'static str, help: &'static str) -> Self {
        Self {
            takes: Takes::Value(value),
            ..Self::switch(long, help)
        }
    }

    /// A flag that takes a value only in the form `--flag=VALUE`.
    pub const fn optional_value(
        long: &'static str,
        value: &'static str,
        help: &'static str,
    ) -> Self {
        Self {
            takes: Takes::OptionalValue(value),
            ..Self::switch(long, help)
        }
    }

    pub const fn short(self, short: char) -> Self {
        Self {
            short: Some(short),
            ..self
        }
    }

    pub const fn default(self, text: &'static str) -> Self {
        Self {
            default: Default::Text(text),
            ..self
        }
    }

    pub const fn default_seconds(self, seconds: Duration) -> Self {
        Self {
            default: Default::Seconds(seconds),
            ..self
        }
    }

    /// `--jobs <N>`, as the help and the messages show it.
    pub fn usage(&self) -> String {
        let short = self.short.map(|c| format!("-{c}, ")).unwrap_or_default();
        match self.takes {
            Takes::Nothing => format!("{short}--{}", self.long),
            Takes::Value(value) => format!("{short}--{} <{value}>", self.long),
            Takes::OptionalValue(value) => format!("{short}--{}[=<{value}>]", self.long),
        }
    }
}

/// The flag every command has.
pub const HELP: Flag = Flag::switch("help", "Print this help").short('h');

/// An argument that is not a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Positional {
    pub name: &'static str,
    pub help: &'static str,
    pub required: bool,
    /// It takes every value that is left.
    pub many: bool,
}

impl Positional {
    pub const fn optional(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            help,
            required: false,
            many: false,
        }
    }

    pub const fn required(name: &'static str, help: &'static str) -> Self {
        Self {
            required: true,
            ..Self::optional(name, help)
        }
    }

    pub const fn many(name: &'static str, help: &'static str) -> Self {
        Self {
            many: true,
            ..Self::optional(name, help)
        }
    }

    fn usage(&self) -> String {
        match (self.required, self.many) {
            (true, false) => format!("<{}>", self.name),
            (true, true) => format!("<{}>...", self.name),
            (false, false) => format!("[{}]", self.name),
            (false, true) => format!("[{}]...", self.name),
        }
    }
}

/// One command: its name, what it does, and every argument it takes.
#[derive(Clone, Copy, Debug)]
pub struct Command<'a> {
    /// As typed (`check-all`); empty for a binary that is one command,
    /// whose messages then name no command.
    pub name: &'a str,
    /// One line, for a program's list of commands.
    pub summary: &'a str,
    /// Paragraphs under the usage line of its own help.
    pub about: &'a str,
    pub positionals: &'a [Positional],
    pub flags: &'a [Flag],
}

/// What a binary's exit codes mean, for the last lines of its helps.
pub type ExitCodes<'a> = &'a [(u8, &'a str)];

/// A usage mistake, said in one line (or a few).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<lexopt::Error> for Error {
    fn from(error: lexopt::Error) -> Self {
        Error(error.to_string())
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Parsed {
    Help,
    Args(Args),
}

/// The arguments given to a command, to be read through its table.
#[derive(Debug, Default)]
pub struct Args {
    command: String,
    flags: Vec<(&'static str, Option<OsString>)>,
    positionals: Vec<(&'static str, OsString)>,
}

impl Args {
    /// Whether the flag was given.
    pub fn switch(&self, flag: &Flag) -> bool {
        self.flags.iter().any(|(long, _)| *long == flag.long)
    }

    /// The flag's value, if it was given (the last one, if given twice).
    pub fn value(&self, flag: &Flag) -> Result<Option<String>, Error> {
        self.os_value(flag)
            .map(|value| utf8(&format!("--{}", flag.long), value))
            .transpose()
    }

    /// The flag's value as the OS gave it (a path).
    pub fn os_value(&self, flag: &Flag) -> Option<OsString> {
        self.flags
            .iter()
            .rev()
            .find(|(long, _)| *long == flag.long)
            .and_then(|(_, value)| value.clone())
    }

    /// Every value given for a positional argument, in order.
    pub fn positionals(&self, positional: &Positional) -> Result<Vec<String>, Error> {
        self.os_positionals(positional)
            .into_iter()
            .map(|value| utf8(positional.name, value))
            .collect()
    }

    pub fn os_positionals(&self, positional: &Positional) -> Vec<OsString> {
        self.positionals
            .iter()
            .filter(|(name, _)| *name == positional.name)
            .map(|(_, value)| value.clone())
            .collect()
    }

    /// The value of a positional argument, if it was given.
    pub fn positional(&self, positional: &Positional) -> Result<Option<String>, Error> {
        Ok(self.positionals(positional)?.into_iter().next())
    }

    /// A usage mistake of this command.
    pub fn mistake(&self, message: impl fmt::Display) -> Error {
        Error(message.to_string())
    }

    /// The name of the command these arguments were given to.
    pub fn command(&self) -> &str {
        &self.command
    }
}

fn utf8(what: &str, value: OsString) -> Result<String, Error> {
    value
        .into_string()
        .map_err(|value| Error(format!("{what} {value:?} is not UTF-8")))
}

/// Parses the rest of `parser` as arguments of `command`.
pub fn parse(command: &Command, parser: &mut lexopt::Parser) -> Result<Parsed, Error> {
    use lexopt::prelude::*;

    let mut args = Args {
        command: command.name.to_owned(),
        ..Args::default()
    };
    let mut given = 0;
    while let Some(arg) = parser.next()? {
        let flag = match arg {
            Long(long) => command
                .flags
                .iter()
                .chain([&HELP])
                .find(|flag| flag.long == long),
            Short(short) => command
                .flags
                .iter()
                .chain([&HELP])
                .find(|flag| flag.short == Some(short)),
            Value(value) => {
                let slot = command
                    .positionals
                    .get(given)
                    .or_else(|| command.positionals.last().filter(|last| last.many));
                let Some(slot) = slot else {
                    return Err(extra(command, &value, given));
                };
                given += 1;
                args.positionals.push((slot.name, value));
                continue;
            }
        };
        let Some(flag) = flag else {
            return Err(unknown(command, &arg));
        };
        let value = match flag.takes {
            Takes::Nothing => {
                if let Some(value) = parser.optional_value() {
                    return Err(Error(format!(
                        "`--{}` takes no value, got `{}`",
                        flag.long,
                        value.to_string_lossy()
                    )));
                }
                None
            }
            Takes::Value(_) => Some(parser.value()?),
            Takes::OptionalValue(_) => parser.optional_value(),
        };
        if *flag == HELP {
            return Ok(Parsed::Help);
        }
        args.flags.push((flag.long, value));
    }
    if let Some(missing) = command
        .positionals
        .iter()
        .filter(|slot| slot.required)
        .find(|slot| !args.positionals.iter().any(|(name, _)| *name == slot.name))
    {
        return Err(Error(format!("{} needs {}", who(command), missing.name)));
    }
    Ok(Parsed::Args(args))
}

/// `` `check-all` `` or, for a binary that is one command, "it".
fn who(command: &Command) -> String {
    if command.name.is_empty() {
        "the command line".to_owned()
    } else {
        format!("`{}`", command.name)
    }
}

fn extra(command: &Command, value: &OsString, given: usize) -> Error {
    let value = value.to_string_lossy();
    let names: Vec<&str> = command.positionals.iter().map(|slot| slot.name).collect();
    Error(match names.as_slice() {
        [] => format!("{} takes no argument `{value}`", who(command)),
        [one] => format!("{} takes one {one}, got a second: `{value}`", who(command)),
        _ => format!(
            "{} takes {}, got one more: `{value}` (argument {})",
            who(command),
            names.join(" and "),
            given + 1
        ),
    })
}

fn unknown(command: &Command, arg: &lexopt::Arg<'_>) -> Error {
    let option = match arg {
        lexopt::Arg::Long(long) => format!("--{long}"),
        lexopt::Arg::Short(short) => format!("-{short}"),
        lexopt::Arg::Value(value) => value.to_string_lossy().into_owned(),
    };
    let valid: Vec<String> = command
        .flags
        .iter()
        .chain([&HELP])
        .map(|flag| format!("--{}", flag.long))
        .collect();
    let first = if command.name.is_empty() {
        format!("unknown option `{option}`")
    } else {
        format!("`{}` has no option `{option}`", command.name)
    };
    Error(format!("{first}\nvalid options: {}", valid.join(", ")))
}

/// The usage line's arguments: `[OPTIONS] [FILTER]`.
pub fn synopsis(command: &Command) -> String {
    let mut parts = Vec::new();
    if !command.flags.is_empty() {
        parts.push("[OPTIONS]".to_owned());
    }
    parts.extend(command.positionals.iter().map(Positional::usage));
    parts.join(" ")
}

/// The help of one command. `program` is what is typed before the
/// command's arguments (`cargo xtask check-all`).
pub fn help(program: &str, command: &Command, exit_codes: ExitCodes<'_>) -> String {
    let mut text = format!("Usage: {program} {}\n", synopsis(command));
    for paragraph in command.about.split("\n\n").filter(|p| !p.trim().is_empty()) {
        text.push('\n');
        text.push_str(&wrap(paragraph, 0));
    }
    if !command.positionals.is_empty() {
        text.push_str("\nArguments:\n");
        let rows: Vec<(String, String)> = command
            .positionals
            .iter()
            .map(|slot| (slot.usage(), slot.help.to_owned()))
            .collect();
        text.push_str(&table(&rows));
    }
    text.push_str("\nOptions:\n");
    let rows: Vec<(String, String)> = command
        .flags
        .iter()
        .chain([&HELP])
        .map(|flag| {
            let usage = if flag.short.is_some() {
                flag.usage()
            } else {
                format!("    {}", flag.usage())
            };
            let help = match flag.default {
                Default::None => flag.help.to_owned(),
                Default::Text(text) => format!("{} [default: {text}]", flag.help),
                Default::Seconds(seconds) => {
                    format!("{} [default: {}]", flag.help, seconds_text(seconds))
                }
            };
            (usage, help)
        })
        .collect();
    text.push_str(&table(&rows));
    text.push('\n');
    text.push_str(&exit_code_lines(exit_codes));
    text
}

/// `60`, `2.5`: a number of seconds as `--timeout` takes it.
pub fn seconds_text(seconds: Duration) -> String {
    let value = seconds.as_secs_f64();
    if value.fract() == 0.0 {
        format!("{}", seconds.as_secs())
    } else {
        format!("{value}")
    }
}

/// `Exit codes: 0 success, 1 ..., 2 a usage mistake (...).`, wrapped.
pub fn exit_code_lines(exit_codes: ExitCodes<'_>) -> String {
    let codes: Vec<String> = exit_codes
        .iter()
        .map(|(code, meaning)| format!("{code} {meaning}"))
        .collect();
    wrap(&format!("Exit codes: {}.", codes.join(", ")), 0)
}

/// The help of a binary with several commands: each command's usage and
/// summary. `program` is what is typed before a command (`cargo xtask`).
pub fn program_help(
    program: &str,
    about: &str,
    commands: &[Command],
    exit_codes: ExitCodes<'_>,
) -> String {
    let mut text = format!("Usage: {program} <COMMAND> [ARGS]\n");
    for paragraph in about.split("\n\n").filter(|p| !p.trim().is_empty()) {
        text.push('\n');
        text.push_str(&wrap(paragraph, 0));
    }
    text.push_str("\nCommands:\n");
    for command in commands {
        let _ = writeln!(
            text,
            "  {}",
            format!("{} {}", command.name, synopsis(command)).trim_end()
        );
        text.push_str(&wrap(command.summary, 6));
    }
    let _ = write!(
        text,
        "  help [COMMAND]\n{}\n",
        wrap("Print this help, or a command's own, with its options", 6)
    );
    text.push_str(&wrap(
        &format!("`{program} <COMMAND> --help` is `{program} help <COMMAND>`."),
        0,
    ));
    text.push('\n');
    text.push_str(&exit_code_lines(exit_codes));
    text
}

/// What the first argument of a program with several commands asks for.
#[derive(Debug)]
pub enum Chosen<'c, 'a> {
    /// `--help`, `help`: the program's help.
    ProgramHelp,
    /// `help COMMAND`, `COMMAND --help`.
    CommandHelp(&'c Command<'a>),
    Run(&'c Command<'a>, Args),
}

/// Parses a command line of a program with several commands. With a
/// `default`, a first argument that names no command is the default
/// command's (`cargo run --bin exercises -- --list`).
pub fn parse_program<'c, 'a>(
    commands: &'c [Command<'a>],
    default: Option<&'c Command<'a>>,
    args: impl IntoIterator<Item = impl Into<OsString>>,
) -> Result<Chosen<'c, 'a>, Error> {
    use lexopt::prelude::*;

    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let find = |name: &str| commands.iter().find(|command| command.name == name);
    let first = args.first().and_then(|first| first.to_str());
    let (command, rest) = match first {
        Some("help") => {
            let mut parser = lexopt::Parser::from_args(args.into_iter().skip(1));
            let asked = match parser.next()? {
                None => return Ok(Chosen::ProgramHelp),
                Some(Value(name)) => utf8("COMMAND", name)?,
                Some(other) => return Err(Error(other.unexpected().to_string())),
            };
            if let Some(extra) = parser.next()? {
                return Err(Error(format!(
                    "`help` takes one COMMAND, got more: {}",
                    extra.unexpected()
                )));
            }
            return find(&asked)
                .map(Chosen::CommandHelp)
                .ok_or_else(|| Error(format!("unknown command `{asked}`; {}", listing(commands))));
        }
        Some(name) if find(name).is_some() => (find(name), &args[1..]),
        _ => match default {
            Some(default) => (Some(default), &args[..]),
            None => {
                let mut parser = lexopt::Parser::from_args(args.iter().cloned());
                return match parser.next()? {
                    None => Err(Error("no command given".to_owned())),
                    Some(Short('h') | Long("help")) => {
                        if let Some(value) = parser.optional_value() {
                            return Err(Error(format!(
                                "`--help` takes no value, got `{}`",
                                value.to_string_lossy()
                            )));
                        }
                        Ok(Chosen::ProgramHelp)
                    }
                    Some(Value(name)) => Err(Error(format!(
                        "unknown command `{}`; {}",
                        name.to_string_lossy(),
                        listing(commands)
                    ))),
                    Some(other) => Err(Error(other.unexpected().to_string())),
                };
            }
        },
    };
    let Some(command) = command else {
        return Err(Error("no command given".to_owned()));
    };
    let mut parser = lexopt::Parser::from_args(rest.iter().cloned());
    Ok(match parse(command, &mut parser)? {
        Parsed::Help => Chosen::CommandHelp(command),
        Parsed::Args(args) => Chosen::Run(command, args),
    })
}

fn listing(commands: &[Command]) -> String {
    let names: Vec<&str> = commands.iter().map(|command| command.name).collect();
    format!("the commands are {}", names.join(", "))
}

/// Two columns: each left cell, then its right one wrapped beside it.
fn table(rows: &[(String, String)]) -> String {
    let width = rows
        .iter()
        .map(|(left, _)| left.len())
        .max()
        .unwrap_or(0)
        .min(24);
    let indent = 2 + width + 2;
    let mut text = String::new();
    for (left, right) in rows {
        let wrapped = wrap(right, indent);
        if left.len() > width {
            let _ = writeln!(text, "  {left}");
            text.push_str(&wrapped);
        } else {
            let _ = write!(text, "  {left:width$}  ");
            text.push_str(wrapped.trim_start());
        }
    }
    text
}

/// A paragraph wrapped at [`WIDTH`], each line indented by `indent`. Lines
/// that start with two spaces (examples, lists) are kept as written.
pub fn wrap(paragraph: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut text = String::new();
    let mut line = String::new();
    let flush = |line: &mut String, text: &mut String| {
        if !line.is_empty() {
            let _ = writeln!(text, "{pad}{line}");
            line.clear();
        }
    };
    for source in paragraph.lines() {
        if source.starts_with("  ") {
            flush(&mut line, &mut text);
            let _ = writeln!(text, "{pad}{source}");
            continue;
        }
        for word in source.split_whitespace() {
            if !line.is_empty() && indent + line.len() + 1 + word.len() > WIDTH {
                flush(&mut line, &mut text);
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    flush(&mut line, &mut text);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILTER: Positional = Positional::optional("FILTER", "Which examples");
    const REAL: Flag = Flag::switch("real", "On the real clock");
    const JOBS: Flag = Flag::value("jobs", "N", "How many at once").default("the CPUs");
    const LIST: Flag = Flag::optional_value("list", "FORMAT", "List them");
    const CHECK: Command = Command {
        name: "check-all",
        summary: "Check every example.",
        about: "Check every example against its golden file.",
        positionals: &[FILTER],
        flags: &[REAL, JOBS, LIST],
    };

    fn parse_check(args: &[&str]) -> Result<Parsed, Error> {
        parse(&CHECK, &mut lexopt::Parser::from_args(args))
    }

    fn args(args: &[&str]) -> Args {
        match parse_check(args) {
            Ok(Parsed::Args(args)) => args,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flags_and_positionals_are_read_through_the_table() {
        let given = args(&["--jobs=4", "basics", "--real", "--list"]);
        assert!(given.switch(&REAL));
        assert_eq!(given.value(&JOBS), Ok(Some("4".to_owned())));
        assert_eq!(given.positional(&FILTER), Ok(Some("basics".to_owned())));
        assert!(given.switch(&LIST));
        assert_eq!(given.value(&LIST), Ok(None));
        assert_eq!(args(&["--list=tsv"]).value(&LIST), Ok(Some("tsv".into())));
        assert_eq!(
            args(&["--", "--real"]).positional(&FILTER),
            Ok(Some("--real".into()))
        );
    }

    #[test]
    fn help_is_a_flag_without_a_value() {
        assert!(matches!(parse_check(&["x", "--help"]), Ok(Parsed::Help)));
        assert!(matches!(parse_check(&["-h"]), Ok(Parsed::Help)));
        assert_eq!(
            parse_check(&["--help=3"]).unwrap_err().0,
            "`--help` takes no value, got `3`"
        );
        assert_eq!(
            parse_check(&["--real=yes"]).unwrap_err().0,
            "`--real` takes no value, got `yes`"
        );
    }

    #[test]
    fn mistakes_name_the_command_and_what_is_valid() {
        assert_eq!(
            parse_check(&["--verbose"]).unwrap_err().0,
            "`check-all` has no option `--verbose`\nvalid options: --real, --jobs, --list, --help"
        );
        assert_eq!(
            parse_check(&["a", "b"]).unwrap_err().0,
            "`check-all` takes one FILTER, got a second: `b`"
        );
        assert_eq!(
            parse_check(&["--jobs"]).unwrap_err().0,
            "missing argument for option '--jobs'"
        );
    }

    #[test]
    fn the_help_shows_every_argument_and_what_exit_code_2_means() {
        let text = help("cargo xtask check-all", &CHECK, &[(2, USAGE_MISTAKE)]);
        assert!(
            text.starts_with("Usage: cargo xtask check-all [OPTIONS] [FILTER]\n"),
            "{text}"
        );
        for part in [
            "[FILTER]",
            "--real",
            "--jobs <N>",
            "[default: the CPUs]",
            "--list[=<FORMAT>]",
            "-h, --help",
            "Exit codes: 2 a usage mistake.",
        ] {
            assert!(text.contains(part), "{part}:\n{text}");
        }
    }

    #[test]
    fn a_program_chooses_its_command_or_prints_its_help() {
        let commands = [CHECK];
        assert!(matches!(
            parse_program(&commands, None, ["help"]),
            Ok(Chosen::ProgramHelp)
        ));
        assert!(matches!(
            parse_program(&commands, None, ["help", "check-all"]),
            Ok(Chosen::CommandHelp(_))
        ));
        assert!(matches!(
            parse_program(&commands, None, ["check-all", "-h"]),
            Ok(Chosen::CommandHelp(_))
        ));
        assert!(parse_program(&commands, None, ["--help=3"]).is_err());
        assert_eq!(
            parse_program(&commands, None, ["frobnicate"])
                .unwrap_err()
                .0,
            "unknown command `frobnicate`; the commands are check-all"
        );
        assert!(matches!(
            parse_program(&commands, Some(&CHECK), ["--real"]),
            Ok(Chosen::Run(_, _))
        ));
    }

    #[test]
    fn wrapping_keeps_indented_lines() {
        let text = wrap(&"word ".repeat(30), 4);
        assert!(text.lines().all(|line| line.len() <= WIDTH), "{text}");
        assert_eq!(wrap("a\n  kept  as is\nb", 0), "a\n  kept  as is\nb\n");
    }
}
