//! `cargo xtask export <section>/<example> [DIR]`: an example as a Cargo
//! project a reader can copy, listing the crates its file uses; [`verify`]
//! proves that each one compiles so.

pub mod verify;

use std::fs;
use std::path::{Path, PathBuf};

use crate::protocol::{Kind, Listed};
use crate::workspace::Workspace;
use crate::{Error, Usage};

/// One crates.io entry of `[workspace.dependencies]`, as it is written there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub default_features: bool,
    pub features: Vec<String>,
}

impl Dependency {
    /// Leaves out the optional features `source` shows no use of, by a mark
    /// or a `Needs:` line: a learner wouldn't add them.
    fn drop_unused_features(&mut self, source: &str) {
        let name = self.name.as_str();
        self.features.retain(|feature| {
            let optional = OPTIONAL_FEATURES.iter().find(|(crate_name, optional, _)| {
                (*crate_name, *optional) == (name, feature.as_str())
            });
            let needed = source.contains(&format!("`{name}/{feature}`"));
            needed || optional.is_none_or(|(.., marks)| marks.iter().any(|m| source.contains(m)))
        });
    }

    /// `tokio = { version = "1.54", features = ["rt"] }`, as `cargo add` writes it.
    fn toml_line(&self) -> String {
        let (name, version) = (&self.name, &self.version);
        let mut fields = format!("version = {version:?}");
        if !self.default_features {
            fields.push_str(", default-features = false");
        }
        if !self.features.is_empty() {
            fields.push_str(&format!(", features = {:?}", self.features));
        }
        match self.default_features && self.features.is_empty() {
            true => format!("{name} = {version:?}\n"),
            false => format!("{name} = {{ {fields} }}\n"),
        }
    }

    /// The arguments of the `cargo add` that writes [`Self::toml_line`].
    fn cargo_add(&self) -> String {
        let mut arguments = format!("{}@{}", self.name, self.version);
        if !self.default_features {
            arguments.push_str(" --no-default-features");
        }
        if !self.features.is_empty() {
            arguments.push_str(&format!(" --features {}", self.features.join(",")));
        }
        arguments
    }

    /// Whether `code`, outside comments, names this crate: `tokio_util::` or
    /// `use tokio_util as` (not `x::tokio_util::`, another crate's module).
    fn is_named_in(&self, code: &str) -> bool {
        names_crate(code, &self.name)
    }
}

/// Whether `code`, outside comments, names crate `name` (see
/// [`Dependency::is_named_in`]).
fn names_crate(code: &str, name: &str) -> bool {
    let name = name.replace('-', "_");
    let (path, renamed) = (format!("{name}::"), format!("use {name} as "));
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let root = |l: &str, at: usize| !l[..at].trim_end_matches("::").ends_with(ident);
    let found = |l: &str| l.match_indices(&path).any(|(at, _)| root(l, at));
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .any(|line| found(line) || line.contains(&renamed))
}

/// Crates of this repository that an export copies beside the example,
/// by name and directory: `task-dump` is what `recipes/dump_stuck_tasks`
/// builds on. Each is written to stand alone (its own versions, no
/// workspace inheritance), its sources in one directory.
const LOCAL_CRATES: [(&str, &str); 1] = [("task-dump", "crates/task-dump")];

/// The crates.io entries of `[workspace.dependencies]`, and the
/// `[workspace.package]` fields an export's package takes too.
#[derive(Clone, Debug)]
pub struct DependencyTable {
    crates: Vec<Dependency>,
    /// `edition = "2024"` and `rust-version`, as `[package]` lines.
    package: String,
}

