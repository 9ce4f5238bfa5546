//! `docs/seed-map.tsv`: which example translates each Python block of the
//! guides. Strict: every bad row is an error with its line number.

use std::collections::BTreeSet;

use crate::Error;
use crate::tsv;
use crate::workspace::Workspace;

pub const COLUMNS: [&str; 4] = ["block", "section", "example", "note"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// Its line in `docs/seed-map.tsv`.
    pub line: usize,
    /// `003/14`: guide 003, block 14.
    pub block: String,
    pub section: String,
    pub example: String,
    /// Where the Rust departs from the guide, and why.
    pub note: String,
}

/// The seed map, each row naming an example (`is_example(section, name)`).
pub fn load(
    workspace: &Workspace,
    is_example: impl Fn(&str, &str) -> bool,
) -> Result<Vec<Mapping>, Error> {
    let path = workspace.root().join("docs").join("seed-map.tsv");
    let text =
        std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    parse(&text, is_example)
        .map_err(|problems| format!("{}:\n{}", path.display(), problems.join("\n")).into())
}

pub fn parse(
    text: &str,
    is_example: impl Fn(&str, &str) -> bool,
) -> Result<Vec<Mapping>, Vec<String>> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut mappings = Vec::new();
    for row in tsv::rows(text, &COLUMNS) {
        let Ok(row) = row.map_err(|problem| problems.push(problem)) else {
            continue;
        };
        let number = row.line;
        let [block, section, example, note] = row.fields[..] else {
            continue;
        };
        if !is_block_id(block.as_bytes()) {
            problems.push(format!(
                "line {number}: `{block}` is not a block id like 003/14"
            ));
        }
        if !seen.insert((block, section, example)) {
            problems.push(format!(
                "line {number}: {block} -> {section}/{example} is listed twice"
            ));
        }
        if !is_example(section, example) {
            problems.push(format!(
                "line {number}: {block} -> {section}/{example} is not an example"
            ));
        }
        mappings.push(Mapping {
            line: number,
            block: block.to_owned(),
            section: section.to_owned(),
            example: example.to_owned(),
            note: note.to_owned(),
        });
    }
    if mappings.is_empty() {
        problems.push("it maps nothing".to_owned());
    }
    if problems.is_empty() {
        Ok(mappings)
    } else {
        Err(problems)
    }
}

/// `003/14`: three digits, a slash, two digits.
pub(super) fn is_block_id(bytes: &[u8]) -> bool {
    bytes.len() == 6
        && bytes[3] == b'/'
        && bytes[..3].iter().chain(&bytes[4..]).all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "block\tsection\texample\tnote\n003/14\tbasics\thello\tSame.\n";

    #[test]
    fn a_good_map_parses() {
        let mappings = parse(GOOD, |_, _| true).unwrap();
        assert_eq!(mappings[0].block, "003/14");
        assert_eq!(mappings[0].note, "Same.");
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let text = "block\tsection\texample\tnote\n\
                    3/14\tbasics\thello\tx\n\
                    003/15\tbasics\tgone\tx\n\
                    003/16\tbasics\n\
                    003/18\tbasics\thello\tx\n\
                    003/18\tbasics\thello\ty\n";
        let problems = parse(text, |_, example| example == "hello").unwrap_err();
        assert_eq!(
            problems,
            [
                "line 2: `3/14` is not a block id like 003/14",
                "line 3: 003/15 -> basics/gone is not an example",
                "line 4: expected 4 tab-separated fields (block, section, example, note), found 2",
                "line 6: 003/18 -> basics/hello is listed twice",
            ]
        );
    }

    #[test]
    fn a_wrong_header_is_an_error() {
        assert!(parse("id\tsection\texample\tnote\n003/14\tb\te\tn\n", |_, _| true).is_err());
    }
}
