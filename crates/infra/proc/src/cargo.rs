//! Guards the tools' builds: each finds fresh what `cargo build` built, and
//! names the binaries it made.
//!
//! Cargo builds, read through cargo's JSON messages: where each binary is
//! (whatever the target directory or `--target`), and each compiler error
//! by the target it belongs to.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use cargo_metadata::diagnostic::DiagnosticLevel;
use cargo_metadata::{Message, TargetKind};

pub use cargo_metadata::diagnostic::{Diagnostic, DiagnosticSpanLine};

use crate::group::spawn;

/// The cargo that runs this tool (`$CARGO`), if there is one, so that a
/// toolchain override carries through; else `cargo` from `PATH`.
pub fn program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// A `cargo` command, without the variables cargo sets for the crates and
/// programs it runs.
///
/// A tool run by `cargo run` or `cargo test` inherits `CARGO_MANIFEST_DIR`,
/// `CARGO_PKG_NAME`, `OUT_DIR` and the like, naming *its* package. Build
/// scripts that ask to be rerun when such a variable changes (ring's does)
/// see it as a change from the last build, which ran without it or from
/// another package: the script reruns, and everything above it (rustls,
/// reqwest, and every section that makes a request) is compiled again.
/// Without them a build started here is the build a terminal starts, and
/// finds the same artifacts fresh.
pub fn command() -> Command {
    let mut command = Command::new(program());
    leave_out_crate_variables(&mut command);
    command
}

/// Leaves out of `command`'s environment the variables cargo set for the
/// crate that runs this tool (see [`command`]): for a program that runs
/// cargo itself, such as maturin.
pub fn leave_out_crate_variables(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_set_by_cargo_for_a_crate) {
            command.env_remove(name);
        }
    }
}

/// Whether cargo sets the variable `name` for a crate, a build script or a
/// program it runs, rather than reading it (`CARGO` itself, the path of
/// cargo, is kept: [`program`] runs it).
fn is_set_by_cargo_for_a_crate(name: &str) -> bool {
    const NAMES: [&str; 9] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    const PREFIXES: [&str; 4] = [
        "CARGO_PKG_",
        "CARGO_BIN_EXE_",
        "CARGO_CFG_",
        "CARGO_FEATURE_",
    ];
    NAMES.contains(&name) || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

/// What a cargo build left.
#[derive(Debug, Default)]
pub struct Build {
    pub status: ExitStatus,
    /// Each binary target built, by name.
    pub binaries: BTreeMap<String, PathBuf>,
    /// The compiler's errors, rendered, by the name of the target they are in.
    pub errors: BTreeMap<String, Vec<String>>,
    /// The compiler's warnings, the same way.
    pub warnings: BTreeMap<String, Vec<String>>,
    /// Each warning that names its lint (rustc's `unused_must_use`,
    /// clippy's `clippy::let_underscore_future`), whole, the same way: for
    /// a caller that reads the lint and its spans.
    pub lints: BTreeMap<String, Vec<Diagnostic>>,
    /// Cargo's stderr, if the caller piped it.
    pub stderr: String,
}

impl Build {
    pub fn success(&self) -> bool {
        self.status.success()
    }
}

/// Runs `cargo`, a cargo command whose arguments include
/// `--message-format=json` (or one of its `json-*` forms), and reads what
/// it built. Stdin is closed; stdout carries the messages; stderr is the
/// caller's to pipe ([`Build::stderr`]) or not.
///
/// With `keep`, each binary is hard-linked into that directory (copied
/// where it can't be linked) as soon as cargo reports it, and
/// [`Build::binaries`] names those links. Cargo puts a binary at the same
/// path (`target/debug/<name>`) whatever the features it was built with,
/// and replaces it there when another build of the same target directory
/// (another feature set, run meanwhile) builds it again; the link is the
/// binary this build made for as long as the caller keeps it. Each is
/// linked as its message is read: cargo reports a binary while it still
/// holds the target directory's lock, and a build that starts after it
/// would have to compile the binary again before it could replace it.
pub fn build(mut cargo: Command, keep: Option<&Path>) -> io::Result<Build> {
    cargo.stdin(Stdio::null()).stdout(Stdio::piped());
    let mut group = spawn(cargo)
        .map_err(|error| io::Error::new(error.kind(), format!("cannot run cargo: {error}")))?;
    let stderr = group.take_stderr().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    });
    let mut build = Build::default();
    if let Some(stdout) = group.take_stdout() {
        for message in Message::parse_stream(BufReader::new(stdout)) {
            match message? {
                Message::CompilerArtifact(artifact) => {
                    let Some(executable) = artifact.executable else {
                        continue;
                    };
                    let executable = executable.into_std_path_buf();
                    if !artifact.profile.test && artifact.target.is_kind(TargetKind::Bin) {
                        let executable = match keep {
                            Some(keep) => kept(&executable, keep)?,
                            None => executable,
                        };
                        build.binaries.insert(artifact.target.name, executable);
                    }
                }
                Message::CompilerMessage(message) => {
                    let (target, diagnostic) = (message.target.name, message.message);
                    let found = match diagnostic.level {
                        DiagnosticLevel::Error => &mut build.errors,
                        DiagnosticLevel::Warning => &mut build.warnings,
                        _ => continue,
                    };
                    let rendered = diagnostic.rendered.clone();
                    let rendered = rendered.unwrap_or_else(|| diagnostic.message.clone());
                    found.entry(target.clone()).or_default().push(rendered);
                    if diagnostic.level == DiagnosticLevel::Warning && diagnostic.code.is_some() {
                        build.lints.entry(target).or_default().push(diagnostic);
                    }
                }
                _ => {}
            }
        }
    }
    build.status = group.wait()?;
    if let Some(stderr) = stderr {
        build.stderr = stderr.join().unwrap_or_default();
    }
    Ok(build)
}