impl DependencyTable {
    pub fn read(workspace: &Workspace) -> Result<Self, Error> {
        let path = workspace.root().join("Cargo.toml");
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()).into())
    }

    fn parse(text: &str) -> Result<Self, toml::de::Error> {
        let manifest: toml::Table = text.parse()?;
        let workspace = manifest.get("workspace");
        let field = |table: &str, key| workspace?.get(table)?.get(key);
        let mut crates = Vec::new();
        let entries = workspace.and_then(|w| w.get("dependencies")?.as_table());
        // An entry of `[workspace.metadata.export.dependencies]` wins.
        let exported = field("metadata", "export").and_then(|e| e.get("dependencies"));
        for (name, entry) in entries.into_iter().flatten() {
            let entry = exported.and_then(|e| e.get(name)).unwrap_or(entry);
            // A `path` entry, or one with no version, is no crates.io crate.
            let version = entry.as_str().or_else(|| entry.get("version")?.as_str());
            let Some(version) = version.filter(|_| entry.get("path").is_none()) else {
                continue;
            };
            let features = entry.get("features").and_then(|f| f.as_array());
            let features = features.into_iter().flatten().filter_map(|f| f.as_str());
            crates.push(Dependency {
                name: name.clone(),
                version: version.to_owned(),
                default_features: entry.get("default-features") != Some(&false.into()),
                features: features.map(str::to_owned).collect(),
            });
        }
        crates.sort_by(|a, b| a.name.cmp(&b.name));
        let package = ["edition", "rust-version"].into_iter();
        let package =
            package.filter_map(|key| Some(format!("{key} = {}\n", field("package", key)?)));
        let package = package.collect();
        Ok(Self { crates, package })
    }

    fn get(&self, name: &str) -> Result<&Dependency, String> {
        let found = self.crates.iter().find(|d| d.name == name);
        found.ok_or_else(|| format!("`{name}` is no crates.io entry of [workspace.dependencies]"))
    }
}

/// Features an export lists only if its source shows one of the marks:
/// (crate, feature, marks).
const OPTIONAL_FEATURES: [(&str, &str, &[&str]); 2] = [
    ("reqwest", "blocking", &["reqwest::blocking"]),
    ("reqwest", "json", &[".json(", ".json::<"]),
];

/// An example, ready to be written as a project of its own.
#[derive(Clone, Debug)]
pub struct Export {
    pub section: String,
    pub name: String,
    pub kind: Kind,
    pub summary: String,
    pub source: String,
    pub dependencies: Vec<Dependency>,
    pub dev_dependencies: Vec<Dependency>,
    /// The crates of [`LOCAL_CRATES`] it names, by name and directory.
    pub local: Vec<(&'static str, &'static str)>,
    pub main_rs: String,
    package: String,
}

impl Export {
    /// Reads the example `listed` of `section` and lists the crates it uses.
    pub fn plan(section: &str, listed: &Listed, table: &DependencyTable) -> Result<Self, String> {
        let id = format!("{section}/{}", listed.name);
        let source = fs::read_to_string(&listed.source);
        let source = source.map_err(|e| format!("{id}: cannot read {}: {e}", listed.source))?;
        let main_rs = main_rs(section, listed, &source);
        // The test module comes last: what only it names is a dev-dependency.
        let (code, tests) = source.split_once("#[cfg(test)]").unwrap_or((&source, ""));
        let needs = needs(&source, table).map_err(|why| format!("{id}: {why}"))?;
        // Every crate, tokio included, comes with the workspace's own entry,
        // the features the examples are built and tested with: for tokio a
        // list that is `full` without `io-std` and `parking_lot`, rather than
        // the tutorial's `full`, so that no export lists what nothing tests.
        let uses = |d: &Dependency| d.is_named_in(code) || d.is_named_in(&main_rs);
        let mut dependencies: Vec<Dependency> = table
            .crates
            .iter()
            .filter(|d| uses(d) || needs.contains(d))
            .cloned()
            .collect();
        // Tokio's paused clock (`start_paused`, `time::pause`, `advance`,
        // `resume`) is its `test-util` feature: for the program when it
        // pauses a runtime of its own (`paused_clock_io`), else for the tests.
        if code.contains("start_paused(true)") || code.contains("pause()") {
            let tokio = dependencies.iter_mut().filter(|d| d.name == "tokio");
            tokio.for_each(|tokio| tokio.features.push("test-util".to_owned()));
        }
        for dependency in &mut dependencies {
            dependency.drop_unused_features(&source);
        }
        let paused =
            tests.contains("pause") || tests.contains("advance") || tests.contains("resume");
        let mut dev_dependencies = Vec::new();
        for dependency in &table.crates {
            let mut dependency = dependency.clone();
            dependency.drop_unused_features(tests);
            // Listed again only for a feature that only the tests use.
            let listed = dependencies.iter().find(|d| d.name == dependency.name);
            let covered =
                |d: &Dependency| dependency.features.iter().all(|f| d.features.contains(f));
            if dependency.name == "tokio" && paused {
                dependency.features = vec!["test-util".to_owned()];
            } else if listed.is_some_and(covered) || !dependency.is_named_in(tests) {
                continue;
            }
            dev_dependencies.push(dependency);
        }
        let local = LOCAL_CRATES
            .iter()
            .filter(|(name, _)| names_crate(code, name));
        Ok(Self {
            section: section.to_owned(),
            name: listed.name.clone(),
            kind: listed.kind,
            summary: listed.summary.clone(),
            local: local.copied().collect(),
            source,
            dependencies,
            dev_dependencies,
            main_rs,
            package: table.package.clone(),
        })
    }

