//! Shared by the test targets that drive the fixture section binary.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use xtask::workspace::{Profile, Section, Workspace};

/// The fixture section (`src/main.rs`): a section binary built on the
/// runner, whose examples fail in every way an example can. Its section name
/// is its package's, `tests`.
///
/// Built here as the tests build the sections (`tests::built_section`),
/// with the workspace's features, then run from a copy of its own. Any
/// cargo build, even one with nothing to do, links `target/debug`'s binaries
/// anew, and a process started from the old link then reads its path as
/// "(deleted)": its dump finds no debug info, and every frame was "a library
/// future" (a test that builds the sections ran beside one that dumps). The
/// copy is named by its contents and never replaced, for the same reason:
/// a runner that gives each test a process of its own (cargo-nextest) would
/// otherwise have one test's copy pulled from under another's run.
pub fn fixture_section() -> Section {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    let binary = BINARY.get_or_init(|| {
        let built = Workspace::locate()
            .build_binaries(&["tests".to_owned()], Profile::Dev)
            .unwrap_or_else(|error| panic!("cannot build the fixture section: {error}"))
            .remove("fixture-section")
            .expect("cargo built the fixture section");
        let bytes = std::fs::read(&built).expect("read the fixture section");
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&bytes, &mut hasher);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let copy = dir.join(format!(
            "fixture-section-{:016x}",
            std::hash::Hasher::finish(&hasher)
        ));
        if !copy.exists() {
            let partial = dir.join(format!("fixture-section.{}", std::process::id()));
            std::fs::copy(&built, &partial).expect("copy the fixture section");
            // A link fails where another test's process put the copy first:
            // theirs is the same file, and it stays.
            let _ = std::fs::hard_link(&partial, &copy);
            let _ = std::fs::remove_file(&partial);
        }
        remove_old_copies(dir, &copy);
        copy
    });
    Section {
        name: "tests".to_owned(),
        binary: binary.clone(),
    }
}

/// The copies of earlier builds, once no test can still be running one.
fn remove_old_copies(dir: &Path, current: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let old = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .is_ok_and(|modified| {
                modified.elapsed().unwrap_or_default() > Duration::from_secs(3600)
            });
        let name = entry.file_name();
        if old && path != current && name.to_string_lossy().starts_with("fixture-section") {
            let _ = std::fs::remove_file(path);
        }
    }
}
