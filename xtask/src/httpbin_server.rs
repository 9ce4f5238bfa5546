//! The workspace's own httpbin, started once as a process for the checks
//! and the benchmark that need a server outside the program under test.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::Error;

/// A running `httpbin` binary on a free port of 127.0.0.1; dropping it
/// stops the server.
pub struct HttpbinServer {
    child: Child,
    /// Its base URL, such as `http://127.0.0.1:41234`.
    pub url: String,
}

impl HttpbinServer {
    /// Starts `binary` (the built `httpbin`) on port 0 and reads the URL it
    /// prints once it listens.
    pub fn start(binary: &Path) -> Result<Self, Error> {
        let mut child = Command::new(binary)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or("the server's stdout is not piped")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(url) = line.trim().strip_prefix("httpbin listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("unexpected first line from the server: {line:?}").into());
        };
        let url = url.to_owned();
        Ok(Self { child, url })
    }
}

impl Drop for HttpbinServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
