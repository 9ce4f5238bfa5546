//! What a file uses of other crates, read from its tokens
//! ([`rust_source`](crate::rust_source)): every path it names, in full, every method it calls
//! and every attribute's arguments. [`super::features`] decides from them
//! which crates and features an export lists.

use std::collections::{BTreeMap, BTreeSet};

use crate::rust_source::{Import, Names};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Uses {
    /// Full paths, such as `tokio::time::sleep`, whether written so or as
    /// `sleep` after `use tokio::time::sleep;`. A path that only leads to
    /// others is left out: `use tokio::io;` then `io::stdout()` uses
    /// `tokio::io::stdout`, not the whole of `tokio::io`.
    pub paths: BTreeSet<String>,
    /// Methods called, by name: `json` for `.json()`.
    pub methods: BTreeSet<String>,
    pub attributes: Vec<Attribute>,
}

/// `#[tokio::test(start_paused = true)]`: its full path and its arguments
/// as written, `start_paused = true`.
#[derive(Debug, PartialEq, Eq)]
pub struct Attribute {
    pub path: String,
    pub arguments: String,
}

impl Uses {
    /// The paths of `names` in full, each import applied to the paths that
    /// start with its name (the last import of a name wins). A path of one
    /// name in the code is a local or the prelude's (`let futures = ...`),
    /// not a crate.
    pub fn of(names: &Names) -> Uses {
        let mut imports: BTreeMap<&str, &[String]> = BTreeMap::new();
        let mut all = BTreeSet::new();
        for import in &names.imports {
            match import {
                Import::Name { name, path } => {
                    imports.insert(name, path);
                    all.insert(path.join("::"));
                }
                // Any item of the module may be used: the module is.
                Import::Glob { prefix } => {
                    all.insert(prefix.join("::"));
                }
            }
        }
        let full = |path: &[String]| -> Vec<String> {
            let Some((first, rest)) = path.split_first() else {
                return Vec::new();
            };
            match imports.get(first.as_str()) {
                Some(imported) => imported.iter().chain(rest).cloned().collect(),
                None => path.to_vec(),
            }
        };
        for path in &names.written {
            let path = full(path);
            if path.len() > 1 {
                all.insert(path.join("::"));
            }
        }
        let leads_to_another = |path: &String| {
            let below = format!("{path}::");
            all.iter().any(|other| other.starts_with(&below))
        };
        let paths = all.iter().filter(|path| !leads_to_another(path));
        let attributes = names.attributes.iter().map(|attribute| Attribute {
            path: full(&attribute.path).join("::"),
            arguments: attribute.arguments.clone(),
        });
        Uses {
            paths: paths.cloned().collect(),
            methods: names.methods.clone(),
            attributes: attributes.collect(),
        }
    }

    /// What all of `code` uses.
    #[cfg(test)]
    pub fn read(code: &str) -> Result<Uses, String> {
        Ok(Uses::of(&Names::of(&rust_reader::Source::parse(code)?)))
    }

    /// Whether any path starts with `krate` (`tokio_util` for tokio-util).
    pub fn names_crate(&self, krate: &str) -> bool {
        let root = krate.replace('-', "_");
        self.paths
            .iter()
            .any(|path| path.split("::").next() == Some(root.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(code: &str) -> Vec<String> {
        Uses::read(code).unwrap().paths.into_iter().collect()
    }

    #[test]
    fn imports_are_applied_and_a_path_that_only_leads_to_others_is_left_out() {
        let code = "use tokio::{io::{self, AsyncBufReadExt}, sync::mpsc};\n\
                    use tokio::time::sleep as nap;\n\
                    fn f() { io::stdout(); mpsc::channel::<u8>(1); nap(d); ::futures::join!(a, b); }";
        assert_eq!(
            paths(code),
            [
                "futures::join",
                "tokio::io::AsyncBufReadExt",
                "tokio::io::stdout",
                "tokio::sync::mpsc::channel",
                "tokio::time::sleep",
            ]
        );
    }

    #[test]
    fn comments_strings_and_another_crates_modules_are_not_uses() {
        let code = "//! `tokio::fs` in prose.\n/// And `tokio::net`.\n\
                    fn f() { my::futures::x(); let s = \"tokio::process\"; let rand = 4; }";
        let uses = Uses::read(code).unwrap();
        assert_eq!(uses.paths, BTreeSet::from(["my::futures::x".to_owned()]));
        assert!(!uses.names_crate("futures") && !uses.names_crate("rand"));
        let renamed = Uses::read("use tokio_util as _;").unwrap();
        assert!(renamed.names_crate("tokio-util"));
    }

    #[test]
    fn methods_and_attribute_arguments_are_read() {
        let code = "use tokio::test as t;\n#[t(flavor = \"multi_thread\")]\n\
                    async fn f() { client.get(u).send().await?.json::<V>().await; }";
        let uses = Uses::read(code).unwrap();
        assert!(uses.methods.contains("json") && uses.methods.contains("send"));
        assert_eq!(
            uses.attributes,
            [Attribute {
                path: "tokio::test".to_owned(),
                arguments: "flavor = \"multi_thread\"".to_owned(),
            }]
        );
    }
}
