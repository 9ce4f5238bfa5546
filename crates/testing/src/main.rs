mod calculator;
mod fake_dependency;
mod http_client;
mod mock_io;
mod network_faults;
mod paused_clock_io;
mod paused_time;
mod stream_tests;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(calculator),
        example!(fake_dependency),
        example!(paused_time),
        example!(stream_tests),
        example!(mock_io),
        example!(paused_clock_io, sync),
        example!(network_faults, sync),
        example!(http_client, base_url),
    ]
    .run()
}
