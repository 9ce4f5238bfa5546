// The `src/main.rs` of each export, which `cargo xtask export` writes beside
// the example (xtask/src/export.rs): a part for each way it calls the
// example, as the example's signatures ask. A part starts at its `part:`
// line; `{{name}}` is the example's name, `{{section}}` its section's.
// `cargo xtask export --check-all` builds every export.

// part: program
//! Runs `{{name}}`, the example of async-rust-by-example's `{{section}}` section: `cargo run -- --help`.

mod {{name}};

fn main() -> std::process::ExitCode {
    {{name}}::main()
}

// part: sync
//! Runs `{{name}}`, the example of async-rust-by-example's `{{section}}` section.

mod {{name}};

// `run` builds its own Tokio runtime.
fn main() {
    {{name}}::run();
}

// part: sync-result
//! Runs `{{name}}`, the example of async-rust-by-example's `{{section}}` section.

mod {{name}};

use std::process::{ExitCode, Termination};

// `run` builds its own Tokio runtime.
fn main() -> ExitCode {
    // As if `main` returned it: an `Err` is printed, and the exit code is 1.
    {{name}}::run().report()
}

// part: current-thread
//! Runs `{{name}}`, the example of async-rust-by-example's `{{section}}` section.

mod {{name}};

// One thread, like asyncio's event loop: the output the workspace checks is
// this runtime's.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    {{name}}::run().await;
}

// part: current-thread-result
//! Runs `{{name}}`, the example of async-rust-by-example's `{{section}}` section.

mod {{name}};

use std::process::{ExitCode, Termination};

// One thread, like asyncio's event loop: the output the workspace checks is
// this runtime's.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // As if `main` returned it: an `Err` is printed, and the exit code is 1.
    {{name}}::run().await.report()
}

// part: current-thread-with-url
//! Runs `{{name}}`, the example of async-rust-by-example's `{{section}}` section.

mod {{name}};

use std::process::{ExitCode, Termination};

// One thread, like asyncio's event loop: the output the workspace checks is
// this runtime's.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(base_url) = std::env::args().nth(1) else {
        eprintln!("usage: cargo run -- BASE_URL (an httpbin, such as http://127.0.0.1:8080)");
        return ExitCode::from(2);
    };
    let base_url = base_url.trim_end_matches('/').to_owned();
    // As if `main` returned it: an `Err` is printed, and the exit code is 1.
    {{name}}::run(&base_url).await.report()
}
