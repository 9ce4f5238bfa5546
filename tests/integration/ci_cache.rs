//! Guards `.ci/cache`, run on a workspace of one package, a build directory
//! of a few small files (or cargo's own build of it) and a cache of its own
//! (`XDG_CACHE_HOME`): a damaged entry is refused and dropped, a changed
//! lock restores the entry of the same flags, `CARGO_TARGET_DIR` is where it
//! saves from and restores to, `drop` takes out the entry the last restore
//! took, cargo finds the workspace's crate fresh in a clone in the same
//! place, unless a file it was built from changed, and a green run's save
//! keeps only the units cargo read, a red run's all.
#![cfg(unix)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// A dependency's artifact, which an entry keeps.
const RLIB: &str = "debug/deps/libdep-0123456789abcdef.rlib";
/// The workspace's own crate's, which an entry keeps too.
const OWN_RLIB: &str = "debug/deps/libfake-fedcba9876543210.rlib";

/// A workspace with a copy of `.ci/cache`, and the cache it keeps.
struct Fixture {
    dir: TempDir,
    workspace: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let workspace = dir.path().join("workspace");
        fs::create_dir_all(workspace.join(".ci")).expect("the workspace's .ci/");
        fs::create_dir_all(workspace.join("src")).expect("the workspace's src/");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/cache");
        fs::copy(&script, workspace.join(".ci/cache")).expect(".ci/cache copies");
        let manifest = "[package]\nname = \"fake\"\nversion = \"0.1.0\"\nedition = \"2024\"\n";
        fs::write(workspace.join("Cargo.toml"), manifest).expect("Cargo.toml");
        fs::write(workspace.join("src/lib.rs"), "").expect("src/lib.rs");
        let lock = "version = 4\n\n[[package]]\nname = \"fake\"\nversion = \"0.1.0\"\n";
        fs::write(workspace.join("Cargo.lock"), lock).expect("Cargo.lock");
        fs::write(workspace.join(".gitignore"), "/target\n").expect(".gitignore");
        let fixture = Fixture { dir, workspace };
        fixture.git(&["init", "--quiet"]);
        fixture.git(&["add", "."]);
        fixture
    }

    fn workspace(&self) -> PathBuf {
        self.workspace.clone()
    }

    fn entries(&self) -> PathBuf {
        self.dir.path().join("xdg/async-rust-by-example/deps")
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git")
            .args(args)
            .current_dir(self.workspace())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}: {status:?}");
    }

    /// `.ci/cache ARGS`, with `target_dir` as CARGO_TARGET_DIR if given.
    fn cache(&self, args: &[&str], target_dir: Option<&Path>) -> Output {
        let mut command = Command::new(self.workspace().join(".ci/cache"));
        command
            .args(args)
            .env("XDG_CACHE_HOME", self.dir.path().join("xdg"))
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env_remove("CARGO_BUILD_BUILD_DIR");
        if let Some(target_dir) = target_dir {
            command.env("CARGO_TARGET_DIR", target_dir);
        }
        command.output().expect(".ci/cache runs")
    }

    /// `.ci/cache ARGS`, which must succeed; what it printed.
    fn ok(&self, args: &[&str], target_dir: Option<&Path>) -> String {
        let output = self.cache(args, target_dir);
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), ".ci/cache {args:?}: {printed}");
        printed
    }

    /// The saved entries' directories.
    fn saved(&self) -> Vec<PathBuf> {
        let mut saved: Vec<PathBuf> = fs::read_dir(self.entries())
            .expect("the cache's directory")
            .map(|entry| entry.expect("an entry").path())
            .filter(|path| path.is_dir())
            .collect();
        saved.sort();
        saved
    }
}

/// What a build leaves in `target`: a dependency's unit, a build script's
/// output and the workspace's own crate.
fn build(target: &Path) {
    for (path, text) in [
        (RLIB, "a dependency's library"),
        (
            "debug/.fingerprint/dep-0123456789abcdef/lib-dep",
            "fingerprint",
        ),
        (
            "debug/build/dep-0123456789abcdef/output",
            "cargo:rustc-cfg=x",
        ),
        (OWN_RLIB, "the workspace's library"),
        (
            "debug/.fingerprint/fake-fedcba9876543210/lib-fake",
            "fingerprint",
        ),
    ] {
        let path = target.join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("its directory");
        fs::write(path, text).expect("the file");
    }
}

