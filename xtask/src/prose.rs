//! Guards the book's generated prose against the code that fills it in.
//!
//! The sentences of the generated pages live in `docs/templates/prose/`,
//! one file a kind of page, as Markdown: each part under a line
//! `<!-- part: NAME -->`, with `{{name}}` where the generator puts a value
//! (mdBook's own `{{#include ...}}` is left to mdBook). A part is its text
//! between its line and the next one's, without the newlines that end it
//! or start it. An export's `main.rs` is a template of the same kind in
//! Rust, `docs/templates/export/main.rs`, its parts under `// part: NAME`.

use std::collections::BTreeMap;

/// A template, compiled in, and where it is.
#[derive(Clone, Copy)]
pub(crate) struct Template {
    path: &'static str,
    text: &'static str,
    syntax: Syntax,
}

/// How a template's lines mark its parts: as a comment of its language.
#[derive(Clone, Copy)]
enum Syntax {
    /// `<!-- part: NAME -->`.
    Markdown,
    /// `// part: NAME`.
    Rust,
}

impl Syntax {
    /// What comes before a part's name on its line, and what after.
    fn part_line(self) -> (&'static str, &'static str) {
        match self {
            Syntax::Markdown => ("<!-- part: ", " -->"),
            Syntax::Rust => ("// part: ", "\n"),
        }
    }
}

/// An example's page.
pub(crate) const EXAMPLE: Template = Template {
    path: "docs/templates/prose/example.md",
    text: include_str!("../../docs/templates/prose/example.md"),
    syntax: Syntax::Markdown,
};
/// A section's page.
pub(crate) const CHAPTER: Template = Template {
    path: "docs/templates/prose/chapter.md",
    text: include_str!("../../docs/templates/prose/chapter.md"),
    syntax: Syntax::Markdown,
};
/// The `bridge` section's pages.
pub(crate) const BRIDGE: Template = Template {
    path: "docs/templates/prose/bridge.md",
    text: include_str!("../../docs/templates/prose/bridge.md"),
    syntax: Syntax::Markdown,
};
/// The exercises' page, the guides' and the concepts'.
pub(crate) const INDEXES: Template = Template {
    path: "docs/templates/prose/indexes.md",
    text: include_str!("../../docs/templates/prose/indexes.md"),
    syntax: Syntax::Markdown,
};
/// An export's README.
pub(crate) const EXPORT: Template = Template {
    path: "docs/templates/prose/export.md",
    text: include_str!("../../docs/templates/prose/export.md"),
    syntax: Syntax::Markdown,
};

/// An export's `src/main.rs`.
pub(crate) const EXPORT_MAIN: Template = Template {
    path: "docs/templates/export/main.rs",
    text: include_str!("../../docs/templates/export/main.rs"),
    syntax: Syntax::Rust,
};

/// The directory of the pages' prose, under `docs/templates`, which `cargo xtask docs` does
/// not copy as pages.
pub(crate) const DIR: &str = "prose";

/// The parts of one template.
pub(crate) struct Prose {
    file: &'static str,
    parts: BTreeMap<&'static str, &'static str>,
}

impl Prose {
    /// The parts of `template`.
    pub(crate) fn of(template: Template) -> Result<Self, String> {
        Self::parse(template.path, template.text, template.syntax)
    }

    /// The parts of `text`, the template at `file` (named in errors).
    fn parse(file: &'static str, text: &'static str, syntax: Syntax) -> Result<Self, String> {
        let (open, close) = syntax.part_line();
        let mut parts = BTreeMap::new();
        let mut rest = match text.find(open) {
            Some(at) => &text[at..],
            None => return Err(format!("{file}: no `{open}NAME{}` line", close.trim_end())),
        };
        while let Some(after) = rest.strip_prefix(open) {
            let Some((name, body)) = after.split_once(close) else {
                let close = close.escape_default();
                return Err(format!("{file}: a `{open}` line without its `{close}`"));
            };
            let end = body
                .find(&format!("\n{open}"))
                .map_or(body.len(), |at| at + 1);
            if parts.insert(name, body[..end].trim_matches('\n')).is_some() {
                return Err(format!("{file}: two parts named `{name}`"));
            }
            rest = &body[end..];
        }
        Ok(Self { file, parts })
    }