    pub fn id(&self) -> String {
        format!("{}/{}", self.section, self.name)
    }

    pub fn command(&self) -> String {
        format!("cargo xtask export {}", self.id())
    }

    pub fn has_tests(&self) -> bool {
        self.source.contains("#[cfg(test)]")
    }

    /// Whether the example is a program of its own: a `main` that the
    /// export's `main.rs` calls, whose `--demo` runs `run`.
    pub fn is_program(&self) -> bool {
        is_program(&self.source)
    }

    /// Whether the example takes Tokio task dumps (`Handle::dump`), which
    /// need Tokio's `taskdump` feature, on Linux only, and `--cfg tokio_unstable`.
    pub fn takes_task_dumps(&self) -> bool {
        let task_dump = self.local.iter().any(|(name, _)| *name == "task-dump");
        task_dump || (self.source.contains("tokio_unstable") && self.source.contains(".dump()"))
    }

    /// `[dependencies]`, Tokio's `taskdump` where it exists if the example takes
    /// task dumps, and `[dev-dependencies]` if its tests need more.
    pub fn dependency_tables(&self) -> String {
        let lines =
            |list: &[Dependency]| list.iter().map(Dependency::toml_line).collect::<String>();
        let mut text = String::from("[dependencies]\n");
        text.push_str(&lines(&self.dependencies));
        for (name, _) in &self.local {
            text.push_str(&format!("{name} = {{ path = {name:?} }}\n"));
        }
        let tokio = self.dependencies.iter().find(|d| d.name == "tokio");
        if let Some(tokio) = tokio.filter(|_| self.takes_task_dumps()) {
            text.push_str(&task_dump_table(&tokio.version));
        }
        if !self.dev_dependencies.is_empty() {
            text.push_str("\n[dev-dependencies]\n");
            text.push_str(&lines(&self.dev_dependencies));
        }
        text
    }

    /// The `cargo add` commands that write [`Self::dependency_tables`] into
    /// a new project.
    pub fn cargo_add(&self) -> Vec<String> {
        let add = |flag: &str, d: &Dependency| format!("cargo add{flag} {}", d.cargo_add());
        let mut lines: Vec<String> = self.dependencies.iter().map(|d| add("", d)).collect();
        lines.extend(
            self.local
                .iter()
                .map(|(name, _)| format!("cargo add --path {name}")),
        );
        if self.takes_task_dumps() {
            lines.push(format!(
                "cargo add tokio --features taskdump --target '{TASK_DUMP_TARGET}'"
            ));
        }
        lines.extend(self.dev_dependencies.iter().map(|d| add(" --dev", d)));
        lines
    }

