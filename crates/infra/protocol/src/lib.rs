//! The contract between a section binary and the tools that drive it (xtask,
//! the tests): its flags' values, exit codes, `--list=tsv`, the sweep's
//! summary line, and the text forms of timelines and dumps.

pub mod dump;
pub mod line_instants;
pub mod timeline;

use std::time::Duration;

pub const EXIT_OK: u8 = 0;
/// An example returned an error.
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
/// Rust's own exit code for a panic.
pub const EXIT_PANICKED: u8 = 101;
/// As GNU `timeout` says it; stderr says where each task waited.
pub const EXIT_TIMED_OUT: u8 = 124;

/// The longest time `--timeout` and `--dump-at` take: a day is more than any
/// example needs, and keeps every deadline far from `Instant`'s limits.
pub const MAX_SECONDS: Duration = Duration::from_secs(86_400);

/// `1.5` for one and a half seconds, as `--timeout` and `--dump-at` take it.
pub fn seconds_arg(duration: Duration) -> String {
    let text = format!("{:.3}", duration.as_secs_f64());
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A value of `--timeout` or `--dump-at`: a number of seconds, 0 or from
/// [`MIN_SECONDS`] to [`MAX_SECONDS`]; the error says what is expected.
pub fn parse_seconds(value: &str) -> Result<Duration, String> {
    let max = MAX_SECONDS.as_secs();
    let expected = format!("expected a number of seconds, such as 1.5, from 0 to {max}");
    let Ok(seconds) = value.parse::<f64>() else {
        return Err(expected);
    };
    if !(0.0..=MAX_SECONDS.as_secs_f64()).contains(&seconds) {
        return Err(expected);
    }
    // Below a millisecond a value would round to 0, which means something
    // else (no timeout; the start), or to a time no timer keeps.
    if seconds > 0.0 && seconds < MIN_SECONDS.as_secs_f64() {
        return Err(format!(
            "{expected}; {value} is less than a millisecond, the finest time the runner keeps \
             (Tokio's timers count whole milliseconds): give 0.001 or more, or 0"
        ));
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| expected)
}

/// The shortest time other than 0 that `--timeout` and `--dump-at` take.
pub const MIN_SECONDS: Duration = Duration::from_millis(1);

/// A value of a command-line option that has a fixed set of names.
pub trait Named: Sized + Copy + PartialEq + 'static {
    /// Such as `--clock`.
    const OPTION: &'static str;
    const ALL: &'static [(Self, &'static str)];

    fn name(self) -> &'static str {
        let found = Self::ALL.iter().find(|(value, _)| *value == self);
        found.map_or("?", |(_, name)| name)
    }

    /// The value with this name, or an error that lists the valid names.
    fn parse(name: &str) -> Result<Self, String> {
        let found = Self::ALL.iter().find(|(_, known)| *known == name);
        found.map(|(value, _)| *value).ok_or_else(|| {
            let valid: Vec<String> = Self::ALL.iter().map(|(_, n)| format!("`{n}`")).collect();
            let (valid, option) = (valid.join(" or "), Self::OPTION);
            format!("invalid value `{name}` for `{option}`: expected {valid}")
        })
    }
}

/// Which clock the examples' runtime uses (`--clock`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    /// A one-second sleep takes one second.
    #[default]
    Real,
    /// Tokio's paused clock (`start_paused`): when every task waits, time
    /// jumps to the next timer, and elapsed times are exact.
    Virtual,
}

impl Named for Clock {
    const OPTION: &'static str = "--clock";
    const ALL: &'static [(Self, &'static str)] =
        &[(Clock::Real, "real"), (Clock::Virtual, "virtual")];
}

/// Which runtime the examples run on (`--flavor`), named as in
/// `#[tokio::main(flavor = "...")]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flavor {
    /// One thread, like asyncio's event loop: the golden files' runtime.
    #[default]
    CurrentThread,
    /// What plain `#[tokio::main]` starts: lines may come out in another
    /// order than in the golden files, but no example may fail.
    MultiThread,
}

impl Named for Flavor {
    const OPTION: &'static str = "--flavor";
    const ALL: &'static [(Self, &'static str)] = &[
        (Flavor::CurrentThread, "current_thread"),
        (Flavor::MultiThread, "multi_thread"),
    ];
}

/// The option that points the HTTP examples at another server.
pub const BASE_URL: &str = "--base-url";

