//! Every generated page, written under `docs/src` with each include written
//! out, so that it reads whole on GitHub; a page whose example is gone goes.

use std::collections::BTreeMap;
use std::fs;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use super::bridge::BridgeDoc;
use super::concepts::{Concepts, ExampleCode};
use super::guides::{self, blocks_page, guide_page, guides_index};
use super::pages::{
    Twin, chapter, example_page, from_the_guides, link_book_pages, see_also, summary, topic_page,
};
use super::readme::{readme_chart, readme_table, with_generated_parts, with_quotes, write_quotes};
use super::sections::{SectionDoc, read_sections};
use super::sources::Sources;
use super::{
    Book, CONTRIBUTOR_DIR, MARKER, concepts, docs_src, exercises_page, read, seed_map, topics,
};
use crate::Error;
use crate::twin_file;
use crate::workspace::Workspace;

/// The book: every generated file, the README's parts, and what `--check`
/// checks the pages against.
pub fn generate(workspace: &Workspace) -> Result<Book, Error> {
    let bridge = BridgeDoc::read(workspace)?;
    let sources = Sources::read(workspace, &bridge)?;
    let sections = read_sections(workspace)?;
    let codes = example_codes(&sections);
    let guides = guides::read_guides(workspace)?;
    let concepts = Concepts::read(workspace.root())?;
    let (exercises, exercise_notes) = exercises_page::track(workspace.root())?;
    taught_before_used(workspace, &concepts, &codes, &exercises)?;
    let mut files = text_pages(workspace, &sources)?;
    files.insert(
        PathBuf::from("SUMMARY.md"),
        summary(&guides, &sources.topics, &sections, &bridge)?,
    );
    files.extend(bridge.pages(&concepts)?);
    for section in &sections {
        files.extend(section_files(
            workspace,
            section,
            &concepts,
            &sources.topics,
            &exercises,
        )?);
    }
    files.insert(
        PathBuf::from(concepts::PAGE),
        format!("{MARKER}\n{}", concepts.page(workspace.root(), &codes)?),
    );
    files.insert(
        PathBuf::from("exercises.md"),
        format!("{MARKER}\n{}", exercises_page::page(&exercises)?),
    );
    Ok(Book {
        files,
        readme_table: readme_table(workspace, &sections, &bridge),
        readme_chart: readme_chart(workspace)?,
        notes: exercise_notes,
        sources,
    })
}

/// The generated pages that no run of an example makes, which `docs --check
/// --text` checks: the templates, the topics' pages and the guides' pages,
/// the seed map's notes among them.
pub(super) fn text_pages(
    workspace: &Workspace,
    sources: &Sources,
) -> Result<BTreeMap<PathBuf, String>, Error> {
    let mappings = seed_map::load(workspace, |section, example| {
        sources
            .summaries
            .contains_key(&format!("{section}/{example}"))
    })?;
    let guides = guides::read_guides(workspace)?;
    let mut files: BTreeMap<PathBuf, String> = templates(workspace)?.into_iter().collect();
    for topic in &sources.topics {
        files.insert(
            PathBuf::from(format!("topics/{}.md", topic.id)),
            topic_page(topic, &sources.summaries),
        );
    }
    files.insert(PathBuf::from("guides/index.md"), guides_index(&guides)?);
    for guide in &guides {
        files.insert(
            PathBuf::from(format!("guides/{}.md", guide.id)),
            guide_page(guide, &mappings)?,
        );
    }
    files.insert(
        PathBuf::from(CONTRIBUTOR_DIR).join("guide-blocks.md"),
        blocks_page(&guides, &mappings)?,
    );
    Ok(files)
}

/// Each example's [`code`](concepts::code), in teaching order.
fn example_codes(sections: &[SectionDoc]) -> Vec<ExampleCode> {
    let mut codes = Vec::new();
    for section in sections {
        for example in &section.examples {
            codes.push(ExampleCode {
                id: format!("{}/{}", section.name, example.name),
                code: example.code.clone(),
            });
        }
    }
    codes
}

