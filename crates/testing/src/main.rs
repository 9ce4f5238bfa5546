mod calculator;
mod fake_dependency;
mod paused_time;
mod stream_tests;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::run_section(
        "testing",
        &[
            example!(calculator),
            example!(fake_dependency),
            example!(paused_time),
            example!(stream_tests),
        ],
    )
}
