//! Which examples a FILTER selects: the one step every command that runs or
//! exports examples starts with (`check-all`, `bless`, `twins`,
//! `cancel-sweep`, `export --check-all`, `new`). It builds the sections (a dev build builds
//! them all), keeps those the filter can match, lists each once (its
//! binary's `--list=tsv`), and keeps the examples the filter matches; the
//! files left without an example (golden files, twins) are found from that
//! same listing. A filter
//! that matches nothing is a usage mistake ([`Usage`], exit code 2), never
//! "0 passed, 0 failed".

use std::path::{Path, PathBuf};

use protocol::Listed;

use crate::golden;
use crate::lessons;
use crate::workspace::{Section, Workspace};
use crate::{Error, Usage};

/// One example of one section.
#[derive(Clone, Debug)]
pub struct Case {
    pub section: Section,
    pub example: Listed,
}

impl Case {
    /// `section/example`, the name filters match and reports use.
    pub fn id(&self) -> String {
        format!("{}/{}", self.section.name, self.example.name)
    }
}

/// Which examples a FILTER selects: the name of a section (one of
/// `all_sections`) selects that whole section; anything else selects the
/// examples whose `section/example` contains it.
#[derive(Clone, Copy, Debug)]
pub struct Filter<'a> {
    filter: Option<&'a str>,
    whole_section: bool,
}

impl<'a> Filter<'a> {
    pub fn new(filter: Option<&'a str>, all_sections: &[String]) -> Self {
        let whole_section =
            filter.is_some_and(|filter| all_sections.iter().any(|name| name == filter));
        Self {
            filter,
            whole_section,
        }
    }

    pub fn matches(&self, section: &str, example: &str) -> bool {
        match self.filter {
            None => true,
            Some(filter) if self.whole_section => section == filter,
            Some(filter) => format!("{section}/{example}").contains(filter),
        }
    }
}

/// The examples a filter selects, and what is needed to judge the files
/// that have none.
#[derive(Clone, Debug)]
pub struct Selection {
    filter: Option<String>,
    /// Every section of the workspace, built or not.
    all_sections: Vec<String>,
    /// The built sections, each with every example it lists.
    listed: Vec<(Section, Vec<Listed>)>,
    /// The examples the filter matches, in teaching and running order.
    pub cases: Vec<Case>,
}

impl Selection {
    /// Builds the sections `filter` can match and selects their examples.
    pub fn build(workspace: &Workspace, filter: Option<&str>) -> Result<Self, Error> {
        let sections = workspace.build_for(filter)?;
        let all_sections = workspace.section_names()?;
        Self::of(sections, all_sections, filter)
    }

    /// Selects from sections already built; `all_sections` names every
    /// section of the workspace.
    pub fn of(
        sections: Vec<Section>,
        all_sections: Vec<String>,
        filter: Option<&str>,
    ) -> Result<Self, Error> {
        let matcher = Filter::new(filter, &all_sections);
        let mut listed = Vec::new();
        let mut cases = Vec::new();
        for section in sections {
            let examples = section.list()?;
            cases.extend(
                examples
                    .iter()
                    .filter(|example| matcher.matches(&section.name, &example.name))
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

    pub fn filter(&self) -> Filter<'_> {
        Filter::new(self.filter.as_deref(), &self.all_sections)
    }

    /// Keeps only the cases `keep` accepts (a server check runs only the
    /// HTTP examples).
    pub fn retain(&mut self, keep: impl Fn(&Listed) -> bool) {
        self.cases.retain(|case| keep(&case.example));
    }

    fn is_example(&self, section: &str, example: &str) -> bool {
        self.listed.iter().any(|(built, examples)| {
            built.name == section && examples.iter().any(|listed| listed.name == example)
        })
    }

    /// Whether the files of `section` can be judged: it was built, or no
    /// section of that name exists any more (so all its files are orphans).
    /// The bridge's are `cargo xtask bridge`'s to judge ([`lessons`]).
    fn judges(&self, section: &str) -> bool {
        section != lessons::SECTION
            && (self.listed.iter().any(|(built, _)| built.name == section)
                || !self.all_sections.iter().any(|name| name == section))
    }

    /// The golden files the filter matches that have no example: stdout,
    /// timeline and dump.
    pub fn golden_orphans(&self, golden_root: &Path) -> Result<Vec<PathBuf>, Error> {
        let filter = self.filter();
        let mut orphans = Vec::new();
        for extension in [golden::STDOUT, golden::TIMELINE, golden::DUMP] {
            for (section, example) in golden::all(golden_root, extension)? {
                if filter.matches(&section, &example)
                    && self.judges(&section)
                    && !self.is_example(&section, &example)
                {
                    orphans.push(
                        golden_root
                            .join(&section)
                            .join(format!("{example}.{extension}")),
                    );
                }
            }
        }
        Ok(orphans)
    }

    /// The files `dir(section)/<name>.<extension>` of the built sections
    /// that the filter matches and that name no example (the twins).
    pub fn file_orphans(
        &self,
        dir: impl Fn(&str) -> PathBuf,
        extension: &str,
    ) -> Result<Vec<PathBuf>, Error> {
        let filter = self.filter();
        let mut orphans = Vec::new();
        for (section, _) in &self.listed {
            let Ok(entries) = std::fs::read_dir(dir(&section.name)) else {
                continue;
            };
            let mut found = Vec::new();
            for entry in entries {
                let file = entry?.path();
                let Some(stem) = file.file_stem().and_then(|stem| stem.to_str()) else {
                    continue;
                };
                if file.extension().is_some_and(|found| found == extension)
                    && filter.matches(&section.name, stem)
                    && !self.is_example(&section.name, stem)
                {
                    found.push(file.clone());
                }
            }
            found.sort();
            orphans.extend(found);
        }
        Ok(orphans)
    }

    /// The usage mistake of a filter that selects nothing; `what` is
    /// "example" or "HTTP example".
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
        let filter = |text| Filter::new(Some(text), &all);
        assert!(filter("basics").matches("basics", "hello_world"));
        assert!(!filter("basics").matches("patterns", "basics_of_queues"));
        assert!(filter("basics/").matches("basics", "hello_world"));
        assert!(filter("hello").matches("basics", "hello_world"));
        assert!(filter("sics/hel").matches("basics", "hello_world"));
        assert!(!filter("basics/spawn").matches("basics", "hello_world"));
        assert!(Filter::new(None, &all).matches("patterns", "anything"));
    }
}
