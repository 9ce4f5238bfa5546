//! `cargo xtask export <section>/<example> [DIR]`: an example as a Cargo
//! project of its own, and `cargo xtask export --check-all`, which proves
//! that every example is one ([`verify`]).
//!
//! An export is four files: `Cargo.toml` with exactly the crates and
//! features the example needs, `src/<example>.rs` copied byte for byte,
//! a `src/main.rs` that calls its `run` the way the runner does, and a
//! `README.md`; plus the workspace's `Cargo.lock`, so the project starts
//! from the versions the workspace tests (cargo drops what it doesn't use).
//!
//! The crate list is read from the file itself, never kept by hand:
//! [`paths`] finds every path it names, [`needs`] maps their first segments
//! to `[workspace.dependencies]` (versions and `default-features` come from
//! there), and [`features`] is the one table of which path needs which
//! feature. The generated `main.rs` goes through the same inference, which
//! is how `#[tokio::main(flavor = "current_thread")]` adds tokio's `macros`
//! and `rt`. The book shows each example's `[dependencies]` block and
//! `cargo add` lines from [`Export`] too, so the page and the export can't
//! disagree.
//!
//! ## TLS for reqwest
//!
//! reqwest's default features bring rustls with the aws-lc-rs provider:
//! nothing to install at start-up, but aws-lc's C and assembly to compile.
//! The workspace builds reqwest with `rustls-no-provider` and installs
//! rustls's `ring` provider in the runner instead; an export does the same,
//! its `main.rs` installing the provider in one line. On this 2-core
//! machine, under load, aws-lc-sys alone took about 140 s to compile; `ring`
//! has no C library of that size to build. Besides the build, `ring` keeps
//! every export inside the workspace's `Cargo.lock`: the check compiles the
//! same versions the workspace tests, where aws-lc-rs would be resolved
//! afresh. A reader who prefers reqwest's defaults can take them and drop
//! the provider line: the example files don't depend on the choice.

pub mod features;
pub mod needs;
pub mod paths;
pub mod verify;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use protocol::{Header, Kind, Listed};

use crate::Error;
use crate::Usage;
use crate::workspace::Workspace;
use needs::{DependencyTable, Features, Needs};

/// What `run` returns, which decides how `main` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// `()`.
    Unit,
    /// `Result<(), E>`, `anyhow::Result<()>` or another `Result` alias.
    Result,
}

/// One dependency line of an export's `Cargo.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// As `Cargo.toml` spells it: `tokio-util`.
    pub name: String,
    /// From `[workspace.dependencies]`.
    pub version: String,
    pub default_features: bool,
    /// Sorted.
    pub features: Vec<String>,
}

impl Dependency {
    /// `tokio = { version = "1.54", features = ["rt", "time"] }`, as
    /// `cargo add` writes it.
    pub fn toml_line(&self) -> String {
        let name = &self.name;
        let version = quote(&self.version);
        if self.default_features && self.features.is_empty() {
            return format!("{name} = {version}");
        }
        let mut line = format!("{name} = {{ version = {version}");
        if !self.default_features {
            line.push_str(", default-features = false");
        }
        if !self.features.is_empty() {
            let features: Vec<String> = self.features.iter().map(|f| quote(f)).collect();
            let _ = write!(line, ", features = [{}]", features.join(", "));
        }
        line.push_str(" }");
        line
    }

    /// Whether `cargo add name@version` alone writes it.
    fn is_plain(&self) -> bool {
        self.default_features && self.features.is_empty()
    }

    /// The arguments after `cargo add` that write this line.
    fn cargo_add_arguments(&self) -> String {
        let mut arguments = format!("{}@{}", self.name, self.version);
        if !self.default_features {
            arguments.push_str(" --no-default-features");
        }
        if !self.features.is_empty() {
            let _ = write!(arguments, " --features {}", self.features.join(","));
        }
        arguments
    }
}

