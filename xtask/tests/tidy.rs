//! Tidy checks, in the manner of rust-analyzer's `tidy.rs`: facts the
//! workspace still writes in two places must agree; `cargo build` builds
//! each dependency as the tests, clippy and `cargo doc` do, and no PyO3,
//! which only the bridge's own build needs. (The exercise list is
//! checked by the exercises crate's own test; rustdoc links by `cargo doc`
//! with `-D warnings` in `.ci/run`.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

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

/// The features one build of a package turns on.
type Features = BTreeSet<String>;
/// Each package, by `name v1.2.3`, with the feature sets it is built with.
type FeaturesByPackage = BTreeMap<String, BTreeSet<Features>>;

/// Each crates.io package of a `cargo tree --format "{p}|{f}"` listing
/// (`name v1.2.3`), with the feature sets it is built with: two where a
/// build script or a proc macro needs it with other features than a
/// program does. The workspace's own crates are left out.
fn packages(listing: &str) -> FeaturesByPackage {
    let mut packages = FeaturesByPackage::new();
    for line in listing.lines() {
        let Some((package, features)) = line.split_once('|') else {
            continue;
        };
        // A crate of the workspace has its directory after its version, a
        // proc macro `(proc-macro)`.
        let name = match package.split_once(" (") {
            None => package,
            Some((name, "proc-macro)")) => name,
            Some(_) => continue,
        };
        let mut set = Features::new();
        for feature in features.trim_end_matches(" (*)").split(',') {
            if !feature.is_empty() {
                set.insert(feature.to_owned());
            }
        }
        packages.entry(name.to_owned()).or_default().insert(set);
    }
    packages
}

/// A line for each package that `built` and `needed` don't build alike.
fn differences(built: &FeaturesByPackage, needed: &FeaturesByPackage) -> Vec<String> {
    let mut lines = Vec::new();
    for (package, built_sets) in built {
        let Some(needed_sets) = needed.get(package) else {
            lines.push(format!("{package}: only workspace-hack builds it"));
            continue;
        };
        if built_sets == needed_sets {
            continue;
        }
        let built_features: Features = built_sets.iter().flatten().cloned().collect();
        let needed_features: Features = needed_sets.iter().flatten().cloned().collect();
        let missing: Vec<&String> = needed_features.difference(&built_features).collect();
        let extra: Vec<&String> = built_features.difference(&needed_features).collect();
        lines.push(format!(
            "{package}: built with {built_sets:?}, needed with {needed_sets:?} \
             (missing {missing:?}, not needed {extra:?})"
        ));
    }
    lines
}

/// `cargo tree`'s listing in the workspace at `root`, with `args`.
fn cargo_tree(root: &Path, args: &[&str]) -> String {
    let mut cargo = proc::cargo::command();
    cargo.current_dir(root);
    cargo.args(["tree", "--prefix", "none", "--format", "{p}|{f}"]);
    cargo.args(args);
    let finished = proc::run(cargo, Duration::from_secs(120)).expect("cargo tree starts");
    assert!(
        finished.success(),
        "cargo tree {}: {}\n{}",
        args.join(" "),
        finished.exit,
        finished.stderr
    );
    finished.stdout
}

/// The members that do not depend on workspace-hack: the hack itself;
/// task-dump, which an export copies with its manifest to stand alone
/// (its manifest says why its Tokio's features are its own); and what the
/// release benchmark builds, without the Tokio `test-util` that the hack
/// turns on (bench/README.md); compile-fail, whose test is trybuild's, which
/// compiles every dependency of its package again in a project of its own
/// (its manifest says what the hack would cost there). It has no
/// dependencies but its test's, so its build builds nothing.
const NOT_ON_THE_HACK: [&str; 6] = [
    "workspace-hack",
    "task-dump",
    "bench",
    "httpbin",
    "closed-stdout",
    "compile-fail",
];