/// Fails, naming each mistake, if a concept's first example is not the one
/// `docs/concepts.toml` says, or an exercise asks for what neither its own
/// example nor an earlier exercise has shown (and its file does not point at
/// "The Rust you need").
fn taught_before_used(
    workspace: &Workspace,
    concepts: &Concepts,
    codes: &[ExampleCode],
    exercises: &[exercises_page::Exercise],
) -> Result<(), Error> {
    let mut wrong = concepts.wrong_firsts(codes);
    let exercise_codes = exercises_page::codes(workspace.root(), exercises)?;
    wrong.extend(concepts.untaught(&exercise_codes, codes));
    if wrong.is_empty() {
        return Ok(());
    }
    Err(wrong.join("\n").into())
}

/// A section's files: its chapter, its trace if one of its examples is
/// traced, and each example's page and charts.
fn section_files(
    workspace: &Workspace,
    section: &SectionDoc,
    concepts: &Concepts,
    topics: &[topics::Topic],
    exercises: &[exercises_page::Exercise],
) -> Result<Vec<(PathBuf, String)>, Error> {
    let dir = PathBuf::from(&section.name);
    let mut files = vec![(dir.join("index.md"), chapter(section)?)];
    if let Some((example, timeline)) = super::pages::traced(section) {
        let trace = protocol::timeline::trace(std::slice::from_ref(timeline));
        let name = format!("{}{TRACE}", example.name);
        files.push((dir.join(name), format!("{trace}\n")));
    }
    for example in &section.examples {
        let twin = Twin::read(workspace.root(), &section.name, &example.name);
        let page = example_page(section, example, &twin, concepts)?;
        let mut page = link_book_pages(&page, topics)
            .map_err(|why| format!("the header of {}/{}: {why}", section.name, example.name))?;
        page.push_str(&see_also(section, example, topics, exercises)?);
        page.push_str(&from_the_guides(example)?);
        files.push((dir.join(format!("{}.md", example.name)), page));
        for chart in super::pages::charts(example) {
            let file = super::charts::file(&chart.svg)
                .map_err(|why| format!("the chart of {}/{}: {why}", section.name, example.name))?;
            files.push((dir.join(format!("{}{}", example.name, chart.suffix)), file));
        }
    }
    Ok(files)
}

/// The hand-written pages that include or quote files, written out as
/// generated ones;
/// and, in its `prose/` directory, the generated pages' prose, which is no
/// page (nor is `export/main.rs`, an export's `main.rs`).
pub(super) const TEMPLATES: &str = "docs/templates";

fn templates(workspace: &Workspace) -> Result<Vec<(PathBuf, String)>, Error> {
    let root = workspace.root().join(TEMPLATES);
    let mut pages = Vec::new();
    for relative in files_under(&root, &["md"])? {
        if relative.starts_with(crate::prose::DIR) {
            continue;
        }
        let text = read(&root.join(&relative))?;
        let page = format!(
            "{MARKER}\n<!-- Written from {TEMPLATES}/{}: edit that file. -->\n{text}",
            relative.display()
        );
        pages.push((relative, page));
    }
    Ok(pages)
}