/// A string as a TOML value.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// An example, ready to be written as a project of its own.
#[derive(Clone, Debug)]
pub struct Export {
    pub section: String,
    /// The example's name: its module, its file and the package's name.
    pub name: String,
    pub kind: Kind,
    pub summary: String,
    /// The example's file, byte for byte.
    pub source_path: PathBuf,
    pub source: String,
    pub returns: Returns,
    pub dependencies: Vec<Dependency>,
    pub dev_dependencies: Vec<Dependency>,
    pub main_rs: String,
    pub edition: String,
    pub rust_version: Option<String>,
}

impl Export {
    /// Reads the example `listed` of `section` and works out its project.
    /// The error says what keeps it from standing alone.
    pub fn plan(section: &str, listed: &Listed, table: &DependencyTable) -> Result<Self, String> {
        let source_path = PathBuf::from(&listed.source);
        let source = fs::read_to_string(&source_path)
            .map_err(|error| format!("cannot read {}: {error}", source_path.display()))?;
        let returns = returns(&source, listed.kind)?;
        let mut needs = needs::infer(&source, table)?;
        let main_rs = main_rs(
            section,
            &listed.name,
            listed.kind,
            returns,
            needs.normal.contains_key("reqwest"),
        );
        let main_needs = needs::infer(&main_rs, table)
            .map_err(|error| format!("the generated main.rs: {error}"))?;
        needs.merge(main_needs);
        let Needs { normal, dev } = needs;
        Ok(Self {
            section: section.to_owned(),
            name: listed.name.clone(),
            kind: listed.kind,
            summary: Header::parse(&source).summary,
            source_path,
            returns,
            dependencies: resolve(&normal, table)?,
            dev_dependencies: resolve(&dev, table)?,
            main_rs,
            source,
            edition: table.edition.clone(),
            rust_version: table.rust_version.clone(),
        })
    }

