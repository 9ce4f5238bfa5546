//! A timeline, what `--timeline` shows of one example's run: when each of
//! its tasks was spawned, polled and ended. Its text form is what the
//! golden `.timeline` files pin and what the book's SVGs are drawn from:
//!
//! ```text
//! timeline  1  <section>/<example>  <clock: virtual|real>
//! note      <why something is missing from the chart>
//! row       <n>  <main|task|blocking>  <parent row or ->  <file:line or ->  <that line's code>
//! spawned   <n>  <time>
//! poll      <n>  <start>  <end>
//! woken     <n>  <time>  <the row whose poll woke it>
//! waits     <n>  <time>  <what a task dump then shows it waiting in>
//! ended     <n>  <time>  <ended|aborted|dropped>
//! returned  <time>
//! ```
//!
//! Fields are separated by a tab; times are seconds since `run()` was first
//! polled, to the microsecond. Row 0 is `run()`, then tasks in spawn order,
//! each `row` line followed by its records. Polls of one row at one instant
//! are one record, so the form pins when a task ran, not how often Tokio
//! polled it. `woken` names only wakes from another row's poll (not the
//! timer's or another thread's). On the virtual clock a dump is taken at the
//! end of each instant something happened, once every task waits, and
//! `waits` gives each waiting stretch what the first dump in it showed.
//! `returned` is absent if `run()` panicked.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use crate::{Clock, Named};

mod draw;
mod trace;

pub use draw::{MAX_ROWS, chart, svg};
pub use trace::{check_trace, trace};

/// The first field of a text form's first line.
pub const MAGIC: &str = "timeline";
/// The version of the text form this module writes and reads.
pub const VERSION: u32 = 1;

/// Microseconds since `run()` was first polled.
pub type Micros = u64;

/// What ran during one example's run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    /// `section/example`.
    pub example: String,
    pub clock: Clock,
    /// Why part of the run can't be drawn, for the chart's legend.
    pub notes: Vec<String>,
    /// The main task first, then tasks in the order they were spawned.
    pub rows: Vec<Row>,
    /// When `run()` returned; `None` if it panicked.
    pub returned: Option<Micros>,
}

/// One task.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub kind: RowKind,
    /// The row of the task that spawned this one, if it was a task we saw.
    pub parent: Option<usize>,
    /// `file:line` of the spawn, shortened, if known.
    pub spawned_at: Option<String>,
    /// The source text of that line, trimmed, if the runner has the file.
    pub code: String,
    pub spawned: Option<Micros>,
    pub polls: Vec<Poll>,
    /// When another row's poll woke it, and which row.
    pub woken: Vec<(Micros, usize)>,
    /// What it waited in, from a dump at that time: `Mutex::lock at x.rs:26`.
    pub waits: Vec<(Micros, String)>,
    pub ended: Option<Ended>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RowKind {
    /// The future `run()` returned, which `block_on` polls.
    #[default]
    Main,
    /// A spawned task.
    Task,
    /// A `spawn_blocking` closure: only its end is reported.
    Blocking,
}

impl Named for RowKind {
    const OPTION: &'static str = "row kind";
    const ALL: &'static [(Self, &'static str)] = &[
        (RowKind::Main, "main"),
        (RowKind::Task, "task"),
        (RowKind::Blocking, "blocking"),
    ];
}

/// One poll, or several polls at the same instant: from `start` to `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Poll {
    pub start: Micros,
    pub end: Micros,
}

/// A stretch of a row between polls: see [`Row::stretches`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stretch<'a> {
    pub from: Micros,
    pub to: Micros,
    /// When a dump saw the row wait, and in what.
    pub what: Option<&'a (Micros, String)>,
    /// When and by which row it was woken.
    pub woken_by: Vec<&'a (Micros, usize)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ended {
    pub at: Micros,
    pub how: EndKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndKind {
    /// It returned or panicked (on the multi-thread runtime, maybe a moment
    /// after `run()` returned).
    Ended,
    /// It was aborted while `run()` was running: Tokio dropped its future
    /// unfinished (`abort`, a dropped `AbortOnDropHandle`, `JoinSet::shutdown`).
    Aborted,
    /// It was still alive when `run()` returned, and was dropped with it (its
    /// handle or set was) or with the runtime.
    Dropped,
}

