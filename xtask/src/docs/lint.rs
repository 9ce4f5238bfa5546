//! `cargo xtask docs --check`: generated pages missing, stale or left over,
//! includes of no file, ragged tables, the maintainers' words on a learner's
//! page, an asyncio API without a row in the cheat sheet, a name in backticks
//! that a page (the cheat sheet, the errata, the seed map, a topic) gives an
//! example without its code having it ([`drift`](super::drift)), an example's header too long
//! ([`headers`](super::headers)), a stale README, or one whose table of
//! compile-fail programs is not the directory's.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::blocks::{Built, unbuilt};
use super::generate::{files_under, generated_files, on_disk, text_pages, unresolved};
use super::readme::with_generated_parts;
use super::sources::Sources;
use super::{Book, CONTRIBUTING, CONTRIBUTOR_DIR, HANDWRITTEN, Page, docs_src, read};
use crate::Error;
use crate::workspace::Workspace;

/// Everything wrong with the book on disk, a line each.
pub fn check(workspace: &Workspace, book: &Book) -> Result<Vec<String>, Error> {
    let root = docs_src(workspace);
    let mut problems = stale_pages(&root, &book.files);
    problems.extend(leftover_pages(&root, book)?);
    problems.extend(text(workspace, &root, &book.sources)?);
    problems.extend(learner_pages_and_readme(workspace, &root, book)?);
    Ok(problems)
}

/// What `docs --check --text` finds wrong, reading only text: no example is
/// built or run. The pages it regenerates are those no run makes
/// ([`text_pages`]), and their blocks, the hand-written pages' and the
/// README's and the concepts' explanations are checked against the exports
/// planned from the files; the examples' pages, their charts, the concepts
/// page and the README's generated parts wait for `--check`.
pub fn check_text(workspace: &Workspace) -> Result<Vec<String>, Error> {
    let root = docs_src(workspace);
    let bridge = super::bridge::BridgeDoc::read(workspace)?;
    let sources = Sources::read(workspace, &bridge)?;
    let pages = text_pages(workspace, &sources)?;
    let mut problems = stale_pages(&root, &pages);
    problems.extend(text(workspace, &root, &sources)?);
    let built = Built::read(workspace.root(), &sources.exported)?;
    for (page, text) in &pages {
        if !page.starts_with(CONTRIBUTOR_DIR) {
            problems.extend(learner_page(&root, page, text, &built));
        }
    }
    for Page { path, .. } in HANDWRITTEN {
        // A missing one is `handwritten_pages`' to report.
        if let Ok(text) = fs::read_to_string(root.join(path)) {
            problems.extend(learner_page(&root, Path::new(path), &text, &built));
        }
    }
    // The concepts page needs every section's code; the explanations it
    // shows whole, blocks and all, need none.
    let concepts = super::concepts::Concepts::read(workspace.root())?;
    for (path, text) in concepts.explanations(workspace.root())? {
        problems.extend(contributor_language(&path, &text));
        problems.extend(unbuilt(&path, &text, &built));
    }
    let readme = read(&workspace.root().join("README.md"))?;
    problems.extend(readme_words_and_blocks(&readme, &built));
    Ok(problems)
}

/// The checks of text: the pages written by hand, the cheat sheet's rows,
/// the names the pages give the examples, the examples' headers and the
/// crates' versions written by hand.
fn text(workspace: &Workspace, root: &Path, sources: &Sources) -> Result<Vec<String>, Error> {
    let mut problems = handwritten_pages(root);
    problems.extend(cheat_sheet_gaps(workspace)?);
    problems.extend(drift(workspace, root, sources)?);
    problems.extend(super::headers::problems(&sources.headers));
    problems.extend(super::crate_facts::problems(workspace)?);
    let readme = read(&workspace.root().join("README.md"))?;
    problems.extend(super::readme::with_quotes(root, &readme).1);
    Ok(problems)
}

