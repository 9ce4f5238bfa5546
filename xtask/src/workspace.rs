//! Where things are: the workspace root, the section crates in teaching
//! order, their built binaries and the examples each binary reports.
//!
//! Everything comes from cargo itself: the sections from `cargo metadata`
//! (run once per [`Workspace`]), the binaries' paths from the JSON messages
//! of `cargo build` (so a `build.target-dir`, `CARGO_TARGET_DIR` or
//! `--target` is followed, not guessed), and the examples from each
//! binary's `--list=tsv`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use cargo_metadata::{Metadata, MetadataCommand, TargetKind};
use protocol::{Invocation, LIST_TSV, Listed};

use crate::Error;

/// For xtask's own tests: `NAME=PATH` makes the built section binary at
/// PATH, named NAME, the workspace's only section, so that the `xtask`
/// binary itself can be driven against the fixture section
/// (`tests/src/main.rs`). Nothing is built for it.
pub const FIXTURE_SECTION: &str = "XTASK_FIXTURE_SECTION";

/// How long a section binary may take to list its examples.
const LIST_TIMEOUT: Duration = Duration::from_secs(30);

/// The checked-out workspace.
#[derive(Clone, Debug)]
pub struct Workspace {
    root: PathBuf,
    /// `cargo metadata`, read once.
    metadata: OnceLock<Metadata>,
}

/// A built section binary.
#[derive(Clone, Debug)]
pub struct Section {
    pub name: String,
    pub binary: PathBuf,
}

/// Which cargo profile to build with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Dev,
    /// Optimised, and built as a reader's own project builds Tokio: without
    /// the workspace's `--cfg tokio_unstable` (`.cargo/config.toml`), which
    /// gives every task one more field and runs the task hooks' checks, so a
    /// benchmark would measure a Tokio nobody ships. Its own target
    /// directory, `without-tokio-unstable`, keeps the two builds from
    /// undoing each other.
    Release,
}

impl Workspace {
    /// The workspace this xtask was compiled from.
    pub fn locate() -> Self {
        let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = xtask_dir.parent().unwrap_or(xtask_dir);
        Self::at(root)
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

    /// `tests/golden`: one directory per section, one `<example>.stdout` each.
    pub fn golden_root(&self) -> PathBuf {
        self.root.join("tests").join("golden")
    }

    /// `cargo metadata` of the workspace's own packages, run on first use.
    pub fn metadata(&self) -> Result<&Metadata, Error> {
        if let Some(metadata) = self.metadata.get() {
            return Ok(metadata);
        }
        let mut command = MetadataCommand::new();
        command
            .manifest_path(self.root.join("Cargo.toml"))
            .no_deps()
            .cargo_path(proc::cargo::program());
        // Through the one door: in a process group of its own, killed on Ctrl-C.
        let mut cargo = command.cargo_command();
        cargo.stderr(std::process::Stdio::piped());
        let finished = proc::run(cargo, LIST_TIMEOUT)
            .map_err(|error| format!("cannot run `cargo metadata`: {error}"))?;
        if !finished.success() {
            return Err(format!(
                "`cargo metadata` failed ({}): {}",
                finished.exit,
                finished.stderr.trim()
            )
            .into());
        }
        let json = finished
            .stdout
            .lines()
            .find(|line| line.starts_with('{'))
            .ok_or("`cargo metadata` printed no JSON")?;
        let metadata = MetadataCommand::parse(json)
            .map_err(|error| format!("cannot read `cargo metadata`: {error}"))?;
        Ok(self.metadata.get_or_init(|| metadata))
    }

    /// The section named by [`FIXTURE_SECTION`], if it is set.
    fn fixture_section() -> Option<Section> {
        let value = std::env::var(FIXTURE_SECTION).ok()?;
        let (name, binary) = value.split_once('=')?;
        Some(Section {
            name: name.to_owned(),
            binary: binary.into(),
        })
    }

    /// The sections, in the teaching order of `[workspace.metadata.sections]`
    /// in `Cargo.toml`. A section is a package under `crates/` with a binary
    /// that depends on the runner; every one must be in that list, and
    /// everything in the list must be one.
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
        let order = metadata.workspace_metadata["sections"]["order"]
            .as_array()
            .ok_or("Cargo.toml has no `[workspace.metadata.sections] order = [...]` list")?
            .iter()
            .map(|name| {
                name.as_str()
                    .map(str::to_owned)
                    .ok_or("`[workspace.metadata.sections] order` must list names")
            })
            .collect::<Result<Vec<String>, _>>()?;
        check_order(&order, &found)?;
        Ok(order)
    }

