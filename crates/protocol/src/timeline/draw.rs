//! Drawing a timeline: a chart of characters for the terminal, and an SVG
//! for the book. Both take the same rows, scale and marks.

use std::fmt::Write as _;

use super::{EndKind, Micros, Row, RowKind, Seconds, Timeline};
use crate::Named;

/// Rows drawn at most; the text form has them all.
pub const MAX_ROWS: usize = 40;

const LEGEND_MARKS: &str = "█ polled  ─ waiting  ┤ ended  × dropped when run() returned  \
                            ◆ a spawn_blocking call returned";
/// The one line every chart carries: a row is a task, not a future.
const ONE_ROW_PER_TASK: &str = "A row is a task. Futures joined or selected in one task (join!, \
                                join_all, select!), and LocalSet tasks, share its row.";
/// What the marks cannot show.
const ENDS_UNTOLD: &str = "Tokio's hooks don't say whether a task returned, panicked or was \
                           aborted: all three end a row with ┤.";

/// The terminal chart, `width` characters wide (at least 40).
pub fn chart(timeline: &Timeline, width: usize) -> String {
    let mut text = String::new();
    if timeline.rows.is_empty() {
        for note in &timeline.notes {
            let _ = writeln!(text, "no timeline for {}: {note}", timeline.example);
        }
        return text;
    }
    let _ = writeln!(
        text,
        "{} on the {} clock: {}",
        timeline.example,
        timeline.clock.name(),
        count(timeline.spawned_rows(), "task", "tasks", "besides main")
    );
    let width = width.max(40);
    let labels: Vec<String> = timeline
        .rows
        .iter()
        .enumerate()
        .take(MAX_ROWS)
        .map(|(index, row)| row.label_among(index, &timeline.rows))
        .collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let label_width = longest.min((width * 2 / 5).max(12));
    let columns = width - label_width - 1;
    let scale = Scale::new(timeline.span(), columns as f64);
    let column = |time: Micros| (scale.x(time) as usize).min(columns - 1);

    let mut axis = vec![' '; columns];
    let mut free_from = 0;
    for tick in scale.ticks(columns / 8) {
        let label: Vec<char> = format!("{}s", trim_seconds(tick)).chars().collect();
        // A label starts at its tick, or ends at the right edge.
        let at = column(tick).min(columns.saturating_sub(label.len()));
        if at >= free_from && at + label.len() <= columns {
            axis[at..at + label.len()].copy_from_slice(&label);
            free_from = at + label.len() + 1;
        }
    }
    let _ = writeln!(
        text,
        "{:label_width$} {}",
        "",
        axis.iter().collect::<String>().trim_end()
    );

    for (row, label) in timeline.rows.iter().zip(&labels) {
        let mut cells = vec![' '; columns];
        for mark in marks(row, timeline) {
            match mark {
                Mark::Waiting(from, to) => {
                    for cell in &mut cells[column(from)..=column(to)] {
                        *cell = '─';
                    }
                }
                Mark::Polled(from, to) => {
                    for cell in &mut cells[column(from)..=column(to)] {
                        *cell = '█';
                    }
                }
                Mark::End(at, symbol) => cells[column(at)] = symbol.char(),
            }
        }
        let _ = writeln!(
            text,
            "{:label_width$} {}",
            truncate(label, label_width),
            cells.iter().collect::<String>().trim_end()
        );
    }
    if timeline.rows.len() > MAX_ROWS {
        let _ = writeln!(
            text,
            "… {} not drawn; --timeline-file writes them all",
            count(
                timeline.rows.len() - MAX_ROWS,
                "more task",
                "more tasks",
                ""
            )
        );
    }
    let _ = writeln!(text, "{LEGEND_MARKS}");
    let _ = writeln!(text, "{ONE_ROW_PER_TASK}");
    let _ = writeln!(text, "{ENDS_UNTOLD}");
    for note in &timeline.notes {
        let _ = writeln!(text, "{note}");
    }
    text
}

/// Where the tasks of a run waited at one instant, from a task dump taken
/// then: for each row that was in the dump, what it shows of that row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Waits {
    pub at: Micros,
    pub rows: Vec<(usize, String)>,
}

/// The SVG for the book. Colours are the book theme's CSS variables, so one
/// drawing reads in the light and the dark themes; the SVG is meant to be
/// inlined in the page, where those variables are defined.
pub fn svg(timeline: &Timeline) -> String {
    svg_with(timeline, None)
}

