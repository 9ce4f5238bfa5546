mod custom_errors;
mod errors_as_completed;
mod gather_errors;
mod retry_and_timing;
mod task_panics;
mod timeouts;
mod try_except_finally;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(try_except_finally),
        // Its lesson includes a task that a timeout leaves running, detached.
        example!(timeouts).detaches_when_cancelled(),
        example!(gather_errors),
        example!(errors_as_completed),
        example!(custom_errors),
        example!(retry_and_timing),
        example!(task_panics),
    ]
    .run()
}