impl Named for EndKind {
    const OPTION: &'static str = "end kind";
    const ALL: &'static [(Self, &'static str)] = &[
        (EndKind::Ended, "ended"),
        (EndKind::Aborted, "aborted"),
        (EndKind::Dropped, "dropped"),
    ];
}

impl Row {
    pub fn new(kind: RowKind) -> Self {
        Row {
            kind,
            ..Row::default()
        }
    }

    /// Records a poll, folding it into the previous one if both are at the
    /// same instant.
    pub fn push_poll(&mut self, poll: Poll) {
        match self.polls.last_mut() {
            Some(last) if last.start == poll.start && last.end == poll.end => {}
            _ => self.polls.push(poll),
        }
    }

    /// The row's label, as row `index`, the `which`th `of` those spawned
    /// alike; see [`Timeline::labels`].
    fn label(&self, index: usize, which: usize, of: usize) -> String {
        let label = match (self.kind, self.place()) {
            // `run()` for Tokio's, the line that started it for an asyncio twin's.
            (RowKind::Main, _) => return format!("main {}", self.code).trim_end().to_owned(),
            (_, place) if place.is_empty() => format!("#{index}"),
            (_, place) => format!("#{index} {place}"),
        };
        if self.spawned_at.is_none() || of < 2 {
            return label;
        }
        let which = format!("({which} of {of})");
        match label.split_once(": ") {
            Some((head, code)) => format!("{head} {which}: {code}"),
            None => format!("{label} {which}"),
        }
    }

    /// The label without its number: `line 81: tasks.spawn(...)`, the
    /// spawn's `file:line` if the line is not the example's, or nothing.
    pub fn place(&self) -> String {
        let code = match self.code.split_once(" = ") {
            Some((binding, spawn)) if binding.starts_with("let ") => spawn,
            _ => &self.code,
        };
        match &self.spawned_at {
            Some(at) if code.is_empty() => at.clone(),
            Some(at) => {
                let line = at.rsplit_once(':').map_or(at.as_str(), |(_, line)| line);
                format!("line {line}: {code}")
            }
            None => String::new(),
        }
    }

    /// The stretches between its polls up to `end`, each with what a dump
    /// saw it wait in there and the rows whose polls woke it. A blocking
    /// call's row has none: only its end is known.
    pub fn stretches(&self, end: Micros) -> Vec<Stretch<'_>> {
        if self.kind == RowKind::Blocking {
            return Vec::new();
        }
        let Some(mut from) = self.first() else {
            return Vec::new();
        };
        let mut edges = Vec::new();
        for poll in &self.polls {
            if poll.start > from {
                edges.push((from, poll.start));
            }
            from = from.max(poll.end);
        }
        if end > from {
            edges.push((from, end));
        }
        // A dump at its start (the end of that instant) saw the stretch; a
        // wake at its end, before the poll, ended it.
        let stretches = edges.into_iter().map(|(from, to)| Stretch {
            from,
            to,
            what: self.waits.iter().find(|(at, _)| (from..to).contains(at)),
            woken_by: self
                .woken
                .iter()
                .filter(|(at, _)| from < *at && *at <= to)
                .collect(),
        });
        stretches.collect()
    }

    /// When the row starts on the chart.
    fn first(&self) -> Option<Micros> {
        let polled = self.polls.first().map(|poll| poll.start);
        let ended = self.ended.map(|ended| ended.at);
        self.spawned.or(polled).or(ended)
    }

    /// When the row's last record is.
    fn last(&self) -> Option<Micros> {
        let polled = self.polls.iter().map(|poll| poll.end).max();
        let ended = self.ended.map(|ended| ended.at);
        [self.spawned, polled, ended].into_iter().flatten().max()
    }
}

