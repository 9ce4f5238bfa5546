//! What a page, a table a page is made from, or the code's comments and
//! strings say of the crates by hand, checked against the build:
//! - a crate's version ("Tokio 1.54", [`FORMS`]) is one Cargo.lock builds
//!   from a registry (Rust's: the one rust-toolchain.toml pins), so that a
//!   sentence says which version its claim was checked against, and is read
//!   again when the lock moves to another. An older one is history, and
//!   says so with a word before it ("added in Tokio 1.47", [`HISTORY`]).
//!   Names the lock does not have (Python, mdBook) are not checked, nor a
//!   version with no name before it ("1.54, and 1.40 before it"); where the
//!   lock has two versions of a crate, either passes.
//! - a feature named in backticks beside the word ("the runner's `httpbin`
//!   feature") is one that a package here declares: a crate of the
//!   workspace's build, with every feature on, or a project of its own under
//!   crates/ (a recipe). Which package's it is, the sentence says in words,
//!   and that is not checked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::MARKER;
use super::generate::files_under;
use crate::Error;
use crate::workspace::{CARGO_METADATA, Workspace};

/// Where the text written by hand is, under the workspace's root: pages
/// and the tables they are made from (the generated pages, which start with
/// [`MARKER`], are left out: their text is another file's), and Rust files,
/// whose comments the pages quote and whose strings a program prints.
/// Not xtask's, whose tests write wrong versions and features on purpose.
const WRITTEN: [(&str, &[&str]); 5] = [
    ("docs", &["md", "tsv"]),
    ("crates", &["md", "rs", "toml"]),
    ("exercises", &["md", "rs", "toml"]),
    ("bench", &["md", "rs", "toml"]),
    ("tests", &["md", "rs", "toml"]),
];

/// The root's own pages.
const ROOT_PAGES: [&str; 2] = ["README.md", "CONTRIBUTING.md"];

/// Every version written by hand that is neither the one Cargo.lock builds
/// nor older history, and every feature no package declares, a line each.
pub fn problems(workspace: &Workspace) -> Result<Vec<String>, Error> {
    let locked = Locked::read(workspace)?;
    let features = Features::read(workspace)?;
    let root = workspace.root();
    let mut files: Vec<PathBuf> = ROOT_PAGES.iter().map(PathBuf::from).collect();
    for (dir, extensions) in WRITTEN {
        let found = files_under(&root.join(dir), extensions)?;
        files.extend(found.into_iter().map(|path| Path::new(dir).join(path)));
    }
    let mut problems = Vec::new();
    for file in files {
        let text = super::read(&root.join(&file))?;
        if !text.starts_with(MARKER) {
            let file = file.display().to_string();
            problems.extend(locked.problems(&file, &text));
            problems.extend(features.problems(&file, &text));
        }
    }
    Ok(problems)
}

/// What may come before an older version, which then is history.
const HISTORY: [&str; 8] = [
    "since",
    "added in",
    "introduced in",
    "stabilized in",
    "renamed in",
    "removed in",
    "deprecated in",
    "as of",
];

/// How a page writes a crate's name where it is not the crate's own.
const DISPLAY: [(&str, &str); 5] = [
    ("Tokio", "tokio"),
    ("PyO3", "pyo3"),
    ("Rust", RUST),
    ("rustc", RUST),
    // `rustup toolchain install 1.95.0`.
    ("rustup", RUST),
];

/// The forms of a version: a name (in backticks or not, "version" or not
/// after it), then two or three numbers, not a quantity ("bytes 0.1 s
/// apart", "either 0.5 or 1.5 s", "`http` 1.3 times") nor a pre-release,
/// which no lock builds ("rustc 1.97.0-nightly", as the exercise checker's
/// tests fake one); `cargo add NAME@VERSION`; a docs.rs address; a crate's
/// directory in the registry, `tokio-1.54.1/src`; Rust's in `rustup
/// toolchain install 1.95.0`.
static FORMS: LazyLock<[Regex; 5]> = LazyLock::new(|| {
    let version = r"(?P<version>\d+\.\d+(?:\.\d+)?)";
    let number = r"\d+(?:\.\d+)?";
    let unit = r"\s*(?:s|ms|µs|ns|%|times)\b";
    [
        format!(
            r"`?\b(?P<name>[A-Za-z][A-Za-z0-9_-]*)`?(?: version)? v?{version}\b(?P<unit>(?:\s+(?:or|and|to)\s+{number})?{unit}|-[A-Za-z])?"
        ),
        format!(r"\b(?P<name>[A-Za-z0-9_-]+)@{version}\b"),
        format!(r"docs\.rs/(?P<name>[A-Za-z0-9_-]+)/{version}\b"),
        r"\b(?P<name>[a-z][a-z0-9_-]*?)-(?P<version>\d+\.\d+\.\d+)/".to_owned(),
        format!(r"\b(?P<name>rustup) toolchain (?:install|add) {version}\b"),
    ]
    .map(|form| Regex::new(&form).expect("a valid pattern"))
});