/// The benchmark's Rust workloads and its server (`cargo xtask bench`
/// builds these two in release) run on a Tokio without `test-util`, whose
/// clock the timer driver locks on every pass: no workspace-hack there.
#[test]
fn the_benchmark_is_built_without_tokio_test_util() {
    let workspace = Workspace::locate();
    let args = ["--locked", "--package", "bench", "--package", "httpbin"];
    let built = packages(&cargo_tree(
        workspace.root(),
        &[&args[..], &["--edges", "normal,build"]].concat(),
    ));
    let tokio = built
        .iter()
        .find(|(package, _)| package.starts_with("tokio v"))
        .map(|(_, sets)| sets.iter().flatten().cloned().collect::<Features>())
        .expect("the benchmark's build has Tokio");
    assert!(
        !tokio.contains("test-util"),
        "the benchmark's Tokio has `test-util`: does bench, httpbin or a \
         crate of theirs depend on workspace-hack? Its features: {tokio:?}"
    );
}

/// Writes into `dir` the workspace as it would be if workspace-hack turned
/// on nothing: what `cargo tree` reads (the manifests, Cargo.lock, the
/// toolchain's pin, the configuration, whose `--cfg tokio_unstable` gives
/// Tokio more dependencies, and an empty file for each target), the hack's
/// manifest without its dependency tables.
fn without_the_hack(workspace: &Workspace, dir: &Path) {
    let metadata = workspace.metadata().expect("cargo metadata");
    let root = metadata.workspace_root.as_std_path();
    let write = |path: &Path, text: &str| {
        let relative = path.strip_prefix(root).expect("a path in the workspace");
        let copy = dir.join(relative);
        std::fs::create_dir_all(copy.parent().expect("a file's directory")).expect("a directory");
        std::fs::write(&copy, text).expect("a file of the copy");
    };
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "rust-toolchain.toml",
        ".cargo/config.toml",
    ] {
        let path = root.join(file);
        write(&path, &std::fs::read_to_string(&path).expect(file));
    }
    for package in metadata.workspace_packages() {
        let manifest = package.manifest_path.as_std_path();
        let mut text = std::fs::read_to_string(manifest).expect("a member's manifest");
        if package.name == "workspace-hack" {
            let mut hack: toml_edit::DocumentMut = text.parse().expect("the hack's manifest");
            for table in ["dependencies", "build-dependencies", "target"] {
                hack.remove(table);
            }
            text = hack.to_string();
        }
        write(manifest, &text);
        for target in &package.targets {
            write(target.src_path.as_std_path(), "");
        }
    }
}

/// `cargo build --workspace` (and `cargo xtask`, and the binaries the
/// golden tests build) resolves features without the dev-dependencies;
/// `cargo test --workspace` and clippy with them, clippy and `cargo doc`
/// with the bridge's `python` feature. Cargo builds a package once per
/// feature set, so crates/infra/workspace-hack turns on, in the first, what
/// the others turn on: this test compares the build with it to what the
/// others need without it (in a copy of the manifests whose hack lists
/// nothing), so it sees a feature missing and one that nothing else needs
/// (not an entry that another entry makes redundant).
#[test]
fn workspace_hack_turns_on_what_tests_clippy_and_doc_need_and_no_more() {
    let workspace = Workspace::locate();
    let built = packages(&cargo_tree(
        workspace.root(),
        &["--workspace", "--locked", "--edges", "normal,build"],
    ));
    let copy = tempfile::tempdir().expect("a temporary directory");
    without_the_hack(&workspace, copy.path());
    // Not `--locked`: without the hack's dependencies, Cargo.lock lists
    // fewer, which cargo writes into the copy's.
    let needed = packages(&cargo_tree(
        copy.path(),
        &[
            "--workspace",
            "--edges",
            "normal,build,dev",
            "--features",
            "bridge/python",
        ],
    ));
    assert!(
        built.keys().any(|package| package.starts_with("tokio v")),
        "no tokio in `cargo tree`'s listing: its format changed?"
    );
    let differences = differences(&built, &needed);
    assert!(
        differences.is_empty(),
        "the workspace's build and what tests, clippy and doc need differ; in \
         crates/infra/workspace-hack/Cargo.toml, add what is missing \
         ([build-dependencies] for a build script's or a proc macro's) and take \
         out what is not needed:\n{}",
        differences.join("\n")
    );
}

/// A line for each feature set that `member` builds a package with and the
/// workspace's build does not.
fn not_as_the_workspace_builds(
    member: &str,
    built: &FeaturesByPackage,
    workspace: &FeaturesByPackage,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (package, sets) in built {
        let workspace_sets = workspace.get(package).cloned().unwrap_or_default();
        for set in sets.difference(&workspace_sets) {
            lines.push(format!(
                "{member}: {package} with {set:?}, the workspace's build with {workspace_sets:?}"
            ));
        }
    }
    lines
}

