//! Each exercise compiles on its own: one that does not compile shows its
//! compiler error and stops no other exercise from being checked.
//!
//! The test checks a copy of the workspace whose exercises crate holds
//! the files of three exercises: `hello_sleep` with its reference
//! solution, `spawn_join` that does not compile, and `three_downloads` that
//! runs but prints the wrong lines. Every other exercise's file is missing,
//! so each of those fails to compile too, on its own, and costs the build
//! no code generation or linking (46 solved exercises took most of this
//! test's time). The learner's own files are never read: whatever state
//! their exercises are in, this test (and `cargo test --workspace`) gives
//! the same result.
//!
//! The copy has every member of the workspace, so cargo resolves the
//! dependencies' features as it does here, and it shares the workspace's
//! build directory (`CARGO_BUILD_BUILD_DIR`): the crates from crates.io are
//! the ones `cargo test --workspace` built, which the test checks first by
//! their artifacts' names. The crates the exercises build
//! get another version, because cargo names a path crate's artifacts by its
//! name and version, not by where it is, and the copy's must not stand in
//! for the workspace's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The workspace crates the exercises crate needs: built in the copy, so
/// given another version there.
const BUILT: [&str; 7] = [
    "exercises",
    "crates/proc",
    "crates/runner",
    "crates/protocol",
    "crates/flags",
    "crates/closed-stdout",
    "crates/httpbin",
];

/// What the copy leaves out, from the workspace root: what cargo never
/// reads to build the exercises (the build directories, the book, git's
/// store), and the exercises crate's directories of exercise files (the
/// learner's, where the copy puts its own, and `verify`'s copies of them
/// as shipped).
const LEFT_OUT: [&str; 6] = [
    "target",
    ".git",
    "docs",
    "tests/browser/node_modules",
    "exercises/src/exercises",
    "exercises/.shipped",
];

fn copy_dir(root: &Path, from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's directory");
    for entry in std::fs::read_dir(from).expect("read the directory") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        let path = entry.path();
        let relative = path.strip_prefix(root).expect("under the root");
        if LEFT_OUT
            .iter()
            .any(|left_out| relative == Path::new(left_out))
        {
            continue;
        }
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(root, &path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy a file");
        }
    }
}

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
}

/// A copy of the workspace under the test's temporary directory.
fn copy_workspace() -> PathBuf {
    let root = workspace_root();
    let copy = Path::new(env!("CARGO_TARGET_TMPDIR")).join("independent");
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(root, root, &copy);
    // Cargo reads the configuration files of every directory above the one
    // it runs in and joins their arrays: a copy under the workspace that
    // kept a `.cargo/config.toml` of its own would pass `--cfg
    // tokio_unstable` twice, and cargo would build every crate again for
    // those flags. Under the workspace, the workspace's file is the one.
    if copy.starts_with(root) {
        std::fs::remove_dir_all(copy.join(".cargo")).expect("remove the copy's .cargo");
    }
    for dir in BUILT {
        let manifest = copy.join(dir).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).expect("the crate's manifest");
        let text = text.replacen(
            "\nversion = \"0.1.0\"\n",
            "\nversion = \"0.1.0-independent\"\n",
            1,
        );
        assert!(
            text.contains("0.1.0-independent"),
            "{dir}: no version to change"
        );
        std::fs::write(&manifest, text).expect("write the crate's manifest");
    }
    copy
}

/// Cargo, run in the copy with its own target directory and the
/// workspace's build directory.
fn cargo_in(copy: &Path) -> Command {
    let build_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory");
    let mut cargo = proc::cargo::command();
    cargo
        .current_dir(copy)
        .env("CARGO_TARGET_DIR", copy.join("target"))
        .env("CARGO_BUILD_BUILD_DIR", build_dir)
        .stdin(Stdio::null());
    cargo
}