/// The versions of each crate in Cargo.lock, by its name in lower case, and
/// Rust's.
pub struct Locked(BTreeMap<String, Vec<String>>);

/// Rust, as [`Locked`] names it.
const RUST: &str = "rust";

impl Locked {
    pub fn read(workspace: &Workspace) -> Result<Locked, Error> {
        let toml = |file: &str| -> Result<toml::Table, Error> {
            let path = workspace.root().join(file);
            let text = super::read(&path)?;
            Ok(text.parse().map_err(|error| format!("{file}: {error}"))?)
        };
        let mut locked = Locked::of(&toml("Cargo.lock")?);
        let toolchain = toml("rust-toolchain.toml")?;
        let channel = toolchain
            .get("toolchain")
            .and_then(|table| table.get("channel"))
            .and_then(toml::Value::as_str)
            .ok_or("rust-toolchain.toml: no [toolchain] channel")?;
        locked.0.insert(RUST.to_owned(), vec![channel.to_owned()]);
        Ok(locked)
    }

    fn of(lock: &toml::Table) -> Locked {
        let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let packages = lock.get("package").and_then(toml::Value::as_array);
        for package in packages.into_iter().flatten() {
            let field = |key| package.get(key).and_then(toml::Value::as_str);
            // Not the workspace's own crates (no `source`): "runtime 2.5
            // times" is no version of the runtime section.
            if let (Some(name), Some(version), Some(_)) =
                (field("name"), field("version"), field("source"))
            {
                versions
                    .entry(name.to_owned())
                    .or_default()
                    .push(version.to_owned());
            }
        }
        Locked(versions)
    }

    /// A line for each version on `page` (its `text`) that is neither one
    /// the lock builds nor older history. A sentence may wrap anywhere, in
    /// a page or a comment: its lines are read as one, without their
    /// comment markers.
    pub fn problems(&self, page: &str, text: &str) -> Vec<String> {
        let (joined, line_at) = joined(text);
        let mut problems = Vec::new();
        for form in FORMS.iter() {
            for mention in form.captures_iter(&joined) {
                let (written_name, written) = (&mention["name"], &mention["version"]);
                if mention.name("unit").is_some() {
                    continue;
                }
                let name = DISPLAY
                    .iter()
                    .find(|(display, _)| *display == written_name)
                    .map_or(written_name, |(_, name)| name);
                let Some(locked) = self.0.get(name) else {
                    continue;
                };
                if locked.iter().any(|version| same(written, version)) {
                    continue;
                }
                let start = mention.get(0).map_or(0, |m| m.start());
                let lead = joined[..start].trim_end().to_lowercase();
                let history = HISTORY.iter().any(|word| lead.ends_with(word));
                if history && locked.iter().any(|version| older(written, version)) {
                    continue;
                }
                let locked = locked.join(" and ");
                let builds = if name == RUST {
                    "rust-toolchain.toml pins"
                } else {
                    "Cargo.lock builds"
                };
                let line = line_at(start);
                problems.push((
                    line,
                    format!(
                        "{page}:{line}: says {written_name} {written}, and {builds} {locked}: \
                         check the claim against {locked} and write that version (an older \
                         one, as history, comes after `{}`)",
                        HISTORY.join("`, `"),
                    ),
                ));
            }
        }
        // The forms are read one after another: the page's order is the lines'.
        problems.sort_by_key(|(line, _)| *line);
        problems.into_iter().map(|(_, problem)| problem).collect()
    }
}

/// `text`'s lines joined by spaces, each without its comment marker, and
/// the line (from 1) of an offset in the joined text.
fn joined(text: &str) -> (String, impl Fn(usize) -> usize) {
    let mut joined = String::new();
    let mut starts = Vec::new();
    for line in text.lines() {
        starts.push(joined.len());
        joined.push_str(without_comment_marker(line).trim());
        joined.push(' ');
    }
    let line_at = move |offset: usize| starts.partition_point(|&start| start <= offset).max(1);
    (joined, line_at)
}

