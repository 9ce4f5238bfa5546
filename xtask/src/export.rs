//! `cargo xtask export SECTION/EXAMPLE [DIR]`: an example as a Cargo project
//! a reader can copy, listing exactly the crates and features its file uses;
//! [`verify`] proves that each one builds with them.

mod features;
mod local;
pub mod manifest;
mod uses;
pub mod verify;

use std::fs;
use std::path::{Path, PathBuf};

use protocol::{Header, Kind, same_name};

use crate::golden::{self, STDOUT};
use crate::prose::{self, Prose};
use rust_reader::{Asyncness, Source};

use crate::rust_source::Names;
use crate::select::Filter;
use crate::workspace::Workspace;
use crate::{Error, Usage};

use local::LocalCrate;
use manifest::{Dependency, Tables};
pub use manifest::{DependencyTable, TASK_DUMP_CONFIG, Unstable};
use uses::Uses;

/// An example's file: `crates/<section>/src/<name>.rs`.
#[derive(Clone, Debug)]
pub struct ExampleFile {
    pub section: String,
    pub name: String,
    pub path: PathBuf,
}

impl ExampleFile {
    /// The example `target` names, `SECTION/EXAMPLE` (either may be written
    /// with `-` for `_`), found without building anything: every file of a
    /// section's `src/` but `main.rs` is an example (the tidy test holds the
    /// files, the `mod` lines and the `example!` entries together).
    pub fn find(workspace: &Workspace, target: &str) -> Result<Self, Error> {
        let sections = workspace.section_names()?;
        let Filter::InSection { section, part } = Filter::parse(Some(target), &sections)? else {
            let why = format!("`{target}`: expected SECTION/EXAMPLE, such as basics/spawn_tasks");
            return Err(Usage(why).into());
        };
        let src = workspace.package_dir(&section)?.join("src");
        let mut names = Vec::new();
        for entry in fs::read_dir(&src).map_err(|e| format!("{}: {e}", src.display()))? {
            let path = entry?.path();
            let Some(name) = path.file_stem().and_then(|stem| stem.to_str()) else {
                continue;
            };
            if path.extension().is_none_or(|extension| extension != "rs") || name == "main" {
                continue;
            }
            if same_name(&part, name) {
                let name = name.to_owned();
                return Ok(Self {
                    section,
                    name,
                    path,
                });
            }
            names.push(name.to_owned());
        }
        names.sort();
        let names = names.join(", ");
        let why = format!("section `{section}` has no example `{part}`; its examples are {names}");
        Err(Usage(why).into())
    }

    pub fn id(&self) -> String {
        format!("{}/{}", self.section, self.name)
    }
}

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
    /// Crates of this workspace its `Needs:` line names, which it brings a
    /// copy of, each in a directory of its name.
    pub locals: Vec<LocalCrate>,
    pub main_rs: String,
    /// How `main.rs` calls it.
    main: Main,
    /// What its file says of itself.
    facts: Facts,
    package: Vec<(String, toml::Value)>,
    workspace_manifest: String,
}

impl Export {
    /// Reads the example's file and lists the crates it uses, each with the
    /// features it needs.
    pub fn plan(example: &ExampleFile, table: &DependencyTable) -> Result<Self, String> {
        let id = example.id();
        let source = fs::read_to_string(&example.path)
            .map_err(|e| format!("{id}: cannot read {}: {e}", example.path.display()))?;
        let file = Source::parse(&source).map_err(|why| format!("{id}: {why}"))?;
        let kind = run_kind(&file).map_err(|why| format!("{id}: {why}"))?;
        let main = Main::of(kind, &file);
        let main_rs =
            main_rs(&example.section, &example.name, main).map_err(|why| format!("{id}: {why}"))?;
        let main_file = Source::parse(&main_rs).map_err(|why| format!("{id}: main.rs: {why}"))?;
        let (code, tests) = code_and_tests(&file, &main_file);
        let needs = needs_line(&source, table).map_err(|why| format!("{id}: {why}"))?;
        let dependencies = dependencies(table, &needs, &code);
        let dev_dependencies = dev_dependencies(table, &tests, &dependencies);
        let mut locals = Vec::new();
        for needed in needs {
            if let Needed::Local(local) = needed {
                locals.push(local);
            }
        }
        let facts = Facts::of(&file);
        Ok(Self {
            section: example.section.clone(),
            name: example.name.clone(),
            kind,
            summary: Header::parse(&source).summary,
            source,
            dependencies,
            dev_dependencies,
            locals,
            main_rs,
            main,
            facts,
            package: table.package.clone(),
            workspace_manifest: table.manifest.clone(),
        })
    }

