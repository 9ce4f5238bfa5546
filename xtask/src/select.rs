//! Guards against golden files and twins left without an example, and says
//! which examples a FILTER selects, for every command that runs or exports
//! them.

use std::path::{Path, PathBuf};

use protocol::{Listed, name_contains, same_name};

use crate::golden::{self, DUMP, GoldenFile, STDOUT, TIMELINE, TWIN_TIMELINE};
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

/// What a FILTER selects, read the same way by every command that takes one
/// (`check-all`, `bless`, `twins`, `cancel-sweep`, `export --check-all`,
/// `bridge`). Names are compared as [`protocol::same_name`] compares them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// No FILTER.
    Everything,
    /// `basics`: a section's examples.
    Section(String),
    /// `basics/spawn`: the examples of a section whose name contains a part.
    InSection { section: String, part: String },
    /// `spawn`: the examples of every section whose name contains it.
    Anywhere(String),
}

impl Filter {
    /// Reads a FILTER, given the names of the sections it may name.
    pub fn parse(text: Option<&str>, sections: &[String]) -> Result<Self, Usage> {
        let Some(text) = text else {
            return Ok(Filter::Everything);
        };
        let section_named = |typed: &str| sections.iter().find(|name| same_name(typed, name));
        let not_a_filter = || {
            Usage(format!(
                "`{text}`: a FILTER is a section, SECTION/PART or a PART of an example's name, \
                 such as basics, basics/spawn or spawn"
            ))
        };
        // A part of separators alone (`-`, which matches `_`) is in nearly
        // every name, and `/` alone in every `section/example`: either
        // would select them all.
        let a_part = |part: &str| {
            if part.chars().any(char::is_alphanumeric) {
                Ok(part.to_owned())
            } else if part.is_empty() {
                Err(not_a_filter())
            } else {
                Err(Usage(format!(
                    "`{text}`: a PART needs a letter or a digit (`-` and `_` are in nearly \
                     every name)"
                )))
            }
        };
        let Some((typed_section, part)) = text.split_once('/') else {
            if let Some(section) = section_named(text) {
                return Ok(Filter::Section(section.clone()));
            }
            return Ok(Filter::Anywhere(a_part(text)?));
        };
        if part.contains('/') {
            return Err(not_a_filter());
        }
        if typed_section.is_empty() {
            return Ok(Filter::Anywhere(a_part(part)?));
        }
        let Some(section) = section_named(typed_section) else {
            let sections = sections.join(", ");
            return Err(Usage(format!(
                "`{text}`: there is no section `{typed_section}`; the sections are {sections}"
            )));
        };
        if part.is_empty() {
            return Ok(Filter::Section(section.clone()));
        }
        Ok(Filter::InSection {
            section: section.clone(),
            part: a_part(part)?,
        })
    }

    /// Whether it selects `section/example`.
    pub fn selects(&self, section: &str, example: &str) -> bool {
        match self {
            Filter::Everything => true,
            Filter::Section(name) => section == name,
            Filter::InSection {
                section: name,
                part,
            } => section == name && name_contains(example, part),
            Filter::Anywhere(part) => name_contains(example, part),
        }
    }

    /// Whether it can select an example of `section`.
    pub fn reaches(&self, section: &str) -> bool {
        match self {
            Filter::Everything | Filter::Anywhere(_) => true,
            Filter::Section(name) | Filter::InSection { section: name, .. } => section == name,
        }
    }
}

/// The sections a FILTER can match, built, with every example they list.
#[derive(Clone, Debug)]
pub struct Selection {
    /// As it was typed, for messages.
    typed: Option<String>,
    filter: Filter,
    all_sections: Vec<String>,
    listed: Vec<BuiltSection>,
    pub cases: Vec<Case>,
}

/// A section the filter reaches, built, and every example it lists.
#[derive(Clone, Debug)]
struct BuiltSection {
    section: Section,
    examples: Vec<Listed>,
}

