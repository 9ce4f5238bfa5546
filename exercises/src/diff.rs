//! What a learner reads of a wrong output: each line with the virtual time
//! it was printed at, and for a line at the wrong time, also the time it was
//! expected at.

use std::fmt::Write as _;

use similar::{Algorithm, DiffTag, capture_diff_slices};

/// Lines as `(virtual ms, text)`.
pub type Lines = [(u64, String)];

/// A row: its mark, the time it is shown at, the line, a note.
type Row<'a> = (char, u64, &'a str, String);

/// How many rows are shown: a program that runs away would bury the first
/// difference, which is the one that matters.
const MAX_ROWS: usize = 30;
/// How wide the text column may grow before its lines are wrapped, so that
/// one long line does not push every note far to the right.
const TEXT_COLUMN: usize = 32;
/// The width the checker's reports keep to.
pub const LINE_WIDTH: usize = 78;
/// A row's mark, time and two spaces.
const ROW_PREFIX: usize = 11;

/// The comparison of what was printed with what was expected, or `None`
/// when they are the same, times included.
pub fn render(expected: &Lines, printed: &Lines) -> Option<String> {
    if expected == printed {
        return None;
    }
    let texts = |lines: &Lines| Vec::from_iter(lines.iter().map(|(_, text)| text.clone()));
    let (old_texts, new_texts) = (texts(expected), texts(printed));
    let mut rows: Vec<Row> = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &old_texts, &new_texts) {
        let (tag, old, new) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            for (old, new) in old.zip(new) {
                rows.push(printed_row(
                    &expected[old].1,
                    expected[old].0,
                    printed[new].0,
                ));
            }
            continue;
        }
        for (at, text) in &expected[old] {
            let note = format!("expected at {}, not printed", format_time(*at));
            rows.push(('-', *at, text, note));
        }
        for (at, text) in &printed[new] {
            let note = format!("printed at {}, not expected", format_time(*at));
            rows.push(('+', *at, text, note));
        }
    }
    pair_moved_lines(&mut rows);
    note_trailing_whitespace(&mut rows);
    let hidden = rows.len().saturating_sub(MAX_ROWS);
    let rows: Vec<(char, u64, String, String)> = rows
        .into_iter()
        .take(MAX_ROWS)
        .map(|(mark, at, text, note)| (mark, at, shown(text), note))
        .collect();
    let widths = rows.iter().map(|(_, _, text, _)| text.chars().count());
    let width = widths.max().unwrap_or(0).min(TEXT_COLUMN);
    let mut out =
        String::from("  time     line (~ printed at the wrong time, - missing, + not expected)\n");
    out += &legend(rows.iter().map(|(_, _, text, _)| text.as_str()));
    for (mark, at, text, note) in rows {
        // A line without a note may take the whole width.
        let room = if note.is_empty() {
            LINE_WIDTH - ROW_PREFIX
        } else {
            width
        };
        let mut pieces = wrap(&text, room).into_iter();
        let first = pieces.next().unwrap_or_default();
        let line = format!("{mark} {:>7}  {first:<width$}  {note}", format_time(at));
        let _ = writeln!(out, "{}", line.trim_end());
        for piece in pieces {
            let _ = writeln!(out, "{:ROW_PREFIX$}{piece}", "");
        }
    }
    if hidden > 0 {
        let _ = writeln!(out, "  ... and {hidden} more lines");
    }
    Some(out)
}

/// The most characters of one line the diff shows.
const MAX_SHOWN: usize = 240;
/// What a space at the end of a line is shown as.
const SPACE: char = '·';

/// A line as the diff shows it: the whitespace at its end made visible
/// (`·` for a space, `\t` for a tab), since two lines that differ only there
/// would look the same; and at most [`MAX_SHOWN`] characters.
fn shown(text: &str) -> String {
    let body = text.trim_end();
    let length = text.chars().count();
    if length > MAX_SHOWN {
        let start: String = text.chars().take(MAX_SHOWN).collect();
        return format!("{start}... ({} more characters)", length - MAX_SHOWN);
    }
    let mut out = body.to_owned();
    for c in text[body.len()..].chars() {
        match c {
            ' ' => out.push(SPACE),
            '\t' => out.push_str("\\t"),
            other => out.extend(other.escape_unicode()),
        }
    }
    out
}

/// The line under the header that says what `·` is, if a row shows one at
/// the end of its line.
fn legend<'a>(mut shown: impl Iterator<Item = &'a str>) -> String {
    if shown.any(|text| text.ends_with(SPACE)) {
        format!("  ({SPACE} is a space at the end of a line)\n")
    } else {
        String::new()
    }
}

