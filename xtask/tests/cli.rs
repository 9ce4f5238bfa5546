//! What `cargo xtask` does, as a contributor or a learner types it: its
//! command lines (`tests/cmd/*.toml`) and what `export` writes, which a
//! trycmd file can't state. (A closed stdout: `tests/integration/closed_stdout.rs`,
//! for every binary.)

use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the xtask binary runs")
}

/// What `export` writes: the file byte for byte, a `main.rs` that calls it,
/// and a `Cargo.toml` with the crates read from the file, each with the
/// workspace's entry.
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
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    assert_eq!(
        std::fs::read(dir.join("src/priority_queue.rs")).expect("the example"),
        std::fs::read(root.join("crates/synchronization/src/priority_queue.rs"))
            .expect("the original"),
    );
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
    let dependencies = manifest
        .split("[dependencies]\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a [dependencies] table");
    assert_eq!(
        dependencies,
        "anyhow = \"1.0.98\"\n\
         thiserror = \"2.0.12\"\n\
         tokio = { version = \"1.54\", features = [\"fs\", \"io-util\", \"macros\", \"net\", \"process\", \"rt\", \"rt-multi-thread\", \"signal\", \"sync\", \"time\"] }\n\
         tokio-util = { version = \"0.7.15\", features = [\"codec\", \"rt\", \"time\", \"join-map\"] }"
    );
    assert!(manifest.contains("\n[workspace]\n"), "{manifest}");
    let main = std::fs::read_to_string(dir.join("src/main.rs")).expect("main.rs");
    assert!(main.contains("mod priority_queue;"), "{main}");
    assert!(main.contains("priority_queue::run().await"), "{main}");
    assert!(dir.join("README.md").is_file() && dir.join("Cargo.lock").is_file());
}

#[test]
fn command_lines() {
    trycmd::TestCases::new()
        .register_bin("xtask", std::path::Path::new(env!("CARGO_BIN_EXE_xtask")))
        .env("RUST_BACKTRACE", "0")
        .case("tests/cmd/*.toml");
}