/// A `--base-url` value: `http://` or `https://`, a host, perhaps a port
/// and a path, no spaces, no query or fragment (the examples' paths would
/// follow them); returned as typed but for its trailing `/`, as the examples
/// join paths to it. The error names the option and says what is wrong: the
/// runner and xtask, which passes the value on, give the same.
pub fn parse_base_url(value: &str) -> Result<String, String> {
    match base_url_problem(value) {
        None => Ok(value.trim_end_matches('/').to_owned()),
        Some(problem) => {
            let expected = "expected a URL such as http://127.0.0.1:8080";
            Err(format!(
                "invalid value `{value}` for `{BASE_URL}`: {problem}; {expected}"
            ))
        }
    }
}

/// What is wrong with `value` as a base URL, if anything.
fn base_url_problem(value: &str) -> Option<String> {
    // Before the url crate, which drops tabs and newlines and trims spaces.
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it holds a space or a control character".to_owned());
    }
    let Some(scheme) = ["http://", "https://"]
        .into_iter()
        .find(|scheme| value.starts_with(scheme))
    else {
        return Some("it does not start with http:// or https://".to_owned());
    };
    // The url crate takes `http:///path` for the host `path`.
    let authority = value[scheme.len()..].split(['/', '?', '#']).next();
    let host = authority.unwrap_or_default().rsplit('@').next();
    if host.is_none_or(|host| host.is_empty() || host.starts_with(':')) {
        return Some(format!("no host follows `{scheme}`"));
    }
    let url = match url::Url::parse(value) {
        Ok(url) => url,
        // Such as "invalid port number", "invalid IPv6 address".
        Err(error) => return Some(error.to_string()),
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Some("it has a query or a fragment, which the examples' paths would follow".into());
    }
    None
}

/// Whether `typed`, a name as someone typed it on a command line, is `name`:
/// a section's (`real-world`), an example's (`hello_world`), a lesson's or an
/// exercise's. Sections are named as crates are and examples as modules, so
/// `-` and `_` are taken as one; every binary and every xtask command finds
/// names this way.
pub fn same_name(typed: &str, name: &str) -> bool {
    underscored(typed) == underscored(name)
}

/// Whether `name` contains `typed`, a part of a name as someone typed it,
/// with `-` and `_` taken as one, as [`same_name`] does.
pub fn name_contains(name: &str, typed: &str) -> bool {
    underscored(name).contains(&underscored(typed))
}

fn underscored(name: &str) -> String {
    name.replace('-', "_")
}

/// How the runner calls an example's `run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `pub async fn run()`.
    Plain,
    /// `pub async fn run(base_url: &str)`.
    BaseUrl,
    /// A plain `pub fn run()` that builds its own runtime.
    Sync,
}

impl Named for Kind {
    const OPTION: &'static str = "kind";
    const ALL: &'static [(Self, &'static str)] = &[
        (Kind::Plain, "plain"),
        (Kind::BaseUrl, "base_url"),
        (Kind::Sync, "sync"),
    ];
}

/// `--list=tsv`: the machine-readable listing of a section's examples.
pub const LIST_TSV: &str = "tsv";

/// One line of `--list=tsv`: five tab-separated fields, `name`, `kind`,
/// `source` (the absolute path of the file the binary was built from),
/// `detached` (how many tasks the example leaves running on purpose when
/// `run()` returns, as its lesson; almost always 0) and `summary` (the first
/// paragraph of the file's `//!` header, on one line). The examples come in
/// running order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub kind: Kind,
    pub source: String,
    pub detached: u16,
    pub summary: String,
}

impl Listed {
    /// The line, without its newline. Tabs and line breaks inside a field
    /// become spaces, so a field can never split the line.
    pub fn to_line(&self) -> String {
        let clean = |field: &str| field.replace(['\t', '\n', '\r'], " ");
        format!(
            "{}\t{}\t{}\t{}\t{}",
            clean(&self.name),
            self.kind.name(),
            clean(&self.source),
            self.detached,
            clean(&self.summary)
        )
    }