    /// `section/example`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.section, self.name)
    }

    /// The command that writes this export.
    pub fn command(&self) -> String {
        format!("cargo xtask export {}", self.id())
    }

    /// Whether the example takes Tokio task dumps (`Handle::dump`), which
    /// need Tokio's `taskdump` feature, on Linux only, and `--cfg
    /// tokio_unstable`: the example then has code for that cfg.
    pub fn takes_task_dumps(&self) -> bool {
        self.source.contains("tokio_unstable") && self.source.contains(".dump()")
    }

    /// The Linux-only table that adds Tokio's `taskdump` feature: the feature
    /// fails to compile elsewhere.
    fn task_dump_table(&self) -> Option<String> {
        if !self.takes_task_dumps() {
            return None;
        }
        let tokio = self.dependencies.iter().find(|d| d.name == "tokio")?;
        Some(format!(
            "# Task dumps: Tokio's `taskdump` feature exists on Linux only, and\n\
             # `Handle::dump` only with `--cfg tokio_unstable` (.cargo/config.toml).\n\
             [target.'cfg(target_os = \"linux\")'.dependencies]\n\
             tokio = {{ version = {}, features = [\"taskdump\"] }}\n\
             \n\
             [lints.rust]\n\
             unexpected_cfgs = {{ level = \"warn\", check-cfg = [\"cfg(tokio_unstable)\"] }}\n",
            quote(&tokio.version)
        ))
    }

    /// `[dependencies]`, Tokio's `taskdump` on Linux if the example takes
    /// task dumps, and `[dev-dependencies]` if the tests need more.
    pub fn dependency_tables(&self) -> String {
        let mut text = String::from("[dependencies]\n");
        for dependency in &self.dependencies {
            text.push_str(&dependency.toml_line());
            text.push('\n');
        }
        if let Some(table) = self.task_dump_table() {
            text.push('\n');
            text.push_str(&table);
        }
        if !self.dev_dependencies.is_empty() {
            text.push_str("\n[dev-dependencies]\n");
            for dependency in &self.dev_dependencies {
                text.push_str(&dependency.toml_line());
                text.push('\n');
            }
        }
        text
    }

    /// The `cargo add` commands that write [`Self::dependency_tables`] into
    /// a project that `cargo new` just made: the crates without features
    /// in one, each other crate in its own.
    pub fn cargo_add(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (flag, dependencies) in [("", &self.dependencies), (" --dev", &self.dev_dependencies)] {
            let plain: Vec<String> = dependencies
                .iter()
                .filter(|dependency| dependency.is_plain())
                .map(Dependency::cargo_add_arguments)
                .collect();
            if !plain.is_empty() {
                lines.push(format!("cargo add{flag} {}", plain.join(" ")));
            }
            for dependency in dependencies.iter().filter(|d| !d.is_plain()) {
                lines.push(format!(
                    "cargo add{flag} {}",
                    dependency.cargo_add_arguments()
                ));
            }
            if flag.is_empty() && self.task_dump_table().is_some() {
                lines.push(
                    "cargo add tokio --features taskdump --target 'cfg(target_os = \"linux\")'"
                        .to_owned(),
                );
            }
        }
        lines
    }

    /// The project's `Cargo.toml`, for a package named `package`. A
    /// `standalone` one is a workspace of its own, so that it builds
    /// wherever it is put, even inside another workspace; the check's
    /// members of one shared workspace are not.
    pub fn cargo_toml(&self, package: &str, standalone: bool) -> String {
        let mut text = format!(
            "[package]\nname = {}\nversion = \"0.1.0\"\nedition = {}\n",
            quote(package),
            quote(&self.edition)
        );
        if let Some(version) = &self.rust_version {
            let _ = writeln!(text, "rust-version = {}", quote(version));
        }
        text.push_str("publish = false\n\n");
        text.push_str(&self.dependency_tables());
        if standalone {
            text.push_str(
                "\n# A workspace of its own: it builds wherever it is put, even inside another\n\
                 # workspace's directory. Delete this table to make it a member of one.\n\
                 [workspace]\n",
            );
        }
        text
    }

    /// The project's `README.md`.
    pub fn readme(&self) -> String {
        let name = &self.name;
        let mut text = format!(
            "# {name}\n\n{}\n\n\
             The `{name}` example of async-rust-by-example's `{}` section, as a project of its \
             own (`{}`). `src/{name}.rs` is the example, unchanged: its header says what it \
             shows, which Python guide it translates and how Rust differs. `src/main.rs` calls \
             its `run`",
            self.summary,
            self.section,
            self.command()
        );
        text.push_str(match self.kind {
            Kind::Sync => ", which builds its own Tokio runtime",
            _ => " on a current-thread Tokio runtime, one thread like asyncio's event loop",
        });
        text.push_str(
            ", and exits non-zero if it fails. `Cargo.toml` lists exactly the crates and \
             features the example needs; `Cargo.lock` starts from the versions the workspace \
             tests.\n\n## Run it\n\n",
        );
        if self.kind == Kind::BaseUrl {
            text.push_str(
                "It makes HTTP requests to an httpbin-compatible server, whose base URL is its \
                 one argument. Start the workspace's own in async-rust-by-example:\n\n\
                 ```sh\ncargo run -p httpbin -- --port 8080\n```\n\n\
                 and, here:\n\n```sh\ncargo run -- http://127.0.0.1:8080\n```\n\n\
                 Any httpbin serves too: Python's (`pip install httpbin gunicorn`, then \
                 `gunicorn -b 127.0.0.1:8080 --threads 16 httpbin:app`), or \
                 `https://httpbin.org` over the internet. The bodies of some routes differ \
                 from server to server, so the output may differ from the workspace's golden \
                 file in those lines.\n\n\
                 TLS is only for `https://` URLs, but while reqwest is built with rustls \
                 (`rustls-no-provider`) it panics when it builds a `Client` with no crypto \
                 provider installed, plain `http://` or not: that is why `main.rs` installs \
                 the `ring` provider first. A program that only talks plain `http://` can \
                 leave TLS out, all three parts together: remove `rustls` from `Cargo.toml`, \
                 `rustls-no-provider` from reqwest's features, and the provider line and its \
                 comment from `main.rs`; the build then compiles neither rustls nor ring.\n",
            );
        } else {
            text.push_str("```sh\ncargo run\n```\n");
        }
        let _ = write!(
            text,
            "\nIt prints what `tests/golden/{}/{name}.stdout` in the workspace holds.\n",
            self.section
        );
        if self.takes_task_dumps() {
            text.push_str(
                "\nIts task dumps need Linux, Tokio's `taskdump` feature and `--cfg \
                 tokio_unstable`: `Cargo.toml` and `.cargo/config.toml` have both lines. \
                 Elsewhere it says on stderr that there is no dump.\n",
            );
        }
        if !self.dev_dependencies.is_empty() || has_tests(&self.source) {
            text.push_str("\nIts tests are in the example's file: `cargo test`.\n");
        }
        text
    }

    /// Writes the project into `dir`, which must be missing or empty, with
    /// a copy of `lock` as its `Cargo.lock`.
    pub fn write(
        &self,
        dir: &Path,
        package: &str,
        standalone: bool,
        lock: &Path,
    ) -> Result<(), Error> {
        let src = dir.join("src");
        fs::create_dir_all(&src)
            .map_err(|error| format!("cannot create {}: {error}", src.display()))?;
        let write = |path: PathBuf, text: &str| {
            crate::files::write(&path, text)
                .map_err(|error| format!("cannot write {}: {error}", path.display()))
        };
        write(
            dir.join("Cargo.toml"),
            &self.cargo_toml(package, standalone),
        )?;
        write(dir.join("README.md"), &self.readme())?;
        write(src.join("main.rs"), &self.main_rs)?;
        if self.takes_task_dumps() {
            let config = dir.join(".cargo");
            fs::create_dir_all(&config)
                .map_err(|error| format!("cannot create {}: {error}", config.display()))?;
            write(config.join("config.toml"), TASK_DUMP_CONFIG)?;
        }
        let copy = src.join(format!("{}.rs", self.name));
        crate::files::copy(&self.source_path, &copy).map_err(|error| {
            format!(
                "cannot copy {} to {}: {error}",
                self.source_path.display(),
                copy.display()
            )
        })?;
        if standalone {
            let to = dir.join("Cargo.lock");
            crate::files::copy(lock, &to)
                .map_err(|error| format!("cannot copy {}: {error}", lock.display()))?;
        }
        Ok(())
    }
}