/// The generated pages of `files` missing or stale, and their includes and
/// quotes that write out nothing.
fn stale_pages(root: &Path, files: &BTreeMap<PathBuf, String>) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, text) in files {
        let text = on_disk(root, path, text);
        match fs::read_to_string(root.join(path)) {
            Ok(existing) if existing == text => {}
            Ok(_) => problems.push(format!("docs/src/{} is stale", path.display())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                problems.push(format!("docs/src/{} is missing", path.display()));
            }
            Err(error) => problems.push(format!("docs/src/{}: {error}", path.display())),
        }
        problems.extend(unresolved(root, path, &text));
    }
    problems
}

/// The generated pages on disk that the book no longer has.
fn leftover_pages(root: &Path, book: &Book) -> Result<Vec<String>, Error> {
    let mut problems = Vec::new();
    for path in generated_files(root)? {
        if !book.files.contains_key(&path) {
            problems.push(format!(
                "docs/src/{} was generated for an example that is gone",
                path.display()
            ));
        }
    }
    Ok(problems)
}

/// The pages written by hand missing, with includes or ragged tables.
fn handwritten_pages(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for Page { path, .. } in HANDWRITTEN
        .into_iter()
        .chain([CONTRIBUTING, super::bridge::RECIPE])
    {
        match fs::read_to_string(root.join(path)) {
            Ok(text) => {
                problems.extend(includes_by_hand(Path::new(path), &text));
                problems.extend(ragged_tables(Path::new(path), &text));
            }
            Err(_) => problems.push(format!("docs/src/{path} is missing")),
        }
    }
    problems
}

/// A name in backticks that a page, a topic or the seed map gives an
/// example whose code lacks it ([`drift`](super::drift)).
fn drift(workspace: &Workspace, root: &Path, sources: &Sources) -> Result<Vec<String>, Error> {
    let mut problems = Vec::new();
    for page in super::drift::PAGES {
        let text = read(&root.join(page))?;
        problems.extend(super::drift::page(page, &text, &sources.examples));
    }
    for topic in &sources.topics {
        if let Some(text) = &topic.introduction {
            let page = format!("{}.md", topic.id);
            problems.extend(super::drift::topic(&page, text, &sources.examples));
        }
    }
    let mappings = super::seed_map::load(workspace, |section, example| {
        sources
            .examples
            .contains_key(&format!("{section}/{example}"))
    })?;
    problems.extend(super::drift::notes(&mappings, &sources.examples));
    problems.extend(super::drift::headers(&sources.examples));
    Ok(problems)
}

/// The maintainers' words or an unbuilt block on a learner's page or the
/// README, and a README whose compile-fail table or generated parts are
/// stale.
fn learner_pages_and_readme(
    workspace: &Workspace,
    root: &Path,
    book: &Book,
) -> Result<Vec<String>, Error> {
    let mut problems = Vec::new();
    let built = Built::read(workspace.root(), &book.sources.exported)?;
    for (page, text) in learner_pages(root, book)? {
        problems.extend(learner_page(root, &page, &text, &built));
    }
    let readme = read(&workspace.root().join("README.md"))?;
    problems.extend(readme_words_and_blocks(&readme, &built));
    problems.extend(compile_fail_table(workspace, &readme)?);
    match with_generated_parts(&readme, book) {
        Ok(updated) if updated == readme => {}
        Ok(_) => problems.push("README.md: its table of sections or its chart is stale".to_owned()),
        Err(error) => problems.push(format!("README.md: {error}")),
    }
    Ok(problems)
}

/// The maintainers' words, or a block nothing builds, on the learner's page
/// `page` (under `root`), whose generated text is `text`.
fn learner_page(root: &Path, page: &Path, text: &str, built: &Built) -> Vec<String> {
    let name = format!("docs/src/{}", page.display());
    let mut problems = contributor_language(&name, text);
    problems.extend(unbuilt(&name, &on_disk(root, page, text), built));
    problems
}

/// The maintainers' words, or a block nothing builds, in the README.
fn readme_words_and_blocks(readme: &str, built: &Built) -> Vec<String> {
    let mut problems = contributor_language("README.md", readme);
    problems.extend(unbuilt("README.md", readme, built));
    problems
}

