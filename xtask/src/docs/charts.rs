//! Each example page's chart: a file beside the page, shown as an image where
//! mdBook does not run (GitHub strips inline SVG); drawn inline in the built
//! book by the preprocessor `charts` (`docs/book.toml`), in the theme's colours.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::MARKER;
use crate::Error;

/// The theme's colours where the theme is missing: GitHub's light ones, on a
/// white paper, so that the chart reads in its dark mode too.
const COLOURS: [(&str, &str); 4] = [
    ("--fg", "#1f2328"),
    ("--table-border-color", "#d0d7de"),
    ("--links", "#0969da"),
    ("--bg", "#ffffff"),
];

const PAPER: &str =
    r#"<rect width="100%" height="100%" style="fill:var(--bg)" pointer-events="none"/>"#;

/// The chart's file: the marker, a paper under the chart, and a colour for
/// where the theme is missing (`var(--fg)` becomes `var(--fg,#1f2328)`).
pub fn file(svg: &str) -> Result<String, Error> {
    let mut lines: Vec<&str> = svg.lines().collect();
    if !lines.first().is_some_and(|line| line.starts_with("<svg")) {
        return Err("a chart does not start with its <svg> element".into());
    }
    let at = lines.iter().position(|line| {
        !["<svg", "<title", "<style"]
            .iter()
            .any(|start| line.starts_with(start))
    });
    lines.insert(at.unwrap_or(lines.len()), PAPER);
    let mut text = format!("{MARKER}\n{}\n", lines.join("\n"));
    for (name, colour) in COLOURS {
        text = text.replace(&format!("var({name})"), &format!("var({name},{colour})"));
    }
    let uncoloured = text
        .split("var(")
        .skip(1)
        .map(|rest| rest.split(')').next().unwrap_or(rest))
        .find(|inside| !inside.contains(','));
    match uncoloured {
        Some(inside) => Err(format!(
            "the chart uses the theme's `{inside}`, which has no colour for a page read outside \
             the book: add one to COLOURS in xtask/src/docs/charts.rs"
        )
        .into()),
        None => Ok(text),
    }
}

/// The page's image of its chart, the file `name`, named by its `<title>`.
pub fn image(svg: &str, name: &str) -> String {
    let title = svg
        .split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map_or("The schedule", |(title, _)| title);
    // The title's text out of SVG, then its brackets and backslashes escaped for Markdown.
    let alt = title
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]");
    format!("![{alt}]({name})")
}

/// `markdown`, a page in `dir`, with each [`image`] of a chart replaced by it.
pub fn inline(markdown: &str, dir: &Path) -> String {
    let line = |line: &str| match chart_of(line.trim_end(), dir) {
        Some(svg) if line.ends_with('\n') => svg + "\n",
        Some(svg) => svg,
        None => line.to_owned(),
    };
    markdown.split_inclusive('\n').map(line).collect()
}

/// The chart of a line that is the [`image`] of a chart file beside the page.
fn chart_of(line: &str, dir: &Path) -> Option<String> {
    let (_, name) = line
        .strip_prefix("![")?
        .strip_suffix(')')?
        .rsplit_once("](")?;
    if !name.ends_with(".svg") || name.contains('/') {
        return None;
    }
    let text = std::fs::read_to_string(dir.join(name)).ok()?;
    Some(text.strip_prefix(MARKER)?.trim().to_owned())
}

/// The mdBook preprocessor `charts` (`cargo xtask book-charts`).
pub fn preprocess(input: impl Read, output: impl Write) -> Result<(), Error> {
    let (context, mut book): (serde_json::Value, serde_json::Value) =
        serde_json::from_reader(input).map_err(|error| format!("mdBook's input: {error}"))?;
    let root = context["root"]
        .as_str()
        .ok_or("mdBook's context has no book root")?;
    let src = context["config"]["book"]["src"].as_str().unwrap_or("src");
    let src = Path::new(root).join(src);
    each_chapter(&mut book, &mut |chapter| {
        let Some(page) = chapter["source_path"].as_str().map(PathBuf::from) else {
            return;
        };
        let dir = src.join(page.parent().unwrap_or(Path::new("")));
        if let Some(content) = chapter["content"].as_str() {
            chapter["content"] = serde_json::Value::String(inline(content, &dir));
        }
    });
    serde_json::to_writer(output, &book).map_err(|error| format!("writing the book: {error}"))?;
    Ok(())
}