    /// Parses one line of `--list=tsv`.
    pub fn parse_line(line: &str) -> Result<Self, String> {
        let mut fields = line.splitn(5, '\t');
        let mut next = |what: &str| match fields.next() {
            // Only the summary may be empty.
            Some(field) if !field.is_empty() || what == "summary" => Ok(field),
            _ => Err(format!("listing line without a {what}: {line:?}")),
        };
        let name = next("name")?.to_owned();
        let kind = Kind::parse(next("kind")?)?;
        let source = next("source")?.to_owned();
        let detached = next("detached")?;
        let detached = detached.parse().map_err(|_| {
            format!("listing line with a bad detached count {detached:?}: {line:?}")
        })?;
        let summary = next("summary")?.to_owned();
        Ok(Self {
            name,
            kind,
            source,
            detached,
            summary,
        })
    }
}

/// The line `--cancel-sweep` prints on stderr at the end of each example's
/// report: `sweep: <section>/<example>: <n> cut points, <m> failures`, or
/// `sweep: <section>/<example>: skipped, <why>`. The report's other lines,
/// one per problem, come before it, each after [`SweepSummary::PROBLEM`]
/// (an example's own stderr, a task dump say, is not one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepSummary {
    /// `section/example`.
    pub example: String,
    pub cuts: usize,
    /// Distinct problems.
    pub failures: usize,
    /// Why the example could not be swept at all.
    pub skipped: Option<String>,
}

impl SweepSummary {
    const PREFIX: &'static str = "sweep: ";
    /// What starts each of the report's lines that gives a problem.
    pub const PROBLEM: &'static str = "sweep problem: ";

    pub fn to_line(&self) -> String {
        match &self.skipped {
            Some(why) => format!("{}{}: skipped, {why}", Self::PREFIX, self.example),
            None => format!(
                "{}{}: {} cut points, {} failures",
                Self::PREFIX,
                self.example,
                self.cuts,
                self.failures
            ),
        }
    }

    /// The summary, if `line` is one.
    pub fn parse_line(line: &str) -> Option<Self> {
        let (example, rest) = line.strip_prefix(Self::PREFIX)?.split_once(": ")?;
        if let Some(why) = rest.strip_prefix("skipped, ") {
            return Some(Self {
                example: example.to_owned(),
                cuts: 0,
                failures: 0,
                skipped: Some(why.to_owned()),
            });
        }
        let (cuts, failures) = rest.split_once(" cut points, ")?;
        Some(Self {
            example: example.to_owned(),
            cuts: cuts.parse().ok()?,
            failures: failures.strip_suffix(" failures")?.parse().ok()?,
            skipped: None,
        })
    }
}

/// An example's `//!` header: its first paragraph, which is the summary, and
/// the rest, as Markdown. The one parser of headers: the runner's `--list`
/// and the book both use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The first paragraph, its lines trimmed and joined with spaces.
    pub summary: String,
    /// The paragraphs after the first, with the `//! ` prefix removed and
    /// the lines otherwise as written (indentation matters in Markdown).
    pub body: String,
    /// How many `//!` lines it has, blank ones included.
    pub lines: usize,
}

impl Header {
    pub fn parse(source: &str) -> Self {
        let lines: Vec<&str> = source
            .lines()
            .map_while(|line| line.strip_prefix("//!"))
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect();
        let split = lines
            .iter()
            .position(|line| line.trim().is_empty())
            .unwrap_or(lines.len());
        let summary = lines[..split]
            .iter()
            .map(|line| line.trim())
            .collect::<Vec<_>>()
            .join(" ");
        let body = lines.get(split + 1..).unwrap_or_default().join("\n");
        Self {
            summary,
            body: body.trim().to_owned(),
            lines: lines.len(),
        }
    }
}

/// One run of a section binary: what to pass it, and what a person types to
/// do the same.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invocation {
    pub clock: Clock,
    pub flavor: Flavor,
    pub base_url: Option<String>,
    pub timeline_file: Option<String>,
    pub trace: Option<String>,
    pub cancel_sweep: bool,
    pub timeout: Option<Duration>,
    pub dump_at: Option<Duration>,
    pub dump_file: Option<String>,
    /// For tools: where to write each line of stdout with its instant.
    pub line_instants: Option<String>,
    pub examples: Vec<String>,
}