/// The `.cargo/config.toml` of an export that takes task dumps.
pub const TASK_DUMP_CONFIG: &str = "# Tokio's unstable APIs, `Handle::dump` among them, exist only under this cfg.\n\
    [build]\n\
    rustflags = [\"--cfg\", \"tokio_unstable\"]\n";

/// Every crate of `features`, with its version and `default-features` from
/// the workspace.
fn resolve(features: &Features, table: &DependencyTable) -> Result<Vec<Dependency>, String> {
    features
        .iter()
        .map(|(name, features)| {
            let entry = table
                .get(name)
                .ok_or_else(|| format!("`{name}` is not in [workspace.dependencies]"))?;
            let version = entry.version.clone().ok_or_else(|| {
                format!("[workspace.dependencies] {name} has no version for an export to name")
            })?;
            Ok(Dependency {
                name: entry.name.clone(),
                version,
                default_features: entry.default_features,
                features: features.iter().cloned().collect(),
            })
        })
        .collect()
}

/// Whether the file has tests: a `#[cfg(test)]` item.
fn has_tests(source: &str) -> bool {
    source.contains("#[cfg(test)]")
}

/// What the file's top-level `run` returns, checked against how the
/// runner calls it.
fn returns(source: &str, kind: Kind) -> Result<Returns, String> {
    let file = syn::parse_file(source).map_err(|error| format!("does not parse: {error}"))?;
    let run = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Fn(function) if function.sig.ident == "run" => Some(function),
            _ => None,
        })
        .ok_or("it has no `fn run` at the top of the file")?;
    let is_async = run.sig.asyncness.is_some();
    let inputs = run.sig.inputs.len();
    let expected = match kind {
        Kind::Plain => is_async && inputs == 0,
        Kind::BaseUrl => is_async && inputs == 1,
        Kind::Sync => !is_async && inputs == 0,
    };
    if !expected {
        let shape = match kind {
            Kind::Plain => "pub async fn run()",
            Kind::BaseUrl => "pub async fn run(base_url: &str)",
            Kind::Sync => "pub fn run()",
        };
        return Err(format!(
            "its `run` does not match how it is listed: expected `{shape}`"
        ));
    }
    match &run.sig.output {
        syn::ReturnType::Default => Ok(Returns::Unit),
        syn::ReturnType::Type(_, ty) => match &**ty {
            syn::Type::Tuple(tuple) if tuple.elems.is_empty() => Ok(Returns::Unit),
            syn::Type::Path(path)
                if path
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| last.ident == "Result") =>
            {
                Ok(Returns::Result)
            }
            _ => Err("its `run` returns neither `()` nor a `Result`".to_owned()),
        },
    }
}

