//! The drift check's durations: a time typed in prose beside an example
//! ("gives up after 2 s", "0.5, 0.6 and 0.7 s") must be one that the
//! example's code writes (`Duration::from_secs(2)`, outside its tests and
//! comments) or its golden stdout prints (`[2.00s]`), so that a page restating
//! a time cannot outlive a change to it. A time the code computes (`500 +
//! 100 * i` ms) is quoted from the file or the run instead (`{{#quote
//! FILE:REGEX}}`), or not given. Only the value is checked: a page whose
//! time is still written elsewhere in the example passes.
//!
//! A time the guide's Python takes is no claim about the example: one in a
//! sentence that speaks of the guide, Python or asyncio (the words, in any
//! case, back to the last `.`, `;`, `!` or `?`, or the table cell's edge) is
//! not checked. Prose writes a time with a space, `2 s` (`429s` is a
//! plural); what is in backticks, a link's target and a quote are not prose.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use rust_reader::{Source, TokenTree};

/// A time, in microseconds.
pub(super) type Micros = u64;

/// The `Duration` constructors whose literal argument is a time, and how
/// many microseconds its unit is.
const CONSTRUCTORS: [(&str, f64); 5] = [
    ("from_secs", 1_000_000.0),
    ("from_secs_f64", 1_000_000.0),
    ("from_secs_f32", 1_000_000.0),
    ("from_millis", 1_000.0),
    ("from_micros", 1.0),
];

/// `0.50s`, `2.0 s`, `300ms`, as a run prints them.
static IN_OUTPUT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([0-9]+(?:\.[0-9]+)?) ?(ms|µs|s)\b").expect("a valid regex"));

/// A number as prose writes it: `1,000`, `0.5`, `64`.
const NUMBER: &str = r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:\.[0-9]+)?";

static A_NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(NUMBER).expect("a valid regex"));

/// A time in prose, or a list of them with one unit: `2 s`, `300 ms`,
/// `0.5, 0.6 and 0.7 s`, `0.2 to 0.8 s`, `2-second`.
static IN_PROSE: LazyLock<Regex> = LazyLock::new(|| {
    let list = format!(
        r"(?:^|[^\w.`/-])((?:(?:{NUMBER})(?:, | and | or | to |–))*(?:{NUMBER}))[ -](ms|µs|s|seconds?|milliseconds?)\b"
    );
    Regex::new(&list).expect("a valid regex")
});

/// The words that make a sentence the guide's, not the example's, in any
/// case: "the guide's", "the guides", "Python's", "Asyncio".
static THE_GUIDES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:guides?|guide's|python|asyncio)\b").expect("a valid regex")
});

/// The times `file`, an example's, writes as a `Duration` with a literal
/// (`Duration::from_millis(1_500)`), outside its tests: a comment, a string
/// or a test's time says nothing of what the example does.
pub(super) fn in_code(file: &Source) -> BTreeSet<Micros> {
    let mut times = BTreeSet::new();
    for item in file.items().iter().filter(|item| !item.is_test_only()) {
        rust_reader::each(&item.tokens, &mut |tokens, at| {
            let TokenTree::Ident(name) = &tokens[at] else {
                return;
            };
            let Some((_, unit)) = CONSTRUCTORS.iter().find(|(known, _)| name == known) else {
                return;
            };
            let Some(TokenTree::Group(arguments)) = tokens.get(at + 1) else {
                return;
            };
            if let [TokenTree::Literal(literal)] = &rust_reader::trees(arguments)[..]
                && let Some(time) = micros(&literal.to_string().replace('_', ""), *unit)
            {
                times.insert(time);
            }
        });
    }
    times
}

/// The times a golden file prints.
pub(super) fn in_output(text: &str) -> impl Iterator<Item = Micros> + '_ {
    IN_OUTPUT
        .captures_iter(text)
        .filter_map(|found| micros(&found[1], unit(&found[2])))
}

/// A time typed in prose.
#[derive(Debug)]
pub(super) struct Typed<'a> {
    /// Where it starts in the text.
    pub(super) at: usize,
    /// As written: `0.7 s`, or a number of a list and the list's unit.
    pub(super) said: String,
    /// What it says, in microseconds.
    pub(super) micros: Micros,
    /// The text it was found in, for the line.
    text: &'a str,
}

impl Typed<'_> {
    /// The line of the text it is on, from 0.
    pub(super) fn line(&self) -> usize {
        self.text[..self.at].matches('\n').count()
    }
}

/// The times `text` types in prose, but for the guide's ([`THE_GUIDES`]).
pub(super) fn typed(text: &str) -> Vec<Typed<'_>> {
    let prose = prose_only(text);
    let mut found = Vec::new();
    for captures in IN_PROSE.captures_iter(&prose) {
        let (Some(list), Some(unit_text)) = (captures.get(1), captures.get(2)) else {
            continue;
        };
        if the_guides(&prose[..list.start()], &prose[list.end()..]) {
            continue;
        }
        let scale = unit(unit_text.as_str());
        for number in A_NUMBER.find_iter(list.as_str()) {
            let Some(micros) = micros(&number.as_str().replace(',', ""), scale) else {
                continue;
            };
            found.push(Typed {
                at: list.start() + number.start(),
                said: format!("{} {}", number.as_str(), unit_text.as_str()),
                micros,
                text,
            });
        }
    }
    found
}

