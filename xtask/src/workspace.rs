//! Where things are: the workspace root, the section crates, their built
//! binaries and the examples each binary reports.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Clock, Error};

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

    /// A section is a crate under `crates/` with a `src/main.rs`; the
    /// infrastructure crates there (the runner, the local HTTP server) are
    /// libraries. Sorted by name.
    pub fn section_names(&self) -> Result<Vec<String>, Error> {
        let crates = self.root.join("crates");
        let entries = std::fs::read_dir(&crates)
            .map_err(|error| format!("cannot read {}: {error}", crates.display()))?;
        let mut names = Vec::new();
        for entry in entries {
            let path = entry?.path();
            if path.join("src").join("main.rs").is_file()
                && let Some(name) = path.file_name().and_then(|name| name.to_str())
            {
                names.push(name.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Builds the named sections with one `cargo build`, so shared
    /// dependencies compile once, and returns where their binaries are.
    pub fn build(&self, names: &[String]) -> Result<Vec<Section>, Error> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut cargo = self.cargo();
        cargo.arg("build").arg("--quiet");
        for name in names {
            cargo.arg("--package").arg(name);
        }
        let status = cargo
            .status()
            .map_err(|error| format!("cannot run cargo: {error}"))?;
        if !status.success() {
            return Err(format!("`cargo build` of the sections failed ({status})").into());
        }
        let target = self.target_dir();
        Ok(names
            .iter()
            .map(|name| Section {
                name: name.clone(),
                binary: target
                    .join("debug")
                    .join(format!("{name}{}", std::env::consts::EXE_SUFFIX)),
            })
            .collect())
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

    /// `CARGO_TARGET_DIR`, or `target/` in the workspace.
    pub fn target_dir(&self) -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|dir| {
                if dir.is_relative() {
                    self.root.join(dir)
                } else {
                    dir
                }
            })
            .unwrap_or_else(|| self.root.join("target"))
    }
}

impl Section {
    /// The section's examples in running order, with their summaries, as its
    /// own `--list` reports them: the runner's table is the single source of truth.
    pub fn list(&self) -> Result<Vec<(String, String)>, Error> {
        let output = Command::new(&self.binary)
            .arg("--list")
            .output()
            .map_err(|error| format!("cannot run {}: {error}", self.binary.display()))?;
        if !output.status.success() {
            return Err(format!(
                "`{} --list` failed ({}): {}",
                self.name,
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| {
                let (name, summary) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                (!name.is_empty()).then(|| (name.to_owned(), summary.trim().to_owned()))
            })
            .collect())
    }

    /// The names of the section's examples, in running order.
    pub fn examples(&self) -> Result<Vec<String>, Error> {
        Ok(self.list()?.into_iter().map(|(name, _)| name).collect())
    }

    /// The command that runs one example on the given clock.
    pub fn command(&self, example: &str, clock: Clock) -> Command {
        let mut command = Command::new(&self.binary);
        command.args(["--clock", clock.as_arg(), example]);
        command
    }

    /// What a person types to run the same example themselves.
    pub fn rerun_hint(&self, example: &str, clock: Clock) -> String {
        format!(
            "cargo run -q -p {} -- --clock {} {example}",
            self.name,
            clock.as_arg()
        )
    }
}