/// `cargo run -p basics` (the README's and the book's command) resolves
/// features for basics alone, and `cargo run --bin exercises` for the whole
/// workspace. Every member but those [`NOT_ON_THE_HACK`] names depends on
/// workspace-hack, which turns on every feature the workspace's build does,
/// so a build of one member builds each dependency as `cargo build
/// --workspace` does: after either, the other compiles only the workspace's
/// own crates. (Those are not compared: the hack can't depend on one, and
/// the runner's `httpbin` feature is off in a section without HTTP
/// examples, whose build compiles the runner once more.)
#[test]
fn a_build_of_one_member_builds_each_dependency_as_the_workspace_build_does() {
    let workspace = Workspace::locate();
    let metadata = workspace.metadata().expect("cargo metadata");
    let mut members = Vec::new();
    let mut not_on_it = Vec::new();
    for package in metadata.workspace_packages() {
        if NOT_ON_THE_HACK.contains(&package.name.as_str()) {
            continue;
        }
        let on_the_hack = package.dependencies.iter().any(|dependency| {
            dependency.name == "workspace-hack"
                && dependency.kind == cargo_metadata::DependencyKind::Normal
                && dependency.target.is_none()
                && !dependency.optional
        });
        if !on_the_hack {
            not_on_it.push(package.manifest_path.to_string());
        }
        members.push(package.name.to_string());
    }
    assert!(
        not_on_it.is_empty(),
        "add `workspace-hack.workspace = true` to the [dependencies] of {}: a \
         member that does not depend on it builds its dependencies with other \
         features than the workspace's build, and compiles them again",
        not_on_it.join(", ")
    );
    let edges = ["--locked", "--edges", "normal,build"];
    let whole = packages(&cargo_tree(
        workspace.root(),
        &[&["--workspace"][..], &edges].concat(),
    ));
    let mut lines = Vec::new();
    for member in &members {
        let built = packages(&cargo_tree(
            workspace.root(),
            &[&["--package", member][..], &edges].concat(),
        ));
        lines.extend(not_as_the_workspace_builds(member, &built, &whole));
    }
    assert!(
        lines.is_empty(),
        "a build of one member and the workspace's build differ; add to \
         crates/infra/workspace-hack/Cargo.toml the features the workspace's \
         build turns on:\n{}",
        lines.join("\n")
    );
}

#[test]
fn the_comparison_sees_a_missing_feature_a_needless_one_and_a_needless_crate() {
    let built = packages(
        "basics v0.1.0 (/w/crates/basics)|default\n\
         hyper v1.0.0|client,http1\n\
         regex v1.0.0|default,perf (*)\n\
         proc-macro2 v1.0.0|proc-macro\n\
         proc-macro2 v1.0.0|proc-macro,span-locations\n\
         serde_derive v1.0.0 (proc-macro)|default\n\
         h2 v0.4.0|",
    );
    let needed = packages(
        "basics v0.1.0 (/w/crates/basics)|default,extra\n\
         hyper v1.0.0|client,http1,http2\n\
         regex v1.0.0|default\n\
         proc-macro2 v1.0.0|proc-macro,span-locations\n\
         proc-macro2 v1.0.0|proc-macro (*)\n\
         serde_derive v1.0.0 (proc-macro)|default,extra-traits\n\
         wiremock v0.6.0|",
    );
    assert_eq!(
        differences(&built, &needed),
        [
            "h2 v0.4.0: only workspace-hack builds it",
            "hyper v1.0.0: built with {{\"client\", \"http1\"}}, needed with \
             {{\"client\", \"http1\", \"http2\"}} (missing [\"http2\"], not needed [])",
            "regex v1.0.0: built with {{\"default\", \"perf\"}}, needed with {{\"default\"}} \
             (missing [], not needed [\"perf\"])",
            "serde_derive v1.0.0: built with {{\"default\"}}, needed with \
             {{\"default\", \"extra-traits\"}} (missing [\"extra-traits\"], not needed [])",
        ]
    );
}
