//! The book's part for the `bridge` section ([`crate::lessons`]): a chapter, a
//! page per lesson with its Python and its Rust side by side and what it
//! prints, and last the recipe `docs/templates/bridge/hot-path.md`.

use std::fmt::Write as _;
use std::path::PathBuf;

use protocol::Header;

use super::concepts::Concepts;
use super::sections::code_starts_at;
use super::{MARKER, concepts, read};
use crate::Error;
use crate::lessons::{Bridge, SECTION};
use crate::workspace::Workspace;

/// The recipe, a template (`docs/templates`), relative to `docs/src`.
pub(super) const RECIPE: (&str, &str) = (
    "Move a hot path of your asyncio service to Rust",
    "bridge/hot-path.md",
);

const PART: &str = "asyncio and Rust in one process";

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
        lessons.map(move |lesson| (name(lesson), super::drift::Code::of(&lesson.code)))
    }

    pub(super) fn summary_part(&self) -> String {
        let mut text = format!("\n# {PART}\n\n- [{SECTION}]({SECTION}/index.md)\n");
        for lesson in &self.lessons {
            let _ = writeln!(text, "  - [{0}]({SECTION}/{0}.md)", lesson.name);
        }
        let (title, page) = RECIPE;
        let _ = writeln!(text, "  - [{title}]({page})");
        text
    }

    /// Its row in the README's table of sections, after theirs.
    pub(super) fn readme_row(&self) -> String {
        format!(
            "| [`{SECTION}`](crates/{SECTION}/python) | {} (`cargo xtask bridge`) | {} |\n",
            super::cell(&self.description),
            self.lessons.len()
        )
    }

    pub(super) fn pages(&self, concepts: &Concepts) -> Vec<(PathBuf, String)> {
        let dir = PathBuf::from(SECTION);
        let mut pages = vec![(dir.join("index.md"), self.chapter())];
        for lesson in &self.lessons {
            let page = page(lesson, concepts);
            pages.push((dir.join(format!("{}.md", lesson.name)), page));
        }
        pages
    }

    fn chapter(&self) -> String {
        let mut text = format!(
            "{MARKER}\n# The `{SECTION}` section\n\n{}\n\n",
            self.description
        );
        text.push_str(
            "Its examples are pairs: an asyncio program, and the Rust it calls, built into a \
             Python extension module (`crates/bridge`) with [PyO3](https://pyo3.rs), \
             [pyo3-async-runtimes](https://docs.rs/pyo3-async-runtimes) and \
             [maturin](https://www.maturin.rs). One command builds the module into a \
             virtualenv of its own under `target/` and runs every program (you need Python \
             3.11 or later, with `venv` and `pip`):\n\n\
             ```sh\ncargo xtask bridge               # or one: cargo xtask bridge gil\n```\n\n\
             By hand, in a virtualenv of yours:\n\n\
             ```sh\n\
             python3 -m venv .venv && . .venv/bin/activate\n\
             pip install maturin\n\
             maturin develop --manifest-path crates/bridge/Cargo.toml\n\
             python -P crates/bridge/python/gil.py\n\
             cargo run -p httpbin -- --port 8080 &   # for the programs that make HTTP requests\n\
             python -P crates/bridge/python/await_rust.py http://127.0.0.1:8080\n\
             ```\n\n\
             ## Examples\n\n",
        );
        for lesson in &self.lessons {
            let _ = writeln!(text, "- [`{0}`]({0}.md): {1}", lesson.name, lesson.summary);
        }
        let (title, page) = RECIPE;
        let page = page.trim_start_matches(&format!("{SECTION}/"));
        let _ = writeln!(
            text,
            "\nThen the recipe that puts them together: [{title}]({page})."
        );
        text
    }
}

fn page(lesson: &LessonDoc, concepts: &Concepts) -> String {
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
        " It makes HTTP requests: run by hand, it takes the base URL of an httpbin \
         (`cargo run -p httpbin -- --port 8080` serves one) as its one argument."
    } else {
        ""
    };
    let _ = write!(
        text,
        "## Run it\n\n```sh\ncargo xtask bridge {name}\n```\n\n\
         builds the extension module and runs `{python}` with it \
         ([the section's page](index.md) says how to do the same by hand).{argument}\n\n\
         ## The Python and the Rust\n\n\
         <div style=\"display: flex; flex-wrap: wrap; gap: 0 1.5em\">\n\
         <div style=\"flex: 1 1 30em; min-width: 0\">\n\n\
         `{python}`\n\n\
         ```python\n{{{{#include ../../../{python}}}}}\n```\n\n\
         </div>\n\
         <div style=\"flex: 1 1 30em; min-width: 0\">\n\n\
         `{rust}`, after its header\n\n\
         ```rust,ignore\n{{{{#include ../../../{rust}:{start}:}}}}\n```\n\n\
         </div>\n\
         </div>\n\n\
         ## What it prints\n\n\
         On the real clock, where a timer fires late, never early: the project's tests run \
         it and check that it still prints this, but for its times.\n\n\
         ```text\n{{{{#include ../../../{golden}}}}}\n```\n",
        start = lesson.code_starts_at,
    );
    text
}