#[test]
fn a_damaged_entry_is_refused_dropped_and_saved_again() {
    let fixture = Fixture::new();
    let target = fixture.workspace().join("target");
    build(&target);
    fixture.ok(&["save", "green"], None);
    let [entry] = &fixture.saved()[..] else {
        panic!("one entry: {:?}", fixture.saved());
    };
    let name = Path::new(RLIB).file_name().expect("a file name");
    let rlib = walkdir::WalkDir::new(entry)
        .into_iter()
        .map(|file| file.expect("a file").into_path())
        .find(|path| path.file_name() == Some(name))
        .expect("the entry holds the dependency's library");
    fs::write(&rlib, "cut").expect("the library is cut short");
    fs::remove_dir_all(&target).expect("target/ goes");

    let printed = fixture.ok(&["restore"], None);
    assert!(
        !target.join(RLIB).exists(),
        "the damaged library was restored: {printed}"
    );
    assert!(fixture.saved().is_empty(), "the entry is kept: {printed}");
    build(&target);
    let printed = fixture.ok(&["save", "green"], None);
    assert!(
        printed.contains("saved"),
        "the next save wrote nothing: {printed}"
    );
}

#[test]
fn a_changed_lock_restores_the_entry_of_the_same_flags() {
    let fixture = Fixture::new();
    let target = fixture.workspace().join("target");
    build(&target);
    fixture.ok(&["save", "green"], None);
    let lock = fixture.workspace().join("Cargo.lock");
    for update in 1..=3 {
        fs::remove_dir_all(&target).expect("target/ goes");
        let mut text = fs::read_to_string(&lock).expect("Cargo.lock");
        text.push_str(&format!("# update {update}\n"));
        fs::write(&lock, text).expect("Cargo.lock changes");

        let printed = fixture.ok(&["restore"], None);
        assert!(
            target.join(RLIB).exists(),
            "nothing restored after update {update}: {printed}"
        );
        assert!(
            target.join(OWN_RLIB).exists(),
            "the workspace's own crate was not restored: {printed}"
        );
        let printed = fixture.ok(&["save", "green"], None);
        assert!(printed.contains("saved"), "no new entry: {printed}");
    }
    assert_eq!(fixture.saved().len(), 2, "the entries kept are bounded");
}

#[test]
fn cargo_target_dir_is_where_it_saves_and_restores() {
    let fixture = Fixture::new();
    let elsewhere = fixture.dir.path().join("elsewhere");
    build(&elsewhere);
    fixture.ok(&["save", "green"], Some(&elsewhere));
    fs::remove_dir_all(&elsewhere).expect("the target directory goes");

    let printed = fixture.ok(&["restore"], Some(&elsewhere));
    assert!(
        elsewhere.join(RLIB).exists(),
        "nothing restored to CARGO_TARGET_DIR: {printed}"
    );
    assert!(
        !fixture.workspace().join("target").exists(),
        "target/ was made: {printed}"
    );
}

#[test]
fn drop_takes_out_the_entry_the_last_restore_took() {
    let fixture = Fixture::new();
    let target = fixture.workspace().join("target");
    build(&target);
    fixture.ok(&["save", "green"], None);
    fs::remove_dir_all(&target).expect("target/ goes");
    fixture.ok(&["restore"], None);
    assert!(target.join(RLIB).exists(), "nothing restored");

    let printed = fixture.ok(&["drop"], None);
    assert!(fixture.saved().is_empty(), "the entry is kept: {printed}");
    fs::remove_dir_all(&target).expect("target/ goes");
    let printed = fixture.ok(&["restore"], None);
    assert!(
        !target.join(RLIB).exists(),
        "a dropped entry was restored: {printed}"
    );
}

impl Fixture {
    /// `cargo build -v` of the workspace: what cargo said of its crate,
    /// `Fresh` or `Compiling`.
    fn cargo_build(&self) -> &'static str {
        let output = Command::new("cargo")
            .args(["build", "-v", "--offline"])
            .current_dir(self.workspace())
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env_remove("CARGO_BUILD_BUILD_DIR")
            .output()
            .expect("cargo runs");
        let printed = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "cargo build: {printed}");
        if printed.contains("Fresh fake") {
            "Fresh"
        } else if printed.contains("Compiling fake") {
            "Compiling"
        } else {
            panic!("cargo said nothing of the crate: {printed}")
        }
    }

    /// The workspace as a clone leaves it: no target/, every file new.
    fn clone_again(&self) {
        fs::remove_dir_all(self.workspace().join("target")).expect("target/ goes");
        self.set_times(std::time::SystemTime::now());
    }

    /// Every file's time `now`: a clone made then.
    fn set_times(&self, now: std::time::SystemTime) {
        for file in [
            "Cargo.toml",
            "Cargo.lock",
            "src/lib.rs",
            ".ci/cache",
            ".gitignore",
        ] {
            fs::File::options()
                .write(true)
                .open(self.workspace().join(file))
                .and_then(|file| file.set_modified(now))
                .expect("a file's time");
        }
    }
}

