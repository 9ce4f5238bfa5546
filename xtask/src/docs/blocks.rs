//! Every Rust or TOML block a learner may copy builds as printed, comments
//! too: its lines stand, in the same order, in a file that is built as
//! printed: an example's export (its file, `main.rs`, `Cargo.toml`), a
//! bridge lesson, or a file of a directory whose `Cargo.toml` is a
//! workspace of its own. A block typed into a page, or shown from a file
//! that builds only inside this workspace, fails `docs --check`. A block
//! marked `compile_fail` must stand in one of the cases trybuild checks do
//! not compile, and no other block may.

use std::collections::HashMap;
use std::path::Path;

use super::generate::files_under;
use super::read;
use crate::Error;

/// Where standalone projects may live.
const PROJECTS: [&str; 3] = ["crates", "exercises", "tests"];

/// The directories of trybuild's cases, which must not compile: the `.rs`
/// files directly in one.
const COMPILE_FAIL: &str = "compile-fail";

/// A line that stands for lines left out of an excerpt.
const ELISIONS: [&str; 3] = ["...", "// ...", "/* ... */"];

/// The lines of every compiled file, trimmed, blank ones dropped, how it
/// builds, and where each line occurs.
pub struct Built {
    files: Vec<BuiltFile>,
    /// Where each line stands in [`Self::files`].
    at: HashMap<String, Vec<Place>>,
}

/// A compiled file: how it builds, and its [`significant`] lines.
struct BuiltFile {
    builds: Builds,
    lines: Vec<String>,
}

/// A line of one of the [`BuiltFile`]s: its index, and the line's.
#[derive(Clone, Copy)]
struct Place {
    file: usize,
    line: usize,
}

/// How a file builds, and what a block may ask of the file it comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Builds {
    /// Inside the workspace: a snippet of it builds.
    InWorkspace,
    /// As a project of its own, as a reader copies it whole.
    Alone,
    /// Not at all: a case trybuild checks is refused.
    Refused,
}

impl Built {
    /// `exported`: the text of each file an export writes and of each
    /// lesson; the projects are found under `root`.
    pub fn read(root: &Path, exported: &[String]) -> Result<Self, Error> {
        let mut files: Vec<_> = exported
            .iter()
            .map(|text| BuiltFile {
                builds: Builds::Alone,
                lines: significant(text),
            })
            .collect();
        for dir in PROJECTS {
            let mut projects = Vec::new();
            for manifest in files_under(&root.join(dir), &["toml"])? {
                let manifest = root.join(dir).join(&manifest);
                if read(&manifest)?
                    .lines()
                    .any(|line| line.trim() == "[workspace]")
                {
                    projects.extend(manifest.parent().map(Path::to_path_buf));
                }
            }
            for relative in files_under(&root.join(dir), &["rs", "toml"])? {
                // A case stands in the directory itself; its package's
                // test, under tests/, compiles.
                let refused = relative
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|dir| dir == COMPILE_FAIL);
                let path = root.join(dir).join(relative);
                let builds = if refused {
                    Builds::Refused
                } else if projects.iter().any(|project| path.starts_with(project)) {
                    Builds::Alone
                } else {
                    Builds::InWorkspace
                };
                if builds == Builds::Alone || path.extension().is_some_and(|ext| ext == "rs") {
                    let lines = significant(&read(&path)?);
                    files.push(BuiltFile { builds, lines });
                }
            }
        }
        let mut at: HashMap<String, Vec<Place>> = HashMap::new();
        for (file, built) in files.iter().enumerate() {
            for (line, text) in built.lines.iter().enumerate() {
                at.entry(text.clone())
                    .or_default()
                    .push(Place { file, line });
            }
        }
        Ok(Self { files, at })
    }

    /// Whether each run of `block` between elisions stands unbroken in one
    /// file that builds as `wanted` asks (a file built alone will do for a
    /// snippet), the runs in order.
    fn builds(&self, block: &str, wanted: Builds) -> bool {
        let lines = significant(block);
        let runs: Vec<&[String]> = lines
            .split(|line| ELISIONS.contains(&line.as_str()))
            .filter(|run| !run.is_empty())
            .collect();
        let Some(first) = runs.first().and_then(|run| run.first()) else {
            return true;
        };
        self.at
            .get(first)
            .into_iter()
            .flatten()
            .any(|&Place { file, line }| {
                let BuiltFile { builds, lines } = &self.files[file];
                let fits = match wanted {
                    Builds::InWorkspace => *builds != Builds::Refused,
                    wanted => *builds == wanted,
                };
                if !fits {
                    return false;
                }
                let mut from = line;
                runs.iter().all(|run| {
                    let found = (from..lines.len()).find(|&at| lines[at..].starts_with(run));
                    found.inspect(|at| from = at + run.len()).is_some()
                })
            })
    }
}