/// Features in backticks beside the word: "`NAME` feature", "the `a` and
/// `b` features", "features `a`, `b` and `c`".
static FEATURES: LazyLock<[Regex; 2]> = LazyLock::new(|| {
    let list = r"(?P<list>`[A-Za-z0-9_-]+`(?:(?:,\s*|,?\s+(?:and|or)\s+)`[A-Za-z0-9_-]+`)*)";
    [
        format!(r"{list}\s+features?\b"),
        format!(r"\bfeatures?\s+{list}"),
    ]
    .map(|form| Regex::new(&form).expect("a valid pattern"))
});

/// A name in backticks.
static BACKTICKED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"`([A-Za-z0-9_-]+)`").expect("a valid pattern"));

/// `cargo metadata` of the manifest `manifest` with every feature on.
fn all_features(manifest: &Path, offline: bool) -> Result<cargo_metadata::Metadata, Error> {
    let mut options = vec!["--locked".to_owned()];
    if offline {
        options.push("--offline".to_owned());
    }
    let mut command = cargo_metadata::MetadataCommand::new();
    command
        .manifest_path(manifest)
        .features(cargo_metadata::CargoOpt::AllFeatures)
        .other_options(options)
        .cargo_path(proc::cargo::program());
    let finished = proc::run(command.cargo_command(), CARGO_METADATA)?;
    if !finished.success() {
        return Err(format!("`cargo metadata` failed: {}", finished.stderr.trim()).into());
    }
    let json = finished.stdout.lines().find(|line| line.starts_with('{'));
    Ok(cargo_metadata::MetadataCommand::parse(
        json.ok_or("`cargo metadata` printed no JSON")?,
    )?)
}

fn features_of(metadata: &cargo_metadata::Metadata) -> BTreeSet<String> {
    let packages = metadata.packages.iter();
    packages
        .flat_map(|package| package.features.keys().cloned())
        .collect()
}

/// Every feature a package here declares.
struct Features(BTreeSet<String>);

impl Features {
    /// The features of the workspace's build with all of them on (so that
    /// optional dependencies are there too), and of each project of its own
    /// under crates/.
    fn read(workspace: &Workspace) -> Result<Features, Error> {
        let root = workspace.root().join("Cargo.toml");
        let metadata = all_features(&root, false)?;
        let mut names = features_of(&metadata);
        let members: BTreeSet<_> = metadata
            .workspace_packages()
            .iter()
            .map(|package| package.manifest_path.clone().into_std_path_buf())
            .collect();
        let crates = workspace.root().join("crates");
        for manifest in files_under(&crates, &["toml"])? {
            let path = crates.join(manifest);
            if path.file_name() != Some("Cargo.toml".as_ref()) || members.contains(&path) {
                continue;
            }
            // A project of its own, with its own lock: its dependencies'
            // features too, where cargo has them without the network; else
            // its own.
            if let Ok(metadata) = all_features(&path, true) {
                names.extend(features_of(&metadata));
                continue;
            }
            let table: toml::Table = super::read(&path)?
                .parse()
                .map_err(|error| format!("{}: {error}", path.display()))?;
            let declared = table.get("features").and_then(toml::Value::as_table);
            names.extend(declared.into_iter().flat_map(|table| table.keys().cloned()));
        }
        Ok(Features(names))
    }

    /// A line for each feature on `page` (its `text`) that no package
    /// declares, its lines read as one as versions are.
    fn problems(&self, page: &str, text: &str) -> Vec<String> {
        let (joined, line_at) = joined(text);
        let mut problems = BTreeSet::new();
        for form in FEATURES.iter() {
            for mention in form.captures_iter(&joined) {
                let list = &mention["list"];
                let start = mention.name("list").map_or(0, |m| m.start());
                for name in BACKTICKED
                    .captures_iter(list)
                    .map(|name| name[1].to_owned())
                {
                    if !self.0.contains(&name) {
                        problems.insert((line_at(start), name));
                    }
                }
            }
        }
        let problem = |(line, name)| {
            format!(
                "{page}:{line}: names the `{name}` feature, which no package here declares \
                 (the workspace's with every feature on, or a project under crates/)"
            )
        };
        problems.into_iter().map(problem).collect()
    }
}

/// A line of a page, or of a Rust comment a page quotes, without `//!`,
/// `///` or `//` before its words.
fn without_comment_marker(line: &str) -> &str {
    let trimmed = line.trim_start();
    ["//!", "///", "//"]
        .iter()
        .find_map(|marker| trimmed.strip_prefix(marker))
        .unwrap_or(line)
}

fn numbers(version: &str) -> Vec<u64> {
    version.split('.').map_while(|n| n.parse().ok()).collect()
}