#[test]
fn a_clone_in_the_same_place_builds_only_what_changed() {
    let fixture = Fixture::new();
    assert_eq!(fixture.cargo_build(), "Compiling");
    fixture.ok(&["save", "green"], None);

    fixture.clone_again();
    let printed = fixture.ok(&["restore"], None);
    assert_eq!(fixture.cargo_build(), "Fresh", "{printed}");

    // A run that changes the crate and saves without building it: the entry
    // holds a build of the old file, and lists the new one.
    fs::write(fixture.workspace().join("src/lib.rs"), "pub fn new() {}\n").expect("a change");
    fixture.git(&["add", "."]);
    fixture.clone_again();
    fixture.ok(&["restore"], None);
    let printed = fixture.ok(&["save", "green"], None);
    assert!(
        printed.contains("saved"),
        "the new tree was not saved: {printed}"
    );
    fixture.clone_again();
    let printed = fixture.ok(&["restore"], None);
    assert_eq!(fixture.cargo_build(), "Compiling", "{printed}");
}

#[test]
fn a_clone_elsewhere_or_a_build_directory_in_use_builds_the_workspace_again() {
    let fixture = Fixture::new();
    assert_eq!(fixture.cargo_build(), "Compiling");
    fixture.ok(&["save", "green"], None);

    // Where the build is already, what the entry holds is copied over it:
    // older files would make it pass for fresh.
    let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
    fixture.set_times(long_ago);
    let printed = fixture.ok(&["restore"], None);
    assert!(printed.contains("held a build already"), "{printed}");
    assert_eq!(fixture.cargo_build(), "Compiling", "{printed}");

    // A crate holds its directory (`env!("CARGO_MANIFEST_DIR")`).
    let mut moved = fixture;
    let elsewhere = moved.dir.path().join("elsewhere");
    fs::rename(moved.workspace(), &elsewhere).expect("the workspace moves");
    moved.workspace = elsewhere;
    // A clone made before the entry's build: its files are older than it.
    fs::remove_dir_all(moved.workspace().join("target")).expect("target/ goes");
    moved.set_times(long_ago);
    let printed = moved.ok(&["restore"], None);
    assert!(
        printed.contains("the workspace is built again"),
        "{printed}"
    );
    assert_eq!(moved.cargo_build(), "Compiling", "{printed}");
}

/// A unit of an older lock, which no cargo of this tree reads.
const STALE_FINGERPRINT: &str = "debug/.fingerprint/old-1111111111111111/lib-old";
const STALE_RLIB: &str = "debug/deps/libold-1111111111111111.rlib";

impl Fixture {
    /// The files of the only entry saved.
    fn entry_files(&self) -> PathBuf {
        let saved = self.saved();
        assert_eq!(saved.len(), 1, "{saved:?}");
        saved[0].join("files")
    }
}

#[test]
fn a_green_save_keeps_only_the_units_cargo_read_and_a_red_one_all() {
    let fixture = Fixture::new();
    assert_eq!(fixture.cargo_build(), "Compiling");
    let target = fixture.workspace().join("target");
    for stale in [STALE_FINGERPRINT, STALE_RLIB] {
        let path = target.join(stale);
        fs::create_dir_all(path.parent().expect("a parent")).expect("its directory");
        fs::write(path, "an older lock's").expect("the file");
    }
    fixture.ok(&["save", "green"], None);
    assert!(fixture.entry_files().join(STALE_RLIB).exists());

    // A new tree, so that the next save is one.
    fs::write(fixture.workspace().join("src/lib.rs"), "pub fn new() {}\n").expect("a change");
    fixture.git(&["add", "."]);
    fixture.clone_again();
    fixture.ok(&["restore"], None);
    assert_eq!(fixture.cargo_build(), "Compiling");
    // A red run stopped before the steps that would have read more.
    fixture.ok(&["save", "red"], None);
    assert!(fixture.entry_files().join(STALE_RLIB).exists());

    // A green run of the same tree replaces it, without what it did not read.
    fixture.clone_again();
    let printed = fixture.ok(&["restore"], None);
    assert_eq!(fixture.cargo_build(), "Fresh", "{printed}");
    let printed = fixture.ok(&["save", "green"], None);
    assert!(printed.contains("saved"), "{printed}");
    let files = fixture.entry_files();
    assert!(!files.join(STALE_RLIB).exists(), "{printed}");
    assert!(
        !files
            .join(STALE_FINGERPRINT)
            .parent()
            .expect("its unit")
            .exists(),
        "{printed}"
    );
    fixture.clone_again();
    let printed = fixture.ok(&["restore"], None);
    assert_eq!(fixture.cargo_build(), "Fresh", "{printed}");
}