    pub fn id(&self) -> String {
        format!("{}/{}", self.section, self.name)
    }

    pub fn command(&self) -> String {
        format!("cargo xtask export {}", self.id())
    }

    pub fn has_tests(&self) -> bool {
        self.facts.has_tests
    }

    /// Whether the example is a program of its own: a `main` that the
    /// export's `main.rs` calls, whose `--demo` runs `run`.
    pub fn is_program(&self) -> bool {
        matches!(self.main, Main::Program)
    }

    /// Whether the example takes Tokio task dumps (`Handle::dump`), which
    /// need Tokio's `taskdump` feature, on Linux only, and `--cfg tokio_unstable`.
    pub fn takes_task_dumps(&self) -> bool {
        let task_dump = self.locals.iter().any(|local| local.name == "task-dump");
        task_dump || self.facts.dumps_tasks
    }

    /// Whether it has code that compiles only under `--cfg tokio_unstable`:
    /// a task dump, or code written under that cfg.
    pub fn has_unstable_code(&self) -> bool {
        self.tables().unstable == Unstable::Cfg
    }

    /// Its tables: its local crates are copied into its directory.
    fn tables(&self) -> Tables<'_> {
        let tokio = self.dependencies.iter().find(|d| d.name == "tokio");
        let task_dumps = match tokio {
            Some(tokio) if self.takes_task_dumps() => Some(tokio.version.as_str()),
            _ => None,
        };
        // A task dump needs the cfg, and so does code written under it.
        let unstable = if task_dumps.is_some() || self.facts.has_unstable_cfg {
            Unstable::Cfg
        } else {
            Unstable::None
        };
        Tables {
            dependencies: &self.dependencies,
            locals: &self.locals,
            dev_dependencies: &self.dev_dependencies,
            task_dumps,
            unstable,
        }
    }

    /// `[dependencies]`, Tokio's `taskdump` where it exists if the example takes
    /// task dumps, and `[dev-dependencies]` if its tests need more.
    pub fn dependency_tables(&self) -> String {
        self.tables().to_toml()
    }

    /// The `cargo add` commands that write [`Self::dependency_tables`] into
    /// a new project.
    pub fn cargo_add(&self) -> Vec<String> {
        self.tables().cargo_add()
    }

    /// The project's `Cargo.toml`.
    pub fn cargo_toml(&self) -> String {
        self.tables().cargo_toml(&self.name, &self.package)
    }

    /// The export's README, with what the example prints, `expected`.
    pub fn readme(&self, expected: &str) -> Result<String, String> {
        let prose = Prose::of(prose::EXPORT)?;
        let (run, which, entry) = match self.kind {
            _ if self.is_program() => ("run-main", "the-demonstration", "main"),
            Kind::BaseUrl => ("run-with-url", "it", "run"),
            Kind::Plain | Kind::Sync => ("run", "it", "run"),
        };
        let tests = if self.has_tests() {
            prose.render("tests-in-the-file", &[])?
        } else {
            String::new()
        };
        let (run, which, command) = (
            prose.render(run, &[])?,
            prose.render(which, &[])?,
            self.command(),
        );
        let values = [
            ("name", self.name.as_str()),
            ("summary", &self.summary),
            ("section", &self.section),
            ("command", &command),
            ("entry", entry),
            ("tests", &tests),
            ("run", &run),
            ("which", &which),
            // Times as on Tokio's paused clock, where they are exact.
            ("expected", expected),
        ];
        Ok(prose.render("readme", &values)? + "\n")
    }

    /// Writes the project's files into `dir`: a workspace of its own with
    /// its `Cargo.lock`, its local crates and a README that says what it
    /// prints. A reader's package is named after the example; `export
    /// --check-all` names it otherwise.
    pub fn write_files(
        &self,
        dir: &Path,
        workspace: &Workspace,
        package: &str,
    ) -> Result<(), Error> {
        let write = |path: &str, text: &str| {
            let path = dir.join(path);
            crate::files::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
        };
        write(
            "Cargo.toml",
            &self.tables().cargo_toml(package, &self.package),
        )?;
        write("src/main.rs", &self.main_rs)?;
        write(&format!("src/{}.rs", self.name), &self.source)?;
        if self.takes_task_dumps() {
            write(".cargo/config.toml", TASK_DUMP_CONFIG)?;
        }
        for local in &self.locals {
            local.copy(&self.workspace_manifest, &dir.join(&local.name))?;
        }
        let read = |path: PathBuf| {
            fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
        };
        let golden = golden::path(&workspace.golden_root(), &self.section, &self.name, STDOUT);
        write("README.md", &self.readme(&read(golden)?)?)?;
        write("Cargo.lock", &read(workspace.root().join("Cargo.lock"))?)?;
        Ok(())
    }
}