/// Whether `written` ("1.54") names `locked` ("1.54.1").
fn same(written: &str, locked: &str) -> bool {
    let (written, locked) = (numbers(written), numbers(locked));
    locked.starts_with(&written)
}

/// Whether `written` is older than `locked`, to as many numbers as it has.
fn older(written: &str, locked: &str) -> bool {
    let written = numbers(written);
    let locked = numbers(locked);
    written < locked[..written.len().min(locked.len())].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locked() -> Locked {
        let registry = "source = \"registry+https://github.com/rust-lang/crates.io-index\"";
        let lock = format!(
            "[[package]]\nname = \"tokio\"\nversion = \"1.54.1\"\n{registry}\n\n\
             [[package]]\nname = \"pyo3\"\nversion = \"0.30.1\"\n{registry}\n\n\
             [[package]]\nname = \"http\"\nversion = \"1.5.0\"\n{registry}\n\n\
             [[package]]\nname = \"runtime\"\nversion = \"0.1.0\"\n"
        );
        let mut locked = Locked::of(&lock.parse().unwrap());
        locked.0.insert(RUST.to_owned(), vec!["1.95.0".to_owned()]);
        locked
    }

    #[test]
    fn the_version_the_lock_builds_passes_in_any_spelling() {
        let text = "In Tokio 1.54, a claim.\nWith tokio 1.54.1 and PyO3 0.30's default.\n\
                    Rust 1.95 says so; stable since Rust 1.85.\n";
        assert_eq!(locked().problems("p.md", text), Vec::<String>::new());
    }

    #[test]
    fn another_version_is_reported_unless_it_is_older_history() {
        let text = "What Tokio 1.53 documents.\n\
                    `SetOnce` (added in Tokio 1.47), and since\n\
                    //! Tokio 1.51, `LocalRuntime`.\n\
                    Renamed in PyO3 0.26.\n\
                    Since Tokio 1.60, a promise.\n\
                    Tokio 1.47's `SetOnce`.\n\
                    Python 3.11 and mdBook 0.5.4 are not the lock's.\n\
                    Two tokio 0.1 s apart are a quantity.\n\
                    Check that Rust 1.94 still says this.\n\
                    An HTTP 1.1 server, the runtime 2.5 times faster, introduced in\n\
                    Tokio 1.40, as of Tokio 1.41.\n\
                    Checked against Tokio\n\
                    /// 1.52, wrapped; `cargo add tokio@1.40`, docs.rs/tokio/1.40.0/tokio.\n\
                    rustc 1.94 words it; `tokio` 1.53 and Tokio version 1.53 too.\n\
                    At tokio-1.53.0/src/fs/mod.rs:136; either 0.5 or 1.5 s.\n\
                    `http` 1.3 times faster; rustc 1.97.0-nightly.\n\
                    Or run `rustup toolchain install 1.94.0` (1.95.0 is fine).\n";
        let problems = locked().problems("p.md", text);
        let lines: Vec<&str> = problems
            .iter()
            .map(|p| p.split(": says").next().unwrap())
            .collect();
        assert_eq!(
            lines,
            [
                "p.md:1", "p.md:5", "p.md:6", "p.md:9", "p.md:12", "p.md:13", "p.md:13", "p.md:14",
                "p.md:14", "p.md:14", "p.md:15", "p.md:17"
            ],
            "{problems:#?}"
        );
        assert!(problems[0].contains("says Tokio 1.53, and Cargo.lock builds 1.54.1"));
        assert!(problems[3].contains("says Rust 1.94, and rust-toolchain.toml pins 1.95.0"));
    }

    #[test]
    fn a_feature_in_backticks_beside_the_word_is_one_a_package_declares() {
        let features = Features(["httpbin", "test-util", "macros"].map(str::to_owned).into());
        let text = "The runner's `httpbin` feature, Tokio's `test-util` feature.\n\
                    With the features `test-util` and `local-server` features.\n\
                    Its `gone` features; not `code` here, nor a feature.\n\
                    The runner's `http-bin`, `macros` and `test-util` features; the\n\
                    `wrapped`\n\
                    /// feature.\n";
        let problems = features.problems("p.md", text);
        let named: Vec<&str> = problems
            .iter()
            .map(|p| p.split(" feature,").next().unwrap())
            .collect();
        assert_eq!(
            named,
            [
                "p.md:2: names the `local-server`",
                "p.md:3: names the `gone`",
                "p.md:4: names the `http-bin`",
                "p.md:5: names the `wrapped`"
            ],
            "{problems:#?}"
        );
    }
}