fn checker(copy: &Path, args: &[&str]) -> Output {
    cargo_in(copy)
        .args(["run", "--quiet", "--bin", "exercises", "--"])
        .args(args)
        .output()
        .expect("cargo runs")
}

/// The crates.io artifacts that a build of the checker uses.
fn dependencies(mut cargo: Command) -> BTreeSet<String> {
    cargo.args([
        "build",
        "--quiet",
        "--bin",
        "exercises",
        "--message-format=json",
    ]);
    let build = proc::cargo::build(cargo, proc::cargo::Stderr::Capture).expect("cargo runs");
    assert!(build.success(), "{}", build.stderr);
    build.dependencies
}

fn text(output: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn an_exercise_that_does_not_compile_stops_no_other() {
    let copy = copy_workspace();
    // The copy resolves features and flags as the workspace does, so its
    // builds use the dependencies `cargo test --workspace` built.
    let mut in_workspace = proc::cargo::command();
    in_workspace.current_dir(workspace_root());
    let (ours, theirs) = (dependencies(in_workspace), dependencies(cargo_in(&copy)));
    let differ: Vec<&String> = ours.symmetric_difference(&theirs).collect();
    assert!(
        differ.is_empty(),
        "the copy builds crates.io crates with other features or flags than the workspace: \
         {differ:?}"
    );
    let exercises = copy.join("exercises");
    let solutions = exercises.join(exercises::SOLUTIONS);
    let files = exercises.join("src/exercises");
    std::fs::create_dir_all(&files).expect("the exercises' directory");
    let count = std::fs::read_dir(&solutions)
        .expect("the solutions")
        .count();
    for (file, answer) in [
        ("01_hello_sleep.rs", "01_hello_sleep.rs"),
        ("02_spawn_join.rs", "02_spawn_join.rs"),
        // Another exercise's answer: it compiles, and prints the wrong lines.
        ("03_three_downloads.rs", "01_hello_sleep.rs"),
    ] {
        std::fs::copy(solutions.join(answer), files.join(file)).expect("put an answer in place");
    }
    let broken = files.join("02_spawn_join.rs");
    let mut source = std::fs::read_to_string(&broken).expect("read spawn_join");
    source.push_str("\nfn broken() -> u32 {\n    \"not a number\"\n}\n");
    std::fs::write(&broken, source).expect("break spawn_join");

    // Every exercise is checked, each on its own merits.
    let list = checker(&copy, &["--list"]);
    let listed = text(&list);
    assert!(list.status.success(), "{listed}");
    let line = |name: &str| {
        listed
            .lines()
            .find(|line| {
                line.trim_start_matches(['✓', ' '])
                    .starts_with(&format!("{name} "))
            })
            .unwrap_or_else(|| panic!("no line for {name}: {listed}"))
            .to_owned()
    };
    assert!(line("hello_sleep").starts_with('✓'), "{listed}");
    assert!(!line("spawn_join").starts_with('✓'), "{listed}");
    assert!(line("spawn_join").contains("does not compile"), "{listed}");
    assert!(!line("three_downloads").starts_with('✓'), "{listed}");
    assert!(line("timeout").contains("does not compile"), "{listed}");
    assert!(
        listed.contains(&format!("1 of {count} exercises pass.")),
        "{listed}"
    );

    // The progress check passes the first and stops at the second, with
    // the compiler's error, in the learner's file.
    let progress = checker(&copy, &[]);
    let shown = text(&progress);
    assert_eq!(progress.status.code(), Some(1), "{shown}");
    assert!(shown.contains("✓ hello_sleep"), "{shown}");
    assert!(shown.contains("✗ spawn_join"), "{shown}");
    assert!(shown.contains("error[E0308]: mismatched types"), "{shown}");
    assert!(
        shown.contains("--> exercises/src/exercises/02_spawn_join.rs:"),
        "{shown}"
    );

    // And checking one exercise builds only that one.
    let one = checker(&copy, &["hello_sleep"]);
    assert!(one.status.success(), "{}", text(&one));
}
