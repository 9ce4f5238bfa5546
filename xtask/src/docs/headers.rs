//! `docs --check`'s limit on the examples' headers, which teach one idea each
//! and link a page of the book for the detail: an example's `//!` lines
//! (blank ones too) are at most [`MOST_LINES`], and their median over all
//! the examples is at most [`MEDIAN_LINES`]. A file that does not start with
//! its header has none, and the book would list it with an empty summary.

use std::fmt;

use protocol::Header;

/// The most `//!` lines one example's header may have.
const MOST_LINES: usize = 25;

/// The most `//!` lines the examples' median header may have.
const MEDIAN_LINES: usize = 12;

/// How long an example's header is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HeaderLength {
    pub(super) section: String,
    pub(super) example: String,
    /// Its `//!` lines, blank ones included.
    pub(super) lines: usize,
}

impl HeaderLength {
    /// The header of `source`, as [`Header::parse`] reads it.
    pub(super) fn measure(section: &str, example: &str, source: &str) -> HeaderLength {
        HeaderLength {
            section: section.to_owned(),
            example: example.to_owned(),
            lines: Header::parse(source).lines,
        }
    }

    fn file(&self) -> String {
        format!("crates/{}/src/{}.rs", self.section, self.example)
    }
}

/// The headers past [`MOST_LINES`], a line each, and the median if it is
/// past [`MEDIAN_LINES`], with every header longer than that.
pub(super) fn problems(headers: &[HeaderLength]) -> Vec<String> {
    let mut problems = Vec::new();
    for header in headers {
        if header.lines == 0 {
            problems.push(format!(
                "{}: it does not start with its `//!` header, whose first paragraph is the \
                 summary the book lists it with",
                header.file()
            ));
        }
        if header.lines > MOST_LINES {
            problems.push(format!(
                "{}: its header has {} `//!` lines, past {MOST_LINES}: keep what it shows and \
                 how Rust differs, and move the detail to the book's page it links",
                header.file(),
                header.lines
            ));
        }
    }
    let Some(median) = Median::of(headers) else {
        return problems;
    };
    if median.is_past(MEDIAN_LINES) {
        let mut longer: Vec<&HeaderLength> = headers
            .iter()
            .filter(|header| header.lines > MEDIAN_LINES)
            .collect();
        longer.sort_by(|a, b| b.lines.cmp(&a.lines).then_with(|| a.file().cmp(&b.file())));
        let listed: Vec<String> = longer
            .iter()
            .map(|header| format!("{} ({})", header.file(), header.lines))
            .collect();
        problems.push(format!(
            "the examples' headers have a median of {median} `//!` lines, past {MEDIAN_LINES}; \
             {} of {} are longer: {}",
            longer.len(),
            headers.len(),
            listed.join(", ")
        ));
    }
    problems
}

/// A median of whole lines, kept doubled so that the mean of the middle two
/// of an even count stays exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Median {
    doubled: usize,
}

impl Median {
    fn of(headers: &[HeaderLength]) -> Option<Median> {
        let mut lines: Vec<usize> = headers.iter().map(|header| header.lines).collect();
        if lines.is_empty() {
            return None;
        }
        lines.sort_unstable();
        let middle = lines.len() / 2;
        let doubled = if lines.len().is_multiple_of(2) {
            lines[middle - 1] + lines[middle]
        } else {
            2 * lines[middle]
        };
        Some(Median { doubled })
    }

    fn is_past(self, limit: usize) -> bool {
        self.doubled > 2 * limit
    }
}

impl fmt::Display for Median {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.doubled / 2;
        if self.doubled.is_multiple_of(2) {
            write!(f, "{whole}")
        } else {
            write!(f, "{whole}.5")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(example: &str, lines: usize) -> HeaderLength {
        HeaderLength {
            section: "basics".to_owned(),
            example: example.to_owned(),
            lines,
        }
    }

    #[test]
    fn a_header_is_its_leading_doc_lines_blank_ones_included() {
        let source = "//! Summary.\n//!\n//! What it shows.\n\n//! not the header\nfn main() {}\n";
        assert_eq!(HeaderLength::measure("basics", "a", source).lines, 3);
        assert_eq!(
            HeaderLength::measure("basics", "a", "fn main() {}\n").lines,
            0
        );
    }

    #[test]
    fn a_header_past_the_most_lines_or_none_is_reported_with_its_file() {
        let headers = [
            header("short", 3),
            header("at_most", MOST_LINES),
            header("long", MOST_LINES + 1),
            header("shorter", 1),
            header("none", 0),
        ];
        assert_eq!(
            problems(&headers),
            [
                format!(
                    "crates/basics/src/long.rs: its header has {} `//!` lines, past \
                     {MOST_LINES}: keep what it shows and how Rust differs, and move the detail \
                     to the book's page it links",
                    MOST_LINES + 1
                ),
                "crates/basics/src/none.rs: it does not start with its `//!` header, whose \
                 first paragraph is the summary the book lists it with"
                    .to_owned(),
            ]
        );
    }

    #[test]
    fn a_median_past_the_limit_lists_every_longer_header_longest_first() {
        let within = [header("a", 2), header("b", MEDIAN_LINES), header("c", 20)];
        assert_eq!(problems(&within), Vec::<String>::new());
        let past = [
            header("a", 2),
            header("b", MEDIAN_LINES + 1),
            header("c", MEDIAN_LINES + 5),
        ];
        assert_eq!(
            problems(&past),
            [format!(
                "the examples' headers have a median of 13 `//!` lines, past {MEDIAN_LINES}; \
                 2 of 3 are longer: crates/basics/src/c.rs (17), crates/basics/src/b.rs (13)"
            )]
        );
    }

    #[test]
    fn an_even_count_has_the_mean_of_its_middle_two_as_median() {
        let headers = [
            header("a", 1),
            header("b", MEDIAN_LINES),
            header("c", MEDIAN_LINES + 1),
            header("d", MEDIAN_LINES + 1),
        ];
        let median = Median::of(&headers).expect("four headers");
        assert_eq!(median.to_string(), "12.5");
        assert!(median.is_past(MEDIAN_LINES));
        assert_eq!(Median::of(&[]), None);
    }
}
