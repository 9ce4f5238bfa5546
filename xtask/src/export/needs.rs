//! What a file needs from crates.io: the crates its paths name, mapped to
//! the workspace's `[workspace.dependencies]`, and the features of each
//! from [`super::features::RULES`], plus what its header's `Needs:` line
//! adds.
//!
//! `Needs:` is for a feature that only a method needs, which no path shows:
//! a paragraph of its own in the `//!` header, such as
//!
//! ```text
//! //! Needs: `reqwest/json`
//! ```
//!
//! with one or more `crate/feature` items, separated by commas. The book
//! shows it with the rest of the header. A `Needs:` item that the paths
//! already imply is an error, so the lines stay as short as they can be.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::features::RULES;
use super::paths::{self, Mention};
use crate::Error;

/// One entry of `[workspace.dependencies]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceDependency {
    /// As `Cargo.toml` spells it: `tokio-util`.
    pub name: String,
    /// The version requirement, as written: `1.54`.
    pub version: Option<String>,
    /// `default-features = false` turns them off; an export does the same.
    pub default_features: bool,
    /// A `path` or `git` dependency: a crate of this workspace, or one that
    /// is not on crates.io, which a project of its own can't name by version.
    pub local: bool,
}

/// `[workspace.dependencies]` of the root `Cargo.toml`, read with `toml`,
/// and the `[workspace.package]` fields an export's package takes too.
#[derive(Clone, Debug)]
pub struct DependencyTable {
    /// Keyed by the name code uses: `tokio_util`.
    by_code_name: BTreeMap<String, WorkspaceDependency>,
    /// `edition`, or 2024 if the workspace names none.
    pub edition: String,
    pub rust_version: Option<String>,
}

impl DependencyTable {
    pub fn read(manifest: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(manifest)
            .map_err(|error| format!("{}: {error}", manifest.display()))?;
        Self::parse(&text).map_err(|error| format!("{}: {error}", manifest.display()).into())
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let manifest: toml::Table = text.parse().map_err(|error| format!("{error}"))?;
        let table = manifest
            .get("workspace")
            .and_then(|workspace| workspace.get("dependencies"))
            .and_then(toml::Value::as_table)
            .ok_or("no [workspace.dependencies] table")?;
        let mut by_code_name = BTreeMap::new();
        for (name, entry) in table {
            let dependency = match entry {
                toml::Value::String(version) => WorkspaceDependency {
                    name: name.clone(),
                    version: Some(version.clone()),
                    default_features: true,
                    local: false,
                },
                toml::Value::Table(fields) => {
                    if fields.contains_key("package") {
                        return Err(format!(
                            "[workspace.dependencies] {name} is renamed (`package = ...`), \
                             which `cargo xtask export` does not handle"
                        ));
                    }
                    WorkspaceDependency {
                        name: name.clone(),
                        version: fields
                            .get("version")
                            .and_then(toml::Value::as_str)
                            .map(str::to_owned),
                        default_features: fields
                            .get("default-features")
                            .and_then(toml::Value::as_bool)
                            .unwrap_or(true),
                        local: fields.contains_key("path") || fields.contains_key("git"),
                    }
                }
                _ => {
                    return Err(format!(
                        "[workspace.dependencies] {name} is neither a version nor a table"
                    ));
                }
            };
            by_code_name.insert(name.replace('-', "_"), dependency);
        }
        let package = manifest
            .get("workspace")
            .and_then(|workspace| workspace.get("package"));
        let field = |name: &str| {
            package
                .and_then(|package| package.get(name))
                .and_then(toml::Value::as_str)
                .map(str::to_owned)
        };
        Ok(Self {
            by_code_name,
            edition: field("edition").unwrap_or_else(|| "2024".to_owned()),
            rust_version: field("rust-version"),
        })
    }

    /// The dependency code names `code_name`, or `Cargo.toml` names so.
    pub fn get(&self, name: &str) -> Option<&WorkspaceDependency> {
        self.by_code_name.get(&name.replace('-', "_"))
    }
}

/// Crates, by their `Cargo.toml` name, and the features of each.
pub type Features = BTreeMap<String, BTreeSet<String>>;

/// What a file needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// `[dependencies]`.
    pub normal: Features,
    /// `[dev-dependencies]`: what only its tests need, beyond `normal`.
    pub dev: Features,
}

impl Needs {
    /// Adds what `other` needs.
    pub fn merge(&mut self, other: Needs) {
        for (target, source) in [(&mut self.normal, other.normal), (&mut self.dev, other.dev)] {
            for (krate, features) in source {
                target.entry(krate).or_default().extend(features);
            }
        }
        self.settle();
    }