/// The `main.rs` that runs the example as the runner does: on a
/// current-thread runtime (or plainly, for an example that builds its own),
/// with the base URL from the command line for an HTTP example, and an exit
/// code that says whether it failed.
pub fn main_rs(section: &str, name: &str, kind: Kind, returns: Returns, reqwest: bool) -> String {
    let base_url = kind == Kind::BaseUrl;
    let exit_code = returns == Returns::Result || base_url;
    let mut text = format!(
        "//! Runs `{name}`, the example of async-rust-by-example's `{section}` section{}.\n\n\
         mod {name};\n",
        if base_url {
            ", against the httpbin-compatible server given on the command line"
        } else {
            ""
        }
    );
    if base_url {
        text.push_str("\nuse std::ffi::OsString;\n");
        text.push_str(if exit_code {
            "use std::process::ExitCode;\n"
        } else {
            ""
        });
        text.push_str(
            "\nconst USAGE: &str = \"Usage: cargo run -- BASE_URL\n\n\
             BASE_URL is an httpbin-compatible server: http://127.0.0.1:8080 after\n\
             `cargo run -p httpbin -- --port 8080` in async-rust-by-example, or any httpbin.\";\n",
        );
    } else if exit_code {
        text.push_str("\nuse std::process::ExitCode;\n");
    }
    text.push('\n');
    let output = if exit_code { " -> ExitCode" } else { "" };
    match kind {
        Kind::Sync => {
            text.push_str(
                "// `run` builds its own Tokio runtime, so `main` is a plain function.\n",
            );
            let _ = writeln!(text, "fn main(){output} {{");
        }
        _ => {
            text.push_str(
                "// One thread, like asyncio's event loop: the output the workspace checks is\n\
                 // this runtime's.\n\
                 #[tokio::main(flavor = \"current_thread\")]\n",
            );
            let _ = writeln!(text, "async fn main(){output} {{");
        }
    }
    if base_url {
        text.push_str(
            "    let base_url = match base_url(std::env::args_os().skip(1)) {\n\
             \x20       Ok(url) => url,\n\
             \x20       Err(error) => {\n\
             \x20           eprintln!(\"error: {error}\\n\\n{USAGE}\");\n\
             \x20           return ExitCode::from(2);\n\
             \x20       }\n\
             \x20   };\n",
        );
    }
    if reqwest {
        text.push_str(
            "    // reqwest is built with rustls but no crypto provider (see Cargo.toml), so\n\
             \x20   // building any Client, even for plain http://, panics until one is\n\
             \x20   // installed: use `ring`. This fails only if a provider is installed\n\
             \x20   // already. The README says how to leave TLS out, this line with it.\n\
             \x20   let _ = rustls::crypto::ring::default_provider().install_default();\n",
        );
    }
    let call = match kind {
        Kind::Plain => format!("{name}::run().await"),
        Kind::BaseUrl => format!("{name}::run(&base_url).await"),
        Kind::Sync => format!("{name}::run()"),
    };
    match returns {
        Returns::Unit => {
            let _ = writeln!(text, "    {call};");
            if exit_code {
                text.push_str("    ExitCode::SUCCESS\n");
            }
        }
        Returns::Result => {
            let _ = write!(
                text,
                "    match {call} {{\n\
                 \x20       Ok(()) => ExitCode::SUCCESS,\n\
                 \x20       Err(error) => {{\n\
                 \x20           // `{{:#}}` prints an `anyhow::Error` with its causes.\n\
                 \x20           eprintln!(\"error: {{error:#}}\");\n\
                 \x20           ExitCode::FAILURE\n\
                 \x20       }}\n\
                 \x20   }}\n"
            );
        }
    }
    text.push_str("}\n");
    if base_url {
        text.push_str(
            "\n/// The one argument: a URL starting with http:// or https://, without a\n\
             /// trailing `/`.\n\
             fn base_url(mut args: impl Iterator<Item = OsString>) -> Result<String, String> {\n\
             \x20   let url = args.next().ok_or(\"no BASE_URL given\")?;\n\
             \x20   let url = url\n\
             \x20       .into_string()\n\
             \x20       .map_err(|url| format!(\"BASE_URL {url:?} is not UTF-8\"))?;\n\
             \x20   if let Some(extra) = args.next() {\n\
             \x20       return Err(format!(\"unexpected argument {extra:?}\"));\n\
             \x20   }\n\
             \x20   if !(url.starts_with(\"http://\") || url.starts_with(\"https://\")) {\n\
             \x20       return Err(format!(\n\
             \x20           \"BASE_URL `{url}` is not a URL starting with http:// or https://\"\n\
             \x20       ));\n\
             \x20   }\n\
             \x20   Ok(url.trim_end_matches('/').to_owned())\n\
             }\n",
        );
    }
    text
}