fn each_chapter(value: &mut serde_json::Value, each: &mut impl FnMut(&mut serde_json::Value)) {
    match value {
        serde_json::Value::Object(object) => {
            if let Some(chapter) = object.get_mut("Chapter") {
                each(chapter);
            }
            for (_, inner) in object.iter_mut() {
                each_chapter(inner, each);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                each_chapter(item, each);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = "<svg class=\"timeline\" viewBox=\"0 0 10 10\">\n\
                       <title>Timeline of a [b] &amp; c</title>\n\
                       <style>.timeline text{fill:var(--fg);font-family:var(--mono-font,monospace)}\
                       .timeline .grid{stroke:var(--table-border-color)}</style>\n\
                       <line class=\"grid\"/>\n\
                       </svg>";

    #[test]
    fn a_chart_file_has_colours_of_its_own_and_a_paper() {
        let file = file(SVG).unwrap();
        assert_eq!(
            file,
            format!(
                "{MARKER}\n<svg class=\"timeline\" viewBox=\"0 0 10 10\">\n\
                 <title>Timeline of a [b] &amp; c</title>\n\
                 <style>.timeline text{{fill:var(--fg,#1f2328);font-family:var(--mono-font,monospace)}}\
                 .timeline .grid{{stroke:var(--table-border-color,#d0d7de)}}</style>\n\
                 <rect width=\"100%\" height=\"100%\" style=\"fill:var(--bg,#ffffff)\" \
                 pointer-events=\"none\"/>\n\
                 <line class=\"grid\"/>\n\
                 </svg>\n"
            )
        );
        let unknown = super::file(&SVG.replace("--fg", "--accent")).unwrap_err();
        assert!(unknown.to_string().contains("`--accent`"), "{unknown}");
        assert!(super::file("<p>").is_err());
    }

    #[test]
    fn the_image_names_the_chart_by_its_title() {
        assert_eq!(image(SVG, "x.svg"), "![Timeline of a \\[b\\] & c](x.svg)");
    }

    #[test]
    fn the_book_draws_the_chart_where_the_page_shows_its_image() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.svg"), file(SVG).unwrap()).unwrap();
        std::fs::write(dir.path().join("plain.svg"), "<svg/>").unwrap();
        let page = format!(
            "# x\n\n{}\n\n![a picture](plain.svg)\n![gone](gone.svg)\n",
            image(SVG, "x.svg")
        );
        let drawn = inline(&page, dir.path());
        assert!(
            drawn.starts_with("# x\n\n<svg class=\"timeline\""),
            "{drawn}"
        );
        assert!(drawn.contains("</svg>\n\n![a picture](plain.svg)\n![gone](gone.svg)\n"));
        assert!(!drawn.contains(MARKER), "{drawn}");

        let book = serde_json::json!([
            {"root": dir.path(), "config": {"book": {"src": "."}}, "renderer": "html"},
            {"items": [
                {"Chapter": {"name": "x", "content": page, "source_path": "x.md",
                    "sub_items": [{"Chapter": {"name": "y", "content": page,
                        "source_path": "y.md", "sub_items": []}}]}},
                "Separator",
                {"PartTitle": "Part"}
            ]}
        ]);
        let mut output = Vec::new();
        preprocess(book.to_string().as_bytes(), &mut output).unwrap();
        let output: serde_json::Value = serde_json::from_slice(&output).unwrap();
        let chapter = &output["items"][0]["Chapter"];
        assert_eq!(chapter["content"], drawn.as_str());
        assert_eq!(
            chapter["sub_items"][0]["Chapter"]["content"],
            drawn.as_str()
        );
        assert_eq!(output["items"][1], "Separator");
    }
}