/// The lines of `text` a block must show as they are: trimmed, without
/// blank lines. Comments count: a comment a page shows is the code's.
fn significant(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The Rust and TOML blocks of `text` that nothing builds, a line each.
pub fn unbuilt(page: &str, text: &str, built: &Built) -> Vec<String> {
    let mut problems = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((start, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .map(|(_, line)| line)
            .take_while(|line| !line.trim_start().starts_with("```"))
            .collect();
        let mut tags = info.split(',').map(str::trim);
        let language = tags.next().unwrap_or_default();
        let whole = language == "toml" || body.first().is_some_and(|l| l.starts_with("//!"));
        let wanted = if tags.any(|tag| tag == "compile_fail") {
            Builds::Refused
        } else if whole {
            Builds::Alone
        } else {
            Builds::InWorkspace
        };
        if !matches!(language, "rust" | "toml") || built.builds(&body.join("\n"), wanted) {
            continue;
        }
        let why = match wanted {
            Builds::Refused => format!(
                "this {language} block is marked compile_fail, but no case in a \
                 {COMPILE_FAIL}/ directory shows that it does not compile"
            ),
            _ => format!(
                "this {language} block is not built as printed: show an example's or a \
                 lesson's file, a file of a project built on its own, or for a snippet, \
                 lines of a file the workspace compiles (mark one that must not compile \
                 compile_fail, and show a {COMPILE_FAIL}/ case)"
            ),
        };
        problems.push(format!("{page}:{}: {why}", start + 1));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(files: &[&str]) -> Built {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("crates/project");
        std::fs::create_dir_all(project.join("src")).unwrap();
        std::fs::write(project.join("Cargo.toml"), "[package]\n\n[workspace]\n").unwrap();
        for (index, text) in files.iter().enumerate() {
            std::fs::write(project.join(format!("src/{index}.rs")), text).unwrap();
        }
        let member = dir.path().join("crates/member");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(member.join("Cargo.toml"), "[package]\n").unwrap();
        std::fs::write(member.join("lib.rs"), "//! Member.\nlet w = 4;\n").unwrap();
        std::fs::create_dir_all(member.join(COMPILE_FAIL)).unwrap();
        let refused = member.join(COMPILE_FAIL).join("case.rs");
        std::fs::write(refused, "let r = Rc::new(1);\n").unwrap();
        // The cases' own package: its test, which trybuild runs, compiles.
        let harness = member.join(COMPILE_FAIL).join("tests");
        std::fs::create_dir_all(&harness).unwrap();
        std::fs::write(harness.join("cases.rs"), "let t = trybuild();\n").unwrap();
        let exported = ["[dependencies]\ntokio = \"1\"\n".to_owned()];
        Built::read(dir.path(), &exported).unwrap()
    }

    #[test]
    fn a_block_builds_when_its_runs_stand_in_order_in_one_project_file() {
        let built =
            built(&["fn a() {\n    let x = 1;\n\n    // Two.\n    let y = 2;\n    x + y\n}\n"]);
        let page = |body: &str| format!("Text\n\n```rust,ignore\n{body}\n```\n");
        let fails = |body: &str| unbuilt("page.md", &page(body), &built);
        assert!(
            fails("let x = 1;\n    // Two.\nlet y = 2;").is_empty(),
            "indent and blank lines aside"
        );
        assert_eq!(
            fails("let x = 1; // one\nlet y = 2;").len(),
            1,
            "a comment the code does not have"
        );
        assert!(
            fails("fn a() {\n    // ...\n    x + y\n}").is_empty(),
            "an elision"
        );
        assert_eq!(fails("let y = 2;\nlet x = 1;").len(), 1, "out of order");
        assert_eq!(
            fails("fn a() {\n    x + y\n}").len(),
            1,
            "a gap with no elision"
        );
        assert_eq!(fails("let z = 3;").len(), 1, "in no file");
        assert!(
            fails("let w = 4;").is_empty(),
            "a snippet of a workspace member"
        );
        assert_eq!(
            fails("//! Member.\nlet w = 4;").len(),
            1,
            "a member's whole file"
        );
        let refused = |body: &str| {
            unbuilt(
                "page.md",
                &page(body).replace(",ignore", ",compile_fail"),
                &built,
            )
        };
        assert!(
            refused("let r = Rc::new(1);").is_empty(),
            "a case that must not compile"
        );
        assert_eq!(
            fails("let r = Rc::new(1);").len(),
            1,
            "shown as if it compiled"
        );
        assert_eq!(refused("let w = 4;").len(), 1, "marked so, but it compiles");
        assert_eq!(
            refused("let t = trybuild();").len(),
            1,
            "the cases' test, marked so, but it compiles"
        );
        assert!(
            fails("let t = trybuild();").is_empty(),
            "the cases' test, which compiles"
        );
        let toml = "```toml\n[dependencies]\ntokio = \"1\"\n```\n```toml\ntokio = \"2\"\n```\n";
        let problems = unbuilt("page.md", toml, &built);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("page.md:5: this toml block"),
            "{problems:?}"
        );
        assert!(unbuilt("page.md", "```sh\ncargo run\n```\n", &built).is_empty());
    }
}