/// Where the README lists the compile-fail programs, a row each, by hand.
const COMPILE_FAIL_DIR: &str = "crates/pitfalls/compile-fail";
const COMPILE_FAIL_HEADING: &str = "### Compile-fail examples";

/// The README's table of compile-fail programs names each program in
/// [`COMPILE_FAIL_DIR`], and no other.
fn compile_fail_table(workspace: &Workspace, readme: &str) -> Result<Vec<String>, Error> {
    let dir = workspace.root().join(COMPILE_FAIL_DIR);
    let entries = fs::read_dir(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let mut programs = BTreeSet::new();
    for entry in entries {
        let path = entry
            .map_err(|error| format!("{}: {error}", dir.display()))?
            .path();
        if path.extension().is_some_and(|ext| ext == "rs")
            && let Some(name) = path.file_name().and_then(|name| name.to_str())
        {
            programs.insert(name.to_owned());
        }
    }
    let Some((_, section)) = readme.split_once(COMPILE_FAIL_HEADING) else {
        return Ok(vec![format!(
            "README.md has no \"{COMPILE_FAIL_HEADING}\" section"
        )]);
    };
    let section = section.split("\n#").next().unwrap_or_default();
    let mut listed = BTreeSet::new();
    for line in section.lines() {
        let Some(row) = line.strip_prefix("| `") else {
            continue;
        };
        if let Some((name, _)) = row.split_once('`') {
            listed.insert(name.to_owned());
        }
    }
    let mut problems = Vec::new();
    for name in programs.difference(&listed) {
        problems.push(format!(
            "README.md: \"{COMPILE_FAIL_HEADING}\" has no row for {COMPILE_FAIL_DIR}/{name}"
        ));
    }
    for name in listed.difference(&programs) {
        problems.push(format!(
            "README.md: \"{COMPILE_FAIL_HEADING}\" lists `{name}`, which is not in {COMPILE_FAIL_DIR}"
        ));
    }
    Ok(problems)
}

/// An `{{#include}}` on a page written by hand shows as it is on GitHub.
fn includes_by_hand(page: &Path, text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.trim_start().starts_with("{{#include "))
        .map(|line| {
            format!(
                "docs/src/{}: `{}` shows as it is where mdBook does not run (on GitHub); \
                 move the page to {}/{}, and `cargo xtask docs` writes it here with the file \
                 written out",
                page.display(),
                line.trim(),
                super::generate::TEMPLATES,
                page.display()
            )
        })
        .collect()
}

/// Rows with more or fewer cells than their header's: Markdown renders a
/// stray `|` without a word.
fn ragged_tables(page: &Path, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut header = None;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let cells = table_cells(line);
        let expected = *header.get_or_insert(cells);
        if cells != expected {
            problems.push(format!(
                "docs/src/{}:{}: this table row has {cells} cells, its header {expected}",
                page.display(),
                index + 1
            ));
        }
    }
    problems
}

/// The cells of a `| a | b |` row: its unescaped pipes, less one. (A
/// backslash escapes the next character: `\\` pairs go first, then `\|`.)
fn table_cells(row: &str) -> usize {
    let unescaped = row.replace("\\\\", "").replace("\\|", "");
    unescaped.matches('|').count().saturating_sub(1)
}

/// Every page but the contributors', generated ones as about to be written.
fn learner_pages(root: &Path, book: &Book) -> Result<Vec<(PathBuf, String)>, Error> {
    let mut pages: Vec<(PathBuf, String)> = book.files.clone().into_iter().collect();
    for relative in files_under(root, &["md"])? {
        if !book.files.contains_key(&relative) {
            let text = read(&root.join(&relative))?;
            pages.push((relative, text));
        }
    }
    pages.retain(|(path, _)| !path.starts_with(CONTRIBUTOR_DIR));
    pages.sort();
    Ok(pages)
}

