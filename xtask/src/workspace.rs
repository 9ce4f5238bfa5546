//! Guards the sections' teaching order, and finds what the tools run.
//!
//! Where things are: the workspace root, the section crates in teaching
//! order, their built binaries and the examples each binary lists.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use cargo_metadata::{Metadata, MetadataCommand, TargetKind};
use protocol::{Invocation, LIST_TSV, Listed};

use crate::Error;

/// `name=path`: the tests point xtask at the fixture section binary instead
/// of building the real ones.
pub const FIXTURE_SECTION: &str = "XTASK_FIXTURE_SECTION";
/// Set once the workspace's binaries are built (`.ci/run`): the commands then
/// use them as they are, instead of waiting for cargo's lock on `target/`
/// while another build holds it.
pub const BUILT: &str = "XTASK_BUILT";
/// A directory of golden files to use instead of `tests/golden`, for the tests.
pub const GOLDEN: &str = "XTASK_GOLDEN";

/// How long `cargo metadata` may take: it may wait for cargo's lock.
pub(crate) const CARGO_METADATA: Duration = Duration::from_secs(60);
/// How long a section binary may take to print `--list=tsv`, which runs no
/// example: only a machine too busy to run it at all takes longer.
const SECTION_LIST: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
pub struct Workspace {
    root: PathBuf,
    metadata: OnceLock<Metadata>,
}

/// A built section binary.
#[derive(Clone, Debug)]
pub struct Section {
    pub name: String,
    pub binary: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Dev,
    Release,
}