    /// Part `name` with each `{{key}}` replaced by its value: every
    /// placeholder must have one, and every value a placeholder.
    pub(crate) fn render(&self, name: &str, values: &[(&str, &str)]) -> Result<String, String> {
        let file = self.file;
        let Some(text) = self.parts.get(name) else {
            return Err(format!("{file} has no part `{name}`"));
        };
        let mut out = String::with_capacity(text.len());
        let mut used = vec![false; values.len()];
        let mut rest = *text;
        while let Some(at) = rest.find("{{") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let key_end = after.find(|c: char| !(c.is_ascii_lowercase() || c == '_'));
            let key = key_end.map_or(after, |end| &after[..end]);
            if key.is_empty() || !after[key.len()..].starts_with("}}") {
                // Not a placeholder: mdBook's `{{#include ...}}`.
                out.push_str("{{");
                rest = after;
                continue;
            }
            let Some(index) = values.iter().position(|(wanted, _)| *wanted == key) else {
                return Err(format!(
                    "{file}: part `{name}` has `{{{{{key}}}}}`, given no value"
                ));
            };
            used[index] = true;
            out.push_str(values[index].1);
            rest = &after[key.len() + 2..];
        }
        out.push_str(rest);
        if let Some(index) = used.iter().position(|used| !used) {
            let key = values[index].0;
            return Err(format!("{file}: part `{name}` has no `{{{{{key}}}}}`"));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Notes for whoever edits this.\n\n<!-- part: run -->\nRun `{{command}}`:\n\n\
                        ```sh\n{{#include ../{{file}}}}\n```\n\n<!-- part: empty -->\n";

    #[test]
    fn parts_are_filled_in_and_mdbook_includes_kept() {
        let prose = Prose::parse("test.md", TEXT, Syntax::Markdown).unwrap();
        let run = prose.render("run", &[("command", "cargo run"), ("file", "x.rs")]);
        assert_eq!(
            run.unwrap(),
            "Run `cargo run`:\n\n```sh\n{{#include ../x.rs}}\n```"
        );
        assert_eq!(prose.render("empty", &[]).unwrap(), "");
    }

    #[test]
    fn a_placeholder_without_a_value_or_a_value_without_a_placeholder_is_an_error() {
        let prose = Prose::parse("test.md", TEXT, Syntax::Markdown).unwrap();
        let missing = prose
            .render("run", &[("command", "cargo run")])
            .unwrap_err();
        assert!(missing.contains("`{{file}}`, given no value"), "{missing}");
        let extra = [("command", "c"), ("file", "f"), ("typo", "t")];
        let unused = prose.render("run", &extra).unwrap_err();
        assert!(unused.contains("has no `{{typo}}`"), "{unused}");
        assert!(
            prose
                .render("gone", &[])
                .unwrap_err()
                .contains("no part `gone`")
        );
        let twice = "<!-- part: a -->\nx\n<!-- part: a -->\ny\n";
        assert!(Prose::parse("t.md", twice, Syntax::Markdown).is_err());
    }

    /// A Rust template's parts are under `// part: NAME` lines, after
    /// comments that are no part.
    #[test]
    fn a_rust_templates_parts_are_under_its_part_lines() {
        let text = "// Notes: a `part:` line starts a part.\n\n// part: main\n\
                    mod {{name}};\n\n// Why.\nfn main() {\n    {{name}}::run();\n}\n\n\
                    // part: empty\n";
        let template = Prose::parse("main.rs", text, Syntax::Rust).unwrap();
        assert_eq!(
            template.render("main", &[("name", "demo")]).unwrap(),
            "mod demo;\n\n// Why.\nfn main() {\n    demo::run();\n}"
        );
        assert_eq!(template.render("empty", &[]).unwrap(), "");
        let error = Prose::parse("main.rs", "fn main() {}\n", Syntax::Rust).err();
        assert_eq!(error.as_deref(), Some("main.rs: no `// part: NAME` line"));
    }

    /// Every template parses.
    #[test]
    fn the_templates_parse() {
        for template in [EXAMPLE, CHAPTER, BRIDGE, INDEXES, EXPORT, EXPORT_MAIN] {
            Prose::of(template).unwrap();
        }
    }
}
