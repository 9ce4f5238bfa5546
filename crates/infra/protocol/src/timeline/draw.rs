//! What a reader sees of a timeline: a chart of characters in the terminal
//! (`--timeline`), and an SVG in the book. Both draw the same marks on the
//! same scale.

use std::fmt::Write as _;

use super::{Micros, Row, RowKind, Seconds, Stretch, Timeline};
use crate::Named;

/// Rows drawn at most; the text form has them all.
pub const MAX_ROWS: usize = 40;

/// What the chart's marks mean, and what a row is.
const LEGEND: &str = "█ polled  ─ waiting  ┤ returned or panicked  ⊘ aborted  × dropped when \
                      run() returned  ◆ a spawn_blocking call returned\nA row is a task. Futures \
                      joined or selected in one task (join!, join_all, select!), and LocalSet \
                      tasks, share its row.";

/// The terminal chart, `width` characters wide (at least 40).
pub fn chart(timeline: &Timeline, width: usize) -> String {
    let mut text = String::new();
    if timeline.rows.is_empty() {
        for note in &timeline.notes {
            let _ = writeln!(text, "no timeline for {}: {note}", timeline.example);
        }
        return text;
    }
    let (example, clock) = (&timeline.example, timeline.clock.name());
    let tasks = count(timeline.spawned_rows(), "task", "tasks");
    let _ = writeln!(text, "{example} on the {clock} clock: {tasks} besides main");
    let rows = &timeline.rows;
    let mut labels = timeline.labels();
    labels.truncate(MAX_ROWS);
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let label_width = longest.min((width.max(40) * 2 / 5).max(12));
    let columns = width.max(40) - label_width - 1;
    let scale = Scale::new(timeline.span(), columns as f64);
    let column = |time: Micros| (scale.x(time) as usize).min(columns - 1);
    let line = |cells: Vec<char>| cells.into_iter().collect::<String>().trim_end().to_owned();

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
    let _ = writeln!(text, "{:label_width$} {}", "", line(axis));
    for (row, label) in rows.iter().zip(&labels) {
        let mut cells = vec![' '; columns];
        for mark in marks(row, timeline) {
            let (from, to) = mark.span();
            cells[column(from)..=column(to)].fill(mark.symbol().char());
        }
        let _ = writeln!(
            text,
            "{:label_width$} {}",
            truncate(label, label_width),
            line(cells)
        );
    }
    if rows.len() > MAX_ROWS {
        let more = count(rows.len() - MAX_ROWS, "more task", "more tasks");
        let _ = writeln!(text, "… {more} not drawn; --timeline-file writes them all");
    }
    let _ = writeln!(text, "{LEGEND}");
    for note in &timeline.notes {
        let _ = writeln!(text, "{note}");
    }
    text
}

