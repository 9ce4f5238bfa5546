//! `docs/seed-map.tsv` maps every Python block of the guides to an example.
//! Each row must point at an example that exists and has a golden file, so
//! the map cannot drift from the code. (Whether every block is mapped is
//! checked against the guides themselves by `../shared/tools/seed-coverage`.)

use std::collections::BTreeSet;
use std::fs;

use xtask::workspace::Workspace;

#[test]
fn every_row_names_an_existing_example_with_a_golden_file() {
    let workspace = Workspace::locate();
    let path = workspace.root().join("docs").join("seed-map.tsv");
    let text =
        fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("block\tsection\texample\tnote"),
        "header of {}",
        path.display()
    );

    let mut problems = Vec::new();
    let mut rows = BTreeSet::new();
    for (number, line) in lines.enumerate().map(|(index, line)| (index + 2, line)) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [block, section, example, _note] = fields[..] else {
            problems.push(format!(
                "line {number}: expected 4 tab-separated fields, found {}",
                fields.len()
            ));
            continue;
        };
        let is_block_id = block.len() == 6
            && block.as_bytes()[3] == b'/'
            && block
                .chars()
                .enumerate()
                .all(|(i, c)| i == 3 || c.is_ascii_digit());
        if !is_block_id {
            problems.push(format!(
                "line {number}: `{block}` is not a block id like 003/14"
            ));
        }
        if !rows.insert((block, section, example)) {
            problems.push(format!(
                "line {number}: {block} -> {section}/{example} is listed twice"
            ));
        }
        let source = workspace
            .root()
            .join("crates")
            .join(section)
            .join("src")
            .join(format!("{example}.rs"));
        if !source.is_file() {
            problems.push(format!(
                "line {number}: {block} -> {} does not exist",
                source.display()
            ));
        }
        let golden = xtask::golden::path(&workspace.golden_root(), section, example);
        if !golden.is_file() {
            problems.push(format!(
                "line {number}: {block} -> {} does not exist",
                golden.display()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{}:\n{}",
        path.display(),
        problems.join("\n")
    );
    assert!(!rows.is_empty(), "{} maps nothing", path.display());
}
