//! An export's `Cargo.toml` and `cargo add` commands, written with
//! `toml_edit` from the workspace's own entries.

use std::fs;
use std::path::Path;

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

use super::local::LocalCrate;
use crate::Error;
use crate::workspace::Workspace;

/// One crates.io entry of `[workspace.dependencies]`, as it is written there,
/// or the features of it that an export lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub default_features: bool,
    pub features: Vec<String>,
}

impl Dependency {
    /// `"1.0"`, or `{ version = "1.54", features = ["rt"] }`, as `cargo add`
    /// writes it.
    fn entry(&self) -> Value {
        if self.default_features && self.features.is_empty() {
            return Value::from(self.version.as_str());
        }
        let mut entry = InlineTable::new();
        entry.insert("version", Value::from(self.version.as_str()));
        if !self.default_features {
            entry.insert("default-features", Value::from(false));
        }
        if !self.features.is_empty() {
            let features: Array = self.features.iter().map(String::as_str).collect();
            entry.insert("features", Value::Array(features));
        }
        entry.fmt();
        Value::InlineTable(entry)
    }

    /// The arguments of the `cargo add` that writes its entry.
    pub fn cargo_add(&self) -> String {
        let mut arguments = format!("{}@{}", self.name, self.version);
        if !self.default_features {
            arguments.push_str(" --no-default-features");
        }
        if !self.features.is_empty() {
            arguments.push_str(" --features ");
            arguments.push_str(&self.features.join(","));
        }
        arguments
    }
}

/// The crates.io entries of `[workspace.dependencies]` (an entry of
/// `[workspace.metadata.export.dependencies]` in place of its own), and the
/// `[workspace.package]` fields an export's package takes too.
#[derive(Clone, Debug)]
pub struct DependencyTable {
    pub crates: Vec<Dependency>,
    /// Its `path` entries: crates of this workspace, which an example's
    /// `Needs:` line may name to have its export bring a copy.
    pub locals: Vec<LocalCrate>,
    /// `edition` and `rust-version`.
    pub package: Vec<(String, toml::Value)>,
    /// The workspace's manifest, which a local crate's copy inherits from.
    pub manifest: String,
}

impl DependencyTable {
    pub fn read(workspace: &Workspace) -> Result<Self, Error> {
        let path = workspace.root().join("Cargo.toml");
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text, workspace.root()).map_err(|e| format!("{}: {e}", path.display()).into())
    }

    /// The table of `text`, the manifest of the workspace at `root`.
    pub(super) fn parse(text: &str, root: &Path) -> Result<Self, toml::de::Error> {
        let manifest: toml::Table = text.parse()?;
        let empty = toml::Table::new();
        let workspace = manifest.get("workspace").and_then(toml::Value::as_table);
        let workspace = workspace.unwrap_or(&empty);
        let entries = table(workspace.get("dependencies")).unwrap_or(&empty);
        let metadata = table(workspace.get("metadata"));
        let export = metadata.and_then(|metadata| table(metadata.get("export")));
        let exported = export.and_then(|export| table(export.get("dependencies")));
        let mut crates = Vec::new();
        let mut locals = Vec::new();
        for (name, entry) in entries {
            let entry = exported.and_then(|e| e.get(name)).unwrap_or(entry);
            if let Some(path) = entry.get("path").and_then(toml::Value::as_str) {
                let dir = root.join(path);
                locals.push(LocalCrate {
                    name: name.clone(),
                    dir,
                });
                continue;
            }
            let version = match entry {
                toml::Value::String(version) => version,
                _ => match entry.get("version").and_then(toml::Value::as_str) {
                    Some(version) => version,
                    None => continue,
                },
            };
            let features = entry.get("features").and_then(toml::Value::as_array);
            let features = features
                .into_iter()
                .flatten()
                .filter_map(toml::Value::as_str);
            crates.push(Dependency {
                name: name.clone(),
                version: version.to_owned(),
                default_features: entry.get("default-features") != Some(&false.into()),
                features: features.map(str::to_owned).collect(),
            });
        }
        crates.sort_by(|a, b| a.name.cmp(&b.name));
        let package = table(workspace.get("package")).unwrap_or(&empty);
        let package = ["edition", "rust-version"]
            .into_iter()
            .filter_map(|key| Some((key.to_owned(), package.get(key)?.clone())))
            .collect();
        Ok(Self {
            crates,
            locals,
            package,
            manifest: text.to_owned(),
        })
    }

    pub fn get(&self, name: &str) -> Result<&Dependency, String> {
        let found = self.crates.iter().find(|d| d.name == name);
        found.ok_or_else(|| format!("`{name}` is no crates.io entry of [workspace.dependencies]"))
    }
}

/// What goes into an export's manifest besides its package.
pub struct Tables<'a> {
    pub dependencies: &'a [Dependency],
    /// Crates of this workspace that the export brings a copy of, each in a
    /// directory of its name.
    pub locals: &'a [LocalCrate],
    pub dev_dependencies: &'a [Dependency],
    /// Tokio's version, for an example that takes task dumps.
    pub task_dumps: Option<&'a str>,
    /// What its code compiles under `cfg(tokio_unstable)`.
    pub unstable: Unstable,
}

/// Whether an export has code that only `--cfg tokio_unstable` compiles (a
/// task dump, or any code written under the cfg): its manifest
/// then declares the cfg, which rustc otherwise warns of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unstable {
    None,
    Cfg,
}