    /// The project's `Cargo.toml`; a `standalone` one is a workspace of its
    /// own, the check's members are not.
    pub fn cargo_toml(&self, package: &str, standalone: bool) -> String {
        let fields = &self.package;
        let tables = self.dependency_tables();
        let workspace = if standalone { WORKSPACE } else { "" };
        format!(
            "[package]\nname = {package:?}\nversion = \"0.1.0\"\n{fields}publish = false\n\n{tables}{workspace}"
        )
    }

    /// The export's README; with what the example prints, if `expected`.
    pub fn readme(&self, expected: Option<&str>) -> String {
        let (name, section, command) = (&self.name, &self.section, self.command());
        let run = match self.kind {
            _ if self.is_program() => PROGRAM,
            Kind::BaseUrl => RUN_WITH_URL,
            _ => "`cargo run`",
        };
        let tests = match self.has_tests() {
            true => " Its tests are in the example's file: `cargo test`.",
            false => "",
        };
        let prints = match expected {
            // Times as on Tokio's paused clock, where they are exact.
            Some(expected) => format!(
                " {} prints this (a busy machine may print a time a little later):\n\n\
                 ```text\n{expected}```\n",
                if self.is_program() {
                    "The demonstration"
                } else {
                    "It"
                }
            ),
            None => String::new(),
        };
        format!(
            "# {name}\n\n{}\n\nThe `{name}` example of async-rust-by-example's `{section}` \
             section as a project of its own (`{command}`): `src/{name}.rs` is the example, \
             unchanged; `src/main.rs` calls its `{entry}`. `Cargo.toml` lists the crates it uses, \
             and `Cargo.lock` the versions it was tested with.{tests}\n\n\
             Run it with {run}.{prints}",
            self.summary,
            entry = if self.is_program() { "main" } else { "run" },
        )
    }

    /// Writes the project into `dir`; from a `workspace`, as a workspace of
    /// its own, with its `Cargo.lock` and a README that says what it prints.
    pub fn write(&self, dir: &Path, package: &str, from: Option<&Workspace>) -> Result<(), Error> {
        let write = |path: &str, text: &str| {
            let path = dir.join(path);
            crate::files::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
        };
        write("Cargo.toml", &self.cargo_toml(package, from.is_some()))?;
        let golden = |workspace: &Workspace| {
            let file = format!("{}/{}.stdout", self.section, self.name);
            fs::read_to_string(workspace.golden_root().join(file))
        };
        let expected = from.map(golden).transpose()?;
        write("README.md", &self.readme(expected.as_deref()))?;
        write("src/main.rs", &self.main_rs)?;
        write(&format!("src/{}.rs", self.name), &self.source)?;
        if self.takes_task_dumps() {
            write(".cargo/config.toml", TASK_DUMP_CONFIG)?;
        }
        for (name, source) in &self.local {
            copy_crate(&Workspace::locate().root().join(source), &dir.join(name))?;
        }
        if let Some(workspace) = from {
            write(
                "Cargo.lock",
                &fs::read_to_string(workspace.root().join("Cargo.lock"))?,
            )?;
        }
        Ok(())
    }
}

/// A crate of [`LOCAL_CRATES`], copied into `to`: its manifest, build
/// script and sources.
fn copy_crate(from: &Path, to: &Path) -> Result<(), Error> {
    let copy = |file: &Path| {
        let relative = file.strip_prefix(from).unwrap_or(file);
        crate::files::copy(file, &to.join(relative)).map_err(|e| format!("{}: {e}", file.display()))
    };
    copy(&from.join("Cargo.toml"))?;
    copy(&from.join("build.rs"))?;
    let sources = fs::read_dir(from.join("src")).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in sources {
        copy(&entry?.path())?;
    }
    Ok(())
}

/// The targets on which Tokio's `taskdump` feature compiles (on any other,
/// with `--cfg tokio_unstable`, Tokio's lib.rs stops the build). The
/// runner's Cargo.toml names the same, which a test checks.
const TASK_DUMP_TARGET: &str = "cfg(all(target_os = \"linux\", any(target_arch = \"aarch64\", \
                                target_arch = \"x86\", target_arch = \"x86_64\", \
                                target_arch = \"s390x\")))";