/// A line printed that differs from a missing one only by the whitespace at
/// its end: its note says so.
fn note_trailing_whitespace(rows: &mut [Row<'_>]) {
    let missing: Vec<&str> = rows
        .iter()
        .filter(|row| row.0 == '-')
        .map(|row| row.2.trim_end())
        .collect();
    for row in rows.iter_mut().filter(|row| row.0 == '+') {
        if missing.contains(&row.2.trim_end()) {
            row.3 = format!("printed at {}; only end spaces differ", format_time(row.1));
        }
    }
}

/// What a program that printed only expected lines, at their times, printed
/// before it hung: the last lines, which lead up to where it stopped.
pub fn render_printed(printed: &Lines) -> String {
    let mut out =
        String::from("  time     line (each as expected; then it printed nothing more)\n");
    let hidden = printed.len().saturating_sub(MAX_ROWS);
    if hidden > 0 {
        let _ = writeln!(out, "  ... {hidden} lines before these");
    }
    let rows: Vec<(u64, String)> = printed[hidden..]
        .iter()
        .map(|(at, text)| (*at, shown(text)))
        .collect();
    out += &legend(rows.iter().map(|(_, text)| text.as_str()));
    for (at, text) in rows {
        let _ = writeln!(out, "  {:>7}  {text}", format_time(at));
    }
    out
}

/// `text` in pieces of at most `width` characters, broken after a space where
/// there is one.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > width {
        // After the last space, or at `width` if the piece has none.
        let cut = match rest[..=width].iter().rposition(|c| *c == ' ') {
            Some(space) if space > 0 => space + 1,
            _ => width,
        };
        let piece: String = rest.drain(..cut).collect();
        pieces.push(piece.trim_end().to_owned());
    }
    pieces.push(rest.into_iter().collect());
    pieces
}

/// A line printed in another order comes out of the text diff twice, missing
/// where it was expected and unexpected where it was printed: it becomes one
/// row where it was printed, marked only if its time is wrong.
fn pair_moved_lines(rows: &mut Vec<Row<'_>>) {
    let mut index = 0;
    while index < rows.len() {
        let (mark, printed_at, text, _) = rows[index];
        let missing = rows.iter().position(|row| row.0 == '-' && row.2 == text);
        if let (true, Some(missing)) = (mark == '+', missing) {
            rows[index] = printed_row(text, rows[missing].1, printed_at);
            rows.remove(missing);
            if missing < index {
                continue; // `index` is already the next row.
            }
        }
        index += 1;
    }
}

/// A printed line: unmarked at its expected time, `~` with both times if not.
fn printed_row(text: &str, expected_at: u64, printed_at: u64) -> Row<'_> {
    if expected_at == printed_at {
        return (' ', printed_at, text, String::new());
    }
    let (want, got) = (format_time(expected_at), format_time(printed_at));
    (
        '~',
        printed_at,
        text,
        format!("expected at {want}, printed at {got}"),
    )
}

/// Seconds with as few decimals as needed, at least one: `2.0s`, `0.25s`.
pub fn format_time(ms: u64) -> String {
    let (secs, frac) = (ms / 1000, ms % 1000);
    if frac % 100 == 0 {
        format!("{secs}.{}s", frac / 100)
    } else if frac % 10 == 0 {
        format!("{secs}.{:02}s", frac / 10)
    } else {
        format!("{secs}.{frac:03}s")
    }
}

/// Parses what [`format_time`] writes, exactly (no floating point).
fn parse_time(text: &str) -> Option<u64> {
    let number = text.strip_suffix('s')?;
    let (secs, frac) = number.split_once('.').unwrap_or((number, ""));
    if secs.is_empty() || frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_ms: u64 = format!("{frac:0<3}").parse().ok()?;
    secs.parse::<u64>()
        .ok()?
        .checked_mul(1000)?
        .checked_add(frac_ms)
}