/// [`svg`], with what a page's script needs to let a reader explore it:
/// the scale and each row's records as `data-` attributes, and `waits`,
/// where a dump was taken. Each row also has a `<title>`, which a browser
/// shows on hover with no script at all.
pub fn svg_with(timeline: &Timeline, waits: Option<&Waits>) -> String {
    const WIDTH: f64 = 760.0;
    const LABEL_WIDTH: f64 = 300.0;
    const TRACK_START: f64 = LABEL_WIDTH + 12.0;
    const TRACK_END: f64 = WIDTH - 16.0;
    const ROW: f64 = 22.0;
    const TOP: f64 = 28.0;
    const LABEL_CHARS: usize = 41;

    let drawn = timeline.rows.len().min(MAX_ROWS);
    let more = timeline.rows.len() - drawn;
    let legend_y = TOP + ROW * (drawn + usize::from(more > 0)) as f64 + 10.0;
    let height = legend_y + 2.0 * 18.0 + 6.0;
    let span = timeline.span();
    let scale = Scale::new(span, TRACK_END - TRACK_START);
    let x = |time: Micros| TRACK_START + scale.x(time);

    let mut svg = String::new();
    let title = format!(
        "Timeline of {} on the {} clock: {}",
        timeline.example,
        timeline.clock.name(),
        count(timeline.spawned_rows(), "task", "tasks", "besides main")
    );
    let dump_at = waits.map_or_else(String::new, |waits| {
        format!(r#" data-dump-at="{}""#, waits.at)
    });
    let _ = writeln!(
        svg,
        r#"<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-label="{}" data-span="{span}" data-track="{TRACK_START} {:.1}" data-rows="{TOP} {ROW} {drawn}" data-clock="{}"{dump_at}>"#,
        escape(&title),
        TRACK_START + (TRACK_END - TRACK_START - 1.0).max(0.0),
        timeline.clock.name(),
    );
    let _ = writeln!(svg, "<title>{}</title>", escape(&title));
    svg.push_str(concat!(
        "<style>",
        ".timeline text{fill:var(--fg);font-family:var(--mono-font,monospace);font-size:12px}",
        ".timeline .grid{stroke:var(--table-border-color);stroke-width:1}",
        ".timeline .wait{stroke:var(--fg);stroke-opacity:.45;stroke-width:1.5}",
        ".timeline .poll{fill:var(--links)}",
        ".timeline .end{stroke:var(--fg);stroke-width:2;fill:none}",
        ".timeline .blocking{fill:var(--fg)}",
        ".timeline .hit{fill:transparent}",
        "</style>\n"
    ));
    let grid_bottom = TOP + ROW * drawn as f64 - 4.0;
    for tick in scale.ticks(8) {
        let at = x(tick);
        let _ = writeln!(
            svg,
            r#"<line class="grid" x1="{at:.1}" y1="{:.1}" x2="{at:.1}" y2="{grid_bottom:.1}"/><text x="{at:.1}" y="14" text-anchor="middle">{}s</text>"#,
            TOP - 8.0,
            trim_seconds(tick)
        );
    }
    for (index, row) in timeline.rows.iter().take(drawn).enumerate() {
        let middle = TOP + ROW * index as f64 + ROW / 2.0 - 4.0;
        let full = row.label_among(index, &timeline.rows);
        let label = truncate(&full, LABEL_CHARS);
        let _ = writeln!(svg, "{}", row_group(timeline, index, &full, waits));
        let _ = writeln!(
            svg,
            r#"<title>{}</title><rect class="hit" x="0" y="{:.1}" width="{WIDTH}" height="{ROW}"/>"#,
            escape(&row_title(timeline, index, &full)),
            middle - ROW / 2.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="4" y="{:.1}">{}</text>"#,
            middle + 4.0,
            escape(&label)
        );
        for mark in marks(row, timeline) {
            let _ = match mark {
                Mark::Waiting(from, to) => writeln!(
                    svg,
                    r#"<line class="wait" x1="{:.1}" y1="{middle:.1}" x2="{:.1}" y2="{middle:.1}"/>"#,
                    x(from),
                    x(to)
                ),
                Mark::Polled(from, to) => writeln!(
                    svg,
                    r#"<rect class="poll" x="{:.1}" y="{:.1}" width="{:.1}" height="12"/>"#,
                    x(from) - 2.0,
                    middle - 6.0,
                    (x(to) - x(from)).max(0.0) + 4.0
                ),
                Mark::End(at, symbol) => {
                    svg.push_str(&symbol.svg(x(at), middle));
                    Ok(())
                }
            };
        }
        svg.push_str("</g>\n");
    }
    if more > 0 {
        let _ = writeln!(
            svg,
            r#"<text x="4" y="{:.1}">… {} not drawn</text>"#,
            TOP + ROW * drawn as f64 + ROW / 2.0,
            count(more, "more task", "more tasks", "")
        );
    }
    let legend = [
        (Symbol::Poll, "polled"),
        (Symbol::Wait, "waiting"),
        (Symbol::End, "ended"),
        (Symbol::Dropped, "dropped when run() returned"),
        (Symbol::Blocking, "spawn_blocking returned"),
    ];
    let mut at = 10.0;
    for (symbol, meaning) in legend {
        svg.push_str(&symbol.svg(at, legend_y));
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}">{meaning}</text>"#,
            at + 10.0,
            legend_y + 4.0
        );
        at += 10.0 + 7.3 * meaning.len() as f64 + 24.0;
    }
    let _ = writeln!(
        svg,
        r#"<text x="4" y="{:.1}">{}</text>"#,
        legend_y + 22.0,
        escape(
            "A row is a task. Futures joined or selected in one task, and LocalSet tasks, share its row."
        )
    );
    svg.push_str("</svg>\n");
    svg
}