/// `executable` hard-linked (or copied) into `keep`, under its own name.
fn kept(executable: &Path, keep: &Path) -> io::Result<PathBuf> {
    let name = executable.file_name().ok_or_else(|| {
        io::Error::other(format!(
            "cargo reported {} as a binary",
            executable.display()
        ))
    })?;
    let link = keep.join(name);
    // A build into the same directory before this one.
    match std::fs::remove_file(&link) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    if std::fs::hard_link(executable, &link).is_err() {
        std::fs::copy(executable, &link).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!(
                    "cannot keep {} in {}: {error}",
                    executable.display(),
                    keep.display()
                ),
            )
        })?;
    }
    Ok(link)
}

#[cfg(test)]
mod tests {
    /// Another build replaces cargo's binary at its path: the kept one is
    /// still this build's.
    #[test]
    fn a_kept_binary_outlives_the_next_build_of_the_same_path() {
        let target = tempfile::tempdir().expect("a temporary directory");
        let keep = tempfile::tempdir_in(target.path()).expect("a temporary directory");
        let binary = target.path().join("hello_sleep");
        std::fs::write(&binary, "built with --features shipped").expect("written");
        let kept = super::kept(&binary, keep.path()).expect("kept");
        // As cargo replaces an uplifted binary: a new file at the path.
        std::fs::remove_file(&binary).expect("removed");
        std::fs::write(&binary, "built by cargo test").expect("written");
        assert_eq!(
            std::fs::read_to_string(&kept).expect("read"),
            "built with --features shipped"
        );
        // Kept again by a later build into the same directory.
        let again = super::kept(&binary, keep.path()).expect("kept again");
        assert_eq!(
            std::fs::read_to_string(again).expect("read"),
            "built by cargo test"
        );
    }

    /// `cargo test` runs this with the variables cargo sets for proc's own
    /// tests: the command must not pass them on.
    #[test]
    fn a_cargo_command_leaves_out_what_cargo_set_for_this_crate() {
        let command = super::command();
        let removed: Vec<String> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        for name in ["CARGO_MANIFEST_DIR", "CARGO_PKG_NAME"] {
            assert!(removed.contains(&name.to_owned()), "{name}: {removed:?}");
        }
        assert!(!removed.contains(&"CARGO".to_owned()), "{removed:?}");
    }
}
