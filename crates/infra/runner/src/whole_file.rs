//! A file a run writes whole at its end (`--timeline-file`, `--trace`), so
//! that a run stopped early (`--timeout`, Ctrl-C) or a full disk leaves the
//! file as it was, never half-written; and what such a path may really be.

use std::fs::{self, File, Metadata};
use std::io::{self, Write as _};
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

pub(crate) struct WholeFile {
    destination: Destination,
    /// What it holds, for messages: "timeline", "trace".
    pub(crate) what: &'static str,
}

/// Where a path the flags name leads.
enum Destination {
    /// This process's stdout or stderr (`/dev/stdout`, `/dev/fd/2`, or a
    /// link to them): written through the stream, after what the run
    /// printed there. Opening the path anew would start at its beginning,
    /// over that output, when the stream is a plain file.
    Stream(Stream),
    /// A plain file, new or not (a link to nothing yet leads to a new
    /// one), from the root with its links resolved: written to a temporary
    /// file beside it, then renamed over it. The links that lead to it stay
    /// links, and it keeps its mode.
    Replaced(PathBuf),
    /// Anything else (a pipe, a FIFO, a terminal): opened only to be
    /// written, in place. Opening a FIFO early would wait for a reader, or
    /// end the reader's input.
    InPlace(PathBuf),
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    /// Whether `metadata` is that of the file this stream writes to.
    fn is(self, metadata: &Metadata) -> bool {
        let fd = match self {
            Stream::Stdout => io::stdout().as_fd().try_clone_to_owned(),
            Stream::Stderr => io::stderr().as_fd().try_clone_to_owned(),
        };
        // A closed stream is no file.
        let Ok(stream) = fd.map(File::from).and_then(|file| file.metadata()) else {
            return false;
        };
        stream.dev() == metadata.dev() && stream.ino() == metadata.ino()
    }

    fn write_all(self, contents: &[u8]) -> io::Result<()> {
        match self {
            Stream::Stdout => {
                let mut stdout = io::stdout().lock();
                stdout.write_all(contents)?;
                stdout.flush()
            }
            Stream::Stderr => io::stderr().lock().write_all(contents),
        }
    }
}

impl WholeFile {
    /// The file at `path`, seen to be writable where it can be without
    /// writing it: a plain file's directory takes a temporary file.
    pub(crate) fn new(path: &Path, what: &'static str) -> io::Result<Self> {
        let destination = Destination::of(path)?;
        if let Destination::Replaced(path) = &destination {
            drop(Temporary::beside(path)?);
        }
        Ok(WholeFile { destination, what })
    }

    pub(crate) fn write(&self, contents: &[u8]) -> io::Result<()> {
        match &self.destination {
            Destination::Stream(stream) => stream.write_all(contents),
            Destination::InPlace(path) => fs::write(path, contents),
            Destination::Replaced(path) => {
                // Dropped on an error, the temporary file is removed.
                let mut temporary = Temporary::beside(path)?;
                temporary.file.write_all(contents)?;
                // The file it replaces keeps its mode (not its owner,
                // which only root may give away).
                if let Ok(replaced) = fs::metadata(path) {
                    temporary.file.set_permissions(replaced.permissions())?;
                }
                temporary.file.sync_all()?;
                fs::rename(&temporary.path, path)?;
                temporary.renamed = true;
                Ok(())
            }
        }
    }
}

/// `--dump-file`'s file, written as each dump is taken, so opened before the
/// run (a FIFO waits here for a reader, within `--timeout`): where `path` is
/// this process's stdout or stderr, a second handle on the stream, which
/// writes after what the run printed there, as the stream does.
pub(crate) fn dump_file(path: &Path) -> io::Result<File> {
    match Destination::of(path)? {
        Destination::Stream(Stream::Stdout) => {
            Ok(io::stdout().as_fd().try_clone_to_owned()?.into())
        }
        Destination::Stream(Stream::Stderr) => {
            Ok(io::stderr().as_fd().try_clone_to_owned()?.into())
        }
        Destination::Replaced(path) | Destination::InPlace(path) => File::create(path),
    }
}

/// Whether `a` and `b` lead to one plain file (through links, `..` and
/// linked directories, or as the same new file), which a write of one
/// would replace.
pub(crate) fn one_plain_file(a: &Path, b: &Path) -> bool {
    match (Destination::of(a), Destination::of(b)) {
        (Ok(Destination::Replaced(a)), Ok(Destination::Replaced(b))) => a == b,
        _ => false,
    }
}

/// As many links in a row as Linux follows.
const MAX_LINKS: usize = 40;

impl Destination {
    fn of(path: &Path) -> io::Result<Self> {
        Self::through(path, 0)
    }

