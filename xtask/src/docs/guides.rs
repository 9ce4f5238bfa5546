//! The Python guides as the book shows them: a page per guide that follows it
//! heading by heading, and the contributors' page of every block by its id.

use std::fmt::Write as _;

use super::seed_map::Mapping;
use super::{MARKER, cell, read};
use crate::Error;
use crate::prose::{self, Prose};
use crate::tsv;
use crate::workspace::Workspace;

pub(super) struct GuideDoc {
    /// `003`, the first part of its blocks' ids.
    pub(super) id: String,
    pub(super) title: String,
    /// In the guide's order.
    pub(super) blocks: Vec<GuideBlock>,
}

/// A Python block of a guide. Sorted by id, as the guide orders them.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct GuideBlock {
    /// `003/14`.
    pub(super) id: String,
    /// The heading it is under.
    pub(super) heading: String,
}

/// The rows of `docs/<file>`, whose header is `columns`; a malformed row is
/// an error with its line number.
fn read_rows(
    workspace: &Workspace,
    file: &str,
    columns: &[&str],
) -> Result<Vec<Vec<String>>, Error> {
    let text = read(&workspace.root().join("docs").join(file))?;
    let fields = |row: tsv::Row| row.fields.into_iter().map(str::to_owned).collect();
    let rows = tsv::rows(&text, columns)
        .into_iter()
        .map(|row| row.map(fields));
    Ok(rows
        .collect::<Result<_, _>>()
        .map_err(|problem| format!("docs/{file}: {problem}"))?)
}

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
        guide.blocks.push(GuideBlock {
            id: block.clone(),
            heading: heading.clone(),
        });
    }
    for guide in &mut guides {
        guide.blocks.sort();
    }
    Ok(guides)
}

pub(super) fn guides_index(guides: &[GuideDoc]) -> Result<String, String> {
    let prose = Prose::of(prose::INDEXES)?;
    let intro = prose.render("guides", &[])?;
    let mut text = format!("{MARKER}\n{intro}\n\n| Guide | Code blocks |\n| --- | --- |\n");
    for guide in guides {
        let _ = writeln!(
            text,
            "| [{}]({}.md) | {} |",
            cell(&guide.title),
            guide.id,
            guide.blocks.len()
        );
    }
    Ok(text)
}

/// One guide, heading by heading, with the examples that translate each;
/// no block ids, which only the contributors' page shows.
pub(super) fn guide_page(guide: &GuideDoc, mappings: &[Mapping]) -> Result<String, String> {
    let prose = Prose::of(prose::INDEXES)?;
    let intro = prose.render("guide", &[("title", &guide.title)])?;
    let untranslated = format!("- {}", prose.render("guide-untranslated", &[])?);
    let mut text = format!("{MARKER}\n{intro}\n");
    for blocks in guide
        .blocks
        .chunk_by(|one, next| one.heading == next.heading)
    {
        let mut lines: Vec<String> = Vec::new();
        for block in blocks {
            let mut block_lines: Vec<String> = mappings
                .iter()
                .filter(|m| m.block == block.id)
                .map(|mapping| {
                    let mut line = format!(
                        "- [`{0}/{1}`](../{0}/{1}.md)",
                        mapping.section, mapping.example
                    );
                    if !mapping.note.is_empty() {
                        let _ = write!(line, ". {}", mapping.note);
                    }
                    line
                })
                .collect();
            if block_lines.is_empty() {
                block_lines.push(untranslated.clone());
            }
            // Two blocks under one heading often share an example: name it once.
            for line in block_lines {
                if !lines.contains(&line) {
                    lines.push(line);
                }
            }
        }
        let heading = &blocks[0].heading;
        let _ = write!(text, "\n## {heading}\n\n{}\n", lines.join("\n"));
    }
    Ok(text)
}

pub(super) fn blocks_page(guides: &[GuideDoc], mappings: &[Mapping]) -> Result<String, String> {
    let prose = Prose::of(prose::INDEXES)?;
    let intro = prose.render("guide-blocks", &[])?;
    let untranslated = prose.render("guide-blocks-untranslated", &[])?;
    let mut text = format!("{MARKER}\n{intro}\n");
    for guide in guides {
        let _ = write!(
            text,
            "\n## {} (`{}`)\n\n| Block | Heading | Example | Note |\n| --- | --- | --- | --- |\n",
            guide.title, guide.id
        );
        for GuideBlock { id: block, heading } in &guide.blocks {
            let anchor = format!("<a id=\"{}\"></a>", block_anchor(block));
            let translations: Vec<&Mapping> =
                mappings.iter().filter(|m| m.block == *block).collect();
            if translations.is_empty() {
                let _ = writeln!(
                    text,
                    "| {anchor}`{block}` | {} | {untranslated} | |",
                    cell(heading)
                );
            }
            for (index, mapping) in translations.into_iter().enumerate() {
                // One anchor per block, on its first row.
                let anchor = if index == 0 { anchor.as_str() } else { "" };
                let _ = writeln!(
                    text,
                    "| {anchor}`{block}` | {} | [`{2}/{3}`](../{2}/{3}.md) | {} |",
                    cell(heading),
                    cell(&mapping.note),
                    mapping.section,
                    mapping.example
                );
            }
        }
    }
    Ok(text)
}

fn block_anchor(block: &str) -> String {
    format!("block-{}", block.replace('/', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guide() -> GuideDoc {
        GuideDoc {
            id: "003".into(),
            title: "A Guide".into(),
            blocks: [
                ("003/01", "Tasks"),
                ("003/02", "Tasks"),
                ("003/03", "Tasks"),
                ("003/04", "Queues"),
            ]
            .map(|(id, heading)| GuideBlock {
                id: id.into(),
                heading: heading.into(),
            })
            .into(),
        }
    }

    fn mappings() -> Vec<Mapping> {
        let mapping = |block: &str, example: &str, note: &str| Mapping {
            line: 2,
            block: block.into(),
            section: "basics".into(),
            example: example.into(),
            note: note.into(),
        };
        vec![
            mapping("003/01", "spawn", "Same."),
            mapping("003/01", "join", ""),
            mapping("003/02", "join", ""),
            mapping("003/04", "queue", ""),
        ]
    }

    #[test]
    fn a_guide_page_follows_the_guide_heading_by_heading_without_block_ids() {
        let page = guide_page(&guide(), &mappings()).unwrap();
        let body = page.split_once("Python.\n").unwrap().1;
        assert_eq!(
            body,
            "\n## Tasks\n\n\
             - [`basics/spawn`](../basics/spawn.md). Same.\n\
             - [`basics/join`](../basics/join.md)\n\
             - One of its code blocks is not translated yet.\n\
             \n## Queues\n\n\
             - [`basics/queue`](../basics/queue.md)\n"
        );
    }

    #[test]
    fn the_blocks_page_anchors_each_block_once() {
        let page = blocks_page(&[guide()], &mappings()).unwrap();
        let table = page.split_once("| --- | --- | --- | --- |\n").unwrap().1;
        assert_eq!(
            table,
            "| <a id=\"block-003-01\"></a>`003/01` | Tasks | [`basics/spawn`](../basics/spawn.md) | Same. |\n\
             | `003/01` | Tasks | [`basics/join`](../basics/join.md) |  |\n\
             | <a id=\"block-003-02\"></a>`003/02` | Tasks | [`basics/join`](../basics/join.md) |  |\n\
             | <a id=\"block-003-03\"></a>`003/03` | Tasks | not translated yet | |\n\
             | <a id=\"block-003-04\"></a>`003/04` | Queues | [`basics/queue`](../basics/queue.md) |  |\n"
        );
    }
}
