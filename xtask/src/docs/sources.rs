//! The examples as their files say, read without building anything: what
//! `docs --check --text` checks the pages against, and what the generated
//! pages that need no run of an example are made from. An example is a
//! `mod` item of its section's `src/main.rs`, as CONTRIBUTING.md has it.

use std::collections::BTreeMap;
use std::fs;

use protocol::Header;
use rust_reader::{Source, TokenTree, is_punct};

use super::bridge::BridgeDoc;
use super::headers::HeaderLength;
use super::{drift, read, topics};
use crate::Error;
use crate::export::{DependencyTable, ExampleFile, Export, TASK_DUMP_CONFIG};
use crate::golden;
use crate::workspace::Workspace;

#[derive(Default)]
pub(super) struct Sources {
    /// The code of each example and bridge lesson, which the pages that
    /// name them are checked against.
    pub(super) examples: drift::Examples,
    /// Each example's summary, the first paragraph of its header, by
    /// `section/example`.
    pub(super) summaries: BTreeMap<String, String>,
    /// How long each example's header is, which `--check` limits.
    pub(super) headers: Vec<HeaderLength>,
    /// The topics, whose introductions are checked against the examples
    /// they cite.
    pub(super) topics: Vec<topics::Topic>,
    /// The text of each file the examples' exports write, and of each bridge
    /// lesson, all built as they are printed: what a block on a page may
    /// show.
    pub(super) exported: Vec<String>,
}

impl Sources {
    pub(super) fn read(workspace: &Workspace, bridge: &BridgeDoc) -> Result<Sources, Error> {
        let mut examples = drift::Examples::new();
        for (key, code) in bridge.codes() {
            let (section, lesson) = key.split_once('/').unwrap_or_default();
            let outputs = golden_stdout(workspace, section, lesson)?;
            let code = code.printing(outputs.iter().map(String::as_str));
            examples.insert(key, code);
        }
        let mut summaries = BTreeMap::new();
        let mut headers = Vec::new();
        let table = DependencyTable::read(workspace)?;
        let mut exported = vec![TASK_DUMP_CONFIG.to_owned()];
        exported.extend(bridge.lessons.iter().map(|lesson| lesson.source.clone()));
        for section in workspace.section_names()? {
            let src = workspace.root().join("crates").join(&section).join("src");
            for example in modules(&read(&src.join("main.rs"))?)
                .map_err(|why| format!("crates/{section}/src/main.rs: {why}"))?
            {
                let path = src.join(format!("{example}.rs"));
                let source = read(&path)?;
                let id = format!("{section}/{example}");
                let file = ExampleFile {
                    section: section.clone(),
                    name: example.clone(),
                    path,
                };
                let export = Export::plan(&file, &table)?;
                exported.extend([export.cargo_toml(), export.main_rs, export.source]);
                headers.push(HeaderLength::measure(&section, &example, &source));
                summaries.insert(id.clone(), Header::parse(&source).summary);
                let outputs = golden_stdout(workspace, &section, &example)?;
                let code = drift::Code::of(&source).printing(outputs.iter().map(String::as_str));
                examples.insert(id, code);
            }
        }
        let known = summaries.keys().cloned().collect();
        let topics = topics::load(workspace.root(), &known)?;
        Ok(Sources {
            examples,
            summaries,
            headers,
            topics,
            exported,
        })
    }
}

/// The text of `section/example`'s golden stdout, if it has one: what it
/// prints. Not its timeline, whose many instants would vouch for almost any
/// time.
fn golden_stdout(
    workspace: &Workspace,
    section: &str,
    example: &str,
) -> Result<Vec<String>, Error> {
    let path = golden::path(&workspace.golden_root(), section, example, golden::STDOUT);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(vec![text]),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(error) => Err(format!("{}: {error}", path.display()).into()),
    }
}

/// The names of the `mod NAME;` items of a section's `main.rs`.
fn modules(main: &str) -> Result<Vec<String>, String> {
    let file = Source::parse(main)?;
    let items = file.items().iter().filter(|item| !item.is_test_only());
    let modules = items.filter_map(|item| match item.declaration() {
        [TokenTree::Ident(keyword), TokenTree::Ident(name), end]
            if keyword == "mod" && is_punct(Some(end), ';') =>
        {
            Some(name.to_string())
        }
        _ => None,
    });
    Ok(modules.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_examples_are_the_modules_of_main() {
        let main = "mod hello; // `mod gone;`\n#[allow(dead_code)]\nmod spawn;\n\
                    #[cfg(test)]\nmod tests;\nfn main() { runner::section![example!(hello)].run() }";
        assert_eq!(modules(main).unwrap(), ["hello", "spawn"]);
    }
}
