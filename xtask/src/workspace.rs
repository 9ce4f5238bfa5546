//! Where things are: the workspace root, the section crates in teaching
//! order, their built binaries and the examples each binary reports.
//!
//! Everything comes from cargo itself: the sections from `cargo metadata`,
//! the binaries' paths from the JSON messages of `cargo build` (so a
//! `build.target-dir`, `CARGO_TARGET_DIR` or `--target` is followed, not
//! guessed), and the examples from each binary's `--list=tsv`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::{Message, Metadata, MetadataCommand, TargetKind};
use runner::protocol::{Invocation, LIST_TSV, Listed};

use crate::Error;

/// The checked-out workspace.
#[derive(Clone, Debug)]
pub struct Workspace {
    root: PathBuf,
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
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `tests/golden`: one directory per section, one `<example>.stdout` each.
    pub fn golden_root(&self) -> PathBuf {
        self.root.join("tests").join("golden")
    }

    /// `cargo metadata` of the workspace's own packages.
    pub fn metadata(&self) -> Result<Metadata, Error> {
        let mut command = MetadataCommand::new();
        command
            .manifest_path(self.root.join("Cargo.toml"))
            .no_deps();
        if let Some(cargo) = std::env::var_os("CARGO") {
            command.cargo_path(cargo);
        }
        command
            .exec()
            .map_err(|error| format!("`cargo metadata` failed: {error}").into())
    }

    /// The sections, in the teaching order of `[workspace.metadata.sections]`
    /// in `Cargo.toml`. A section is a package under `crates/` with a binary
    /// that depends on the runner; every one must be in that list, and
    /// everything in the list must be one.
    pub fn section_names(&self) -> Result<Vec<String>, Error> {
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
    pub fn build_binaries(
        &self,
        packages: &[String],
        profile: Profile,
    ) -> Result<BTreeMap<String, PathBuf>, Error> {
        if packages.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut cargo = self.cargo();
        cargo
            .args([
                "build",
                "--quiet",
                "--bins",
                "--message-format=json-render-diagnostics",
            ])
            .stdout(Stdio::piped());
        if profile == Profile::Release {
            let target_dir = self
                .metadata()?
                .target_directory
                .into_std_path_buf()
                .join("without-tokio-unstable");
            cargo
                .arg("--release")
                .arg("--target-dir")
                .arg(target_dir)
                // The highest-priority source of flags, and empty: no flags
                // from the workspace's config or from RUSTFLAGS.
                .env("CARGO_ENCODED_RUSTFLAGS", "");
        }
        for name in packages {
            cargo.arg("--package").arg(name);
        }
        let mut child = cargo
            .spawn()
            .map_err(|error| format!("cannot run cargo: {error}"))?;
        let mut binaries = BTreeMap::new();
        if let Some(stdout) = child.stdout.take() {
            for message in Message::parse_stream(std::io::BufReader::new(stdout)) {
                if let Message::CompilerArtifact(artifact) = message?
                    && let Some(executable) = artifact.executable
                    && artifact.target.is_kind(TargetKind::Bin)
                {
                    binaries.insert(artifact.target.name, executable.into_std_path_buf());
                }
            }
        }
        let status = child.wait()?;
        if !status.success() {
            return Err(
                format!("`cargo build` of {} failed ({status})", packages.join(", ")).into(),
            );
        }
        Ok(binaries)
    }

    /// Builds the named sections and returns their binaries, in the order given.
    pub fn build(&self, names: &[String]) -> Result<Vec<Section>, Error> {
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
        let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cargo.current_dir(&self.root);
        cargo
    }

    /// Discovers and builds every section.
    pub fn build_all(&self) -> Result<Vec<Section>, Error> {
        self.build(&self.section_names()?)
    }

    /// Builds only the sections that can hold an example matching `filter`
    /// (see [`crate::check::Filter`]): an exact section name is that section;
    /// `prefix/...` can only match sections whose names end with `prefix`;
    /// any other filter may match an example of any section, so all are built.
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
        let output = Command::new(&self.binary)
            .arg(format!("--list={LIST_TSV}"))
            .output()
            .map_err(|error| format!("cannot run {}: {error}", self.binary.display()))?;
        if !output.status.success() {
            return Err(format!(
                "`{} --list={LIST_TSV}` failed ({}): {}",
                self.name,
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )
            .into());
        }
        String::from_utf8_lossy(&output.stdout)
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