/// A generated file as on disk: each `{{#include file}}` and `{{#include
/// file:start:}}` written out as mdBook would (a twin as the book shows it),
/// and each [quote](quote) as what it quotes; one that names no file or
/// quotes nothing is left for `--check`.
pub(super) fn on_disk(root: &Path, page: &Path, text: &str) -> String {
    let base = root.join(page.parent().unwrap_or(Path::new("")));
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{{#") {
        let Some((directive, next)) = rest[at..].split_once("}}") else {
            break;
        };
        out.push_str(&rest[..at]);
        let written = match directive["{{#".len()..].split_once(' ') {
            Some(("include", target)) => included(&base, target),
            Some((kind, target)) => quote(root, kind, target).ok(),
            None => None,
        };
        match written {
            Some(written) => out.push_str(&written),
            None => out.push_str(&format!("{directive}}}}}")),
        }
        rest = next;
    }
    out.push_str(rest);
    out
}

/// What a quote writes out: `{{#quote FILE:REGEX}}`, the text of FILE
/// (from the repository's root) that REGEX matches, or its first group if
/// it has one; `{{#line FILE:REGEX}}`, the number of the line where that
/// match starts. So a page quotes a printed line, a dump, a constant or a
/// line number from the file that has it, and `--check` fails when the
/// file says another thing. REGEX must match once in the file, so that
/// what it quotes can't be some other line. A quote of a fact several files
/// repeat names each, `{{#quote a.rs,b.rs:REGEX}}`, and fails unless all say
/// the same. A group that is a whole number with Rust's digit separators,
/// `1_000_000`, is written as prose writes it, `1,000,000`.
pub(super) fn quote(root: &Path, kind: &str, target: &str) -> Result<String, String> {
    if kind != "quote" && kind != "line" {
        return Err(format!(
            "`{{{{#{kind}}}}}` is neither `#include`, `#quote` nor `#line`"
        ));
    }
    let (files, pattern) = target
        .split_once(':')
        .ok_or_else(|| format!("`{target}` is not FILE:REGEX"))?;
    let regex = regex::Regex::new(pattern).map_err(|error| format!("`{pattern}`: {error}"))?;
    let files: Vec<&str> = files.split(',').collect();
    if kind == "line" && files.len() > 1 {
        return Err(format!(
            "`{{{{#line}}}}` names one file, not {}",
            files.len()
        ));
    }
    let mut quoted: Option<(&str, String)> = None;
    for file in files {
        let said = quote_one(root, kind, file, &regex)?;
        match &quoted {
            Some((first, first_said)) if *first_said != said => {
                return Err(format!(
                    "{file} says `{said}` where {first} says `{first_said}`"
                ));
            }
            Some(_) => {}
            None => quoted = Some((file, said)),
        }
    }
    Ok(quoted.map(|(_, said)| said).unwrap_or_default())
}

/// What [`quote`] writes out of `file`.
fn quote_one(root: &Path, kind: &str, file: &str, regex: &regex::Regex) -> Result<String, String> {
    let repository = root.parent().and_then(Path::parent).unwrap_or(root);
    let text =
        fs::read_to_string(repository.join(file)).map_err(|error| format!("{file}: {error}"))?;
    let mut found = regex.captures_iter(&text);
    let (Some(captures), None) = (found.next(), found.next()) else {
        let count = regex.find_iter(&text).count();
        return Err(format!(
            "`{regex}` matches {count} times in {file}, not once"
        ));
    };
    let whole = captures.get(0).map_or(0..0, |found| found.range());
    if kind == "line" {
        return Ok((text[..whole.start].matches('\n').count() + 1).to_string());
    }
    let quoted = captures.get(1).map_or(whole, |group| group.range());
    Ok(as_prose(&text[quoted]))
}

/// `1_000_000` as `1,000,000`; anything else as it is.
fn as_prose(quoted: &str) -> String {
    let mut groups = quoted.split('_');
    let first = groups.next().unwrap_or_default();
    let rest: Vec<&str> = groups.collect();
    let digits = |group: &str| group.bytes().all(|byte| byte.is_ascii_digit());
    let separated = !rest.is_empty()
        && (1..=3).contains(&first.len())
        && digits(first)
        && rest.iter().all(|group| group.len() == 3 && digits(group));
    if separated {
        quoted.replace('_', ",")
    } else {
        quoted.to_owned()
    }
}

/// Why a `{{#...}}` that [`on_disk`] left in `text` writes out nothing.
pub(super) fn unresolved(root: &Path, page: &Path, text: &str) -> Vec<String> {
    let base = root.join(page.parent().unwrap_or(Path::new("")));
    let mut problems = Vec::new();
    for (at, _) in text.match_indices("{{#") {
        let directive = text[at..].split("}}").next().unwrap_or_default();
        let why = match directive["{{#".len()..].split_once(' ') {
            Some(("include", target)) if included(&base, target).is_none() => {
                "names no file".to_owned()
            }
            Some(("include", _)) => continue,
            Some((kind, target)) => match quote(root, kind, target) {
                Ok(_) => continue,
                Err(why) => why,
            },
            None => "is no include nor quote".to_owned(),
        };
        problems.push(format!(
            "docs/src/{}: {directive}}}}}: {why}",
            page.display()
        ));
    }
    problems
}

/// What `{{#include target}}` in `base` writes out, if it names a file.
fn included(base: &Path, target: &str) -> Option<String> {
    let (file, from) = match target.trim().split_once(':') {
        None => (target.trim(), NonZeroUsize::MIN),
        Some((file, range)) => (file, range.strip_suffix(':')?.parse().ok()?),
    };
    let text = fs::read_to_string(base.join(file)).ok()?;
    let text = if twin_file::is_twin(Path::new(file)) {
        twin_file::for_the_book(&text)
    } else {
        text
    };
    Some(
        text.lines()
            .skip(from.get() - 1)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Writes the book and the README's parts; returns the paths it changed.
pub fn write(workspace: &Workspace, book: &Book) -> Result<Vec<String>, Error> {
    let root = docs_src(workspace);
    let mut changed = write_pages(&root, &book.files)?;
    for stale in generated_files(&root)? {
        if !book.files.contains_key(&stale) {
            fs::remove_file(root.join(&stale))?;
            changed.push(format!("docs/src/{} (removed)", stale.display()));
        }
    }
    let readme = workspace.root().join("README.md");
    let text = read(&readme)?;
    let updated = with_generated_parts(&text, book)?;
    let (updated, _) = with_quotes(&root, &updated);
    if updated != text {
        crate::files::write(&readme, updated)?;
        changed.push("README.md".to_owned());
    }
    Ok(changed)
}

/// Writes `files` that differ on disk; returns their paths.
fn write_pages(root: &Path, files: &BTreeMap<PathBuf, String>) -> Result<Vec<String>, Error> {
    let mut changed = Vec::new();
    for (path, text) in files {
        let full = root.join(path);
        let text = on_disk(root, path, text);
        if fs::read_to_string(&full).ok().as_deref() != Some(text.as_str()) {
            crate::files::write(&full, &text)?;
            changed.push(format!("docs/src/{}", path.display()));
        }
    }
    Ok(changed)
}

/// Writes the pages no run makes ([`text_pages`]) and the README's quotes,
/// building nothing.
pub fn write_text(workspace: &Workspace) -> Result<Vec<String>, Error> {
    let bridge = BridgeDoc::read(workspace)?;
    let sources = Sources::read(workspace, &bridge)?;
    let root = docs_src(workspace);
    let mut changed = write_pages(&root, &text_pages(workspace, &sources)?)?;
    if write_quotes(workspace, &root)? {
        changed.push("README.md".to_owned());
    }
    Ok(changed)
}

/// How the name of a section's trace ends.
const TRACE: &str = ".trace.json";

/// The pages and charts on disk that carry [`MARKER`], and the traces.
pub(super) fn generated_files(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    for relative in files_under(root, &["md", "svg", "json"])? {
        let trace = relative.to_string_lossy().ends_with(TRACE);
        if trace || fs::read_to_string(root.join(&relative))?.starts_with(MARKER) {
            found.push(relative);
        }
    }
    Ok(found)
}

/// The files under `root` with one of `extensions`, relative and sorted.
pub(super) fn files_under(root: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extensions.iter().any(|wanted| extension == *wanted))
                && let Ok(relative) = path.strip_prefix(root)
            {
                found.push(relative.to_path_buf());
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As mdBook includes: a whole file, or its lines from a 1-based
    /// `start`, joined by newlines; anything else is left for `--check`.
    #[test]
    fn includes_are_replaced_by_what_they_include() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("src/basics")).unwrap();
        fs::write(dir.path().join("code.rs"), "//! header\n\nfn main() {}\n").unwrap();
        let root = dir.path().join("src");
        let page = Path::new("basics/page.md");
        let text = "```rust\n{{#include ../../code.rs:3:}}\n```\n\
                    ```text\n{{#include ../../code.rs}}\n```\n\
                    {{#include ../../gone.rs}} {{#include ../../code.rs:anchor}}";
        assert_eq!(
            on_disk(&root, page, text),
            "```rust\nfn main() {}\n```\n```text\n//! header\n\nfn main() {}\n```\n\
             {{#include ../../gone.rs}} {{#include ../../code.rs:anchor}}"
        );
        assert_eq!(on_disk(&root, Path::new("x.svg"), text), text);
    }

    /// A quote writes out what its regex matches once in its file, or its
    /// first group, or the number of the line where the match starts; one
    /// that matches nothing, or twice, is left for `--check` to report.
    #[test]
    fn a_quote_is_what_its_file_says_now() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("docs/src/topics")).unwrap();
        fs::create_dir_all(dir.path().join("tests")).unwrap();
        fs::write(
            dir.path().join("tests/out.dump"),
            "main run()\n  run at a.rs:109\n  b at a.rs:38\n  b at a.rs:38\n",
        )
        .unwrap();
        let root = dir.path().join("docs/src");
        let page = Path::new("topics/page.md");
        let text = "`{{#quote tests/out.dump:run at a\\.rs:\\d+}}`, line \
                    {{#quote tests/out.dump:run at a\\.rs:(\\d+)}}, file line \
                    {{#line tests/out.dump:run at}}; {{#quote tests/out.dump:b at .*}} \
                    {{#quote tests/out.dump:nowhere}} {{#quote tests/gone:x}} {{#frob x:y}}";
        let written = on_disk(&root, page, text);
        assert_eq!(
            written,
            "`run at a.rs:109`, line 109, file line 2; {{#quote tests/out.dump:b at .*}} \
             {{#quote tests/out.dump:nowhere}} {{#quote tests/gone:x}} {{#frob x:y}}"
        );
        assert_eq!(
            unresolved(&root, page, &written),
            [
                "docs/src/topics/page.md: {{#quote tests/out.dump:b at .*}}: `b at .*` matches \
                 2 times in tests/out.dump, not once",
                "docs/src/topics/page.md: {{#quote tests/out.dump:nowhere}}: `nowhere` matches \
                 0 times in tests/out.dump, not once",
                "docs/src/topics/page.md: {{#quote tests/gone:x}}: tests/gone: No such file or \
                 directory (os error 2)",
                "docs/src/topics/page.md: {{#frob x:y}}: `{{#frob}}` is neither `#include`, \
                 `#quote` nor `#line`",
            ]
        );
    }

    /// A fact several files repeat is quoted from each: all must say it.
    #[test]
    fn a_quote_of_several_files_is_what_each_says() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("docs/src")).unwrap();
        for (file, millis) in [("a.rs", 50), ("b.rs", 50), ("c.rs", 60)] {
            let text = format!("const LAPSE: Duration = Duration::from_millis({millis});\n");
            fs::write(dir.path().join(file), text).unwrap();
        }
        let root = dir.path().join("docs/src");
        let regex = r"const LAPSE: Duration = Duration::from_millis\((\d+)\);";
        assert_eq!(
            quote(&root, "quote", &format!("a.rs,b.rs:{regex}")).unwrap(),
            "50"
        );
        assert_eq!(
            quote(&root, "quote", &format!("a.rs,b.rs,c.rs:{regex}")).unwrap_err(),
            "c.rs says `60` where a.rs says `50`"
        );
        let error = quote(&root, "quote", &format!("a.rs,gone.rs:{regex}")).unwrap_err();
        assert!(error.starts_with("gone.rs: "), "{error}");
        let error = quote(&root, "line", &format!("a.rs,b.rs:{regex}")).unwrap_err();
        assert_eq!(error, "`{{#line}}` names one file, not 2");
    }

    #[test]
    fn a_number_with_digit_separators_is_quoted_as_prose_writes_it() {
        for (quoted, prose) in [
            ("1_000_000", "1,000,000"),
            ("9_500", "9,500"),
            ("1_024", "1,024"),
            ("1000", "1000"),
            ("1_00", "1_00"),
            ("0x_ff", "0x_ff"),
            ("snake_case", "snake_case"),
            ("1_000.5", "1_000.5"),
        ] {
            assert_eq!(as_prose(quoted), prose, "{quoted}");
        }
    }

    /// A twin is included as the book shows it, without the lines that
    /// speak to the project's maintainers.
    #[test]
    fn a_twin_is_included_without_the_maintainers_lines() {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("crates/basics/python");
        fs::create_dir_all(&python).unwrap();
        fs::create_dir_all(dir.path().join("docs/src/basics")).unwrap();
        fs::write(
            python.join("awaitables.py"),
            format!(
                "\"\"\"Awaitables.\n\nThe asyncio twin of crates/basics/src/awaitables.rs.\n\"\"\"\n\n\
                 {}None\n\nimport asyncio\n",
                twin_file::DIFFERS
            ),
        )
        .unwrap();
        let root = dir.path().join("docs/src");
        let text = "```python\n{{#include ../../../crates/basics/python/awaitables.py}}\n```\n";
        assert_eq!(
            on_disk(&root, Path::new("basics/awaitables.md"), text),
            "```python\n\"\"\"Awaitables.\"\"\"\n\nimport asyncio\n```\n"
        );
    }
}
