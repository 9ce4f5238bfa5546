mod async_comprehensions;
mod async_counter;
mod async_generator;
mod fallible_generator;
mod next_method;
mod stream_batches;
mod stream_vs_spawn;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(async_counter),
        example!(next_method),
        example!(async_generator),
        example!(fallible_generator),
        example!(async_comprehensions),
        example!(stream_batches),
        // Its lesson includes the spawned jobs a dropped stream leaves running.
        example!(stream_vs_spawn).detaches_when_cancelled(),
    ]
    .run()
}