/// What the code uses, `file`'s and its `main.rs`'s, and what its tests
/// use: what only the test code names is a dev-dependency.
fn code_and_tests(file: &Source, main_rs: &Source) -> (Uses, Uses) {
    let (mut code, mut tests) = (Names::default(), Names::default());
    for item in file.items() {
        if item.is_test_only() {
            tests.add(&item.tokens);
        } else {
            code.add(&item.tokens);
        }
    }
    for item in main_rs.items() {
        code.add(&item.tokens);
    }
    (Uses::of(&code), Uses::of(&tests))
}

/// The crates of `table` that the code uses or a `Needs:` line names, each
/// with the features it needs.
fn dependencies(table: &DependencyTable, needs: &[Needed], code: &Uses) -> Vec<Dependency> {
    let mut dependencies = Vec::new();
    for entry in &table.crates {
        let needed = needs.iter().find_map(|needed| match needed {
            Needed::CratesIo {
                dependency,
                feature,
            } if dependency.name == entry.name => Some(feature.as_deref()),
            Needed::CratesIo { .. } | Needed::Local(_) => None,
        });
        if needed.is_none() && !code.names_crate(&entry.name) {
            continue;
        }
        dependencies.push(with_features(entry, code, needed.flatten()));
    }
    dependencies
}

/// The crates of `table` that the tests use, with the features they need
/// beyond what `dependencies` list.
fn dev_dependencies(
    table: &DependencyTable,
    tests: &Uses,
    dependencies: &[Dependency],
) -> Vec<Dependency> {
    let mut dev_dependencies = Vec::new();
    for entry in &table.crates {
        if !tests.names_crate(&entry.name) {
            continue;
        }
        let mut dev = with_features(entry, tests, None);
        // Cargo unifies a dev-dependency with the same crate's entry in
        // `[dependencies]`: only what the tests need beyond it.
        if let Some(listed) = dependencies.iter().find(|d| d.name == entry.name) {
            dev.features
                .retain(|feature| !listed.features.contains(feature));
            if dev.features.is_empty() {
                continue;
            }
        }
        dev_dependencies.push(dev);
    }
    dev_dependencies
}

/// `entry` with the features `uses` shows a need for (and the one a `Needs:`
/// line names); a crate the feature table does not cover keeps its entry's.
fn with_features(entry: &Dependency, uses: &Uses, forced: Option<&str>) -> Dependency {
    let mut dependency = entry.clone();
    let Some(needed) = features::needed(&entry.name, uses) else {
        return dependency;
    };
    let wanted = |feature: &str| needed.contains(feature) || forced == Some(feature);
    dependency.features.retain(|feature| wanted(feature));
    for feature in needed {
        if !dependency.features.iter().any(|listed| listed == feature) {
            dependency.features.push(feature.to_owned());
        }
    }
    dependency
}

/// What a `Needs:` line of the header names.
enum Needed {
    /// A crates.io crate no path shows (``Needs: `reqwest/json` ``), with
    /// the feature it names, which must be in the crate's entry.
    CratesIo {
        dependency: Dependency,
        feature: Option<String>,
    },
    /// A crate of this workspace, which the export brings a copy of.
    Local(LocalCrate),
}