/// The SVG for the book, inlined in its page: colours are the theme's CSS
/// variables, so one drawing reads in the light and the dark themes. The
/// scale and each row's records are `data-` attributes for the page's
/// script; each row's `<title>` and each wake's show on hover with no
/// script at all. Its axis runs to `span` or to the timeline's end if later:
/// two charts drawn to one span share their scale.
pub fn svg(timeline: &Timeline, span: Micros) -> String {
    let span = timeline.span().max(span);
    let layout = Layout {
        scale: Scale::new(span, Layout::TRACK_END - Layout::TRACK_START),
        drawn: timeline.rows.len().min(MAX_ROWS),
    };
    let legend = legend(timeline, &layout);
    let mut svg = svg_start(timeline, &layout, span, legend.height);
    draw_grid(&mut svg, &layout);
    for (index, label) in timeline.labels().iter().enumerate().take(layout.drawn) {
        draw_row(&mut svg, timeline, &layout, index, label);
    }
    draw_wakes(&mut svg, timeline, &layout);
    let more = timeline.rows.len() - layout.drawn;
    if more > 0 {
        let y = layout.middle(layout.drawn) + 4.0;
        let more = count(more, "more task", "more tasks");
        let _ = writeln!(svg, r#"<text x="4" y="{y:.1}">… {more} not drawn</text>"#);
    }
    svg.push_str(&legend.svg);
    svg.push_str("</svg>\n");
    svg
}

/// Where things go on the book's chart: the track each row's marks are
/// drawn on, right of its label, and the rows drawn, one below the other.
struct Layout {
    scale: Scale,
    /// How many rows are drawn: at most [`MAX_ROWS`].
    drawn: usize,
}

impl Layout {
    const WIDTH: f64 = 760.0;
    const TRACK_START: f64 = 312.0;
    const TRACK_END: f64 = Self::WIDTH - 16.0;
    const ROW: f64 = 22.0;
    const TOP: f64 = 28.0;

    /// Where `time` is across the track.
    fn x(&self, time: Micros) -> f64 {
        Self::TRACK_START + self.scale.x(time)
    }

    /// Where row `index` runs down the chart: its marks' middle.
    fn middle(&self, index: usize) -> f64 {
        Self::TOP + Self::ROW * index as f64 + Self::ROW / 2.0 - 4.0
    }
}

/// The words for what differs in an asyncio twin's chart.
struct Wording {
    ended: &'static str,
    dropped: &'static str,
    one_row: &'static str,
}

impl Wording {
    fn of(timeline: &Timeline) -> Self {
        // An asyncio twin's main row is the line that runs it.
        let asyncio = timeline
            .rows
            .first()
            .is_some_and(|main| main.code.starts_with("asyncio.run("));
        if asyncio {
            Wording {
                ended: "returned or raised",
                dropped: "cancelled as asyncio.run returned",
                one_row: "A row is a task: coroutines awaited in one task share its row.",
            }
        } else {
            Wording {
                ended: "returned or panicked",
                dropped: "dropped when run() returned",
                one_row: "A row is a task. Futures joined or selected in one task, and LocalSet \
                          tasks, share its row.",
            }
        }
    }
}

/// The legend under the rows, and the chart's height, which it decides.
struct Legend {
    svg: String,
    height: f64,
}

/// The legend names the marks this chart draws, wrapped to its width.
fn legend(timeline: &Timeline, layout: &Layout) -> Legend {
    let drawn_marks = drawn_symbols(timeline, layout.drawn);
    let wording = Wording::of(timeline);
    let (mut svg, mut at, mut y) = (String::new(), 10.0, layout.middle(layout.drawn + 1) - 4.0);
    for (symbol, meaning) in [
        (Symbol::Poll, "polled"),
        (Symbol::Wait, "waiting"),
        (Symbol::End, wording.ended),
        (Symbol::Aborted, "aborted"),
        (Symbol::Dropped, wording.dropped),
        (Symbol::Blocking, "spawn_blocking returned"),
        (Symbol::Wake, "a poll woke a task"),
    ] {
        if !drawn_marks.contains(&symbol) {
            continue;
        }
        let width = 10.0 + 7.3 * meaning.len() as f64 + 24.0;
        if at + width > Layout::WIDTH {
            (at, y) = (10.0, y + 18.0);
        }
        let (text_x, text_y) = (at + 10.0, y + 4.0);
        let _ = writeln!(
            svg,
            r#"{}<text x="{text_x:.1}" y="{text_y:.1}">{meaning}</text>"#,
            symbol.svg(at, y)
        );
        at += width;
    }
    let _ = writeln!(
        svg,
        r#"<text x="4" y="{:.1}">{}</text>"#,
        y + 22.0,
        wording.one_row
    );
    Legend {
        svg,
        height: y + 42.0,
    }
}

/// The symbols the first `drawn` rows draw, a wake among them if one of
/// those rows woke another.
fn drawn_symbols(timeline: &Timeline, drawn: usize) -> Vec<Symbol> {
    let rows = timeline.rows.iter().take(drawn);
    let mut symbols: Vec<Symbol> = rows
        .clone()
        .flat_map(|row| marks(row, timeline))
        .map(|mark| mark.symbol())
        .collect();
    if rows.flat_map(|row| &row.woken).any(|(_, by)| *by < drawn) {
        symbols.push(Symbol::Wake);
    }
    symbols
}

/// The `<svg>` element's start: its size, its `data-` attributes for the
/// page's script, its title, and its style.
fn svg_start(timeline: &Timeline, layout: &Layout, span: Micros, height: f64) -> String {
    let clock = timeline.clock.name();
    let tasks = count(timeline.spawned_rows(), "task", "tasks");
    let title = escape(&format!(
        "Timeline of {} on the {clock} clock: {tasks} besides main",
        timeline.example
    ));
    let track_start = Layout::TRACK_START;
    let track_end = track_start + (Layout::TRACK_END - track_start - 1.0).max(0.0);
    let (width, top, row, drawn) = (Layout::WIDTH, Layout::TOP, Layout::ROW, layout.drawn);
    format!(
        r#"<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0}" role="img" aria-label="{title}" data-span="{span}" data-track="{track_start} {track_end:.1}" data-rows="{top} {row} {drawn}" data-clock="{clock}">
<title>{title}</title>
<style>.timeline text{{fill:var(--fg);font-family:var(--mono-font,monospace);font-size:12px}}.timeline .grid{{stroke:var(--table-border-color);stroke-width:1}}.timeline .wait{{stroke:var(--fg);stroke-opacity:.45;stroke-width:1.5}}.timeline .poll{{fill:var(--links)}}.timeline .end,.timeline .wake{{stroke:var(--fg);stroke-width:2;fill:none}}.timeline .wake{{stroke:var(--links);stroke-width:1.5}}.timeline .blocking{{fill:var(--fg)}}.timeline .hit{{fill:transparent}}</style>
"#
    )
}

/// A vertical line at each tick behind the rows, its time above them.
fn draw_grid(svg: &mut String, layout: &Layout) {
    let grid_top = Layout::TOP - 8.0;
    let grid_bottom = Layout::TOP + Layout::ROW * layout.drawn as f64 - 4.0;
    for tick in layout.scale.ticks(8) {
        let (at, seconds) = (layout.x(tick), trim_seconds(tick));
        let _ = writeln!(
            svg,
            r#"<line class="grid" x1="{at:.1}" y1="{grid_top:.1}" x2="{at:.1}" y2="{grid_bottom:.1}"/><text x="{at:.1}" y="14" text-anchor="middle">{seconds}s</text>"#
        );
    }
}

/// Row `index`'s group: its records, what hovering it shows (its whole
/// `label`), the label cut short, and its marks.
fn draw_row(svg: &mut String, timeline: &Timeline, layout: &Layout, index: usize, label: &str) {
    let (width, row) = (Layout::WIDTH, Layout::ROW);
    let middle = layout.middle(index);
    let (group, hover) = (
        row_group(timeline, index, label),
        escape(&row_title(timeline, index, label)),
    );
    let (top, baseline, short) = (
        middle - row / 2.0,
        middle + 4.0,
        escape(&truncate(label, 41)),
    );
    let _ = writeln!(
        svg,
        "{group}\n<title>{hover}</title><rect class=\"hit\" x=\"0\" y=\"{top:.1}\" width=\"{width}\" \
         height=\"{row}\"/>\n<text x=\"4\" y=\"{baseline:.1}\">{short}</text>"
    );
    for mark in marks(&timeline.rows[index], timeline) {
        draw_mark(svg, layout, mark, middle);
    }
    svg.push_str("</g>\n");
}

/// One of a row's marks, on the row whose middle is at `middle`.
fn draw_mark(svg: &mut String, layout: &Layout, mark: Mark, middle: f64) {
    let _ = match mark {
        Mark::Wait { from, to } => {
            let (from, to) = (layout.x(from), layout.x(to));
            writeln!(
                svg,
                r#"<line class="wait" x1="{from:.1}" y1="{middle:.1}" x2="{to:.1}" y2="{middle:.1}"/>"#
            )
        }
        Mark::Poll { from, to } => {
            let (from, to, y) = (layout.x(from), layout.x(to), middle - 6.0);
            let (left, width) = (from - 2.0, (to - from).max(0.0) + 4.0);
            writeln!(
                svg,
                r#"<rect class="poll" x="{left:.1}" y="{y:.1}" width="{width:.1}" height="12"/>"#
            )
        }
        Mark::End { at, symbol } => write!(svg, "{}", symbol.svg(layout.x(at), middle)),
    };
}

/// An arrow from the waker's row to the woken one's, for each wake between
/// rows drawn; drawn after the rows, so that wakes go over every row.
fn draw_wakes(svg: &mut String, timeline: &Timeline, layout: &Layout) {
    let drawn = layout.drawn;
    for (index, row) in timeline.rows.iter().enumerate().take(drawn) {
        for &(at, by) in row.woken.iter().filter(|(_, by)| *by < drawn) {
            let (x, from, to) = (layout.x(at), layout.middle(by), layout.middle(index));
            let head = if to > from { -4.0 } else { 4.0 };
            let tip = to + 1.5 * head;
            let what = format!(
                "{} woke {} at {}s",
                short_name(timeline, by),
                short_name(timeline, index),
                trim_seconds(at)
            );
            let _ = writeln!(
                svg,
                r#"<path class="wake" d="M{x:.1} {from:.1}V{tip:.1}M{:.1} {:.1}L{x:.1} {tip:.1}L{:.1} {:.1}"><title>{what}</title></path>"#,
                x - 3.0,
                tip + head,
                x + 3.0,
                tip + head
            );
        }
    }
}

/// Who woke a stretch's row as it ended: `#2 at 1s`, or nothing.
fn woken(timeline: &Timeline, stretch: &Stretch<'_>) -> String {
    let by = stretch
        .woken_by
        .iter()
        .map(|(at, by)| format!("{} at {}s", short_name(timeline, *by), trim_seconds(*at)));
    by.collect::<Vec<_>>().join(" and ")
}

/// A row's group, whose `data-` attributes carry its records: `spawned`,
/// `ended`, each poll's `start-end`, in microseconds, and `waits`, a JSON
/// list of its stretches as `[from, to, what a dump showed, who woke it]`.
fn row_group(timeline: &Timeline, index: usize, label: &str) -> String {
    let row = &timeline.rows[index];
    let (name, kind, label) = (short_name(timeline, index), row.kind.name(), escape(label));
    let mut group = format!(
        r#"<g class="row" data-row="{index}" data-name="{name}" data-kind="{kind}" data-label="{label}""#
    );
    let mut attribute = |name: &str, value: &str| {
        let _ = write!(group, r#" data-{name}="{}""#, escape(value));
    };
    if let Some(at) = &row.spawned_at {
        attribute("at", at);
    }
    // A main row's code is in its label.
    if !row.code.is_empty() && row.kind != RowKind::Main {
        attribute("code", &row.code);
    }
    if let Some(parent) = row.parent {
        attribute("parent", &short_name(timeline, parent));
    }
    if let Some(spawned) = row.spawned {
        attribute("spawned", &spawned.to_string());
    }
    let end = timeline.end_of(row);
    if let Some((at, how)) = end {
        attribute("ended", &at.to_string());
        attribute("end", how);
    }
    if !row.polls.is_empty() {
        let polls: Vec<String> = row
            .polls
            .iter()
            .map(|poll| format!("{}-{}", poll.start, poll.end))
            .collect();
        attribute("polls", &polls.join(" "));
    }
    let stretches = row.stretches(end.map_or(timeline.span(), |(at, _)| at));
    let waits: Vec<_> = stretches
        .iter()
        .filter(|stretch| stretch.what.is_some() || !stretch.woken_by.is_empty())
        .map(|stretch| {
            let what = stretch.what.map_or("", |(_, what)| what.as_str());
            serde_json::json!([stretch.from, stretch.to, what, woken(timeline, stretch)])
        })
        .collect();
    if !waits.is_empty() {
        attribute("waits", &serde_json::Value::from(waits).to_string());
    }
    group + ">"
}

/// `main` or `#3`.
pub(super) fn short_name(timeline: &Timeline, index: usize) -> String {
    match timeline.rows.get(index).map(|row| row.kind) {
        Some(RowKind::Main) => "main".to_owned(),
        _ => format!("#{index}"),
    }
}

/// What hovering a row shows: its whole label, where it was spawned and by
/// whom, and when it started and ended.
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
    if let Some((at, how)) = timeline.end_of(row) {
        let how = if how == "dropped" {
            "dropped when run() returned"
        } else {
            how
        };
        let _ = write!(title, "\n{how} at {}s", trim_seconds(at));
    }
    title
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Symbol {
    Wait,
    Poll,
    End,
    Aborted,
    Dropped,
    Blocking,
    Wake,
}

impl Symbol {
    fn char(self) -> char {
        match self {
            Symbol::Wait => '─',
            Symbol::Poll => '█',
            Symbol::End => '┤',
            Symbol::Aborted => '⊘',
            Symbol::Dropped => '×',
            Symbol::Blocking => '◆',
            Symbol::Wake => '↓',
        }
    }

    /// The symbol alone, centred on `x`, `y`, as the legend and a row's end draw it.
    fn svg(self, x: f64, y: f64) -> String {
        let (left, right, up, down) = (x - 6.0, x + 6.0, y - 6.0, y + 6.0);
        match self {
            Symbol::Wait => format!(
                "<line class=\"wait\" x1=\"{left:.1}\" y1=\"{y:.1}\" x2=\"{right:.1}\" y2=\"{y:.1}\"/>\n"
            ),
            Symbol::Poll => {
                let (left, up) = (x - 3.0, y - 5.0);
                format!(
                    "<rect class=\"poll\" x=\"{left:.1}\" y=\"{up:.1}\" width=\"6\" height=\"10\"/>\n"
                )
            }
            Symbol::End => {
                let (up, down) = (y - 7.0, y + 7.0);
                format!(
                    "<line class=\"end\" x1=\"{x:.1}\" y1=\"{up:.1}\" x2=\"{x:.1}\" y2=\"{down:.1}\"/>\n"
                )
            }
            Symbol::Dropped => {
                let (left, right, up, down) = (x - 5.0, x + 5.0, y - 5.0, y + 5.0);
                let d = format!(
                    "M{left:.1} {up:.1}L{right:.1} {down:.1}M{left:.1} {down:.1}L{right:.1} {up:.1}"
                );
                format!("<path class=\"end\" d=\"{d}\"/>\n")
            }
            Symbol::Blocking => {
                let d =
                    format!("M{left:.1} {y:.1}L{x:.1} {up:.1}L{right:.1} {y:.1}L{x:.1} {down:.1}Z");
                format!("<path class=\"blocking\" d=\"{d}\"/>\n")
            }
            Symbol::Aborted => {
                let (left, right, up, down) = (x - 4.0, x + 4.0, y - 4.0, y + 4.0);
                format!(
                    "<circle class=\"end\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"6\"/><path class=\"end\" \
                     d=\"M{left:.1} {down:.1}L{right:.1} {up:.1}\"/>\n"
                )
            }
            Symbol::Wake => {
                let (up, down) = (y - 7.0, y + 7.0);
                let (left, right, head) = (x - 3.0, x + 3.0, down - 4.0);
                format!(
                    "<path class=\"wake\" d=\"M{x:.1} {up:.1}V{down:.1}M{left:.1} {head:.1}L{x:.1} \
                     {down:.1}L{right:.1} {head:.1}\"/>\n"
                )
            }
        }
    }
}

/// One mark of a row on the chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    /// The line from the row's start to its end, or to the chart's.
    Wait {
        from: Micros,
        to: Micros,
    },
    Poll {
        from: Micros,
        to: Micros,
    },
    /// How the row ended, at its end.
    End {
        at: Micros,
        symbol: Symbol,
    },
}

impl Mark {
    /// The times it covers, from and to.
    fn span(self) -> (Micros, Micros) {
        match self {
            Mark::Wait { from, to } | Mark::Poll { from, to } => (from, to),
            Mark::End { at, .. } => (at, at),
        }
    }

    fn symbol(self) -> Symbol {
        match self {
            Mark::Wait { .. } => Symbol::Wait,
            Mark::Poll { .. } => Symbol::Poll,
            Mark::End { symbol, .. } => symbol,
        }
    }
}

/// A row's marks, in drawing order (later ones cover earlier ones): the
/// line from its start to its end, its polls, and the symbol of its end.
/// A row still running when the records stop runs to the chart's end.
fn marks(row: &Row, timeline: &Timeline) -> Vec<Mark> {
    let Some(first) = row.first() else {
        return Vec::new();
    };
    let (last, end) = match timeline.end_of(row) {
        Some((at, how)) => {
            let symbol = match (row.kind, how) {
                (RowKind::Blocking, _) => Symbol::Blocking,
                (_, "aborted") => Symbol::Aborted,
                (_, "dropped") => Symbol::Dropped,
                _ => Symbol::End,
            };
            (at, Some(Mark::End { at, symbol }))
        }
        None => (timeline.span(), None),
    };
    let mut marks = vec![Mark::Wait {
        from: first,
        to: last.max(first),
    }];
    for poll in &row.polls {
        marks.push(Mark::Poll {
            from: poll.start,
            to: poll.end,
        });
    }
    marks.extend(end);
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
        let steps = (0..13).flat_map(|power| [1, 2, 5].map(|factor| factor * 10u64.pow(power)));
        let step = steps
            .clone()
            .find(|step| self.span / step < most)
            .or(steps.last())
            .unwrap_or(1);
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
    let short: String = text.chars().take(width.saturating_sub(1)).collect();
    short + "…"
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