impl Timeline {
    /// Each row's label: `main run()`, or `#3` and where the task was
    /// spawned. A row spawned by the example's own file gives its line and
    /// code, since the chart's title names the file; where several rows
    /// share the spawn line, which of them it is (`#5 line 81 (2 of 3):
    /// tasks.spawn(...)`), so that rows cut short on a chart are still
    /// told apart: what a task was given is not known to the runner.
    pub fn labels(&self) -> Vec<String> {
        let alike = |row: &Row| (row.kind, row.spawned_at.clone(), row.code.clone());
        let mut of: HashMap<_, usize> = HashMap::new();
        for row in &self.rows {
            *of.entry(alike(row)).or_default() += 1;
        }
        let mut seen: HashMap<_, usize> = HashMap::new();
        let labels = self.rows.iter().enumerate().map(|(index, row)| {
            let which = seen.entry(alike(row)).or_default();
            *which += 1;
            row.label(index, *which, of[&alike(row)])
        });
        labels.collect()
    }

    /// The rows that are tasks of the example's own, not its main task.
    pub fn spawned_rows(&self) -> usize {
        self.rows
            .iter()
            .filter(|row| row.kind != RowKind::Main)
            .count()
    }

    /// When `row` ends and how: `returned` (main, or a blocking call),
    /// `ended`, `aborted` or `dropped`; `None` if it was still running.
    pub fn end_of(&self, row: &Row) -> Option<(Micros, &'static str)> {
        match (row.kind, row.ended, self.returned) {
            (RowKind::Main, _, Some(returned)) => Some((returned, "returned")),
            (RowKind::Blocking, Some(ended), _) => Some((ended.at, "returned")),
            (RowKind::Task, Some(ended), _) => Some((ended.at, ended.how.name())),
            _ => None,
        }
    }

    /// The time of the last record, or when `run()` returned if later.
    pub fn span(&self) -> Micros {
        self.rows
            .iter()
            .filter_map(Row::last)
            .chain(self.returned)
            .max()
            .unwrap_or(0)
    }