/// The targets on which Tokio's `taskdump` feature compiles (on any other,
/// with `--cfg tokio_unstable`, Tokio's lib.rs stops the build). The
/// runner's Cargo.toml names the same, which a test checks.
pub const TASK_DUMP_TARGET: &str = "cfg(all(target_os = \"linux\", any(target_arch = \"aarch64\", \
                                    target_arch = \"x86\", target_arch = \"x86_64\", \
                                    target_arch = \"s390x\")))";

/// The `.cargo/config.toml` of an example that takes task dumps.
pub const TASK_DUMP_CONFIG: &str = "\
# Tokio's unstable APIs, `Handle::dump` among them, exist only under this cfg.
[build]
rustflags = [\"--cfg\", \"tokio_unstable\"]
";

/// The rustflags [`TASK_DUMP_CONFIG`] lists (a test checks that they agree).
pub const UNSTABLE_RUSTFLAGS: [&str; 2] = ["--cfg", "tokio_unstable"];

impl Tables<'_> {
    /// `[dependencies]`, and after them what task dumps need and
    /// `[dev-dependencies]`, where the example has them.
    pub fn to_toml(&self) -> String {
        let mut manifest = DocumentMut::new();
        self.write_into(&mut manifest);
        manifest.to_string()
    }

    /// The project's `Cargo.toml`.
    pub fn cargo_toml(&self, package: &str, fields: &[(String, toml::Value)]) -> String {
        let mut manifest = DocumentMut::new();
        let mut table = Table::new();
        table.insert("name", Item::Value(package.into()));
        table.insert("version", Item::Value("0.1.0".into()));
        for (key, value) in fields {
            if let Some(value) = toml_value(value) {
                table.insert(key, Item::Value(value));
            }
        }
        table.insert("publish", Item::Value(false.into()));
        manifest.insert("package", Item::Table(table));
        self.write_into(&mut manifest);
        let mut workspace = Table::new();
        workspace.decor_mut().set_prefix(
            "\n# A workspace of its own: it builds wherever it is put, even inside another\n\
             # workspace's directory. Delete this table to make it a member of one.\n",
        );
        manifest.insert("workspace", Item::Table(workspace));
        manifest.to_string()
    }

    fn write_into(&self, manifest: &mut DocumentMut) {
        let first = manifest.is_empty();
        let mut dependencies = dependency_table(self.dependencies);
        for local in self.locals {
            let mut entry = InlineTable::new();
            entry.insert("path", Value::from(local.name.as_str()));
            entry.fmt();
            dependencies.insert(&local.name, Item::Value(Value::InlineTable(entry)));
        }
        if !first {
            dependencies.decor_mut().set_prefix("\n");
        }
        manifest.insert("dependencies", Item::Table(dependencies));
        if let Some(version) = self.task_dumps {
            let taskdump = Dependency {
                name: "tokio".to_owned(),
                version: version.to_owned(),
                default_features: true,
                features: vec!["taskdump".to_owned()],
            };
            let mut dependencies = dependency_table(&[taskdump]);
            dependencies.decor_mut().set_prefix(
                "\n# Task dumps: Tokio's `taskdump` feature exists on these targets only, and\n\
                 # `Handle::dump` only with `--cfg tokio_unstable` (.cargo/config.toml).\n",
            );
            let mut target = Table::new();
            target.set_implicit(true);
            target.insert("dependencies", Item::Table(dependencies));
            let mut targets = Table::new();
            targets.set_implicit(true);
            targets.insert(TASK_DUMP_TARGET, Item::Table(target));
            manifest.insert("target", Item::Table(targets));
        }
        if self.unstable == Unstable::Cfg {
            let mut check_cfg = InlineTable::new();
            check_cfg.insert("level", "warn".into());
            let cfgs: Array = ["cfg(tokio_unstable)"].into_iter().collect();
            check_cfg.insert("check-cfg", Value::Array(cfgs));
            check_cfg.fmt();
            let mut rust = Table::new();
            rust.decor_mut().set_prefix("\n");
            rust.insert(
                "unexpected_cfgs",
                Item::Value(Value::InlineTable(check_cfg)),
            );
            let mut lints = Table::new();
            lints.set_implicit(true);
            lints.insert("rust", Item::Table(rust));
            manifest.insert("lints", Item::Table(lints));
        }
        if !self.dev_dependencies.is_empty() {
            let mut dev = dependency_table(self.dev_dependencies);
            dev.decor_mut().set_prefix("\n");
            manifest.insert("dev-dependencies", Item::Table(dev));
        }
    }

    /// The `cargo add` commands that write [`Self::to_toml`]'s dependencies
    /// into a new project.
    pub fn cargo_add(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for dependency in self.dependencies {
            lines.push(format!("cargo add {}", dependency.cargo_add()));
        }
        for local in self.locals {
            lines.push(format!("cargo add --path {}", local.name));
        }
        if self.task_dumps.is_some() {
            lines.push(format!(
                "cargo add tokio --features taskdump --target '{TASK_DUMP_TARGET}'"
            ));
        }
        for dependency in self.dev_dependencies {
            lines.push(format!("cargo add --dev {}", dependency.cargo_add()));
        }
        lines
    }
}

fn dependency_table(dependencies: &[Dependency]) -> Table {
    let mut table = Table::new();
    for dependency in dependencies {
        table.insert(&dependency.name, Item::Value(dependency.entry()));
    }
    table
}

fn table(value: Option<&toml::Value>) -> Option<&toml::Table> {
    value.and_then(toml::Value::as_table)
}

/// A `[workspace.package]` value (a string or a number) for an export's
/// `[package]`.
fn toml_value(value: &toml::Value) -> Option<Value> {
    match value {
        toml::Value::String(text) => Some(text.as_str().into()),
        toml::Value::Integer(number) => Some((*number).into()),
        _ => None,
    }
}