/// What `Cargo.toml` adds for an example that takes task dumps.
fn task_dump_table(version: &str) -> String {
    format!(
        "
# Task dumps: Tokio's `taskdump` feature exists on these targets only, and
# `Handle::dump` only with `--cfg tokio_unstable` (.cargo/config.toml).
[target.'{TASK_DUMP_TARGET}'.dependencies]
tokio = {{ version = {version:?}, features = [\"taskdump\"] }}

[lints.rust]
unexpected_cfgs = {{ level = \"warn\", check-cfg = [\"cfg(tokio_unstable)\"] }}
"
    )
}

/// The `.cargo/config.toml` of an example that takes task dumps.
pub const TASK_DUMP_CONFIG: &str = "\
# Tokio's unstable APIs, `Handle::dump` among them, exist only under this cfg.
[build]
rustflags = [\"--cfg\", \"tokio_unstable\"]
";

const WORKSPACE: &str = "
# A workspace of its own: it builds wherever it is put, even inside another
# workspace's directory. Delete this table to make it a member of one.
[workspace]
";

const PROGRAM: &str = "`cargo run`, which starts the program its `main` is (`cargo run -- \
    --help` says what it does); `cargo run -- --demo` runs the demonstration instead";

const RUN_WITH_URL: &str = "`cargo run -- BASE_URL`, with the base URL of an httpbin: \
    `cargo run -p httpbin -- --port 8080` in async-rust-by-example starts one at \
    http://127.0.0.1:8080";

/// The crates of the header's `Needs:` line (``Needs: `reqwest/json` ``),
/// for what no path shows. A feature it names must be in the crate's entry.
fn needs(source: &str, table: &DependencyTable) -> Result<Vec<Dependency>, String> {
    let header = source.lines().map_while(|line| line.strip_prefix("//!"));
    let lines = header.filter_map(|line| line.trim().strip_prefix("Needs:"));
    let mut found = Vec::new();
    for item in lines.flat_map(|line| line.trim_end_matches('.').split(',')) {
        let item = item.trim().trim_matches('`');
        let (name, feature) = item.split_once('/').unwrap_or((item, ""));
        let dependency = table
            .get(name)
            .map_err(|why| format!("`Needs: {item}`: {why}"))?;
        if !feature.is_empty() && !dependency.features.iter().any(|f| f == feature) {
            return Err(format!("`Needs: {item}`: the workspace's {name} lacks it"));
        }
        found.push(dependency.clone());
    }
    Ok(found)
}

/// Whether `source` has a program's `main` (see [`Export::is_program`]).
fn is_program(source: &str) -> bool {
    source.contains("\npub fn main() -> ExitCode {")
}

/// The `main.rs` that calls `run` as the runner does, exiting non-zero if it
/// returns an `Err`; or, in a program of its own, its `main`.
fn main_rs(section: &str, listed: &Listed, source: &str) -> String {
    let (name, url) = (&listed.name, listed.kind == Kind::BaseUrl);
    if is_program(source) {
        return format!(
            "//! Runs `{name}`, the example of async-rust-by-example's `{section}` section: \
             `cargo run -- --help`.\n\nmod {name};\n\nfn main() -> std::process::ExitCode {{\n    \
             {name}::main()\n}}\n"
        );
    }
    let (mut main, wait) = match listed.kind {
        Kind::Sync => (SYNC.to_owned(), ""),
        _ => (
            CURRENT_THREAD.to_owned() + if url { BASE_URL } else { "" },
            ".await",
        ),
    };
    let call = format!("{name}::run({}){wait}", if url { "&base_url" } else { "" });
    let run_line = |line: &&str| line.starts_with("pub ") && line.contains(" fn run(");
    let returns_result = source
        .lines()
        .find(run_line)
        .is_some_and(|l| l.contains("Result"));
    let mut uses = "";
    if returns_result || url {
        uses = "\nuse std::process::{ExitCode, Termination};\n";
        main = main.replace("main() {", "main() -> ExitCode {") + REPORT;
        main.push_str(&format!("    {call}.report()\n}}\n"));
    } else {
        main.push_str(&format!("    {call};\n}}\n"));
    }
    let header =
        format!("//! Runs `{name}`, the example of async-rust-by-example's `{section}` section.");
    format!("{header}\n\nmod {name};\n{uses}\n{main}")
}

const SYNC: &str = "// `run` builds its own Tokio runtime.\nfn main() {\n";

const CURRENT_THREAD: &str = "\
// One thread, like asyncio's event loop: the output the workspace checks is
// this runtime's.
#[tokio::main(flavor = \"current_thread\")]
async fn main() {
";

const BASE_URL: &str = "    let Some(base_url) = std::env::args().nth(1) else {
        eprintln!(\"usage: cargo run -- BASE_URL (an httpbin, such as http://127.0.0.1:8080)\");
        return ExitCode::from(2);
    };
    let base_url = base_url.trim_end_matches('/').to_owned();
";

const REPORT: &str =
    "    // As if `main` returned it: an `Err` is printed, and the exit code is 1.\n";

pub fn export(target: &str, dir: Option<&Path>) -> Result<bool, Error> {
    let (section, name) = target.split_once('/').unwrap_or((target, ""));
    let dir = dir.map_or_else(|| PathBuf::from(name), Path::to_path_buf);
    let empty = fs::read_dir(&dir).map(|mut entries| entries.next().is_none());
    let workspace = Workspace::locate();
    let sections = workspace.section_names()?;
    let why = if name.is_empty() {
        format!("`{target}`: expected SECTION/EXAMPLE, such as basics/spawn_tasks")
    } else if dir.as_os_str().is_empty() || (dir.exists() && !matches!(empty, Ok(true))) {
        // Into a new or an empty directory, never over files.
        format!("`{}` is not empty, or not a directory", dir.display())
    } else if !sections.iter().any(|known| known == section) {
        let sections = sections.join(", ");
        format!("there is no section `{section}`; the sections are {sections}")
    } else {
        String::new()
    };
    if !why.is_empty() {
        return Err(Usage(why).into());
    }
    let built = workspace.build(&[section.to_owned()])?;
    let examples = built.first().map(|section| section.list()).transpose()?;
    let mut examples = examples.into_iter().flatten();
    let Some(listed) = examples.find(|example| example.name == name) else {
        let why = format!("section `{section}` has no example `{name}`; `cargo xtask list`");
        return Err(Usage(why + " lists them").into());
    };
    let export = Export::plan(section, &listed, &DependencyTable::read(&workspace)?)?;
    export.write(&dir, name, Some(&workspace))?;
    let run = match export.kind {
        _ if export.is_program() => {
            "cargo run            # the program: cargo run -- --help\n  \
                                     cargo run -- --demo  # the demonstration"
        }
        Kind::BaseUrl => "cargo run -- http://127.0.0.1:8080  # with an httpbin there",
        _ => "cargo run",
    };
    let (dir, summary) = (dir.display(), &export.summary);
    println!("wrote {dir}: {summary}\nrun it:\n  cd {dir}\n  {run}");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(source: &str, kind: &str) -> Result<Export, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("demo.rs");
        fs::write(&path, source).map_err(|e| e.to_string())?;
        let table = DependencyTable::parse(
            r#"[workspace.dependencies]
            tokio = { version = "1.54", features = ["rt", "time"] }
            futures = { version = "0.3.31", default-features = false, features = ["std"] }
            anyhow = "1.0.98"
            reqwest = { version = "0.13", default-features = false, features = ["json"] }
            rustls = "0.23"
            runner = { path = "crates/runner" }
            [workspace.metadata.export.dependencies]
            reqwest = { version = "0.13", features = ["json"] }"#,
        );
        let listed = Listed::parse_line(&format!("demo\t{}\t{}\t0\t", kind, path.display()));
        Export::plan("basics", &listed?, &table.map_err(|e| e.to_string())?)
    }

    #[test]
    fn crates_are_first_path_segments_each_with_its_workspace_entry() {
        let export = plan(
            "//! Not `futures::join!`, in prose.\nuse runner::x;\nuse anyhow as _;\n\
             pub async fn run() -> Result<(), ()> { my::futures::x(); ::tokio::spawn(f()); Ok(()) }\n\
             #[cfg(test)]\nmod tests { #[tokio::test(start_paused = true)] async fn t() { futures::pending!() } }",
            "plain",
        )
        .unwrap();
        let expected = r#"[dependencies]
anyhow = "1.0.98"
tokio = { version = "1.54", features = ["rt", "time"] }

[dev-dependencies]
futures = { version = "0.3.31", default-features = false, features = ["std"] }
tokio = { version = "1.54", features = ["test-util"] }
"#;
        assert_eq!(export.dependency_tables(), expected);
        let add = "cargo add --dev futures@0.3.31 --no-default-features --features std";
        assert_eq!(export.cargo_add()[2], add);
        let main = &export.main_rs;
        assert!(
            main.contains("() -> ExitCode {\n") && main.contains(" demo::run().await.report()\n")
        );

        let http = "//! X.\n//!\n//! Needs: `reqwest/json`\n\npub async fn run(u: &str) { reqwest::get(u); }";
        let export = plan(http, "base_url").unwrap();
        let tables = export.dependency_tables();
        let reqwest = "\nreqwest = { version = \"0.13\", features = [\"json\"] }\ntokio = ";
        assert!(tables.contains(reqwest), "{tables}");
        let main = &export.main_rs;
        assert!(
            main.contains("    demo::run(&base_url).await.report()\n"),
            "{main}"
        );
        let plain = "pub async fn run(u: &str) { reqwest::get(u); }";
        let tables = plan(plain, "base_url").unwrap().dependency_tables();
        assert!(tables.contains("\nreqwest = \"0.13\"\n"), "{tables}");
        let json = "pub async fn run(u: &str) { reqwest::get(u).await?.json::<u8>(); }";
        let tables = plan(json, "base_url").unwrap().dependency_tables();
        assert!(tables.contains(reqwest), "{tables}");
        let error = plan("//! X.\n//!\n//! Needs: `reqwest/blocking`\n", "plain");
        assert!(error.unwrap_err().contains("lacks it"));

        let program =
            "pub async fn run() {}\npub fn main() -> ExitCode {\n    ExitCode::SUCCESS\n}";
        let program = plan(program, "plain").unwrap();
        assert!(
            program.main_rs.contains("    demo::main()\n"),
            "{}",
            program.main_rs
        );

        let dumps = "#[cfg(tokio_unstable)] fn f() { tokio::runtime::Handle::current().dump(); }";
        let toml = plan(dumps, "sync").unwrap().cargo_toml("demo", true);
        assert!(toml.contains("tokio = { version = \"1.54\", features = [\"taskdump\"] }\n"));
        let toml = toml.parse::<toml::Table>().unwrap();
        assert!(toml["target"].get(TASK_DUMP_TARGET).is_some(), "{toml}");
        for manifest in [
            include_str!("../../crates/runner/Cargo.toml"),
            include_str!("../../crates/recipes/Cargo.toml"),
        ] {
            let manifest = manifest.parse::<toml::Table>().unwrap();
            assert!(
                manifest["target"].get(TASK_DUMP_TARGET).is_some(),
                "{manifest}"
            );
        }

        let paused =
            "pub fn run() { tokio::runtime::Builder::new_current_thread().start_paused(true); }";
        let tables = plan(paused, "sync").unwrap().dependency_tables();
        assert!(
            tables.contains(r#"features = ["rt", "time", "test-util"] }"#),
            "{tables}"
        );
    }
}