/// Parses an expected-output file: each line is `<time> <text>`.
pub fn parse_expected(text: &str) -> Result<Vec<(u64, String)>, String> {
    text.lines()
        .enumerate()
        .map(|(index, line)| {
            let (time, text) = line.split_once(' ').unwrap_or((line, ""));
            let at = parse_time(time)
                .ok_or_else(|| format!("line {}: `{time}` is not a time like 2.0s", index + 1))?;
            Ok((at, text.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(u64, String)> {
        parse_expected(text).unwrap()
    }

    #[test]
    fn times_round_trip() {
        for ms in [0, 100, 250, 1125, 6000, 60_001] {
            assert_eq!(parse_time(&format_time(ms)), Some(ms), "{ms}");
        }
        assert_eq!(
            (format_time(2000), format_time(250)),
            ("2.0s".into(), "0.25s".into())
        );
        assert_eq!(parse_time("2s"), Some(2000));
        for bad in ["2.0", "1.2345s", ".5s"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_line_shows_when_it_was_printed_and_if_wrong_when_it_was_expected() {
        let expected = lines("0.0s a\n1.0s b\n2.0s done\n");
        assert_eq!(render(&expected, &expected), None);
        let printed = lines("0.0s a\n0.5s c\n6.0s done\n");
        assert_eq!(
            render(&expected, &printed).unwrap(),
            "  time     line (~ printed at the wrong time, - missing, + not expected)\n     \
             0.0s  a\n-    1.0s  b     expected at 1.0s, not printed\n+    0.5s  c     printed \
             at 0.5s, not expected\n~    6.0s  done  expected at 2.0s, printed at 6.0s\n"
        );
    }

    /// The README's `three_downloads` walk-through: each line shows once,
    /// where it was printed, though it came in another order.
    #[test]
    fn a_line_printed_in_another_order_shows_once_with_its_times() {
        let expected = lines(
            "0.0s downloading a.txt\n0.0s downloading b.txt\n0.0s downloading c.txt\n1.0s c.txt \
             done\n1.5s b.txt done\n2.0s a.txt done\n",
        );
        let printed = lines(
            "0.0s downloading a.txt\n2.0s a.txt done\n2.0s downloading b.txt\n3.5s b.txt \
             done\n3.5s downloading c.txt\n4.5s c.txt done\n",
        );
        assert_eq!(
            render(&expected, &printed).unwrap(),
            "  time     line (~ printed at the wrong time, - missing, + not expected)
     0.0s  downloading a.txt
     2.0s  a.txt done
~    2.0s  downloading b.txt  expected at 0.0s, printed at 2.0s
~    3.5s  b.txt done         expected at 1.5s, printed at 3.5s
~    3.5s  downloading c.txt  expected at 0.0s, printed at 3.5s
~    4.5s  c.txt done         expected at 1.0s, printed at 4.5s
"
        );
    }

    /// `World ` for `World`: without a mark the two rows would look the same.
    #[test]
    fn whitespace_at_the_end_of_a_line_is_shown() {
        let expected = lines("0.0s Hello\n1.0s World\n");
        let printed = [(0, "Hello".to_owned()), (1000, "World ".to_owned())];
        assert_eq!(
            render(&expected, &printed).unwrap(),
            "  time     line (~ printed at the wrong time, - missing, + not expected)
  (· is a space at the end of a line)
     0.0s  Hello
-    1.0s  World   expected at 1.0s, not printed
+    1.0s  World·  printed at 1.0s; only end spaces differ
"
        );
        let printed = [(0, "Hello\t".to_owned()), (1000, "World".to_owned())];
        assert!(
            render(&expected, &printed)
                .unwrap()
                .contains("+    0.0s  Hello\\t")
        );
        assert_eq!(
            render_printed(&[(0, "a  ".to_owned())]),
            "  time     line (each as expected; then it printed nothing more)
  (· is a space at the end of a line)
     0.0s  a··
"
        );
    }

    /// A runaway line shows only its start.
    #[test]
    fn a_line_of_megabytes_shows_its_start() {
        let long = "x".repeat(5000);
        let diff = render(&lines("0.0s a\n"), &[(0, long)]).unwrap();
        assert!(diff.contains("xxx... (4760 more\n"), "{diff}");
        assert!(diff.lines().count() < 15, "{diff}");
    }

    /// One long line, such as a printed `JoinError`, is wrapped in the text
    /// column, and the other rows keep to the report's width.
    #[test]
    fn a_long_line_is_wrapped_and_pads_no_other_row() {
        let long = "the task failed: JoinError::Panic(Id(2), \"not yet implemented\")";
        let printed = [(0, "Hello".to_owned()), (1000, long.to_owned())];
        assert_eq!(
            render(&lines("0.0s Hello\n1.0s World\n"), &printed).unwrap(),
            "  time     line (~ printed at the wrong time, - missing, + not expected)
     0.0s  Hello
-    1.0s  World                             expected at 1.0s, not printed
+    1.0s  the task failed:                  printed at 1.0s, not expected
           JoinError::Panic(Id(2), \"not yet
           implemented\")
"
        );
    }
}