impl Workspace {
    pub fn locate() -> Self {
        let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        Self::at(xtask_dir.parent().unwrap_or(xtask_dir))
    }

    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            metadata: OnceLock::new(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn golden_root(&self) -> PathBuf {
        std::env::var_os(GOLDEN).map_or_else(|| self.root.join("tests/golden"), PathBuf::from)
    }

    pub fn metadata(&self) -> Result<&Metadata, Error> {
        if let Some(metadata) = self.metadata.get() {
            return Ok(metadata);
        }
        let mut command = MetadataCommand::new();
        command
            .manifest_path(self.root.join("Cargo.toml"))
            .no_deps()
            .cargo_path(proc::cargo::program());
        let finished = proc::run(command.cargo_command(), CARGO_METADATA)?;
        if !finished.success() {
            return Err(format!("`cargo metadata` failed: {}", finished.stderr.trim()).into());
        }
        let json = finished.stdout.lines().find(|line| line.starts_with('{'));
        let metadata = MetadataCommand::parse(json.ok_or("`cargo metadata` printed no JSON")?)?;
        Ok(self.metadata.get_or_init(|| metadata))
    }

    /// Where builds without the workspace's `--cfg tokio_unstable` go (the
    /// benchmark's, a test's): a directory of their own, since a change of
    /// flags would rebuild everything in place, inside the target directory
    /// cargo uses, `CARGO_TARGET_DIR` or `build.target-dir` included.
    pub fn without_tokio_unstable(&self) -> Result<PathBuf, Error> {
        let target = &self.metadata()?.target_directory;
        Ok(target.join("without-tokio-unstable").into_std_path_buf())
    }

    fn fixture_section() -> Option<Section> {
        let value = std::env::var(FIXTURE_SECTION).ok()?;
        let (name, binary) = value.split_once('=')?;
        Some(Section {
            name: name.to_owned(),
            binary: binary.into(),
        })
    }

    /// The sections in teaching order, as `[workspace.metadata.sections]
    /// order` lists them; an error if that list and the crates disagree.
    pub fn section_names(&self) -> Result<Vec<String>, Error> {
        if let Some(fixture) = Self::fixture_section() {
            return Ok(vec![fixture.name]);
        }
        let metadata = self.metadata()?;
        let crates = metadata.workspace_root.join("crates");
        let found: Vec<String> = metadata
            .workspace_packages()
            .into_iter()
            .filter(|package| {
                package.manifest_path.parent().and_then(|dir| dir.parent()) == Some(&*crates)
                    && package
                        .targets
                        .iter()
                        .any(|target| target.is_kind(TargetKind::Bin))
                    && package.dependencies.iter().any(|dep| dep.name == "runner")
            })
            .map(|package| package.name.to_string())
            .collect();
        let order: Vec<String> = metadata.workspace_metadata["sections"]["order"]
            .as_array()
            .ok_or("Cargo.toml has no `[workspace.metadata.sections] order = [...]`")?
            .iter()
            .filter_map(|name| name.as_str().map(str::to_owned))
            .collect();
        check_order(&order, &found)?;
        Ok(order)
    }

    /// The directory of the workspace's package `name`.
    pub fn package_dir(&self, name: &str) -> Result<PathBuf, Error> {
        let packages = self.metadata()?.workspace_packages();
        let package = packages.into_iter().find(|package| *package.name == name);
        let manifest = package.map(|package| package.manifest_path.as_std_path());
        let dir = manifest.and_then(Path::parent);
        let dir = dir.ok_or_else(|| format!("the workspace has no package `{name}`"))?;
        Ok(dir.to_path_buf())
    }

    /// The pattern of `[workspace] members` that takes in `dir` (an absolute
    /// path), if one does: a package there would be a member.
    pub fn member_matching(&self, dir: &Path) -> Result<Option<String>, Error> {
        let root = std::fs::canonicalize(&self.root)?;
        let Ok(relative) = dir.strip_prefix(&root) else {
            return Ok(None);
        };
        let path = self.root.join("Cargo.toml");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let manifest: toml::Table = text
            .parse()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let members = manifest.get("workspace").and_then(|w| w.get("members"));
        let members = members
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten();
        let relative = relative.to_string_lossy();
        // Cargo expands `members` with the glob crate, one path component at
        // a time: no wildcard crosses a `/`.
        let options = glob::MatchOptions {
            require_literal_separator: true,
            ..glob::MatchOptions::new()
        };
        for member in members.filter_map(toml::Value::as_str) {
            let pattern = glob::Pattern::new(member.trim_end_matches('/'))
                .map_err(|e| format!("{}: the member `{member}`: {e}", path.display()))?;
            if pattern.matches_with(&relative, options) {
                return Ok(Some(member.to_owned()));
            }
        }
        Ok(None)
    }

    /// Builds these packages' binaries; a dev build selects the whole
    /// workspace, as `cargo build --workspace` and `cargo test --workspace`
    /// do, so that all of them share one set of dependency features.
    pub fn build_binaries(
        &self,
        packages: &[String],
        profile: Profile,
    ) -> Result<BTreeMap<String, PathBuf>, Error> {
        if profile == Profile::Dev && std::env::var_os(BUILT).is_some() {
            return self.built_binaries();
        }
        let mut cargo = self.cargo();
        cargo.args([
            "build",
            "--quiet",
            "--bins",
            "--message-format=json-render-diagnostics",
        ]);
        match profile {
            Profile::Dev => {
                cargo.arg("--workspace");
            }
            // The benchmark measures what a reader's build does: no `tokio_unstable`.
            Profile::Release => {
                let target = self.without_tokio_unstable()?;
                cargo
                    .arg("--release")
                    .arg("--target-dir")
                    .arg(target)
                    .env("CARGO_ENCODED_RUSTFLAGS", "");
                for name in packages {
                    cargo.args(["--package", name]);
                }
            }
        }
        let build = proc::cargo::build(cargo, None)?;
        if !build.success() {
            return Err(format!("`cargo build` failed ({})", build.status).into());
        }
        Ok(build.binaries)
    }

    /// Every binary of the workspace where a dev build puts it, unbuilt.
    fn built_binaries(&self) -> Result<BTreeMap<String, PathBuf>, Error> {
        let metadata = self.metadata()?;
        let dir = metadata.target_directory.join("debug");
        let binaries = metadata
            .workspace_packages()
            .into_iter()
            .flat_map(|package| &package.targets)
            // A binary that needs a feature (an exercise's) is not in the build.
            .filter(|target| target.is_kind(TargetKind::Bin) && target.required_features.is_empty())
            .map(|target| {
                (
                    target.name.clone(),
                    dir.join(&target.name).into_std_path_buf(),
                )
            });
        Ok(binaries.collect())
    }

    pub fn build(&self, names: &[String]) -> Result<Vec<Section>, Error> {
        if let Some(fixture) = Self::fixture_section() {
            return Ok(names
                .iter()
                .filter(|name| **name == fixture.name)
                .map(|_| fixture.clone())
                .collect());
        }
        let mut binaries = self.build_binaries(names, Profile::Dev)?;
        names
            .iter()
            .map(|name| {
                let binary = binaries
                    .remove(name)
                    .ok_or_else(|| format!("`cargo build` reported no binary `{name}`"))?;
                Ok(Section {
                    name: name.clone(),
                    binary,
                })
            })
            .collect()
    }

    pub fn build_all(&self) -> Result<Vec<Section>, Error> {
        self.build(&self.section_names()?)
    }

    /// The toolchain `rust-toolchain.toml` pins: for cargo run outside the
    /// repository, where rustup finds no such file and takes its default.
    pub fn toolchain(&self) -> Result<String, Error> {
        let path = self.root.join("rust-toolchain.toml");
        let failed = |error: &dyn std::fmt::Display| format!("{}: {error}", path.display());
        let text = std::fs::read_to_string(&path).map_err(|error| failed(&error))?;
        let file: toml::Table = toml::from_str(&text).map_err(|error| failed(&error))?;
        let channel = file
            .get("toolchain")
            .and_then(|toolchain| toolchain.get("channel"))
            .and_then(toml::Value::as_str)
            .ok_or_else(|| failed(&"no `[toolchain] channel`"))?;
        Ok(channel.to_owned())
    }

    /// Cargo, in the workspace's root, without the variables cargo set for
    /// the tool that runs it (see [`proc::cargo::command`]).
    pub fn cargo(&self) -> Command {
        let mut cargo = proc::cargo::command();
        cargo.current_dir(&self.root);
        cargo
    }

    pub fn start_httpbin(&self) -> Result<Httpbin, Error> {
        let binaries = self.build_binaries(&["httpbin".to_owned()], Profile::Dev)?;
        let binary = binaries
            .get("httpbin")
            .ok_or("`cargo build` reported no httpbin")?;
        Ok(Httpbin::start(binary)?)
    }
}

/// The workspace's own httpbin, running on a free port of 127.0.0.1 until
/// dropped, for the checks, the twins and the benchmark that need a server
/// outside the program under test.
#[derive(Debug)]
pub struct Httpbin {
    /// Kills the server when dropped.
    _group: proc::Group,
    url: String,
}

impl Httpbin {
    /// Starts `binary` (the built `httpbin`) on port 0 and reads the URL it
    /// prints once it listens: `httpbin listening on http://127.0.0.1:PORT`.
    pub fn start(binary: &Path) -> std::io::Result<Self> {
        let mut command = Command::new(binary);
        command.args(["--port", "0"]);
        let (group, line) = proc::serve(command)
            .map_err(|error| std::io::Error::other(format!("cannot start httpbin: {error}")))?;
        let url = line.strip_prefix("httpbin listening on ").ok_or_else(|| {
            std::io::Error::other(format!("httpbin did not start: it printed {line:?}"))
        })?;
        Ok(Self {
            url: url.to_owned(),
            _group: group,
        })
    }