/// Each item of the header's `Needs:` lines.
fn needs_line(source: &str, table: &DependencyTable) -> Result<Vec<Needed>, String> {
    let header = source.lines().map_while(|line| line.strip_prefix("//!"));
    let lines = header.filter_map(|line| line.trim().strip_prefix("Needs:"));
    let mut found = Vec::new();
    for item in lines.flat_map(|line| line.trim_end_matches('.').split(',')) {
        let item = item.trim().trim_matches('`');
        if let Some(local) = table.locals.iter().find(|local| local.name == item) {
            found.push(Needed::Local(local.clone()));
            continue;
        }
        let (name, feature) = match item.split_once('/') {
            Some((name, feature)) => (name, Some(feature.to_owned())),
            None => (item, None),
        };
        let dependency = table
            .get(name)
            .map_err(|why| format!("`Needs: {item}`: {why}"))?;
        if let Some(feature) = &feature
            && !dependency.features.contains(feature)
        {
            return Err(format!("`Needs: {item}`: the workspace's {name} lacks it"));
        }
        let dependency = dependency.clone();
        found.push(Needed::CratesIo {
            dependency,
            feature,
        });
    }
    Ok(found)
}

/// What an example's file says of itself, read from its tokens.
#[derive(Clone, Debug)]
struct Facts {
    /// An item only `cargo test` compiles: `#[cfg(test)] mod tests`.
    has_tests: bool,
    /// It names `tokio_unstable` and calls a `dump` method: it takes task
    /// dumps itself (`Handle::dump`).
    dumps_tasks: bool,
    /// Code written under `#[cfg(tokio_unstable)]`.
    has_unstable_cfg: bool,
}

impl Facts {
    fn of(file: &Source) -> Self {
        let names = Names::of(file);
        let has_unstable_cfg = names
            .attributes
            .iter()
            .any(|attribute| attribute.path == ["cfg"] && attribute.arguments == "tokio_unstable");
        Facts {
            has_tests: file.has_tests(),
            dumps_tasks: names.words.contains("tokio_unstable") && names.methods.contains("dump"),
            has_unstable_cfg,
        }
    }
}

/// How the example's `run` is called, as its signature says: the runner's
/// `example!` holds the two together when it compiles, and `export
/// --check-all` compares this with each binary's listing.
fn run_kind(file: &Source) -> Result<Kind, &'static str> {
    let Some(run) = file.public_function("run") else {
        return Err("it has no `pub fn run` or `pub async fn run`");
    };
    Ok(match (run.asyncness, run.parameters.len()) {
        (Asyncness::Sync, _) => Kind::Sync,
        (Asyncness::Async, 0) => Kind::Plain,
        (Asyncness::Async, _) => Kind::BaseUrl,
    })
}

/// Whether `file` has a program's `main`, `pub fn main() -> ExitCode` (see
/// [`Export::is_program`]).
fn is_program(file: &Source) -> bool {
    let Some(main) = file.public_function("main") else {
        return false;
    };
    main.asyncness == Asyncness::Sync
        && main.parameters.is_empty()
        && main.returns.last().is_some_and(|name| name == "ExitCode")
}

/// The `main.rs` that calls `run` as the runner does, exiting non-zero if it
/// returns an `Err`; or, in a program of its own, its `main`.
fn main_rs(section: &str, name: &str, main: Main) -> Result<String, String> {
    let template = Prose::of(prose::EXPORT_MAIN)?;
    let values = [("name", name), ("section", section)];
    Ok(template.render(main.part(), &values)? + "\n")
}

/// How an export's `main.rs` calls the example, as its signatures ask: a
/// part of the template [`prose::EXPORT_MAIN`].
#[derive(Clone, Copy, Debug)]
enum Main {
    /// The example is a program of its own: `main` calls its `main`.
    Program,
    /// `run` builds its own runtime: a plain `main` calls it.
    Sync(Returns),
    /// A current-thread `#[tokio::main]` awaits `run`.
    CurrentThread(Returns),
    /// A current-thread `#[tokio::main]` awaits `run` with the base URL of
    /// an httpbin, its one argument; without it, `main` exits 2, so it
    /// returns an `ExitCode` whatever `run` returns.
    CurrentThreadWithUrl,
}

/// What the example's `run` returns.
#[derive(Clone, Copy, Debug)]
enum Returns {
    /// Nothing: neither does `main`.
    Unit,
    /// A `Result`, which `main` reports as if it had returned it.
    Result,
}

