//! Cargo builds, read through cargo's JSON messages: where each binary is
//! (whatever the target directory or `--target`), and each compiler error
//! by the target it belongs to.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, BufReader, Read as _};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};

use cargo_metadata::diagnostic::DiagnosticLevel;
use cargo_metadata::{Message, TargetKind};

use crate::group::spawn;

/// The cargo that runs this tool (`$CARGO`), if there is one, so that a
/// toolchain override carries through; else `cargo` from `PATH`.
pub fn program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// A `cargo` command.
pub fn command() -> Command {
    Command::new(program())
}

/// Where cargo's own messages (and, with `json-render-diagnostics`, the
/// compiler's) go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stderr {
    /// To this process's stderr, for a person to read as the build goes.
    Inherit,
    /// Into [`Build::stderr`].
    Capture,
}

/// What a cargo build left.
#[derive(Debug)]
pub struct Build {
    pub status: ExitStatus,
    /// Each binary target built, by name.
    pub binaries: BTreeMap<String, PathBuf>,
    /// Each test executable built (`cargo test --no-run`), by target name.
    pub tests: BTreeMap<String, PathBuf>,
    /// The compiler's errors, rendered, by the name of the target they are in.
    pub errors: BTreeMap<String, Vec<String>>,
    /// The compiler's warnings, the same way.
    pub warnings: BTreeMap<String, Vec<String>>,
    /// Cargo's stderr, with [`Stderr::Capture`].
    pub stderr: String,
}

impl Build {
    pub fn success(&self) -> bool {
        self.status.success()
    }
}

/// Runs `cargo`, a cargo command whose arguments include
/// `--message-format=json` (or one of its `json-*` forms), and reads what
/// it built. Stdin is closed; stdout carries the messages.
pub fn build(mut cargo: Command, stderr: Stderr) -> io::Result<Build> {
    cargo.stdin(Stdio::null()).stdout(Stdio::piped());
    cargo.stderr(match stderr {
        Stderr::Inherit => Stdio::inherit(),
        Stderr::Capture => Stdio::piped(),
    });
    let mut group = spawn(cargo)
        .map_err(|error| io::Error::new(error.kind(), format!("cannot run cargo: {error}")))?;
    let stderr = group.take_stderr().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    });
    let mut build = Build {
        status: ExitStatus::default(),
        binaries: BTreeMap::new(),
        tests: BTreeMap::new(),
        errors: BTreeMap::new(),
        warnings: BTreeMap::new(),
        stderr: String::new(),
    };
    if let Some(stdout) = group.take_stdout() {
        for message in Message::parse_stream(BufReader::new(stdout)) {
            match message? {
                Message::CompilerArtifact(artifact) => {
                    let Some(executable) = artifact.executable else {
                        continue;
                    };
                    let executable = executable.into_std_path_buf();
                    if artifact.profile.test {
                        build.tests.insert(artifact.target.name, executable);
                    } else if artifact.target.is_kind(TargetKind::Bin) {
                        build.binaries.insert(artifact.target.name, executable);
                    }
                }
                Message::CompilerMessage(message) => {
                    let found = match message.message.level {
                        DiagnosticLevel::Error => &mut build.errors,
                        DiagnosticLevel::Warning => &mut build.warnings,
                        _ => continue,
                    };
                    let rendered = message.message.rendered.unwrap_or(message.message.message);
                    found.entry(message.target.name).or_default().push(rendered);
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
