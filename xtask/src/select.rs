//! Guards against golden files and twins left without an example, and says
//! which examples a FILTER selects, for every command that runs or exports
//! them.

use std::path::{Path, PathBuf};

use protocol::Listed;

use crate::golden::{self, DUMP, STDOUT, TIMELINE, TWIN_TIMELINE};
use crate::lessons;
use crate::workspace::{Section, Workspace};
use crate::{Error, Usage};

/// One example of a built section.
#[derive(Clone, Debug)]
pub struct Case {
    pub section: Section,
    pub example: Listed,
}

impl Case {
    pub fn id(&self) -> String {
        format!("{}/{}", self.section.name, self.example.name)
    }
}

/// Whether FILTER selects `section/example`: a section's whole name selects
/// that section; anything else, the examples whose `section/example`
/// contains it.
pub fn matches(
    filter: Option<&str>,
    all_sections: &[String],
    section: &str,
    example: &str,
) -> bool {
    match filter {
        None => true,
        Some(filter) if all_sections.iter().any(|s| s == filter) => section == filter,
        Some(filter) => format!("{section}/{example}").contains(filter),
    }
}

/// The sections a FILTER can match, built, with every example they list.
#[derive(Clone, Debug)]
pub struct Selection {
    filter: Option<String>,
    all_sections: Vec<String>,
    listed: Vec<(Section, Vec<Listed>)>,
    pub cases: Vec<Case>,
}

impl Selection {
    pub fn build(workspace: &Workspace, filter: Option<&str>) -> Result<Self, Error> {
        let all_sections = workspace.section_names()?;
        let mut listed = Vec::new();
        let mut cases = Vec::new();
        for section in workspace.build_for(filter)? {
            let examples = section.list()?;
            cases.extend(
                examples
                    .iter()
                    .filter(|example| matches(filter, &all_sections, &section.name, &example.name))
                    .map(|example| Case {
                        section: section.clone(),
                        example: example.clone(),
                    }),
            );
            listed.push((section, examples));
        }
        Ok(Self {
            filter: filter.map(str::to_owned),
            all_sections,
            listed,
            cases,
        })
    }

    fn matches(&self, section: &str, example: &str) -> bool {
        matches(self.filter.as_deref(), &self.all_sections, section, example)
    }

    fn is_example(&self, section: &str, example: &str) -> bool {
        self.listed.iter().any(|(built, examples)| {
            built.name == section && examples.iter().any(|listed| listed.name == example)
        })
    }

    /// Golden files the filter matches that belong to no example (the
    /// bridge's lessons are `cargo xtask bridge`'s to judge).
    pub fn golden_orphans(&self, golden_root: &Path) -> Result<Vec<PathBuf>, Error> {
        let mut orphans = Vec::new();
        for kind in [STDOUT, TIMELINE, DUMP, TWIN_TIMELINE] {
            for (section, example) in golden::all(golden_root, kind)? {
                let built = self.listed.iter().any(|(built, _)| built.name == section);
                let judged = built || !self.all_sections.contains(&section);
                if section != lessons::SECTION
                    && judged
                    && self.matches(&section, &example)
                    && !self.is_example(&section, &example)
                {
                    orphans.push(golden::path(golden_root, &section, &example, kind));
                }
            }
        }
        Ok(orphans)
    }

    /// Files with this extension in each selected section's `dir` that
    /// belong to no example (twins without an example).
    pub fn file_orphans(
        &self,
        dir: impl Fn(&str) -> PathBuf,
        extension: &str,
    ) -> Result<Vec<PathBuf>, Error> {
        let mut orphans = Vec::new();
        for (section, _) in &self.listed {
            let Ok(entries) = std::fs::read_dir(dir(&section.name)) else {
                continue;
            };
            for entry in entries {
                let file = entry?.path();
                if let Some(stem) = file.file_stem().and_then(|stem| stem.to_str())
                    && file.extension().is_some_and(|found| found == extension)
                    && self.matches(&section.name, stem)
                    && !self.is_example(&section.name, stem)
                {
                    orphans.push(file.clone());
                }
            }
        }
        orphans.sort();
        Ok(orphans)
    }

    pub fn matches_nothing(&self, what: &str) -> Error {
        Usage(format!(
            "no {what} matches `{}`; `cargo xtask list` shows them all",
            self.filter.as_deref().unwrap_or("")
        ))
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_name_selects_only_that_section() {
        let all = ["basics".to_owned(), "patterns".to_owned()];
        let filter = |text, section, example| matches(Some(text), &all, section, example);
        assert!(filter("basics", "basics", "hello_world"));
        assert!(!filter("basics", "patterns", "basics_of_queues"));
        assert!(filter("sics/hel", "basics", "hello_world"));
        assert!(!filter("basics/spawn", "basics", "hello_world"));
        assert!(matches(None, &all, "patterns", "anything"));
    }
}
