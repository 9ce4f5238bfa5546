//! `docs/seed-map.tsv` maps every Python block of the guides to an example.
//! It must read cleanly with the one loader the book uses too, and each row
//! must point at an example the section binaries list and that has a golden
//! file, so the map cannot drift from the code. (Whether every block is
//! mapped is checked against the guides themselves by
//! `../shared/tools/seed-coverage`.)

use xtask::workspace::Workspace;

#[test]
fn every_row_names_a_listed_example_with_a_golden_file() {
    let workspace = Workspace::locate();
    let mut examples = Vec::new();
    for name in workspace.section_names().expect("the sections") {
        let section = crate::support::built_section(&name);
        for listed in section.list().expect("the section's listing") {
            examples.push((name.clone(), listed.name));
        }
    }
    let mappings = xtask::docs::seed_map::load(&workspace, |section, example| {
        examples.iter().any(|(s, e)| s == section && e == example)
    })
    .unwrap_or_else(|error| panic!("{error}"));
    for mapping in &mappings {
        let golden = xtask::golden::path(
            &workspace.golden_root(),
            &mapping.section,
            &mapping.example,
            "stdout",
        );
        assert!(
            golden.is_file(),
            "{} -> {}/{}: no golden file {}",
            mapping.block,
            mapping.section,
            mapping.example,
            golden.display()
        );
    }
}