impl Invocation {
    /// The arguments, leaving out options at their defaults so that the
    /// re-run command stays short.
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.clock != Clock::default() {
            option(&mut args, Clock::OPTION, Some(self.clock.name().to_owned()));
        }
        if self.flavor != Flavor::default() {
            option(
                &mut args,
                Flavor::OPTION,
                Some(self.flavor.name().to_owned()),
            );
        }
        option(&mut args, BASE_URL, self.base_url.clone());
        option(&mut args, "--timeline-file", self.timeline_file.clone());
        option(&mut args, "--trace", self.trace.clone());
        if self.cancel_sweep {
            args.push("--cancel-sweep".to_owned());
        }
        option(&mut args, "--timeout", self.timeout.map(seconds_arg));
        option(&mut args, "--dump-at", self.dump_at.map(seconds_arg));
        option(&mut args, "--dump-file", self.dump_file.clone());
        option(&mut args, "--line-instants", self.line_instants.clone());
        // A name that looks like an option would not be taken as a name.
        if self.examples.iter().any(|name| name.starts_with('-')) {
            args.push("--".to_owned());
        }
        args.extend(self.examples.iter().cloned());
        return args;

        fn option(args: &mut Vec<String>, name: &str, value: Option<String>) {
            if let Some(value) = value {
                args.extend([name.to_owned(), value]);
            }
        }
    }

    /// `cargo run -q -p <section> -- <args>`: what to type to re-run it,
    /// each argument quoted for a POSIX shell where it needs to be (a URL's
    /// `&`, a path's space).
    pub fn rerun_command(&self, section: &str) -> String {
        let mut command = format!("cargo run -q -p {section} --");
        for arg in self.args() {
            command.push(' ');
            command.push_str(&shell_word(&arg));
        }
        command
    }
}

