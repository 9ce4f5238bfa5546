//! A crate of this workspace that an example's `Needs:` line names (a small
//! support crate), copied into the example's export as a crate of its own.
//!
//! Its manifest inherits from the workspace (`edition.workspace = true`,
//! `tokio.workspace = true`, `[lints] workspace = true`); the copy has each
//! of those written out from the workspace's tables, so it builds wherever
//! the export goes. It may depend on crates.io crates only.

use std::fs;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, Value};

use crate::Error;

/// A `[workspace.dependencies]` entry with a `path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalCrate {
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
}

impl LocalCrate {
    /// Copies the crate into `to`: every file but `target/`, its manifest
    /// standing alone.
    pub fn copy(&self, workspace_manifest: &str, to: &Path) -> Result<(), Error> {
        let manifest = self.dir.join("Cargo.toml");
        let text = fs::read_to_string(&manifest)
            .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
        let standalone = standalone_manifest(&text, workspace_manifest)
            .map_err(|why| format!("{}: {why}", manifest.display()))?;
        crate::files::copy_tree(&self.dir, to)?;
        let copy = to.join("Cargo.toml");
        crate::files::write(&copy, standalone)
            .map_err(|e| format!("cannot write {}: {e}", copy.display()))?;
        Ok(())
    }
}

/// `manifest` with each field, dependency and lint table it inherits with
/// `workspace = true` written out from `workspace_manifest`'s tables.
pub fn standalone_manifest(manifest: &str, workspace_manifest: &str) -> Result<String, String> {
    let workspace: DocumentMut = workspace_manifest.parse().map_err(|e| format!("{e}"))?;
    let empty = Table::new();
    let tables = workspace
        .get("workspace")
        .and_then(Item::as_table)
        .unwrap_or(&empty);
    let table = |key: &str| tables.get(key).and_then(Item::as_table).unwrap_or(&empty);
    let mut manifest: DocumentMut = manifest.parse().map_err(|e| format!("{e}"))?;
    if let Some(package) = manifest.get_mut("package").and_then(Item::as_table_mut) {
        let inherited = table("package");
        for (key, item) in package.iter_mut() {
            if !inherits(item) {
                continue;
            }
            let Some(value) = inherited.get(&key) else {
                return Err(format!(
                    "`{key}.workspace = true`, but the workspace has no `{key}`"
                ));
            };
            *item = value.clone();
        }
    }
    let dependencies = table("dependencies");
    for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(listed) = manifest.get_mut(kind).and_then(Item::as_table_like_mut) {
            for (name, item) in listed.iter_mut() {
                write_out_dependency(&name, item, dependencies)?;
            }
        }
    }
    if let Some(lints) = manifest.get("lints")
        && inherits(lints)
    {
        let mut written = tables.get("lints").cloned().unwrap_or(Item::None);
        leave_out_comments(&mut written);
        manifest.insert("lints", written);
    }
    Ok(manifest.to_string())
}

/// Leaves out the comments in `item`, a table copied from the workspace's
/// manifest: they speak of the workspace (its `.cargo/config.toml`, its
/// tools), not of the copy.
fn leave_out_comments(item: &mut Item) {
    match item {
        Item::Table(table) => {
            table.decor_mut().clear();
            for (mut key, value) in table.iter_mut() {
                key.leaf_decor_mut().clear();
                leave_out_comments(value);
            }
        }
        Item::Value(value) => value.decor_mut().clear(),
        Item::ArrayOfTables(_) | Item::None => (),
    }
}

/// Whether `item` is `{ workspace = true, ... }` (or `x.workspace = true`).
fn inherits(item: &Item) -> bool {
    let workspace = item
        .as_table_like()
        .and_then(|table| table.get("workspace"));
    workspace.and_then(Item::as_bool) == Some(true)
}

/// Replaces the dependency `item`, if it inherits, with the workspace's
/// entry for `name`, plus the features, `optional` and the like it adds.
fn write_out_dependency(name: &str, item: &mut Item, entries: &Table) -> Result<(), String> {
    if !inherits(item) {
        return Ok(());
    }
    let Some(entry) = entries.get(name) else {
        return Err(format!(
            "`{name}.workspace = true`, but the workspace lists no `{name}`"
        ));
    };
    let mut written = toml_edit::InlineTable::new();
    match entry.as_value() {
        Some(Value::String(version)) => {
            written.insert("version", Value::from(version.value().as_str()));
        }
        Some(Value::InlineTable(entry)) => written = entry.clone(),
        _ => match entry.as_table() {
            Some(entry) => written = entry.clone().into_inline_table(),
            None => return Err(format!("the workspace's `{name}` is no dependency entry")),
        },
    }
    if written.contains_key("path") {
        return Err(format!(
            "`{name}` is a crate of the workspace too; a copied crate may depend on crates.io \
             crates only"
        ));
    }
    let added = item
        .as_table_like()
        .into_iter()
        .flat_map(|table| table.iter());
    for (key, value) in added {
        let Some(value) = value.as_value() else {
            continue;
        };
        match key {
            "workspace" => (),
            // Cargo adds these to the workspace's own.
            "features" => {
                let features = written
                    .entry("features")
                    .or_insert_with(|| Value::Array(toml_edit::Array::new()));
                if let (Some(features), Some(more)) = (features.as_array_mut(), value.as_array()) {
                    features.extend(more.iter().cloned());
                }
            }
            key => {
                written.insert(key, value.clone());
            }
        }
    }
    written.fmt();
    *item = Item::Value(Value::InlineTable(written));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKSPACE: &str = r#"[workspace.package]
edition = "2024"
rust-version = "1.95"

[workspace.dependencies]
tokio = { version = "1.54", features = ["rt"] }
anyhow = "1.0.98"
runner = { path = "crates/runner" }

[workspace.lints.rust]
# Said of the workspace's own tools.
unsafe_code = "forbid" # and this too
"#;

    #[test]
    fn what_a_crate_inherits_is_written_out() {
        let manifest = "[package]\nname = \"dumper\"\nversion = \"0.1.0\"\nedition.workspace = true\n\n\
                        [dependencies]\ntokio = { workspace = true, features = [\"time\"] }\n\
                        anyhow.workspace = true\n\n[lints]\nworkspace = true\n";
        let standalone = standalone_manifest(manifest, WORKSPACE).unwrap();
        let parsed: toml::Table = standalone.parse().unwrap();
        assert_eq!(
            parsed["package"]["edition"].as_str(),
            Some("2024"),
            "{standalone}"
        );
        let tokio = &parsed["dependencies"]["tokio"];
        assert_eq!(tokio["version"].as_str(), Some("1.54"), "{standalone}");
        let features: Vec<&str> = tokio["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f.as_str())
            .collect();
        assert_eq!(features, ["rt", "time"]);
        assert_eq!(
            parsed["dependencies"]["anyhow"]["version"].as_str(),
            Some("1.0.98")
        );
        assert_eq!(
            parsed["lints"]["rust"]["unsafe_code"].as_str(),
            Some("forbid")
        );
        assert!(!standalone.contains("tools"), "{standalone}");
        assert!(!standalone.contains("this too"), "{standalone}");
    }

    #[test]
    fn a_crate_that_needs_another_of_the_workspace_is_refused() {
        let manifest = "[package]\nname = \"dumper\"\n[dependencies]\nrunner.workspace = true\n";
        let error = standalone_manifest(manifest, WORKSPACE).unwrap_err();
        assert!(error.contains("crates.io crates only"), "{error}");
    }
}
