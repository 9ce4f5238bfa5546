//! The Python guides as the book shows them: read from `docs/guides.tsv`
//! and `docs/guide-blocks.tsv`, a page per guide that follows it heading by
//! heading, and the tables of guide blocks on chapter and example pages.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::seed_map::Mapping;
use super::{MARKER, cell, read};
use crate::Error;
use crate::tsv;
use crate::workspace::Workspace;

/// A Python guide, with its code blocks in its own order.
pub(super) struct GuideDoc {
    /// `003`: the first part of its blocks' ids.
    pub(super) id: String,
    pub(super) title: String,
    /// `(block id, heading)`, in the guide's order.
    pub(super) blocks: Vec<(String, String)>,
}

/// The rows of a tab-separated file under `docs/` whose header is
/// `columns`; a malformed row is an error with its line number, not skipped.
fn read_rows(
    workspace: &Workspace,
    file: &str,
    columns: &[&str],
) -> Result<Vec<Vec<String>>, Error> {
    let path = workspace.root().join("docs").join(file);
    let text = read(&path)?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for row in tsv::rows(&text, columns) {
        match row {
            Ok(row) => rows.push(row.fields.into_iter().map(str::to_owned).collect()),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(format!("{}:\n{}", path.display(), problems.join("\n")).into())
    }
}

/// The guides of `docs/guides.tsv`, with their blocks and headings from
/// `docs/guide-blocks.tsv`.
pub(super) fn read_guides(workspace: &Workspace) -> Result<Vec<GuideDoc>, Error> {
    let mut guides: Vec<GuideDoc> =
        read_rows(workspace, "guides.tsv", &["guide", "file", "title"])?
            .into_iter()
            .map(|fields| GuideDoc {
                id: fields[0].clone(),
                title: fields[2].clone(),
                blocks: Vec::new(),
            })
            .collect();
    for fields in read_rows(
        workspace,
        "guide-blocks.tsv",
        &["block", "guide", "heading"],
    )? {
        let (block, heading) = (&fields[0], &fields[2]);
        let guide = guides
            .iter_mut()
            .find(|guide| block.starts_with(&format!("{}/", guide.id)))
            .ok_or_else(|| {
                format!(
                    "docs/guide-blocks.tsv: block {block} belongs to no guide of docs/guides.tsv"
                )
            })?;
        guide.blocks.push((block.clone(), heading.clone()));
    }
    for guide in &mut guides {
        guide.blocks.sort();
    }
    Ok(guides)
}

/// Block id to heading.
pub(super) fn headings(guides: &[GuideDoc]) -> BTreeMap<String, String> {
    guides
        .iter()
        .flat_map(|guide| guide.blocks.iter().cloned())
        .collect()
}

/// The page of the guides: each one, with a link to its page.
pub(super) fn guides_index(guides: &[GuideDoc]) -> String {
    let mut text = format!(
        "{MARKER}\n# The guides\n\n\
         The five Python guides this book translates. Each page follows its guide \
         from top to bottom: every heading with code, its blocks (an id such as \
         `003/14` is guide 003, block 14), and the examples that translate them, \
         with a note where the Rust departs from the Python.\n\n\
         | Guide | Title | Blocks |\n| --- | --- | --- |\n"
    );
    for guide in guides {
        let _ = writeln!(
            text,
            "| {0} | [{1}]({0}.md) | {2} |",
            guide.id,
            cell(&guide.title),
            guide.blocks.len()
        );
    }
    text
}

/// One guide, heading by heading in its own order, each block linked to
/// the examples that translate it.
pub(super) fn guide_page(guide: &GuideDoc, mappings: &[Mapping]) -> String {
    let mut text = format!(
        "{MARKER}\n# {}\n\nGuide {}, heading by heading. Each block links to the example \
         that translates it; the note says where the Rust departs from the Python.\n",
        guide.title, guide.id
    );
    let mut current = None;
    for (block, heading) in &guide.blocks {
        if current != Some(heading) {
            let _ = write!(text, "\n## {heading}\n\n");
            current = Some(heading);
        }
        let translations: Vec<&Mapping> = mappings.iter().filter(|m| m.block == *block).collect();
        let anchor = format!("<a id=\"{}\"></a>", block_anchor(block));
        if translations.is_empty() {
            let _ = writeln!(text, "- {anchor}`{block}`: not translated yet");
        }
        for (index, mapping) in translations.into_iter().enumerate() {
            // One anchor per block, on its first line.
            let anchor = if index == 0 { anchor.as_str() } else { "" };
            let _ = write!(
                text,
                "- {anchor}`{block}`: [`{0}/{1}`](../{0}/{1}.md)",
                mapping.section, mapping.example
            );
            if !mapping.note.is_empty() {
                let _ = write!(text, ". {}", mapping.note);
            }
            text.push('\n');
        }
    }
    text
}

/// The anchor of a block on its guide's page: `block-003-14`.
fn block_anchor(block: &str) -> String {
    format!("block-{}", block.replace('/', "-"))
}

/// A link from a page one level down (a section's) to the block on its
/// guide's page.
fn block_link(block: &str) -> String {
    let guide = block.split('/').next().unwrap_or(block);
    format!("[{block}](../guides/{guide}.md#{})", block_anchor(block))
}

/// A table of the guide blocks in `mappings` that `keep` selects; with
/// `link_examples`, a column linking each to its example page. A block id
/// names its guide too (`003/14` is guide `003_…`), which the introduction
/// lists, so the long guide file names stay out of the table.
pub(super) fn block_rows(
    mappings: &[Mapping],
    blocks: &BTreeMap<String, String>,
    keep: impl Fn(&Mapping) -> bool,
    link_examples: bool,
) -> String {
    let mut text = String::from(if link_examples {
        "| Block | Heading | Example | Note |\n| --- | --- | --- | --- |\n"
    } else {
        "| Block | Heading | Note |\n| --- | --- | --- |\n"
    });
    let mut rows: Vec<&Mapping> = mappings.iter().filter(|m| keep(m)).collect();
    rows.sort_by(|a, b| (&a.block, &a.example).cmp(&(&b.block, &b.example)));
    for mapping in rows {
        let heading = blocks.get(&mapping.block).map_or("?", String::as_str);
        let example = if link_examples {
            format!(" [{0}]({0}.md) |", mapping.example)
        } else {
            String::new()
        };
        let _ = writeln!(
            text,
            "| {} | {} |{example} {} |",
            block_link(&mapping.block),
            cell(heading),
            cell(&mapping.note)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guide_page_follows_the_guide_and_links_each_block_once() {
        let guide = GuideDoc {
            id: "003".into(),
            title: "A Guide".into(),
            blocks: vec![
                ("003/01".into(), "Tasks".into()),
                ("003/02".into(), "Tasks".into()),
                ("003/03".into(), "Queues".into()),
            ],
        };
        let mapping = |block: &str, example: &str, note: &str| Mapping {
            block: block.into(),
            section: "basics".into(),
            example: example.into(),
            note: note.into(),
        };
        let mappings = [
            mapping("003/01", "spawn", "Same."),
            mapping("003/01", "join", ""),
            mapping("003/03", "queue", ""),
        ];
        let page = guide_page(&guide, &mappings);
        let body = page.split_once("Python.\n").unwrap().1;
        assert_eq!(
            body,
            "\n## Tasks\n\n\
             - <a id=\"block-003-01\"></a>`003/01`: [`basics/spawn`](../basics/spawn.md). Same.\n\
             - `003/01`: [`basics/join`](../basics/join.md)\n\
             - <a id=\"block-003-02\"></a>`003/02`: not translated yet\n\
             \n## Queues\n\n\
             - <a id=\"block-003-03\"></a>`003/03`: [`basics/queue`](../basics/queue.md)\n"
        );
        assert_eq!(
            block_link("003/14"),
            "[003/14](../guides/003.md#block-003-14)"
        );
    }
}