/// `word` as a POSIX shell reads it back: quoted where it needs to be.
pub fn shell_word(word: &str) -> std::borrow::Cow<'_, str> {
    // The one error is a NUL, which no argument or path can hold.
    shlex::try_quote(word).unwrap_or(std::borrow::Cow::Borrowed(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_0_or_from_a_millisecond_to_a_day() {
        for (good, parsed) in [
            ("0", Duration::ZERO),
            ("0.001", Duration::from_millis(1)),
            ("1.5", Duration::from_millis(1500)),
            ("86400", MAX_SECONDS),
        ] {
            assert_eq!(parse_seconds(good), Ok(parsed), "{good}");
        }
        for bad in ["1e-10", "0.0009", "86401", "-1", "NaN", "inf", "soon", ""] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
        assert!(
            parse_seconds("1e-10")
                .unwrap_err()
                .contains("1e-10 is less than a millisecond"),
        );
    }

    #[test]
    fn a_base_url_is_http_with_a_host_and_loses_its_trailing_slash() {
        for (good, parsed) in [
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
            ("https://httpbin.org", "https://httpbin.org"),
            ("http://user@host:1/base//", "http://user@host:1/base"),
        ] {
            assert_eq!(parse_base_url(good).as_deref(), Ok(parsed), "{good}");
        }
        let (scheme, space) = (
            "it does not start with http:// or https://",
            "it holds a space or a control character",
        );
        for (bad, problem) in [
            ("127.0.0.1:8080", scheme),
            ("ftp://host", scheme),
            ("HTTP//host", scheme),
            ("http://", "no host follows `http://`"),
            ("http:///", "no host follows `http://`"),
            ("https:///path", "no host follows `https://`"),
            ("http://:8080", "no host follows `http://`"),
            ("http://user@/", "no host follows `http://`"),
            ("http://host name", space),
            ("http://host\n", space),
            ("http://127.0.0.1:99999", "invalid port number"),
            ("http://[::1", "invalid IPv6 address"),
            (
                "http://host/?x=1",
                "it has a query or a fragment, which the examples' paths would follow",
            ),
            (
                "http://host#frag",
                "it has a query or a fragment, which the examples' paths would follow",
            ),
        ] {
            let expected = format!(
                "invalid value `{bad}` for `--base-url`: {problem}; expected a URL such as http://127.0.0.1:8080"
            );
            assert_eq!(parse_base_url(bad), Err(expected), "{bad}");
        }
    }

    /// Cargo.lock picks idna's Unicode back end (xtask/Cargo.toml says why): any
    /// real one takes an international name and refuses one that breaks
    /// UTS 46's bidi rule; the stub (the 1.0 releases of idna_adapter)
    /// refuses both alike.
    #[test]
    fn a_base_url_host_is_checked_as_an_international_domain_name() {
        assert_eq!(
            parse_base_url("http://bücher.example/").as_deref(),
            Ok("http://bücher.example")
        );
        let mixed = "http://a\u{5d0}.example";
        let refused = parse_base_url(mixed).unwrap_err();
        assert!(
            refused.contains(": invalid international domain name;"),
            "{refused}"
        );
    }

    #[test]
    fn a_listing_line_round_trips_and_a_tab_cannot_split_it() {
        let (name, source) = (
            "fetch_many".into(),
            "/w/crates/real-world/src/fetch_many.rs".into(),
        );
        let listed = Listed {
            name,
            kind: Kind::BaseUrl,
            source,
            detached: 1,
            summary: "Fetch\tmany pages.".into(),
        };
        let line = listed.to_line();
        assert_eq!(
            line,
            "fetch_many\tbase_url\t/w/crates/real-world/src/fetch_many.rs\t1\tFetch many pages."
        );
        let summary = "Fetch many pages.".into();
        assert_eq!(Listed::parse_line(&line), Ok(Listed { summary, ..listed }));
        for bad in [
            "name\tweird\t/x.rs\t0\ts",
            "name\tplain\t/x.rs\tmany\ts",
            "name only",
        ] {
            assert!(Listed::parse_line(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_dash_and_an_underscore_are_the_same_in_a_name() {
        assert!(same_name("hello-world", "hello_world"));
        assert!(same_name("real_world", "real-world"));
        assert!(same_name("hello_world", "hello_world"));
        assert!(!same_name("hello", "hello_world"));
        assert!(!same_name("hello world", "hello_world"));
        assert!(!same_name("Hello_world", "hello_world"));
        assert!(name_contains("hello_world", "o-w"));
        assert!(!name_contains("hello_world", "ow"));
    }

    #[test]
    fn a_sweep_summary_round_trips() {
        let swept = SweepSummary {
            example: "io/echo_server".into(),
            cuts: 31,
            failures: 2,
            skipped: None,
        };
        assert_eq!(
            swept.to_line(),
            "sweep: io/echo_server: 31 cut points, 2 failures"
        );
        assert_eq!(SweepSummary::parse_line(&swept.to_line()), Some(swept));
        let skipped = Some("it builds a runtime of its own".into());
        let skipped = SweepSummary {
            example: "runtime/builder".into(),
            cuts: 0,
            failures: 0,
            skipped,
        };
        assert_eq!(SweepSummary::parse_line(&skipped.to_line()), Some(skipped));
        assert_eq!(SweepSummary::parse_line("cut 3: a task"), None);
    }

    #[test]
    fn the_header_splits_into_summary_and_body() {
        let source = "//! First line,\n//!   second line.\n//!\n//! Body with `code`.\n//!\n//! - a list\n//!   continued\nuse x;\n";
        let header = Header::parse(source);
        assert_eq!(header.summary, "First line, second line.");
        assert_eq!(header.body, "Body with `code`.\n\n- a list\n  continued");
        assert_eq!(header.lines, 7);
        assert_eq!(Header::parse("fn main() {}").summary, "");
    }

    #[test]
    fn the_rerun_command_is_short() {
        let examples = vec!["deadlock".into()];
        let (timeout, dump_at) = (
            Some(Duration::from_secs(60)),
            Some(Duration::from_millis(1500)),
        );
        let invocation = Invocation {
            clock: Clock::Virtual,
            timeout,
            dump_at,
            examples,
            ..Invocation::default()
        };
        let expected =
            "cargo run -q -p pitfalls -- --clock virtual --timeout 60 --dump-at 1.5 deadlock";
        assert_eq!(invocation.rerun_command("pitfalls"), expected);
        let quoted = Invocation {
            base_url: Some("http://127.0.0.1:1/a&b".into()),
            trace: Some("/tmp/my traces/t.json".into()),
            ..Invocation::default()
        };
        let expected = "cargo run -q -p real-world -- --base-url 'http://127.0.0.1:1/a&b' \
                        --trace '/tmp/my traces/t.json'";
        assert_eq!(quoted.rerun_command("real-world"), expected);
        let base_url = Some("http://127.0.0.1:8080".into());
        let examples = vec!["--odd".into()];
        let multi = Invocation {
            flavor: Flavor::MultiThread,
            base_url,
            examples,
            ..Invocation::default()
        };
        assert_eq!(
            multi.args(),
            [
                "--flavor",
                "multi_thread",
                "--base-url",
                "http://127.0.0.1:8080",
                "--",
                "--odd"
            ]
        );
    }
}