/// Reads the workspace's dependency table.
pub fn dependency_table(workspace: &Workspace) -> Result<DependencyTable, Error> {
    DependencyTable::read(&workspace.root().join("Cargo.toml"))
}

/// `cargo xtask export <section>/<example> [DIR]`.
pub fn export(target: &str, dir: Option<&Path>) -> Result<bool, Error> {
    let (section, name) = target
        .split_once('/')
        .filter(|(section, name)| !section.is_empty() && !name.is_empty() && !name.contains('/'))
        .ok_or_else(|| {
            Usage(format!(
                "`{target}`: expected SECTION/EXAMPLE, such as basics/spawn_tasks"
            ))
        })?;
    let dir = dir.map_or_else(|| PathBuf::from(name), Path::to_path_buf);
    check_dir(&dir)?;
    let workspace = Workspace::locate();
    let sections = workspace.section_names()?;
    if !sections.iter().any(|known| known == section) {
        return Err(Usage(format!(
            "there is no section `{section}`; the sections are {}",
            sections.join(", ")
        ))
        .into());
    }
    let built = workspace.build(&[section.to_owned()])?;
    let examples = built
        .first()
        .ok_or("`cargo build` reported no section binary")?
        .list()?;
    let Some(listed) = examples.iter().find(|example| example.name == name) else {
        let names: Vec<&str> = examples
            .iter()
            .map(|example| example.name.as_str())
            .collect();
        return Err(Usage(format!(
            "section `{section}` has no example `{name}`; its examples are {}",
            names.join(", ")
        ))
        .into());
    };
    let table = dependency_table(&workspace)?;
    let export = Export::plan(section, listed, &table)
        .map_err(|why| format!("{section}/{name} can't stand alone: {why}"))?;
    export.write(&dir, name, true, &workspace.root().join("Cargo.lock"))?;
    println!("wrote {}: {}", dir.display(), export.summary);
    let run = if export.kind == Kind::BaseUrl {
        "cargo run -- http://127.0.0.1:8080   # with `cargo run -p httpbin -- --port 8080` running here"
    } else {
        "cargo run"
    };
    println!("run it:\n  cd {}\n  {run}", dir.display());
    Ok(true)
}

