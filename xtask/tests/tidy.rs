//! Tidy checks, in the manner of rust-analyzer's `tidy.rs`: facts the
//! workspace still writes in two places must agree, and a plain build
//! leaves out what only one command needs. (The exercise list is
//! checked by the exercises crate's own test; rustdoc links by `cargo doc`
//! with `-D warnings` in `.ci/run`.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use xtask::workspace::Workspace;

/// The `mod x;` lines and the `example!(x, ...)` entries of a section's
/// `main.rs`.
fn mods_and_entries(main: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mods = main
        .lines()
        .filter_map(|line| line.trim().strip_prefix("mod ")?.strip_suffix(';'))
        .map(str::to_owned)
        .collect();
    let entries = main
        .lines()
        .filter_map(|line| {
            let inside = line.trim().strip_prefix("example!(")?;
            let name = inside.split([',', ')']).next()?.trim();
            Some(name.to_owned())
        })
        .collect();
    (mods, entries)
}

/// What disagrees among a section's `mod` lines, its `example!` entries and
/// its files `src/<example>.rs`.
fn disagreements(section: &str, src: &Path) -> Vec<String> {
    let main = std::fs::read_to_string(src.join("main.rs")).unwrap_or_default();
    let (mods, entries) = mods_and_entries(&main);
    let dir = std::fs::read_dir(src).into_iter().flatten().flatten();
    let mut files = BTreeSet::new();
    for entry in dir {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        match name.strip_suffix(".rs") {
            Some("main") | None => (),
            Some(stem) => {
                files.insert(stem.to_owned());
            }
        }
    }
    let no_entry = mods.difference(&entries).map(|name| {
        format!("crates/{section}/src/main.rs has `mod {name};` but no `example!({name})`")
    });
    let no_mod = entries.difference(&mods).map(|name| {
        format!("crates/{section}/src/main.rs has `example!({name})` but no `mod {name};`")
    });
    let no_mod_line = files
        .difference(&mods)
        .map(|name| format!("crates/{section}/src/{name}.rs is in no `mod` line of its main.rs"));
    no_entry.chain(no_mod).chain(no_mod_line).collect()
}

#[test]
fn every_mod_line_has_its_example_entry_and_its_file() {
    let workspace = Workspace::locate();
    let mut problems = Vec::new();
    for section in workspace.section_names().expect("the sections") {
        let src = workspace.root().join("crates").join(&section).join("src");
        problems.extend(disagreements(&section, &src));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_sees_a_mod_line_without_an_entry_and_a_file_without_a_mod() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let main = "mod kept;\nmod forgotten;\n\nfn main() {\n    runner::section![\n        example!(kept),\n        example!(listed, base_url),\n    ]\n    .run()\n}\n";
    std::fs::write(dir.path().join("main.rs"), main).expect("main.rs");
    for file in ["kept.rs", "forgotten.rs", "stray.rs"] {
        std::fs::write(dir.path().join(file), "").expect("a file");
    }
    assert_eq!(
        disagreements("demo", dir.path()),
        [
            "crates/demo/src/main.rs has `mod forgotten;` but no `example!(forgotten)`",
            "crates/demo/src/main.rs has `example!(listed)` but no `mod listed;`",
            "crates/demo/src/stray.rs is in no `mod` line of its main.rs",
        ]
    );
}

/// PyO3's build script fails without a Python 3 interpreter, so a plain
/// `cargo build --workspace` must not build it: only the bridge's `python`
/// feature, which maturin turns on, brings it in. (cargo metadata leaves
/// out an optional dependency whose feature is off.)
#[test]
fn a_plain_build_builds_no_pyo3() {
    let workspace = Workspace::locate();
    // For this platform only, as `cargo build` resolves: for every
    // platform, cargo metadata would download crates no build here needs.
    let rustc = std::process::Command::new("rustc")
        .arg("-vV")
        .current_dir(workspace.root())
        .output()
        .expect("rustc -vV");
    let version = String::from_utf8(rustc.stdout).expect("rustc -vV prints UTF-8");
    let host = version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("rustc -vV names its host");
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(workspace.root().join("Cargo.toml"))
        .other_options(["--locked", "--filter-platform", host].map(str::to_owned))
        .exec()
        .expect("cargo metadata");
    let resolve = metadata.resolve.as_ref().expect("the resolved graph");
    let mut built = Vec::new();
    for node in &resolve.nodes {
        let package = &metadata[&node.id];
        if package.name.starts_with("pyo3") {
            built.push(format!("{} {}", package.name, package.version));
        }
    }
    assert!(
        built.is_empty(),
        "the workspace's default features build {}",
        built.join(", ")
    );
}

/// Each package `cargo tree` shows for these edge kinds, with the feature
/// sets it is built with (two where a build script or a proc macro needs it
/// with other features than the program does).
fn feature_sets(workspace: &Workspace, edges: &str) -> BTreeMap<String, BTreeSet<String>> {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--workspace", "--locked", "--prefix", "none"])
        .args(["--edges", edges, "--format", "{p}|{f}"])
        .current_dir(workspace.root())
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree --edges {edges}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut packages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).expect("UTF-8").lines() {
        let Some((package, features)) = line.split_once('|') else {
            continue;
        };
        // `name v1.2.3`, and a workspace member's path after it.
        let package = package.split(" (").next().unwrap_or(package);
        let features = features.trim_end_matches(" (*)");
        packages
            .entry(package.to_owned())
            .or_default()
            .insert(features.to_owned());
    }
    packages
}

/// The packages that `cargo test --workspace`, whose dev-dependencies turn
/// on features of their own, builds with other features than `cargo build
/// --workspace` (and `cargo xtask`, and the binaries the tests build) does:
/// cargo then builds each of them, and everything that depends on one, twice.
fn built_twice(workspace: &Workspace) -> Vec<String> {
    let build = feature_sets(workspace, "normal,build");
    let test = feature_sets(workspace, "normal,build,dev");
    let mut twice = Vec::new();
    for (package, features) in &build {
        if let Some(tested) = test.get(package)
            && tested != features
        {
            twice.push(format!("{package}: {}", what_test_adds(features, tested)));
        }
    }
    twice
}

/// The features `cargo test` turns on that `cargo build` leaves off, of
/// all the sets a package is built with.
fn what_test_adds(built: &BTreeSet<String>, tested: &BTreeSet<String>) -> String {
    let features = |sets: &BTreeSet<String>| -> BTreeSet<String> {
        let each = sets.iter().flat_map(|set| set.split(','));
        each.filter(|feature| !feature.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let added: Vec<String> = features(tested)
        .difference(&features(built))
        .cloned()
        .collect();
    if added.is_empty() {
        format!("`cargo build` builds it with {built:?}, `cargo test` with {tested:?}")
    } else {
        format!("`cargo test` adds {}", added.join(", "))
    }
}

/// crates/infra/workspace-hack turns on, for every build, the features the
/// dev-dependencies turn on (its manifest says how to keep it so).
#[test]
fn cargo_build_and_cargo_test_build_each_dependency_with_the_same_features() {
    let twice = built_twice(&Workspace::locate());
    assert!(
        twice.is_empty(),
        "built twice, once for `cargo build` and once for `cargo test`; add to \
         crates/infra/workspace-hack/Cargo.toml:\n{}",
        twice.join("\n")
    );
}