/// A row's group, whose `data-` attributes carry its records: `spawned`,
/// `ended` and each poll's `start-end`, in microseconds.
fn row_group(timeline: &Timeline, index: usize, label: &str, waits: Option<&Waits>) -> String {
    let row = &timeline.rows[index];
    let mut attributes = format!(
        r#" data-row="{index}" data-name="{}" data-kind="{}" data-label="{}""#,
        short_name(timeline, index),
        row.kind.name(),
        escape(label)
    );
    if let Some(at) = &row.spawned_at {
        let _ = write!(attributes, r#" data-at="{}""#, escape(at));
    }
    if !row.code.is_empty() && row.kind != RowKind::Main {
        let _ = write!(attributes, r#" data-code="{}""#, escape(&row.code));
    }
    if let Some(parent) = row.parent {
        let _ = write!(
            attributes,
            r#" data-parent="{}""#,
            escape(&short_name(timeline, parent))
        );
    }
    if let Some(spawned) = row.spawned {
        let _ = write!(attributes, r#" data-spawned="{spawned}""#);
    }
    let end = match (row.kind, row.ended, timeline.returned) {
        (RowKind::Main, _, Some(returned)) => Some((returned, "returned")),
        (_, Some(ended), _) => Some((ended.at, ended.how.name())),
        _ => None,
    };
    if let Some((at, how)) = end {
        let _ = write!(attributes, r#" data-ended="{at}" data-end="{how}""#);
    }
    let polls: Vec<String> = row
        .polls
        .iter()
        .map(|poll| format!("{}-{}", poll.start, poll.end))
        .collect();
    if !polls.is_empty() {
        let _ = write!(attributes, r#" data-polls="{}""#, polls.join(" "));
    }
    if let Some((_, shows)) = waits.and_then(|waits| waits.rows.iter().find(|(r, _)| *r == index)) {
        let _ = write!(attributes, r#" data-where="{}""#, escape(shows));
    }
    format!(r#"<g class="row"{attributes}>"#)
}

/// `main` or `#3`.
fn short_name(timeline: &Timeline, index: usize) -> String {
    match timeline.rows.get(index).map(|row| row.kind) {
        Some(RowKind::Main) => "main".to_owned(),
        _ => format!("#{index}"),
    }
}

/// What hovering a row shows without a script: its whole label, where it
/// was spawned and by whom, and when it started and ended.
fn row_title(timeline: &Timeline, index: usize, label: &str) -> String {
    let row = &timeline.rows[index];
    let mut title = label.to_owned();
    if let Some(at) = &row.spawned_at {
        let _ = write!(title, "\nspawned at {at}");
        if let Some(parent) = row.parent {
            let _ = write!(title, " by {}", short_name(timeline, parent));
        }
        if let Some(spawned) = row.spawned {
            let _ = write!(title, " at {}s", trim_seconds(spawned));
        }
    }
    match (row.kind, row.ended, timeline.returned) {
        (RowKind::Main, _, Some(returned)) => {
            let _ = write!(title, "\nreturned at {}s", trim_seconds(returned));
        }
        (RowKind::Blocking, Some(ended), _) => {
            let _ = write!(title, "\nreturned at {}s", trim_seconds(ended.at));
        }
        (_, Some(ended), _) => {
            let how = match ended.how {
                EndKind::Ended => "ended",
                EndKind::Dropped => "dropped when run() returned",
            };
            let _ = write!(title, "\n{how} at {}s", trim_seconds(ended.at));
        }
        _ => {}
    }
    title
}

/// What a row shows, in drawing order: later marks cover earlier ones.
enum Mark {
    Waiting(Micros, Micros),
    Polled(Micros, Micros),
    End(Micros, Symbol),
}

#[derive(Clone, Copy)]
enum Symbol {
    Wait,
    Poll,
    End,
    Dropped,
    Blocking,
}

impl Symbol {
    fn char(self) -> char {
        match self {
            Symbol::Wait => '─',
            Symbol::Poll => '█',
            Symbol::End => '┤',
            Symbol::Dropped => '×',
            Symbol::Blocking => '◆',
        }
    }

    fn svg(self, x: f64, y: f64) -> String {
        match self {
            Symbol::Wait => format!(
                "<line class=\"wait\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\n",
                x - 6.0,
                x + 6.0
            ),
            Symbol::Poll => format!(
                "<rect class=\"poll\" x=\"{:.1}\" y=\"{:.1}\" width=\"6\" height=\"10\"/>\n",
                x - 3.0,
                y - 5.0
            ),
            Symbol::End => format!(
                "<line class=\"end\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\n",
                y - 7.0,
                y + 7.0
            ),
            Symbol::Dropped => format!(
                "<path class=\"end\" d=\"M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}\"/>\n",
                x - 5.0,
                y - 5.0,
                x + 5.0,
                y + 5.0,
                x - 5.0,
                y + 5.0,
                x + 5.0,
                y - 5.0
            ),
            Symbol::Blocking => format!(
                "<path class=\"blocking\" d=\"M{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}Z\"/>\n",
                x - 6.0,
                y - 6.0,
                x + 6.0,
                y + 6.0
            ),
        }
    }
}

/// A row's marks: the line from its start to its end, its polls, and the
/// mark of its end. A row still running when the records stop runs to the
/// end of the chart.
fn marks(row: &Row, timeline: &Timeline) -> Vec<Mark> {
    let span = timeline.span();
    let Some(first) = row.first() else {
        return Vec::new();
    };
    let (last, end) = match (row.kind, row.ended, timeline.returned) {
        (RowKind::Blocking, Some(ended), _) => (ended.at, Some(Symbol::Blocking)),
        (RowKind::Main, _, Some(returned)) => (returned, Some(Symbol::End)),
        (_, Some(ended), _) => {
            let symbol = match ended.how {
                EndKind::Ended => Symbol::End,
                EndKind::Dropped => Symbol::Dropped,
            };
            (ended.at, Some(symbol))
        }
        (_, None, _) => (span, None),
    };
    let mut marks = vec![Mark::Waiting(first, last.max(first))];
    marks.extend(
        row.polls
            .iter()
            .map(|poll| Mark::Polled(poll.start, poll.end)),
    );
    if let Some(symbol) = end {
        marks.push(Mark::End(last, symbol));
    }
    marks
}

/// Maps time onto `length` units: 0 to the left edge, the span to the right.
struct Scale {
    /// At least 1, to divide by.
    span: Micros,
    /// Whether the run took no time at all.
    instant: bool,
    length: f64,
}

impl Scale {
    fn new(span: Micros, length: f64) -> Self {
        Scale {
            span: span.max(1),
            instant: span == 0,
            length,
        }
    }

    fn x(&self, time: Micros) -> f64 {
        (time.min(self.span) as f64 / self.span as f64) * (self.length - 1.0).max(0.0)
    }

    /// Round times from 0 to the span, at most `most` of them (and at least
    /// two: 0 and one more).
    fn ticks(&self, most: usize) -> Vec<Micros> {
        if self.instant {
            return vec![0];
        }
        let most = most.max(2) as u64;
        let mut step: Micros = 1;
        'search: for power in 0..13 {
            for factor in [1, 2, 5] {
                step = factor * 10u64.pow(power);
                if self.span / step < most {
                    break 'search;
                }
            }
        }
        (0..=self.span / step).map(|n| n * step).collect()
    }
}

/// `1.500000` as `1.5`, `2.000000` as `2`.
fn trim_seconds(time: Micros) -> String {
    let text = Seconds(time).to_string();
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
    short.push('…');
    short
}

fn count(n: usize, one: &str, many: &str, suffix: &str) -> String {
    let noun = if n == 1 { one } else { many };
    if suffix.is_empty() {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun} {suffix}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
