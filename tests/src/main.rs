//! A section binary built on the runner, whose examples pass, print
//! something else, fail, panic, hang, and hang while a process they started
//! holds their output. The tests drive it through `CARGO_BIN_EXE_fixture-section`
//! to exercise the runner's and xtask's real failure paths.

mod fails;
mod hangs;
mod hangs_with_a_child;
mod ok;
mod panics;
mod prints_base_url;
mod prints_other;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(ok),
        example!(prints_other),
        example!(fails),
        example!(panics),
        example!(hangs),
        example!(hangs_with_a_child),
        example!(prints_base_url, base_url),
    ]
    .run()
}