    /// Builds the named packages' binaries with one `cargo build`, so shared
    /// dependencies compile once, and returns where each binary is.
    ///
    /// A dev build builds every binary of the workspace, whichever were
    /// asked for. Cargo unifies features across the packages a command
    /// selects, so `--package basics` alone gives mio, rustix, syn and
    /// serde_json fewer features than `cargo test --workspace` does, and every
    /// crate above them (Tokio, and so every section) would be compiled twice
    /// into one target directory. Selecting the whole workspace resolves
    /// features as `cargo test --workspace` does: the tests, `check-all` and
    /// `cargo test` share one build, and a later build of any selection is
    /// only a freshness check.
    pub fn build_binaries(
        &self,
        packages: &[String],
        profile: Profile,
    ) -> Result<BTreeMap<String, PathBuf>, Error> {
        if packages.is_empty() {
            return Ok(BTreeMap::new());
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
            Profile::Release => {
                let target_dir = self
                    .metadata()?
                    .target_directory
                    .as_std_path()
                    .join("without-tokio-unstable");
                cargo
                    .arg("--release")
                    .arg("--target-dir")
                    .arg(target_dir)
                    // The highest-priority source of flags, and empty: no flags
                    // from the workspace's config or from RUSTFLAGS.
                    .env("CARGO_ENCODED_RUSTFLAGS", "");
                for name in packages {
                    cargo.arg("--package").arg(name);
                }
            }
        }
        let build = proc::cargo::build(cargo, proc::cargo::Stderr::Inherit)?;
        if !build.success() {
            return Err(format!(
                "`cargo build` of {} failed ({})",
                packages.join(", "),
                build.status
            )
            .into());
        }
        Ok(build.binaries)
    }

    /// Builds the named sections and returns their binaries, in the order given.
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
                    .ok_or_else(|| format!("`cargo build` reported no binary for `{name}`"))?;
                Ok(Section {
                    name: name.clone(),
                    binary,
                })
            })
            .collect()
    }

    /// A `cargo` command run in the workspace: the cargo that runs xtask
    /// (`$CARGO`) if there is one, so toolchain overrides carry through.
    pub fn cargo(&self) -> Command {
        let mut cargo = proc::cargo::command();
        cargo.current_dir(&self.root);
        cargo
    }

    /// [`Workspace::cargo`] at low CPU priority, for a build beside
    /// runs on the real clock
    /// ([`command_at_low_priority`](proc::cargo::command_at_low_priority)).
    pub fn cargo_at_low_priority(&self) -> Command {
        let mut cargo = proc::cargo::command_at_low_priority();
        cargo.current_dir(&self.root);
        cargo
    }

    /// Builds the workspace's httpbin and starts it on a free port of
    /// 127.0.0.1, for the checks that need a server outside the program
    /// under test. It stops when dropped.
    pub fn start_httpbin(&self) -> Result<proc::Httpbin, Error> {
        let binaries = self.build_binaries(&["httpbin".to_owned()], Profile::Dev)?;
        let binary = binaries
            .get("httpbin")
            .ok_or("`cargo build` reported no httpbin binary")?;
        Ok(proc::Httpbin::start(binary)?)
    }

    /// Discovers and builds every section.
    pub fn build_all(&self) -> Result<Vec<Section>, Error> {
        self.build(&self.section_names()?)
    }

    /// The built sections that can hold an example matching `filter` (see
    /// [`crate::select::Filter`]): an exact section name is that section;
    /// `prefix/...` can only match sections whose names end with `prefix`;
    /// any other filter may match an example of any section, so all of them.
    /// (A dev build builds every binary: see [`Self::build_binaries`].)
    pub fn build_for(&self, filter: Option<&str>) -> Result<Vec<Section>, Error> {
        let names = self.section_names()?;
        let wanted: Vec<String> = match filter {
            Some(filter) if filter.contains('/') => {
                let prefix = filter.split('/').next().unwrap_or_default();
                names
                    .into_iter()
                    .filter(|name| name.ends_with(prefix))
                    .collect()
            }
            Some(filter) if names.iter().any(|name| name == filter) => vec![filter.to_owned()],
            _ => names,
        };
        self.build(&wanted)
    }
}

/// The listed order must name every section exactly once, and nothing else.
fn check_order(order: &[String], found: &[String]) -> Result<(), Error> {
    let mut problems = Vec::new();
    for name in found {
        if !order.contains(name) {
            problems.push(format!(
                "crates/{name} is a section, but `[workspace.metadata.sections] order` in \
                 Cargo.toml does not list it; add it where it belongs in teaching order"
            ));
        }
    }
    for (index, name) in order.iter().enumerate() {
        if !found.contains(name) {
            problems.push(format!(
                "`[workspace.metadata.sections] order` lists `{name}`, but no section crate \
                 crates/{name} (a package with a binary that depends on the runner) exists"
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
    /// The section's examples in running order, as its own `--list=tsv`
    /// reports them: the runner's table is the single source of truth.
    pub fn list(&self) -> Result<Vec<Listed>, Error> {
        let mut command = Command::new(&self.binary);
        command.arg(format!("--list={LIST_TSV}"));
        let finished = proc::run(command, LIST_TIMEOUT)
            .map_err(|error| format!("cannot run {}: {error}", self.binary.display()))?;
        if !finished.success() {
            return Err(format!(
                "`{} --list={LIST_TSV}` failed ({}): {}",
                self.name,
                finished.exit,
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

    /// The command that runs the section binary as `invocation` says.
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

    #[test]
    fn the_real_workspace_lists_its_sections_in_order() {
        let sections = Workspace::locate().section_names().unwrap();
        assert_eq!(sections.first().map(String::as_str), Some("basics"));
        assert!(sections.iter().any(|name| name == "real-world"));
    }
}