    /// Leaves in `dev` only what `normal` lacks: cargo unifies the two.
    fn settle(&mut self) {
        let normal = &self.normal;
        self.dev.retain(|krate, features| match normal.get(krate) {
            Some(have) => {
                features.retain(|feature| !have.contains(feature));
                !features.is_empty()
            }
            None => true,
        });
    }
}

/// What `source` (a whole Rust file) needs, from its paths and its header's
/// `Needs:` line. An error names what is wrong: a file that does not parse,
/// a path into a crate of this workspace, or a bad `Needs:` line.
pub fn infer(source: &str, table: &DependencyTable) -> Result<Needs, String> {
    let file = syn::parse_file(source).map_err(|error| format!("does not parse: {error}"))?;
    let mut needs = Needs::default();
    let mut local = BTreeSet::new();
    for mention in paths::mentions(&file) {
        let Some(dependency) = mention.path.first().and_then(|name| table.get(name)) else {
            continue;
        };
        if dependency.local {
            local.insert(format!("`{}`", mention.display()));
            continue;
        }
        let target = if mention.test {
            &mut needs.dev
        } else {
            &mut needs.normal
        };
        target
            .entry(dependency.name.clone())
            .or_default()
            .extend(features_of(&mention));
    }
    if !local.is_empty() {
        return Err(format!(
            "it names {}, from a crate of this workspace, which a project of its own can't \
             have; an example uses only std and crates.io crates",
            local.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    for (krate, feature) in annotations(source)? {
        let dependency = table.get(&krate).ok_or_else(|| {
            format!("`Needs: {krate}/{feature}`: `{krate}` is not in [workspace.dependencies]")
        })?;
        if dependency.local {
            return Err(format!(
                "`Needs: {krate}/{feature}`: `{krate}` is a crate of this workspace"
            ));
        }
        let features = needs.normal.entry(dependency.name.clone()).or_default();
        if !features.insert(feature.clone()) {
            return Err(format!(
                "`Needs: {krate}/{feature}`: its paths already need that feature; remove it"
            ));
        }
    }
    needs.settle();
    Ok(needs)
}

/// The features naming `mention` needs, by the table.
fn features_of(mention: &Mention) -> impl Iterator<Item = String> + '_ {
    RULES
        .iter()
        .filter(|rule| rule.applies(&mention.path, &mention.how))
        .flat_map(|rule| rule.features.iter().map(|feature| (*feature).to_owned()))
}

/// The `crate/feature` items of the header's `Needs:` lines.
pub fn annotations(source: &str) -> Result<Vec<(String, String)>, String> {
    let mut found = Vec::new();
    let header = source
        .lines()
        .map_while(|line| line.strip_prefix("//!"))
        .map(str::trim);
    for line in header {
        let Some(items) = line.strip_prefix("Needs:") else {
            continue;
        };
        let items = items.trim().trim_end_matches('.');
        if items.is_empty() {
            return Err("a `Needs:` line names nothing; write `Needs: crate/feature`".to_owned());
        }
        for item in items.split(',') {
            let item = item.trim().trim_matches('`');
            match item.split_once('/') {
                Some((krate, feature)) if is_name(krate) && is_name(feature) => {
                    found.push((krate.to_owned(), feature.to_owned()));
                }
                _ => {
                    return Err(format!(
                        "`Needs: {item}`: expected `crate/feature`, such as `reqwest/json`"
                    ));
                }
            }
        }
    }
    Ok(found)
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = r#"
        [workspace.dependencies]
        tokio = { version = "1.54", features = ["full"] }
        tokio-util = { version = "0.7.15", features = ["rt"] }
        futures = { version = "0.3.31", default-features = false, features = ["std"] }
        anyhow = "1.0.98"
        thiserror = "2.0.12"
        serde = { version = "1.0.219", features = ["derive"] }
        reqwest = { version = "0.13", default-features = false }
        runner = { path = "crates/runner", default-features = false }
    "#;

    fn needs(source: &str) -> Result<Needs, String> {
        infer(source, &DependencyTable::parse(TABLE).unwrap())
    }

    fn features(pairs: &[(&str, &[&str])]) -> Features {
        pairs
            .iter()
            .map(|(krate, features)| {
                (
                    (*krate).to_owned(),
                    features.iter().map(|f| (*f).to_owned()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn the_table_is_read_from_workspace_dependencies() {
        let table = DependencyTable::parse(TABLE).unwrap();
        let futures = table.get("futures").unwrap();
        assert_eq!(futures.version.as_deref(), Some("0.3.31"));
        assert!(!futures.default_features);
        assert_eq!(table.get("tokio_util").unwrap().name, "tokio-util");
        assert!(table.get("runner").unwrap().local);
        assert!(DependencyTable::parse("[package]\nname = 'x'").is_err());
    }

    #[test]
    fn crates_come_from_use_lines_and_from_paths_alone() {
        let found = needs(
            "use tokio::sync::mpsc;\n\
             #[derive(Debug, thiserror::Error)] #[error(\"x\")] struct E;\n\
             pub async fn run() -> anyhow::Result<()> { let (tx, rx) = mpsc::channel::<u8>(1); Ok(()) }",
        )
        .unwrap();
        assert_eq!(
            found.normal,
            features(&[("anyhow", &[]), ("thiserror", &[]), ("tokio", &["sync"])])
        );
        assert!(found.dev.is_empty());
    }

    #[test]
    fn features_follow_the_paths() {
        let found = needs(
            "use tokio::net::TcpListener;\n\
             use tokio_util::task::TaskTracker;\n\
             use serde::{Deserialize, Serialize};\n\
             #[derive(Serialize)] struct S;\n\
             fn f<T: Deserialize<'static>>() {}\n\
             async fn g() { tokio::select! { _ = tokio::time::sleep(d) => {} } futures::future::ready(1).await; }",
        )
        .unwrap();
        assert_eq!(
            found.normal,
            features(&[
                ("futures", &["std"]),
                ("serde", &["derive"]),
                ("tokio", &["macros", "net", "time"]),
                ("tokio-util", &["rt"]),
            ])
        );
    }

    #[test]
    fn the_trait_alone_needs_no_derive() {
        let found = needs("fn f<T: serde::Serialize>(_: T) {}").unwrap();
        assert_eq!(found.normal, features(&[("serde", &[])]));
    }

    #[test]
    fn what_only_the_tests_need_is_a_dev_dependency() {
        let found = needs(
            "use tokio::time::sleep;\n\
             #[cfg(test)] mod tests {\n\
                 use super::*;\n\
                 #[tokio::test(start_paused = true)] async fn t() { sleep(d).await; }\n\
             }",
        )
        .unwrap();
        assert_eq!(found.normal, features(&[("tokio", &["time"])]));
        assert_eq!(
            found.dev,
            features(&[("tokio", &["macros", "rt", "test-util"])])
        );
    }

    #[test]
    fn the_current_thread_main_needs_no_multi_thread_runtime() {
        let current = needs("#[tokio::main(flavor = \"current_thread\")] async fn main() {}");
        assert_eq!(
            current.unwrap().normal,
            features(&[("tokio", &["macros", "rt"])])
        );
        let multi = needs("#[tokio::main] async fn main() {}");
        assert_eq!(
            multi.unwrap().normal,
            features(&[("tokio", &["macros", "rt", "rt-multi-thread"])])
        );
    }

    #[test]
    fn a_needs_line_adds_a_feature_no_path_shows() {
        let found = needs(
            "//! Fetches JSON.\n//!\n//! Needs: `reqwest/json`\n\n\
             async fn f(c: reqwest::Client) { c.get(\"x\").send().await.unwrap().json::<u8>().await; }",
        )
        .unwrap();
        assert_eq!(
            found.normal,
            features(&[("reqwest", &["json", "rustls-no-provider"])])
        );
    }

    #[test]
    fn a_bad_or_redundant_needs_line_is_an_error() {
        let redundant = needs("//! X.\n//!\n//! Needs: tokio/time\nuse tokio::time::sleep;");
        assert!(redundant.unwrap_err().contains("already need"));
        let unknown = needs("//! X.\n//!\n//! Needs: nope/x\n");
        assert!(
            unknown
                .unwrap_err()
                .contains("not in [workspace.dependencies]")
        );
        let malformed = needs("//! X.\n//!\n//! Needs: reqwest json\n");
        assert!(malformed.unwrap_err().contains("expected `crate/feature`"));
    }

    #[test]
    fn a_path_into_a_workspace_crate_is_refused() {
        let error =
            needs("use runner::example;\nfn f() { runner::protocol::Clock::Real; }").unwrap_err();
        assert!(error.contains("`runner::example`"), "{error}");
        assert!(error.contains("crate of this workspace"), "{error}");
    }

    #[test]
    fn unknown_crates_and_local_names_are_left_alone() {
        let found = needs(
            "mod helpers { pub fn f() {} }\n\
             enum State { Open }\n\
             fn g(tokio: u8) { helpers::f(); let _ = State::Open; let _ = tokio; std::mem::drop(1); }",
        )
        .unwrap();
        assert_eq!(found, Needs::default());
    }
}