/// An export goes into a new directory or an empty one, never over files.
fn check_dir(dir: &Path) -> Result<(), Usage> {
    if dir.as_os_str().is_empty() {
        return Err(Usage(
            "DIR is empty; give a directory to write the project into".to_owned(),
        ));
    }
    let shown = dir.display();
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Usage(format!(
                    "{shown} is not empty; export into a new or an empty directory"
                )));
            }
            Ok(())
        }
        Err(_) if dir.exists() => Err(Usage(format!(
            "{shown} exists and is not a directory that can be read"
        ))),
        Err(_) => {
            // It will be created: the nearest existing ancestor must be a directory.
            let ancestor = dir
                .ancestors()
                .skip(1)
                .find(|path| path.as_os_str().is_empty() || path.exists());
            match ancestor {
                Some(path) if path.as_os_str().is_empty() || path.is_dir() => Ok(()),
                Some(path) => Err(Usage(format!(
                    "{shown} can't be created: {} is not a directory",
                    path.display()
                ))),
                None => Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dependency_line_is_what_cargo_add_writes() {
        let mut dependency = Dependency {
            name: "futures".into(),
            version: "0.3.31".into(),
            default_features: false,
            features: vec!["async-await".into(), "std".into()],
        };
        assert_eq!(
            dependency.toml_line(),
            r#"futures = { version = "0.3.31", default-features = false, features = ["async-await", "std"] }"#
        );
        assert_eq!(
            dependency.cargo_add_arguments(),
            "futures@0.3.31 --no-default-features --features async-await,std"
        );
        dependency.default_features = true;
        dependency.features.clear();
        assert_eq!(dependency.toml_line(), r#"futures = "0.3.31""#);
        assert!(dependency.is_plain());
    }

    #[test]
    fn run_must_match_how_it_is_listed() {
        assert_eq!(
            returns("pub async fn run() {}", Kind::Plain),
            Ok(Returns::Unit)
        );
        assert_eq!(
            returns(
                "pub async fn run(u: &str) -> anyhow::Result<()> { Ok(()) }",
                Kind::BaseUrl
            ),
            Ok(Returns::Result)
        );
        assert_eq!(
            returns("pub fn run() -> Result<(), E> { Ok(()) }", Kind::Sync),
            Ok(Returns::Result)
        );
        assert!(
            returns("pub fn run() {}", Kind::Plain)
                .unwrap_err()
                .contains("pub async fn run()")
        );
        assert!(returns("pub async fn go() {}", Kind::Plain).is_err());
        assert!(returns("pub async fn run() -> u8 { 1 }", Kind::Plain).is_err());
    }

    #[test]
    fn a_non_empty_or_impossible_dir_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_dir(dir.path()).is_ok());
        assert!(check_dir(&dir.path().join("new/deeper")).is_ok());
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(
            check_dir(dir.path())
                .unwrap_err()
                .0
                .contains("is not empty")
        );
        assert!(check_dir(&file).unwrap_err().0.contains("not a directory"));
        assert!(
            check_dir(&file.join("below"))
                .unwrap_err()
                .0
                .contains("is not a directory")
        );
        assert!(check_dir(Path::new("")).is_err());
    }

    /// An example that takes task dumps exports with Tokio's `taskdump`
    /// feature on Linux only and `--cfg tokio_unstable`; another gets neither.
    #[test]
    fn task_dumps_bring_their_feature_and_cfg() {
        let tokio = Dependency {
            name: "tokio".into(),
            version: "1.54".into(),
            default_features: true,
            features: vec!["rt".into()],
        };
        let export = |source: &str| Export {
            section: "recipes".into(),
            name: "dumps".into(),
            kind: Kind::Plain,
            summary: String::new(),
            source_path: PathBuf::from("dumps.rs"),
            source: source.into(),
            returns: Returns::Unit,
            dependencies: vec![tokio.clone()],
            dev_dependencies: Vec::new(),
            main_rs: String::new(),
            edition: "2024".into(),
            rust_version: None,
        };
        let dumps = export("#[cfg(tokio_unstable)] fn f() { Handle::current().dump(); }");
        let toml = dumps.cargo_toml("dumps", true);
        assert!(
            toml.contains(
                "[target.'cfg(target_os = \"linux\")'.dependencies]\n\
                 tokio = { version = \"1.54\", features = [\"taskdump\"] }\n"
            ),
            "{toml}"
        );
        assert!(toml.parse::<toml::Table>().is_ok(), "{toml}");
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        fs::write(&lock, "").unwrap();
        fs::write(dir.path().join("dumps.rs"), "").unwrap();
        let mut dumps = dumps;
        dumps.source_path = dir.path().join("dumps.rs");
        dumps
            .write(&dir.path().join("out"), "dumps", true, &lock)
            .unwrap();
        let config = fs::read_to_string(dir.path().join("out/.cargo/config.toml")).unwrap();
        assert!(config.contains(r#"rustflags = ["--cfg", "tokio_unstable"]"#));

        let plain = export("fn f() { handle.dump(); }");
        assert!(!plain.cargo_toml("plain", true).contains("taskdump"));
    }
}
