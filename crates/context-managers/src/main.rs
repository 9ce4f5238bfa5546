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
        example!(cleanup_on_cancel),
        example!(async_pool),
        example!(connection_pool),
    ]
    .run()
}
