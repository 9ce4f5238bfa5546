//! Guards the files the tools write (golden files, the book's pages): none
//! is ever seen half-written.
//!
//! Rewriting a file so that it is never seen half-written: the new text goes
//! to a temporary file in the same directory, which is then renamed over
//! the old one. A write that fails halfway (a full disk, a killed process)
//! leaves the old file as it was, where `fs::write`, which truncates first,
//! would leave it cut short.

use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

/// Writes `contents` to `path` atomically, creating its directory if need
/// be. A file it replaces keeps its permissions; a new one is `rw-r--r--`.
pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let permissions = match fs::metadata(path) {
        Ok(metadata) => metadata.permissions(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => fs::Permissions::from_mode(0o644),
        Err(error) => return Err(error),
    };
    // A dot file, so that nothing that lists the directory (golden files,
    // the book's pages) mistakes a leftover for one of its own.
    let mut file = tempfile::Builder::new().prefix(".").tempfile_in(dir)?;
    file.write_all(contents.as_ref())?;
    file.as_file().set_permissions(permissions)?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Copies `from` to `to` as [`write()`] writes.
pub fn copy(from: &Path, to: &Path) -> io::Result<()> {
    write(to, fs::read(from)?)
}

/// Copies every file under the directory `from` to where it stands under
/// `to`, as [`copy()`] copies, but for what a `target/` directory holds (a
/// build's output, which no copy for a reader takes).
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), crate::Error> {
    let entries = walkdir::WalkDir::new(from)
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || entry.file_name() != "target");
    for entry in entries {
        let entry = entry?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(from)?;
        copy(entry.path(), &to.join(relative))
            .map_err(|e| format!("cannot copy {}: {e}", entry.path().display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Set for the re-run of this test executable that writes and dies.
    const DRIVER: &str = "XTASK_FILES_DRIVER";

    /// Writes a megabyte over the file named by [`DRIVER`], under a file size
    /// limit of one block, so the write fails (SIGXFSZ kills it) halfway.
    #[test]
    #[ignore = "run by `a_write_that_fails_halfway_leaves_the_old_file`"]
    fn driver() {
        if let Some(path) = std::env::var_os(DRIVER) {
            let _ = write(Path::new(&path), vec![b'x'; 1 << 20]);
        }
    }

    #[test]
    fn a_write_that_fails_halfway_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("golden.stdout");
        fs::write(&path, "the old text\n").unwrap();
        let status = Command::new("sh")
            .arg("-c")
            .arg("ulimit -f 1; exec \"$0\" --exact files::tests::driver --ignored --quiet")
            .arg(std::env::current_exe().unwrap())
            .env(DRIVER, &path)
            .status()
            .unwrap();
        assert!(!status.success(), "the write did not fail: {status:?}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "the old text\n");
    }

    /// A tree is copied whole, its dot files too, but for a `target/`
    /// directory below it.
    #[test]
    fn a_tree_is_copied_but_for_its_builds() {
        let from = tempfile::tempdir().unwrap();
        let from = from.path().join("target");
        for file in [
            ".gitignore",
            "src/lib.rs",
            "target/debug/junk",
            "src/target/x",
        ] {
            write(&from.join(file), file).unwrap();
        }
        let to = tempfile::tempdir().unwrap();
        copy_tree(&from, to.path()).unwrap();
        assert_eq!(
            fs::read_to_string(to.path().join("src/lib.rs")).unwrap(),
            "src/lib.rs"
        );
        assert!(to.path().join(".gitignore").is_file());
        assert!(!to.path().join("target").exists() && !to.path().join("src/target").exists());
    }

    #[test]
    fn a_file_is_replaced_with_its_permissions_and_a_new_one_is_readable() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.txt");
        fs::write(&old, "old").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o600)).unwrap();
        write(&old, "new").unwrap();
        assert_eq!(fs::read_to_string(&old).unwrap(), "new");
        assert_eq!(
            fs::metadata(&old).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let new = dir.path().join("sub/new.txt");
        write(&new, "fresh").unwrap();
        assert_eq!(fs::read_to_string(&new).unwrap(), "fresh");
        assert_eq!(
            fs::metadata(&new).unwrap().permissions().mode() & 0o777,
            0o644
        );
        // Nothing left beside them.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
