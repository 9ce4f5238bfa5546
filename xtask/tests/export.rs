//! What `cargo xtask export` writes, and where, which a command-line case
//! can't state: the project's files, its manifest, and what a failed or
//! refused export leaves.

use std::path::Path;
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the xtask binary runs")
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The version the workspace's `Cargo.toml` gives `name`: the one its
/// exports list.
fn workspace_version(name: &str) -> String {
    let text = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let manifest: toml::Table = text.parse().expect("the workspace's Cargo.toml parses");
    let entry = &manifest["workspace"]["dependencies"][name];
    let version = entry.get("version").unwrap_or(entry);
    version.as_str().expect("a version").to_owned()
}

/// The `[dependencies]` table of an export's `Cargo.toml`.
fn dependencies(manifest: &str) -> &str {
    let table = manifest.split("[dependencies]\n").nth(1);
    let table = table.and_then(|rest| rest.split("\n\n").next());
    table.expect("a [dependencies] table")
}

/// What `export` writes: the file byte for byte, a `main.rs` that calls it,
/// and a `Cargo.toml` with the crates read from the file, each with the
/// workspace's entry and the features the file uses.
#[test]
fn export_writes_a_project_of_its_own() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let dir = scratch.path().join("priority_queue");
    let output = xtask(&[
        "export",
        "synchronization/priority_queue",
        dir.to_str().expect("UTF-8"),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        std::fs::read(dir.join("src/priority_queue.rs")).expect("the example"),
        std::fs::read(root().join("crates/synchronization/src/priority_queue.rs"))
            .expect("the original"),
    );
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
    let version = |name| workspace_version(name);
    assert_eq!(
        dependencies(&manifest),
        format!(
            "anyhow = \"{}\"\n\
             thiserror = \"{}\"\n\
             tokio = {{ version = \"{}\", features = [\"macros\", \"rt\", \"sync\", \"time\"] }}\n\
             tokio-util = {{ version = \"{}\", features = [\"rt\"] }}",
            version("anyhow"),
            version("thiserror"),
            version("tokio"),
            version("tokio-util"),
        )
    );
    assert!(manifest.contains("\n[workspace]\n"), "{manifest}");
    let main = std::fs::read_to_string(dir.join("src/main.rs")).expect("main.rs");
    assert!(main.contains("mod priority_queue;"), "{main}");
    assert!(main.contains("priority_queue::run().await"), "{main}");
    assert!(dir.join("README.md").is_file() && dir.join("Cargo.lock").is_file());
}

/// Tokio's features as the file uses them: `fetch_urls` sleeps and runs on
/// `#[tokio::main]`, and never touches files, processes or signals.
#[test]
fn an_export_lists_the_features_its_file_uses() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let dir = scratch.path().join("fetch_urls");
    let output = xtask(&["export", "recipes/fetch-urls", dir.to_str().expect("UTF-8")]);
    assert!(output.status.success(), "{output:?}");
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
    assert_eq!(
        dependencies(&manifest),
        "anyhow = \"1.0.98\"\n\
         futures = { version = \"0.3.31\", default-features = false, features = [\"std\"] }\n\
         reqwest = \"0.13\"\n\
         tokio = { version = \"1.54\", features = [\"macros\", \"rt\", \"time\"] }"
    );
}

/// An export reads the example's file: it builds nothing, so a learner's
/// first export waits for no section to compile.
#[test]
fn an_export_builds_nothing() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let target = scratch.path().join("target");
    std::fs::create_dir(&target).expect("a target directory");
    let dir = scratch.path().join("spawn_tasks");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["export", "basics/spawn_tasks"])
        .arg(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("XTASK_BUILT")
        .output()
        .expect("the xtask binary runs");
    assert!(output.status.success(), "{output:?}");
    let built: Vec<_> = std::fs::read_dir(&target).expect("the target").collect();
    assert!(built.is_empty(), "{built:?}");
    assert!(dir.join("src/spawn_tasks.rs").is_file());
}

/// `sh -c SCRIPT` with the export's arguments after it, as `$@`.
fn export_in_shell(script: &str, example: &str, dir: &Path) -> Output {
    Command::new("sh")
        .args([
            "-c",
            script,
            "sh",
            env!("CARGO_BIN_EXE_xtask"),
            "export",
            example,
        ])
        .arg(dir)
        .output()
        .expect("sh runs")
}

/// An export that fails (a full disk) leaves nothing; one killed leaves its
/// project marked incomplete, and nothing beside it: the next try writes it
/// whole.
#[test]
fn an_export_that_fails_halfway_leaves_nothing_a_retry_refuses() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let dir = scratch.path().join("spawn_tasks");
    // At most 64 blocks a file (32 KiB): the copy of Cargo.lock, written
    // last, fails. With SIGXFSZ ignored the write fails with an error; with
    // its default action it kills the export.
    let failed = export_in_shell(
        "trap '' XFSZ; ulimit -f 64; exec \"$@\"",
        "basics/spawn_tasks",
        &dir,
    );
    assert_eq!(failed.status.code(), Some(1), "{failed:?}");
    let said = String::from_utf8_lossy(&failed.stderr);
    assert!(said.contains("Cargo.lock"), "{said}");
    let left: Vec<_> = std::fs::read_dir(scratch.path())
        .expect("the scratch directory")
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let killed = export_in_shell("ulimit -f 64; exec \"$@\"", "basics/spawn_tasks", &dir);
    assert_eq!(killed.status.code(), None, "{killed:?}");
    let left: Vec<_> = std::fs::read_dir(scratch.path())
        .expect("the scratch directory")
        .map(|entry| entry.expect("an entry").file_name())
        .collect();
    assert_eq!(left, ["spawn_tasks"]);
    assert!(dir.join(".export-incomplete").is_file());
    let retried = xtask(&["export", "basics/spawn_tasks", dir.to_str().expect("UTF-8")]);
    assert!(retried.status.success(), "{retried:?}");
    assert!(dir.join("Cargo.lock").is_file());
    assert!(!dir.join(".export-incomplete").exists());
}

/// A symbolic link is followed, to a directory that does not exist yet too.
#[test]
fn an_export_into_a_dangling_link_goes_where_it_points() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let link = scratch.path().join("link");
    std::os::unix::fs::symlink("elsewhere/hello", &link).expect("a link");
    let output = xtask(&[
        "export",
        "basics/hello_world",
        link.to_str().expect("UTF-8"),
    ]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        scratch
            .path()
            .join("elsewhere/hello/src/hello_world.rs")
            .is_file()
    );
}

/// `crates/*` are this workspace's members: an export there, a workspace
/// of its own, would be a second root that stops every cargo command here.
#[test]
fn an_export_where_the_workspace_takes_its_members_is_refused() {
    let dir = root().join("crates/xtask-test-export");
    let output = xtask(&["export", "basics/hello_world", dir.to_str().expect("UTF-8")]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(said.contains("members are (`crates/*`)"), "{said}");
    assert!(!dir.exists());
}

/// A file the export copies that can't be read is named, and nothing is
/// left where the export was going.
#[test]
fn a_golden_file_that_cannot_be_read_is_named() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let dir = scratch.path().join("hello");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["export", "basics/hello_world"])
        .arg(&dir)
        .env("XTASK_GOLDEN", scratch.path())
        .output()
        .expect("the xtask binary runs");
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(
        said.contains("cannot read ") && said.contains("basics/hello_world.stdout"),
        "{said}"
    );
    assert!(!dir.exists());
}