    /// Where `path` leads, `links` links followed so far.
    fn through(path: &Path, links: usize) -> io::Result<Self> {
        // Through links, as a write would go.
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                // A link to nothing yet: the file a write would make where
                // it points.
                if let Ok(target) = fs::read_link(path)
                    && links < MAX_LINKS
                {
                    let dir = path.parent().unwrap_or(Path::new(""));
                    return Self::through(&dir.join(target), links + 1);
                }
                return Ok(Destination::Replaced(new_file(path)));
            }
            Err(error) => return Err(error),
        };
        for stream in [Stream::Stdout, Stream::Stderr] {
            if stream.is(&metadata) {
                return Ok(Destination::Stream(stream));
            }
        }
        if metadata.is_file() {
            // A program (this one, say, given as `--trace target/debug/x`)
            // is never what a flag meant to replace.
            if metadata.mode() & 0o111 != 0 {
                let why = "it is a program (executable), not a file a run writes";
                return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
            }
            return Ok(Destination::Replaced(fs::canonicalize(path)?));
        }
        if metadata.is_dir() {
            return Err(rustix::io::Errno::ISDIR.into());
        }
        Ok(Destination::InPlace(path.to_owned()))
    }
}

/// `path`, a file that does not exist yet, from the root, its directory's
/// links and `..` resolved; as written if that directory does not exist
/// either (making the temporary file beside it says so).
fn new_file(path: &Path) -> PathBuf {
    let Some(name) = path.file_name() else {
        return path.to_owned();
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    match fs::canonicalize(dir) {
        Ok(dir) => dir.join(name),
        Err(_) => path.to_owned(),
    }
}

/// A new file in another's directory, removed when dropped unless renamed.
struct Temporary {
    file: File,
    path: PathBuf,
    renamed: bool,
}

impl Temporary {
    /// `.<pid>.<n>.tmp` in `path`'s directory: a dot file, so that a
    /// directory's listing passes it by, and a short name, whatever the
    /// length of `path`'s. Its mode is what `File::create` gives a new
    /// file (0o666 less the umask).
    fn beside(path: &Path) -> io::Result<Self> {
        static MADE: AtomicU32 = AtomicU32::new(0);
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let name = format!(".{}.{n}.tmp", std::process::id());
        let path = path.with_file_name(name);
        let file = File::options().write(true).create_new(true).open(&path)?;
        Ok(Temporary {
            file,
            path,
            renamed: false,
        })
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This test's own binary, or any executable, is refused, not replaced.
    #[test]
    fn a_program_is_not_replaced() {
        let this = std::env::current_exe().unwrap();
        let refused = WholeFile::new(&this, "trace").err().unwrap();
        assert_eq!(refused.kind(), io::ErrorKind::InvalidInput, "{refused}");
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("script");
        fs::write(&script, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        assert!(WholeFile::new(&script, "trace").is_err());
        assert_eq!(fs::read_to_string(&script).unwrap(), "#!/bin/sh\n");
    }

    #[test]
    fn a_link_to_a_plain_file_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let (real, link) = (dir.path().join("real.json"), dir.path().join("link.json"));
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        WholeFile::new(&link, "trace")
            .unwrap()
            .write(b"new")
            .unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn a_plain_file_is_replaced_and_nothing_is_left_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.txt");
        fs::write(&path, "old").unwrap();
        let file = WholeFile::new(&path, "timeline").unwrap();
        file.write(b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_replaced_file_keeps_its_mode_and_a_dangling_link_stays_a_link() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("private.json");
        fs::write(&private, "old").unwrap();
        fs::set_permissions(&private, fs::Permissions::from_mode(0o600)).unwrap();
        WholeFile::new(&private, "trace")
            .unwrap()
            .write(b"new")
            .unwrap();
        let mode = fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let (target, link) = (dir.path().join("later.json"), dir.path().join("link.json"));
        std::os::unix::fs::symlink(&target, &link).unwrap();
        WholeFile::new(&link, "trace").unwrap().write(b"x").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "x");
    }

    #[test]
    fn a_long_name_needs_no_longer_temporary_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t".repeat(250));
        WholeFile::new(&path, "trace").unwrap().write(b"x").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "x");
    }

    #[test]
    fn only_a_plain_file_is_one_that_two_outputs_must_not_share() {
        let dir = tempfile::tempdir().unwrap();
        let (real, link) = (dir.path().join("real.json"), dir.path().join("link.json"));
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(one_plain_file(&real, &link));
        let new = dir.path().join("new.txt");
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        assert!(one_plain_file(&new, &sub.join("..").join("new.txt")));
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(&new, &dangling).unwrap();
        assert!(one_plain_file(&dangling, &new));
        assert!(!one_plain_file(&new, &real));
        let null = Path::new("/dev/null");
        assert!(!one_plain_file(null, null));
    }

    #[test]
    fn a_fifo_is_not_opened_until_it_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        // With no reader, opening it to write would wait for one.
        let file = WholeFile::new(&fifo, "trace").unwrap();
        assert!(matches!(file.destination, Destination::InPlace(_)));
    }
}
