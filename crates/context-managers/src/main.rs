mod async_pool;
mod cleanup_on_cancel;
mod connection_pool;
mod exit_sees_error;
mod explicit_close;
mod raii_guard;
mod scoped_helper;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(raii_guard),
        example!(explicit_close),
        example!(scoped_helper),
        example!(exit_sees_error),
        // Its lesson: the async cleanup a cancellation starts runs after it.
        example!(cleanup_on_cancel).detaches_when_cancelled(),
        example!(async_pool),
        example!(connection_pool),
    ]
    .run()
}