/// `text` with what is not prose blanked out, byte for byte: code in
/// backticks, a quote or include (`{{#quote ...}}`), a link's target.
fn prose_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['`', '{', ']']) {
        out.push_str(&rest[..at]);
        let (open, close) = match rest.as_bytes()[at] {
            b'`' => ("`", "`"),
            b'{' if rest[at..].starts_with("{{#") => ("{{#", "}}"),
            b']' if rest[at..].starts_with("](") => ("](", ")"),
            _ => {
                out.push_str(&rest[at..at + 1]);
                rest = &rest[at + 1..];
                continue;
            }
        };
        let end = rest[at + open.len()..]
            .find(close)
            .map_or(rest.len(), |found| at + open.len() + found + close.len());
        for c in rest[at..end].chars() {
            match c {
                '\n' => out.push('\n'),
                // Byte for byte: a wide character becomes as many spaces.
                _ => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Whether the sentence that `before` ends or `after` goes on speaks of the
/// guide ([`THE_GUIDES`]).
fn the_guides(before: &str, after: &str) -> bool {
    let ends = |text: &str, at: usize| {
        text[at + 1..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace)
            // "e.g. 8 s" and "i.e. the same" go on.
            && !text[..at].ends_with("e.g")
            && !text[..at].ends_with("i.e")
    };
    let start = before
        .rmatch_indices(['.', ';', '!', '?', '|'])
        .find(|&(at, _)| ends(before, at))
        .map_or(0, |(at, _)| at + 1);
    let end = after
        .match_indices(['.', ';', '!', '?', '|'])
        .find(|&(at, _)| ends(after, at))
        .map_or(after.len(), |(at, _)| at);
    THE_GUIDES.is_match(&before[start..]) || THE_GUIDES.is_match(&after[..end])
}

/// How many microseconds a unit is.
fn unit(unit: &str) -> f64 {
    match unit {
        "ms" | "millisecond" | "milliseconds" => 1_000.0,
        "µs" => 1.0,
        _ => 1_000_000.0,
    }
}

fn micros(number: &str, unit: f64) -> Option<Micros> {
    let value: f64 = number.parse().ok()?;
    Some((value * unit).round() as Micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> Vec<String> {
        typed(text).into_iter().map(|typed| typed.said).collect()
    }

    #[test]
    fn times_in_prose_are_read_with_lists_and_thousands() {
        assert_eq!(said("It gives up after 2 s."), ["2 s"]);
        assert_eq!(
            said("tasks of 0.5, 0.6 and 0.7 s"),
            ["0.5 s", "0.6 s", "0.7 s"]
        );
        assert_eq!(
            said("0.2 to 0.8 s an item, a 2-second download"),
            ["0.2 s", "0.8 s", "2 second"]
        );
        assert_eq!(
            said("1,000 ms, 1.5 seconds, 300 milliseconds"),
            ["1,000 ms", "1.5 seconds", "300 milliseconds"]
        );
        // Not times: a version, a path, code, a quote, a link's target, a word.
        let not_times = "`2 s` {{#quote a.rs:(\\d+) s}} [x](a/2 s.md) 2 steps v1.5 s";
        assert!(said(not_times).is_empty(), "{:?}", said(not_times));
    }

    #[test]
    fn a_time_of_the_guides_is_not_a_claim() {
        assert_eq!(
            said("Steps take 100 ms where the guide's take 500 ms"),
            Vec::<String>::new()
        );
        assert!(said("the guide's `UnsafeCounter` is `Counter`, its 0.01 s sleep").is_empty());
        assert_eq!(said("The guide waits 1 s; here it waits 2 s."), ["2 s"]);
        assert!(said("In Python, a 1 s wait_for returned after 1.31 s").is_empty());
        // The whole sentence, in any case, past a colon and "e.g.".
        assert!(said("The guide's `acquire`: ten calls in 0.5 s").is_empty());
        assert!(said("Asyncio's own `wait_for` gives up after 7 s.").is_empty());
        assert!(said("In the guide, e.g. 8 s for the slow one.").is_empty());
        assert!(said("Its limit is 11 s in the guide's version.").is_empty());
        // A word that only starts like one is not.
        assert_eq!(said("By our guidelines the limit is 13 s."), ["13 s"]);
    }

    #[test]
    fn a_number_glued_to_an_s_is_a_plural() {
        assert!(said("Spawning 1000s of tasks is cheap; a server answers 429s.").is_empty());
    }

    #[test]
    fn an_example_has_the_times_its_code_writes_and_its_output_prints() {
        let source = "//! Gives up after `Duration::from_secs(9)`.\n\
                      const T: Duration = Duration::from_millis(1_500);\n\
                      // Not `from_secs(8)`.\n\
                      fn f() { sleep(Duration::from_secs(2)); Duration::from_secs_f64(0.25); }\n\
                      fn g() { let s = \"from_secs(7)\"; Duration::from_secs(LIMIT); }\n\
                      #[cfg(test)]\nmod tests { fn t() { Duration::from_secs(6); } }";
        let file = Source::parse(source).unwrap();
        let mut had = in_code(&file);
        had.extend(in_output("[0.50s] done\ntook 300ms"));
        assert_eq!(
            had,
            [250_000, 300_000, 500_000, 1_500_000, 2_000_000].into()
        );
    }
}