impl Main {
    fn of(kind: Kind, file: &Source) -> Self {
        if is_program(file) {
            return Main::Program;
        }
        let run = file.public_function("run");
        let returns = match run {
            Some(run) if run.returns_result() => Returns::Result,
            _ => Returns::Unit,
        };
        match kind {
            Kind::Sync => Main::Sync(returns),
            Kind::Plain => Main::CurrentThread(returns),
            Kind::BaseUrl => Main::CurrentThreadWithUrl,
        }
    }

    /// Its part of the template.
    fn part(self) -> &'static str {
        match self {
            Main::Program => "program",
            Main::Sync(Returns::Unit) => "sync",
            Main::Sync(Returns::Result) => "sync-result",
            Main::CurrentThread(Returns::Unit) => "current-thread",
            Main::CurrentThread(Returns::Result) => "current-thread-result",
            Main::CurrentThreadWithUrl => "current-thread-with-url",
        }
    }
}

/// `cargo xtask export`: reads the example's file and writes its project;
/// nothing is built (the reader's `cargo run` builds what it lists).
pub fn export(target: &str, dir: Option<&Path>) -> Result<(), Error> {
    let workspace = Workspace::locate();
    let example = ExampleFile::find(&workspace, target)?;
    let dir = dir.map_or_else(|| PathBuf::from(&example.name), Path::to_path_buf);
    let destination = destination(&workspace, &dir)?;
    let export = Export::plan(&example, &DependencyTable::read(&workspace)?)?;
    write_project(&export, &workspace, &destination)?;
    let run = match export.kind {
        _ if export.is_program() => {
            "cargo run            # the program: cargo run -- --help\n  \
                                     cargo run -- --demo  # the demonstration"
        }
        Kind::BaseUrl => "cargo run -- http://127.0.0.1:8080  # with an httpbin there",
        Kind::Plain | Kind::Sync => "cargo run",
    };
    let (dir, summary) = (dir.display(), &export.summary);
    println!("wrote {dir}: {summary}\nrun it:\n  cd {dir}\n  {run}");
    Ok(())
}

/// Where `dir` asks an export to go, as an absolute path: a new directory, an
/// empty one (which the export writes into) or one an export was stopped
/// writing, and through a symbolic link,
/// where it points (a dangling one included).
/// Never where the workspace's `members` would take it in (`crates/*`): its
/// `[workspace]` would be a second root there, and stop every cargo
/// command in this one.
fn destination(workspace: &Workspace, dir: &Path) -> Result<PathBuf, Error> {
    if dir.as_os_str().is_empty() {
        return Err(Usage("the export's DIR is empty".into()).into());
    }
    let mut dir = dir.to_path_buf();
    // As many links in a row as Linux follows.
    for _ in 0..40 {
        let Ok(target) = fs::read_link(&dir) else {
            break;
        };
        dir = dir.parent().unwrap_or(Path::new("")).join(target);
    }
    let shown = dir.display();
    match fs::read_dir(&dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && !dir.join(INCOMPLETE).exists() {
                return Err(Usage(format!("`{shown}` is not empty")).into());
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => (),
        Err(error) => {
            let why = format!("`{shown}` is no directory an export can go into: {error}");
            return Err(Usage(why).into());
        }
    }
    let dir = absolute(&dir)?;
    if let Some(member) = workspace.member_matching(&dir)? {
        let name = dir.file_name().unwrap_or_default().display();
        return Err(Usage(format!(
            "`{shown}` is where this workspace's members are (`{member}`): an export there would \
             be a second workspace root, which stops every cargo command here; export outside \
             the workspace, such as ../{name}"
        ))
        .into());
    }
    Ok(dir)
}

/// `path` from the root, with its existing part resolved (`..`, links) and
/// the rest as written.
fn absolute(path: &Path) -> std::io::Result<PathBuf> {
    let path = std::path::absolute(path)?;
    let mut existing = path.as_path();
    let mut missing = Vec::new();
    while !existing.exists() {
        let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
            break;
        };
        missing.push(name);
        existing = parent;
    }
    let mut resolved = fs::canonicalize(existing)?;
    resolved.extend(missing.iter().rev());
    Ok(resolved)
}

/// The file an export writes first and removes last: a directory that holds
/// it is one an export was stopped writing, which the next one empties.
const INCOMPLETE: &str = ".export-incomplete";