/// The words of the project's machinery (golden files, `bless`, twins, the
/// seed map, block ids like `003/22`) where a learner sees them: not in an
/// HTML comment nor an `{{#include}}`'s or a quote's path.
fn contributor_language(page: &str, text: &str) -> Vec<String> {
    let visible = hide(&hide(text, "<!--", "-->"), "{{#", "}}");
    let mut problems = Vec::new();
    for (index, line) in visible.lines().enumerate() {
        let lower = line.to_lowercase();
        let mut found: Vec<String> = CONTRIBUTOR_WORDS
            .iter()
            .filter(|word| has_word(&lower, word))
            .map(|word| format!("\"{word}\""))
            .collect();
        found.extend(
            block_ids(&lower)
                .into_iter()
                .map(|id| format!("the block id `{id}`")),
        );
        if !found.is_empty() {
            problems.push(format!(
                "{page}:{}: {} is the maintainers' language, not the learner's; \
                 say it on the contributors' pages (docs/src/{CONTRIBUTOR_DIR}/) or in CONTRIBUTING.md",
                index + 1,
                found.join(", ")
            ));
        }
    }
    problems
}

/// Lower-case; `twin` matches `twins` too, `bless` `blessed`.
const CONTRIBUTOR_WORDS: [&str; 6] = [
    "golden", "bless", "twin", "seed map", "seed-map", "seed_map",
];

/// Whether `word` starts a word of `line` and, but `bless`, ends one (or an `s`).
fn has_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = &line[at + word.len()..];
        let after = after.strip_prefix('s').unwrap_or(after).chars().next();
        !before.is_some_and(char::is_alphanumeric)
            && (word == "bless" || !after.is_some_and(char::is_alphanumeric))
    })
}

/// The guide block ids in `line`: `003/22`, not part of a longer word.
fn block_ids(line: &str) -> Vec<&str> {
    let bytes = line.as_bytes();
    let alphanumeric = |at: Option<usize>| {
        at.and_then(|at| bytes.get(at))
            .is_some_and(u8::is_ascii_alphanumeric)
    };
    (0..bytes.len().saturating_sub(5))
        .filter(|&at| {
            super::seed_map::is_block_id(&bytes[at..at + 6])
                && !alphanumeric(at.checked_sub(1))
                && !alphanumeric(Some(at + 6))
        })
        .map(|at| &line[at..at + 6])
        .collect()
}