    /// The stable text form; see the module's documentation.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{MAGIC}\t{VERSION}\t{}\t{}\n",
            self.example,
            self.clock.name()
        );
        for note in &self.notes {
            let _ = writeln!(text, "note\t{}", one_field(note));
        }
        for (index, row) in self.rows.iter().enumerate() {
            let parent = row.parent.map_or("-".into(), |parent| parent.to_string());
            let (kind, code) = (row.kind.name(), one_field(&row.code));
            let at = one_field(row.spawned_at.as_deref().unwrap_or("-"));
            let _ = writeln!(text, "row\t{index}\t{kind}\t{parent}\t{at}\t{code}");
            if let Some(spawned) = row.spawned {
                let _ = writeln!(text, "spawned\t{index}\t{}", Seconds(spawned));
            }
            for Poll { start, end } in row.polls.iter().copied() {
                let _ = writeln!(text, "poll\t{index}\t{}\t{}", Seconds(start), Seconds(end));
            }
            for (at, by) in &row.woken {
                let _ = writeln!(text, "woken\t{index}\t{}\t{by}", Seconds(*at));
            }
            for (at, what) in &row.waits {
                let what = one_field(what);
                let _ = writeln!(text, "waits\t{index}\t{}\t{what}", Seconds(*at));
            }
            if let Some(Ended { at, how }) = row.ended {
                let _ = writeln!(text, "ended\t{index}\t{}\t{}", Seconds(at), how.name());
            }
        }
        if let Some(returned) = self.returned {
            let _ = writeln!(text, "returned\t{}", Seconds(returned));
        }
        text
    }

    /// Reads a text form written by [`Timeline::to_text`].
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut timeline = Timeline::default();
        let mut lines = text.lines();
        let header = lines
            .next()
            .ok_or_else(|| "empty: expected a `timeline` line".to_owned());
        let header = header.and_then(|header| timeline.header(header));
        header.map_err(|why| ParseError { line: 1, why })?;
        for (index, line) in lines.enumerate() {
            timeline.record(line).map_err(|why| ParseError {
                line: index + 2,
                why,
            })?;
        }
        Ok(timeline)
    }

    fn header(&mut self, line: &str) -> Result<(), String> {
        let [MAGIC, version, example, clock] = line.split('\t').collect::<Vec<_>>()[..] else {
            return Err("expected `timeline<TAB>1<TAB><section>/<example><TAB><clock>`".to_owned());
        };
        if version != VERSION.to_string() {
            return Err(format!(
                "version {version}; this runner reads version {VERSION}"
            ));
        }
        self.clock = Clock::parse(clock)?;
        self.example = example.to_owned();
        Ok(())
    }

    fn record(&mut self, line: &str) -> Result<(), String> {
        let fields: Vec<&str> = line.split('\t').collect();
        let rows = self.rows.len();
        let number = |field: &str| {
            field
                .parse::<usize>()
                .map_err(|_| format!("`{field}` is not a row number"))
        };
        let row = |field: &str| match number(field)? {
            index if index + 1 == rows => Ok(index),
            index => Err(format!(
                "a record of row {index} must follow that row's `row` line"
            )),
        };
        let time =
            |field: &str| parse_seconds(field).ok_or(format!("`{field}` is not a time in seconds"));
        match fields[..] {
            ["note", note] => self.notes.push(note.to_owned()),
            ["row", index, kind, parent, at, code] => {
                if index != rows.to_string() {
                    return Err(format!("row {index} out of order: expected row {rows}"));
                }
                let kind = RowKind::parse(kind)?;
                let parent = match parent {
                    "-" => None,
                    parent => Some(number(parent)?),
                };
                let spawned_at = match at {
                    "-" => None,
                    at => Some(at.to_owned()),
                };
                self.rows.push(Row {
                    kind,
                    parent,
                    spawned_at,
                    code: code.to_owned(),
                    ..Row::default()
                });
            }
            ["spawned", index, at] => {
                let index = row(index)?;
                self.rows[index].spawned = Some(time(at)?);
            }
            // A record's row is checked before its other fields.
            ["poll", index, start, end] => self.rows[row(index)?].polls.push(Poll {
                start: time(start)?,
                end: time(end)?,
            }),
            ["woken", index, at, by] => {
                let (index, by) = (row(index)?, number(by)?);
                self.rows[index].woken.push((time(at)?, by));
            }
            ["waits", index, at, what] => {
                self.rows[row(index)?].waits.push((time(at)?, what.into()))
            }
            ["ended", index, at, how] => {
                let index = row(index)?;
                let how = EndKind::parse(how)?;
                self.rows[index].ended = Some(Ended { at: time(at)?, how });
            }
            ["returned", at] => self.returned = Some(time(at)?),
            _ => return Err(format!("unknown record `{}`", fields[0])),
        }
        Ok(())
    }
}

/// A line the text form can't read, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub why: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.why)
    }
}

impl std::error::Error for ParseError {}

/// A field can't hold the separators of the form.
fn one_field(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

/// Microseconds as seconds with six decimals: exact, and readable.
#[derive(Clone, Copy)]
pub struct Seconds(pub Micros);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

fn parse_seconds(text: &str) -> Option<Micros> {
    let (whole, fraction) = text.split_once('.')?;
    if fraction.len() != 6 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: Micros = whole.parse().ok()?;
    let fraction: Micros = fraction.parse().ok()?;
    whole.checked_mul(1_000_000)?.checked_add(fraction)
}

#[cfg(test)]
mod tests;