/// Writes the project into `destination`, made if missing, else empty or
/// left incomplete (as [`destination`] found it), in place, as `cargo new`
/// does: the directory keeps its mode, its owner and what it is (a mount
/// point, the shell's working directory). A write that fails (a full disk)
/// removes what it wrote; one killed leaves its project marked incomplete,
/// which the next export there replaces.
fn write_project(export: &Export, workspace: &Workspace, destination: &Path) -> Result<(), Error> {
    let shown = destination.display();
    if let Some(parent) = destination.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let made = match fs::create_dir(destination) {
        Ok(()) => true,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            remove_contents(destination).map_err(|e| format!("cannot empty {shown}: {e}"))?;
            false
        }
        Err(error) => return Err(format!("cannot make {shown}: {error}").into()),
    };
    let incomplete = destination.join(INCOMPLETE);
    let written = crate::files::write(&incomplete, "")
        .map_err(|e| Error::from(format!("{}: {e}", incomplete.display())))
        .and_then(|()| export.write_files(destination, workspace, &export.name))
        .and_then(|()| {
            fs::remove_file(&incomplete)
                .map_err(|e| format!("{}: {e}", incomplete.display()).into())
        });
    if written.is_err() {
        let _ = if made {
            fs::remove_dir_all(destination)
        } else {
            remove_contents(destination)
        };
    }
    written
}