/// `text` with each `open`...`close` blanked, newlines kept.
fn hide(text: &str, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        out.push_str(&rest[..start]);
        let hidden = &rest[start..];
        let end = hidden
            .find(close)
            .map_or(hidden.len(), |end| end + close.len());
        out.extend(
            hidden[..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        rest = &hidden[end..];
    }
    out.push_str(rest);
    out
}

/// Each asyncio API of `docs/asyncio-apis.txt` must be in the cheat sheet,
/// and each of its cells gives the short answer first: the detail folds.
fn cheat_sheet_gaps(workspace: &Workspace) -> Result<Vec<String>, Error> {
    let list = workspace.root().join("docs").join("asyncio-apis.txt");
    let apis = fs::read_to_string(&list).map_err(|error| format!("{}: {error}", list.display()))?;
    let sheet = fs::read_to_string(docs_src(workspace).join("cheatsheet.md")).unwrap_or_default();
    let missing = apis
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter(|api| !sheet.contains(&format!("`{api}`")))
        .map(|api| {
            format!(
                "docs/src/cheatsheet.md has no row for `{api}` (listed in docs/asyncio-apis.txt)"
            )
        });
    Ok(missing.chain(long_cells(&sheet)).collect())
}

/// The words a cheat-sheet cell may show before a reader unfolds it.
const CELL_WORDS: usize = 60;

/// The cheat sheet's rows with a cell that shows more than [`CELL_WORDS`]
/// outside a `<details>`.
fn long_cells(sheet: &str) -> Vec<String> {
    let shown = hide(sheet, "<details>", "</details>");
    let mut problems = Vec::new();
    for (index, row) in shown.lines().enumerate() {
        if !row.starts_with('|') {
            continue;
        }
        let cells = row.replace("\\|", "");
        let words = cells.split('|').map(|cell| cell.split_whitespace().count());
        let most = words.max().unwrap_or(0);
        if most > CELL_WORDS {
            problems.push(format!(
                "docs/src/cheatsheet.md:{}: a cell shows {most} words; give the short answer \
                 in at most {CELL_WORDS} and fold the rest into a <details>",
                index + 1
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn a_cheat_sheet_cell_shows_a_short_answer_and_folds_the_rest() {
        let long = "word ".repeat(CELL_WORDS + 1);
        let folded = format!("short. <details><summary>more</summary>{long}</details>");
        let sheet = format!("| a | b |\n| --- | --- |\n| x | {folded} |\n| y | {long} |\n");
        assert_eq!(
            long_cells(&sheet),
            [format!(
                "docs/src/cheatsheet.md:4: a cell shows {} words; give the short answer in at \
                 most {CELL_WORDS} and fold the rest into a <details>",
                CELL_WORDS + 1
            )]
        );
    }

    #[test]
    fn a_table_row_with_a_stray_pipe_is_reported() {
        let text =
            "| a | b |\n| --- | --- |\n| `x \\| y` | z |\n| one | | two |\n\n| c |\n| --- |\n";
        assert_eq!(
            ragged_tables(Path::new("page.md"), text),
            ["docs/src/page.md:4: this table row has 3 cells, its header 2"]
        );
    }

    #[test]
    fn a_learner_page_may_not_speak_the_maintainers_language() {
        let text = "# Page\n\
                    Each example's output is checked against a golden file.\n\
                    Run `cargo xtask bless` and `cargo xtask twins basics/spawn`.\n\
                    Its asyncio twin, from block 003/22 (see the seed-map).\n\
                    <!-- generated from docs/seed-map.tsv and tests/golden/ -->\n\
                    {{#include ../../../tests/golden/basics/hello.stdout}}\n\
                    Between twinkling goldenrod, 2025/10/01 and 1003/223 are no ids.\n";
        assert_eq!(
            contributor_language("docs/src/page.md", text),
            [
                "docs/src/page.md:2: \"golden\" is the maintainers' language, not the learner's; \
                 say it on the contributors' pages (docs/src/contributing/) or in CONTRIBUTING.md",
                "docs/src/page.md:3: \"bless\", \"twin\" is the maintainers' language, not the \
                 learner's; say it on the contributors' pages (docs/src/contributing/) or in \
                 CONTRIBUTING.md",
                "docs/src/page.md:4: \"twin\", \"seed-map\", the block id `003/22` is the \
                 maintainers' language, not the learner's; say it on the contributors' pages \
                 (docs/src/contributing/) or in CONTRIBUTING.md",
            ]
        );
    }

    #[test]
    fn the_contributors_pages_are_no_learner_pages() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join(CONTRIBUTOR_DIR)).unwrap();
        fs::write(dir.path().join("intro.md"), "hand-written").unwrap();
        fs::write(dir.path().join(CONTRIBUTOR_DIR).join("index.md"), "bless").unwrap();
        let book = Book {
            files: BTreeMap::from([
                (PathBuf::from("basics/hello.md"), "generated".to_owned()),
                (
                    PathBuf::from(CONTRIBUTOR_DIR).join("blocks.md"),
                    "003/22".to_owned(),
                ),
            ]),
            ..Book::default()
        };
        let pages: Vec<PathBuf> = learner_pages(dir.path(), &book)
            .unwrap()
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(
            pages,
            [PathBuf::from("basics/hello.md"), PathBuf::from("intro.md")]
        );
    }

    #[test]
    fn an_include_on_a_page_written_by_hand_is_reported() {
        let text = "```rust\n{{#include ../code.rs}}\n```\nSee `{{#include}}` above.";
        let problems = includes_by_hand(Path::new("bridge/page.md"), text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("docs/src/bridge/page.md: `{{#include ../code.rs}}`"),
            "{problems:?}"
        );
        assert!(
            problems[0].contains("docs/templates/bridge/page.md"),
            "{problems:?}"
        );
    }
}
