//! The text form of `--line-instants`: a line for each line the run wrote
//! to stdout, the instant of its example's clock at which it was written
//! (microseconds), a tab, then the line.

use std::time::Duration;

/// The file's line for `line`, written at `at`.
pub fn line(at: Duration, line: &str) -> String {
    format!("{}\t{line}\n", at.as_micros())
}

/// Each line with its instant, in the order written.
pub fn parse(text: &str) -> Result<Vec<(Duration, &str)>, String> {
    // Not `lines()`, which would take a `\r` the run wrote for part of a newline.
    text.split_terminator('\n')
        .enumerate()
        .map(|(index, line)| {
            let (at, written) = line
                .split_once('\t')
                .ok_or_else(|| format!("line {}: no tab after the instant", index + 1))?;
            let micros = at
                .parse()
                .map_err(|_| format!("line {}: {at:?} is no count of microseconds", index + 1))?;
            Ok((Duration::from_micros(micros), written))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_tabs_reads_back_as_written() {
        let written = line(Duration::from_millis(1500), "a\tb") + &line(Duration::ZERO, "");
        assert_eq!(
            parse(&written),
            Ok(vec![
                (Duration::from_millis(1500), "a\tb"),
                (Duration::ZERO, "")
            ])
        );
        assert!(parse("1.5\tx").unwrap_err().contains("line 1"));
        assert!(parse("15").unwrap_err().contains("no tab"));
    }
}