    /// Its base URL, such as `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

fn check_order(order: &[String], found: &[String]) -> Result<(), Error> {
    let mut problems = Vec::new();
    for name in found.iter().filter(|name| !order.contains(name)) {
        problems.push(format!(
            "crates/{name} is a section: add it to `[workspace.metadata.sections] order` in \
             Cargo.toml, in teaching order"
        ));
    }
    for (index, name) in order.iter().enumerate() {
        if !found.contains(name) {
            problems.push(format!(
                "`[workspace.metadata.sections] order` lists `{name}`, which is no section crate"
            ));
        }
        if order[..index].contains(name) {
            problems.push(format!(
                "`[workspace.metadata.sections] order` lists `{name}` twice"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

impl Section {
    /// Its examples, as `--list=tsv` prints them.
    pub fn list(&self) -> Result<Vec<Listed>, Error> {
        let mut command = Command::new(&self.binary);
        command.arg(format!("--list={LIST_TSV}"));
        let finished = proc::run(command, SECTION_LIST)?;
        if !finished.success() {
            return Err(format!(
                "`{} --list={LIST_TSV}` failed: {}",
                self.name,
                finished.stderr.trim()
            )
            .into());
        }
        finished
            .stdout
            .lines()
            .map(|line| {
                Listed::parse_line(line).map_err(|error| format!("{}: {error}", self.name).into())
            })
            .collect()
    }

    pub fn command(&self, invocation: &Invocation) -> Command {
        let mut command = Command::new(&self.binary);
        command.args(invocation.args());
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    /// A target directory of the user's own (`CARGO_TARGET_DIR`) is where
    /// the builds without `tokio_unstable` go, not the workspace's `target/`.
    #[test]
    fn builds_without_tokio_unstable_go_into_the_target_directory_cargo_uses() {
        let json = r#"{"packages": [], "workspace_members": [], "resolve": null,
            "target_directory": "/elsewhere/target", "version": 1, "workspace_root": "/ws"}"#;
        let workspace = Workspace {
            root: "/ws".into(),
            metadata: OnceLock::from(MetadataCommand::parse(json).unwrap()),
        };
        assert_eq!(
            workspace.without_tokio_unstable().unwrap(),
            Path::new("/elsewhere/target/without-tokio-unstable")
        );
    }

    #[test]
    fn the_order_must_name_every_section_once() {
        assert!(check_order(&names(&["b", "a"]), &names(&["a", "b"])).is_ok());
        let error = check_order(&names(&["a"]), &names(&["a", "io"])).unwrap_err();
        assert!(
            error.to_string().contains("crates/io is a section"),
            "{error}"
        );
        let error = check_order(&names(&["a", "gone", "a"]), &names(&["a"])).unwrap_err();
        assert!(error.to_string().contains("lists `gone`"), "{error}");
        assert!(error.to_string().contains("lists `a` twice"), "{error}");
    }
}