/// Empties `dir`, leaving it in place.
fn remove_contents(dir: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() && !path.is_symlink() {
            fs::remove_dir_all(path)?;
        } else {
            fs::remove_file(path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = r#"[workspace.package]
edition = "2024"
rust-version = "1.95"
[workspace.dependencies]
tokio = { version = "1.54", features = ["rt", "time"] }
futures = { version = "0.3.31", default-features = false, features = ["std"] }
anyhow = "1.0.98"
reqwest = { version = "0.13", default-features = false, features = ["json"] }
rustls = "0.23"
runner = { path = "crates/runner" }
[workspace.metadata.export.dependencies]
reqwest = { version = "0.13", features = ["json"] }"#;

    fn plan(source: &str) -> Result<Export, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("demo.rs");
        fs::write(&path, source).map_err(|e| e.to_string())?;
        let example = ExampleFile {
            section: "basics".to_owned(),
            name: "demo".to_owned(),
            path,
        };
        Export::plan(
            &example,
            &DependencyTable::parse(TABLE, Path::new("/ws")).map_err(|e| e.to_string())?,
        )
    }

    /// An empty directory is written into, not replaced: it keeps its
    /// inode (a mount point can't be replaced, and the shell in `export X .`
    /// would be left in a deleted directory) and its mode, and nothing is
    /// left beside it.
    #[test]
    fn an_empty_directory_is_written_into_in_place() {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("mine");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        let before = fs::metadata(&dir).unwrap();
        export("basics/sync_vs_async", Some(&dir)).unwrap();
        let after = fs::metadata(&dir).unwrap();
        assert_eq!((after.ino(), after.mode()), (before.ino(), before.mode()));
        assert!(dir.join("Cargo.toml").is_file());
        let beside: Vec<_> = fs::read_dir(parent.path()).unwrap().collect();
        assert_eq!(beside.len(), 1, "{beside:?}");
    }

    #[test]
    fn crates_are_those_the_code_names_with_the_features_it_needs() {
        let export = plan(
            "//! Not `futures::join!`, in prose.\nuse runner::x;\nuse anyhow as _;\n\
             pub async fn run() -> Result<(), ()> { my::futures::x(); ::tokio::spawn(f()); Ok(()) }\n\
             #[cfg(test)]\nmod tests { #[tokio::test(start_paused = true)] async fn t() { futures::pending!() } }",
        )
        .unwrap();
        let expected = r#"[dependencies]
anyhow = "1.0.98"
tokio = { version = "1.54", features = ["rt", "macros"] }

[dev-dependencies]
futures = { version = "0.3.31", default-features = false, features = ["std", "async-await"] }
tokio = { version = "1.54", features = ["test-util"] }
"#;
        assert_eq!(export.dependency_tables(), expected);
        let add = "cargo add --dev futures@0.3.31 --no-default-features --features std,async-await";
        assert_eq!(export.cargo_add()[2], add);
        let main = &export.main_rs;
        assert!(
            main.contains("() -> ExitCode {\n") && main.contains(" demo::run().await.report()\n"),
            "{main}"
        );
        let manifest = export.cargo_toml();
        let expected = format!(
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
             rust-version = \"1.95\"\npublish = false\n\n{}\n\
             # A workspace of its own: it builds wherever it is put, even inside another\n\
             # workspace's directory. Delete this table to make it a member of one.\n[workspace]\n",
            export.dependency_tables()
        );
        assert_eq!(manifest, expected);
    }

    #[test]
    fn reqwest_comes_as_cargo_add_writes_it_with_what_the_file_needs() {
        let http = "//! X.\n//!\n//! Needs: `reqwest/json`\n\npub async fn run(u: &str) { reqwest::get(u); }";
        let export = plan(http).unwrap();
        assert_eq!(export.kind, Kind::BaseUrl);
        let tables = export.dependency_tables();
        let reqwest = "\nreqwest = { version = \"0.13\", features = [\"json\"] }\ntokio = ";
        assert!(tables.contains(reqwest), "{tables}");
        let main = &export.main_rs;
        assert!(
            main.contains("    demo::run(&base_url).await.report()\n"),
            "{main}"
        );
        let plain = "pub async fn run(u: &str) { reqwest::get(u); }";
        let tables = plan(plain).unwrap().dependency_tables();
        assert!(tables.contains("\nreqwest = \"0.13\"\n"), "{tables}");
        let json = "pub async fn run(u: &str) { reqwest::get(u).await?.json::<u8>(); }";
        let tables = plan(json).unwrap().dependency_tables();
        assert!(tables.contains(reqwest), "{tables}");
        let error = plan("//! X.\n//!\n//! Needs: `reqwest/blocking`\npub async fn run() {}");
        assert!(error.unwrap_err().contains("lacks it"));
        let error = plan("pub fn other() {}").unwrap_err();
        assert!(error.contains("no `pub fn run`"), "{error}");
    }

    /// The export reads the file's tokens: what a comment or a string says
    /// is not code. (Text probes split the file at a `#[cfg(test)]` in a doc
    /// comment or a string, and took the lines below for `run`'s signature,
    /// a program's `main` and a task dump.)
    #[test]
    fn a_cfg_test_in_a_doc_comment_or_a_string_is_not_the_test_module() {
        for source in [
            "//! Its tests are a `#[cfg(test)]` module.\npub async fn run() { tokio::spawn(f()); }",
            "const S: &str = \"#[cfg(test)]\";\npub async fn run() { tokio::spawn(f()); }",
        ] {
            let export = plan(source).unwrap();
            assert!(!export.has_tests(), "{source}");
            let tables = export.dependency_tables();
            assert!(tables.contains("\ntokio = "), "{source}\n{tables}");
        }
    }

    #[test]
    fn a_fn_run_in_a_comment_is_not_the_signature() {
        let source = "/* It once was\npub fn run(base_url: &str) {}\n*/\npub async fn run() {}";
        assert_eq!(plan(source).unwrap().kind, Kind::Plain);
    }

    #[test]
    fn a_main_in_a_string_is_no_program() {
        let source =
            "const HELP: &str = \"\npub fn main() -> ExitCode {\n}\";\npub async fn run() {}";
        let export = plan(source).unwrap();
        assert!(!export.is_program());
        assert!(
            export.main_rs.contains(" demo::run().await"),
            "{}",
            export.main_rs
        );
    }

    #[test]
    fn a_task_dump_in_a_comment_takes_none() {
        let source = "// Under tokio_unstable, `.dump()` would dump the tasks.\npub fn run() {}";
        assert!(!plan(source).unwrap().takes_task_dumps());
    }

    #[test]
    fn the_task_dump_config_lists_the_unstable_rustflags() {
        let config: toml::Table = TASK_DUMP_CONFIG.parse().unwrap();
        let listed = config["build"]["rustflags"].as_array().unwrap();
        let listed: Vec<&str> = listed.iter().map(|flag| flag.as_str().unwrap()).collect();
        assert_eq!(listed, manifest::UNSTABLE_RUSTFLAGS);
    }

    #[test]
    fn a_program_a_task_dump_and_a_paused_runtime_are_exported_with_what_they_need() {
        let program =
            "pub async fn run() {}\npub fn main() -> ExitCode {\n    ExitCode::SUCCESS\n}";
        let program = plan(program).unwrap();
        assert!(
            program.main_rs.contains("    demo::main()\n"),
            "{}",
            program.main_rs
        );

        let dumps = "pub fn run() {}\n\
                     #[cfg(tokio_unstable)] fn f() { tokio::runtime::Handle::current().dump(); }";
        let dumps = plan(dumps).unwrap();
        assert_eq!(dumps.kind, Kind::Sync);
        // No example's `run` builds its runtime and returns nothing: this
        // is the one check of that `main.rs`.
        assert!(
            dumps
                .main_rs
                .ends_with("\nfn main() {\n    demo::run();\n}\n"),
            "{}",
            dumps.main_rs
        );
        let toml = dumps.cargo_toml();
        assert!(toml.contains("tokio = { version = \"1.54\", features = [\"taskdump\"] }\n"));
        let toml = toml.parse::<toml::Table>().unwrap();
        assert!(
            toml["target"].get(manifest::TASK_DUMP_TARGET).is_some(),
            "{toml}"
        );
        assert!(
            toml["lints"]["rust"].get("unexpected_cfgs").is_some(),
            "{toml}"
        );
        for cargo_toml in [
            include_str!("../../crates/infra/runner/Cargo.toml"),
            include_str!("../../crates/recipes/Cargo.toml"),
        ] {
            let cargo_toml = cargo_toml.parse::<toml::Table>().unwrap();
            let target = &cargo_toml["target"];
            assert!(
                target.get(manifest::TASK_DUMP_TARGET).is_some(),
                "{cargo_toml}"
            );
        }

        let paused =
            "pub fn run() { tokio::runtime::Builder::new_current_thread().start_paused(true); }";
        let tables = plan(paused).unwrap().dependency_tables();
        assert!(
            tables.contains(r#"features = ["rt", "test-util"] }"#),
            "{tables}"
        );
    }

    /// A crate of the workspace that the header needs comes as a copy, in a
    /// directory of its own beside the example's `src/`, that stands alone.
    #[test]
    fn a_local_crate_the_header_needs_is_copied_standing_alone() {
        let scratch = tempfile::tempdir().unwrap();
        let dumper = scratch.path().join("crates/dumper");
        fs::create_dir_all(dumper.join("src")).unwrap();
        let manifest = "[package]\nname = \"dumper\"\nversion = \"0.1.0\"\n\
                        edition.workspace = true\n\n[dependencies]\ntokio.workspace = true\n";
        fs::write(dumper.join("Cargo.toml"), manifest).unwrap();
        fs::write(dumper.join("src/lib.rs"), "pub fn dump() {}\n").unwrap();
        fs::create_dir_all(dumper.join("target/debug")).unwrap();
        fs::write(dumper.join("target/debug/junk"), "").unwrap();
        let workspace =
            format!("{TABLE}\n[workspace.dependencies.dumper]\npath = \"crates/dumper\"\n");
        let workspace = workspace.replace("[workspace.metadata.export.dependencies]\nreqwest = { version = \"0.13\", features = [\"json\"] }", "");
        let table = DependencyTable::parse(&workspace, scratch.path()).unwrap();
        let path = scratch.path().join("demo.rs");
        fs::write(
            &path,
            "//! X.\n//!\n//! Needs: `dumper`\n\npub async fn run() { dumper::dump(); }\n",
        )
        .unwrap();
        let example = ExampleFile {
            section: "recipes".to_owned(),
            name: "demo".to_owned(),
            path,
        };
        let export = Export::plan(&example, &table).unwrap();
        let manifest = export.cargo_toml();
        assert!(
            manifest.contains("\ndumper = { path = \"dumper\" }\n"),
            "{manifest}"
        );
        assert!(
            export
                .cargo_add()
                .contains(&"cargo add --path dumper".to_owned())
        );
        let copy = scratch.path().join("export/dumper");
        export.locals[0].copy(&table.manifest, &copy).unwrap();
        assert!(copy.join("src/lib.rs").is_file() && !copy.join("target").exists());
        let copied = fs::read_to_string(copy.join("Cargo.toml")).unwrap();
        assert!(copied.contains("edition = \"2024\""), "{copied}");
        assert!(
            copied.contains("tokio = { version = \"1.54\", features = [\"rt\", \"time\"] }"),
            "{copied}"
        );
    }
}