impl Selection {
    pub fn build(workspace: &Workspace, typed: Option<&str>) -> Result<Self, Error> {
        let all_sections = workspace.section_names()?;
        let filter = Filter::parse(typed, &all_sections)?;
        let reached: Vec<String> = all_sections
            .iter()
            .filter(|name| filter.reaches(name))
            .cloned()
            .collect();
        let mut listed = Vec::new();
        let mut cases = Vec::new();
        for section in workspace.build(&reached)? {
            let examples = section.list()?;
            for example in &examples {
                if filter.selects(&section.name, &example.name) {
                    let (section, example) = (section.clone(), example.clone());
                    cases.push(Case { section, example });
                }
            }
            listed.push(BuiltSection { section, examples });
        }
        Ok(Self {
            typed: typed.map(str::to_owned),
            filter,
            all_sections,
            listed,
            cases,
        })
    }

    fn is_example(&self, section: &str, example: &str) -> bool {
        self.listed.iter().any(|built| {
            built.section.name == section
                && built.examples.iter().any(|listed| listed.name == example)
        })
    }

    /// Golden files the filter matches that belong to no example (the
    /// bridge's lessons are `cargo xtask bridge`'s to judge).
    pub fn golden_orphans(&self, golden_root: &Path) -> Result<Vec<PathBuf>, Error> {
        let mut orphans = Vec::new();
        for kind in [STDOUT, TIMELINE, DUMP, TWIN_TIMELINE] {
            for GoldenFile { section, example } in golden::all(golden_root, kind)? {
                let built = self
                    .listed
                    .iter()
                    .any(|built| built.section.name == section);
                let judged = built || !self.all_sections.contains(&section);
                if section != lessons::SECTION
                    && judged
                    && self.filter.selects(&section, &example)
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
        for BuiltSection { section, .. } in &self.listed {
            let Ok(entries) = std::fs::read_dir(dir(&section.name)) else {
                continue;
            };
            for entry in entries {
                let file = entry?.path();
                if let Some(stem) = file.file_stem().and_then(|stem| stem.to_str())
                    && file.extension().is_some_and(|found| found == extension)
                    && self.filter.selects(&section.name, stem)
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
            self.typed.as_deref().unwrap_or("")
        ))
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Filter, String> {
        let sections = ["basics".to_owned(), "real-world".to_owned()];
        Filter::parse(Some(text), &sections).map_err(|usage| usage.0)
    }

    #[test]
    fn a_filter_is_a_section_a_part_of_a_name_or_both() {
        let section = |name: &str| Filter::Section(name.to_owned());
        assert_eq!(parse("basics"), Ok(section("basics")));
        assert_eq!(parse("basics/"), Ok(section("basics")));
        assert_eq!(parse("real_world"), Ok(section("real-world")));
        let spawn = Filter::Anywhere("spawn".to_owned());
        assert_eq!(parse("spawn"), Ok(spawn.clone()));
        assert_eq!(parse("/spawn"), Ok(spawn));
        let hello = parse("basics/hello-world").unwrap();
        assert!(hello.selects("basics", "hello_world"));
        assert!(!hello.selects("real-world", "hello_world"));
        assert!(parse("sics/hel").unwrap_err().contains("no section `sics`"));
        let basics = parse("basics").unwrap();
        assert!(!basics.selects("patterns", "basics_of_queues"));
        assert!(Filter::Everything.selects("patterns", "anything"));
    }

    /// Every `section/example` contains a `/`: `bless /` blessed them all;
    /// and nearly every name a `_`, which `-` matches: `bless /-` blessed 121.
    #[test]
    fn a_filter_that_would_select_everything_by_accident_is_refused() {
        for text in ["/", "basics/x/y", "//", ""] {
            let error = parse(text).unwrap_err();
            assert!(error.contains("a FILTER is a section"), "{text}: {error}");
        }
        for text in ["-", "/-", "_", "basics/_-"] {
            let error = parse(text).unwrap_err();
            assert!(error.contains("a PART needs a letter"), "{text}: {error}");
        }
    }
}
