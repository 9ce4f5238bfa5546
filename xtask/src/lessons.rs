//! Guards the `bridge` section's list of lessons against its files, for
//! `cargo xtask bridge` and the book.
//!
//! The bridge is a section for the learner but not a runner section: its
//! crate, `crates/bridge`, is a Python extension module (a `cdylib` built by
//! maturin) with no binary, so [`Workspace::section_names`], and with it
//! every tool that runs the sections' examples (`check-all`, `bless`,
//! `twins`, `cancel-sweep`, `export`, `list`), never sees it. Its lessons
//! are listed here instead, from `[package.metadata.lessons]` in its
//! `Cargo.toml`: each is an asyncio program, `python/<name>.py`, and the
//! Rust it calls, `src/<name>.rs`, with what the program prints in
//! `tests/golden/bridge/<name>.stdout` (so the golden check of the sections
//! leaves that directory to `cargo xtask bridge`, [`SECTION`]).

use std::path::{Path, PathBuf};

use crate::Error;
use crate::workspace::Workspace;

/// The bridge's package, and its directory under `tests/golden`.
pub const SECTION: &str = "bridge";

/// One lesson: a Python program and the Rust module it calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    pub name: String,
    /// Whether it makes HTTP requests, and so takes the base URL of an
    /// httpbin as its one argument.
    pub http: bool,
}

/// The bridge section: its description and its lessons in teaching order.
#[derive(Clone, Debug)]
pub struct Bridge {
    pub description: String,
    pub lessons: Vec<Lesson>,
    root: PathBuf,
}

impl Bridge {
    /// Reads the lessons from the bridge's `Cargo.toml`, and checks that
    /// each has both of its files and that no file of either kind is left
    /// out of the list.
    pub fn read(workspace: &Workspace) -> Result<Self, Error> {
        let metadata = workspace.metadata()?;
        let package = metadata
            .workspace_packages()
            .into_iter()
            .find(|package| *package.name == SECTION)
            .ok_or("the workspace has no `bridge` package (crates/bridge)")?;
        let lessons = &package.metadata["lessons"];
        let names = |key: &str| -> Result<Vec<String>, Error> {
            lessons[key]
                .as_array()
                .ok_or_else(|| {
                    format!(
                        "crates/bridge/Cargo.toml has no `[package.metadata.lessons] {key}` list"
                    )
                })?
                .iter()
                .map(|name| {
                    name.as_str().map(str::to_owned).ok_or_else(|| {
                        format!("`[package.metadata.lessons] {key}` must list names").into()
                    })
                })
                .collect()
        };
        let order = names("order")?;
        let http = names("http")?;
        let bridge = Self {
            description: package.description.clone().unwrap_or_default(),
            lessons: order
                .iter()
                .map(|name| Lesson {
                    name: name.clone(),
                    http: http.contains(name),
                })
                .collect(),
            root: workspace.root().to_path_buf(),
        };
        let problems = bridge.problems(&order, &http)?;
        if problems.is_empty() {
            Ok(bridge)
        } else {
            Err(problems.join("\n").into())
        }
    }

    /// `crates/bridge/python/<lesson>.py`.
    pub fn python(&self, lesson: &str) -> PathBuf {
        self.dir().join("python").join(format!("{lesson}.py"))
    }

    /// `crates/bridge/src/<lesson>.rs`.
    pub fn rust(&self, lesson: &str) -> PathBuf {
        self.dir().join("src").join(format!("{lesson}.rs"))
    }

    /// `crates/bridge`.
    pub fn dir(&self) -> PathBuf {
        self.root.join("crates").join(SECTION)
    }

    /// A path relative to the workspace root, for messages and the book.
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// What disagrees between the list and the files.
    fn problems(&self, order: &[String], http: &[String]) -> Result<Vec<String>, Error> {
        let mut problems = Vec::new();
        for (index, name) in order.iter().enumerate() {
            if order[..index].contains(name) {
                problems.push(format!(
                    "`[package.metadata.lessons] order` lists `{name}` twice"
                ));
            }
            for file in [self.python(name), self.rust(name)] {
                if !file.is_file() {
                    problems.push(format!(
                        "the lesson `{name}` has no {}",
                        self.relative(&file)
                    ));
                }
            }
        }
        for name in http.iter().filter(|name| !order.contains(name)) {
            problems.push(format!(
                "`[package.metadata.lessons] http` names `{name}`, which `order` does not list"
            ));
        }
        for (dir, extension, not_lessons) in
            [("python", "py", &[][..]), ("src", "rs", &["lib"][..])]
        {
            let dir = self.dir().join(dir);
            for entry in std::fs::read_dir(&dir)
                .map_err(|error| format!("{}: {error}", self.relative(&dir)))?
            {
                let path = entry?.path();
                let Some(stem) = path.file_stem().and_then(|stem| stem.to_str()) else {
                    continue;
                };
                if path.extension().is_some_and(|found| found == extension)
                    && !not_lessons.contains(&stem)
                    && !order.iter().any(|name| name == stem)
                {
                    problems.push(format!(
                        "{} is no lesson: add `{stem}` to `[package.metadata.lessons] order` in \
                         crates/bridge/Cargo.toml, or delete it",
                        self.relative(&path)
                    ));
                }
            }
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn the_real_bridge_lists_each_lesson_with_both_files() {
        let bridge = Bridge::read(&Workspace::locate()).unwrap();
        assert_eq!(
            bridge.lessons.first().map(|lesson| lesson.name.as_str()),
            Some("await_rust")
        );
        assert!(bridge.lessons.iter().any(|lesson| lesson.http));
        assert!(bridge.lessons.iter().any(|lesson| !lesson.http));
    }

    #[test]
    fn a_lesson_missing_a_file_or_a_file_missing_from_the_list_is_named() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("crates").join(SECTION);
        std::fs::create_dir_all(dir.join("python")).unwrap();
        std::fs::create_dir_all(dir.join("src")).unwrap();
        for file in [
            "python/one.py",
            "src/one.rs",
            "src/lib.rs",
            "python/stray.py",
        ] {
            std::fs::write(dir.join(file), "").unwrap();
        }
        std::fs::write(dir.join("src/two.rs"), "").unwrap();
        let bridge = Bridge {
            description: String::new(),
            lessons: Vec::new(),
            root: root.path().to_path_buf(),
        };
        let problems = bridge
            .problems(&names(&["one", "two", "one"]), &names(&["three"]))
            .unwrap();
        let all = problems.join("\n");
        assert!(all.contains("lists `one` twice"), "{all}");
        assert!(
            all.contains("`two` has no crates/bridge/python/two.py"),
            "{all}"
        );
        assert!(all.contains("http` names `three`"), "{all}");
        assert!(
            all.contains("crates/bridge/python/stray.py is no lesson"),
            "{all}"
        );
        assert!(!all.contains("lib.rs"), "{all}");
        assert_eq!(problems.len(), 4, "{all}");
    }
}
