//! The book's part for the `bridge` section ([`crate::lessons`]): a chapter, a
//! page per lesson with its Python and its Rust side by side and what it
//! prints, and last the recipe `docs/templates/bridge/hot-path.md`. The
//! sentences of its pages are in `docs/templates/prose/bridge.md`.

use std::fmt::Write as _;
use std::path::PathBuf;

use protocol::Header;

use super::concepts::Concepts;
use super::sections::code_starts_at;
use super::{MARKER, Page, concepts, read};
use crate::Error;
use crate::lessons::{Bridge, SECTION};
use crate::prose::{self, Prose};
use crate::workspace::Workspace;

/// The recipe, a template (`docs/templates`), relative to `docs/src`.
pub(super) const RECIPE: Page<'static> = Page {
    title: "Move a hot path of your asyncio service to Rust",
    path: "bridge/hot-path.md",
};

pub(super) struct LessonDoc {
    name: String,
    summary: String,
    body: String,
    code: String,
    code_starts_at: usize,
    http: bool,
    /// Its file, which `cargo xtask bridge` builds and runs.
    pub(super) source: String,
}

pub(super) struct BridgeDoc {
    description: String,
    pub(super) lessons: Vec<LessonDoc>,
}

impl BridgeDoc {
    pub(super) fn read(workspace: &Workspace) -> Result<Self, Error> {
        let bridge = Bridge::read(workspace)?;
        let lessons = bridge
            .lessons
            .iter()
            .map(|lesson| {
                let source = read(&bridge.rust(&lesson.name))?;
                let header = Header::parse(&source);
                Ok(LessonDoc {
                    name: lesson.name.clone(),
                    summary: header.summary,
                    body: header.body,
                    code: concepts::code(&source),
                    code_starts_at: code_starts_at(&source),
                    http: lesson.http,
                    source,
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Self {
            description: bridge.description,
            lessons,
        })
    }

    /// Each lesson's [`Code`](super::drift::Code), by `bridge/<lesson>`.
    pub(super) fn codes(&self) -> impl Iterator<Item = (String, super::drift::Code)> {
        let name = |lesson: &LessonDoc| format!("{SECTION}/{}", lesson.name);
        let lessons = self.lessons.iter();
        lessons.map(move |lesson| (name(lesson), super::drift::Code::of(&lesson.source)))
    }

    pub(super) fn summary_part(&self) -> Result<String, String> {
        let prose = Prose::of(prose::BRIDGE)?;
        let heading = prose.render("summary-heading", &[])?;
        let mut text = format!("\n{heading}\n\n- [{SECTION}]({SECTION}/index.md)\n");
        for lesson in &self.lessons {
            let _ = writeln!(text, "  - [{0}]({SECTION}/{0}.md)", lesson.name);
        }
        let _ = writeln!(text, "  - [{}]({})", RECIPE.title, RECIPE.path);
        Ok(text)
    }

    /// Its row in the README's table of sections, after theirs.
    pub(super) fn readme_row(&self) -> String {
        format!(
            "| [`{SECTION}`](crates/{SECTION}/python) | {} (`cargo xtask bridge`) | {} |\n",
            super::cell(&self.description),
            self.lessons.len()
        )
    }

    pub(super) fn pages(&self, concepts: &Concepts) -> Result<Vec<(PathBuf, String)>, String> {
        let prose = Prose::of(prose::BRIDGE)?;
        let dir = PathBuf::from(SECTION);
        let mut pages = vec![(dir.join("index.md"), self.chapter(&prose)?)];
        for lesson in &self.lessons {
            let page = page(lesson, concepts, &prose)?;
            pages.push((dir.join(format!("{}.md", lesson.name)), page));
        }
        Ok(pages)
    }

    fn chapter(&self, prose: &Prose) -> Result<String, String> {
        let mut text = format!(
            "{MARKER}\n# The `{SECTION}` section\n\n{}\n\n",
            self.description
        );
        let _ = write!(text, "{}\n\n", prose.render("chapter", &[])?);
        for lesson in &self.lessons {
            let _ = writeln!(text, "- [`{0}`]({0}.md): {1}", lesson.name, lesson.summary);
        }
        let page = RECIPE.path.trim_start_matches(&format!("{SECTION}/"));
        let recipe = prose.render("recipe", &[("title", RECIPE.title), ("page", page)])?;
        let _ = writeln!(text, "\n{recipe}");
        Ok(text)
    }
}

fn page(lesson: &LessonDoc, concepts: &Concepts, prose: &Prose) -> Result<String, String> {
    let name = &lesson.name;
    let python = format!("crates/{SECTION}/python/{name}.py");
    let rust = format!("crates/{SECTION}/src/{name}.rs");
    let golden = format!("tests/golden/{SECTION}/{name}.stdout");
    let mut text = format!("{MARKER}\n# `{name}`\n\n**{}**\n\n", lesson.summary);
    if !lesson.body.is_empty() {
        text.push_str(&lesson.body);
        text.push_str("\n\n");
    }
    text.push_str(&concepts.example_links(&lesson.code));
    let argument = if lesson.http {
        prose.render("lesson-takes-a-url", &[])?
    } else {
        String::new()
    };
    let start = lesson.code_starts_at.to_string();
    let values = [
        ("name", name.as_str()),
        ("python", &python),
        ("rust", &rust),
        ("start", &start),
        ("golden", &golden),
        ("argument", &argument),
    ];
    let _ = writeln!(text, "{}", prose.render("lesson", &values)?);
    Ok(text)
}
