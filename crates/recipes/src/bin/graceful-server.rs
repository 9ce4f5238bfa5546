//! The graceful_shutdown recipe's server on its own, for a real Ctrl-C:
//!
//! ```sh
//! cargo run -p recipes --bin graceful-server -- --port 7000
//! nc 127.0.0.1 7000        # in another terminal; type 3000 for 3 s of work
//! ```
//!
//! The recipe's `main`, with the workspace's handling of a closed stdout.

// `main` is the export's; `main_with` is this one's.
#[allow(dead_code)]
#[path = "../graceful_shutdown.rs"]
mod graceful_shutdown;

fn main() -> std::process::ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    graceful_shutdown::main_with(closed_stdout::parse())
}
