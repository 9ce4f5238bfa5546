mod async_functions;
mod async_traits;
mod awaitables;
mod awaiting_coroutines;
mod event_loop_timeline;
mod forgetting_await;
mod gather_results;
mod hello_world;
mod lazy_futures;
mod sequential_vs_concurrent;
mod spawn_tasks;
mod sync_vs_async;
mod task_callbacks;
mod task_inspection;
mod task_results;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(hello_world),
        example!(sync_vs_async),
        example!(awaiting_coroutines),
        example!(async_functions),
        example!(lazy_futures),
        example!(forgetting_await),
        // Those that detach when cancelled teach `tokio::spawn` and its plain
        // `JoinHandle`, as the Tokio tutorial does: a `run` cancelled while
        // awaiting a handle leaves the task running, as each one says.
        example!(awaitables).detaches_when_cancelled(),
        example!(spawn_tasks).detaches_when_cancelled(),
        example!(task_results).detaches_when_cancelled(),
        example!(task_inspection).detaches_when_cancelled(),
        example!(gather_results),
        example!(event_loop_timeline),
        example!(sequential_vs_concurrent).detaches_when_cancelled(),
        example!(async_traits),
        example!(task_callbacks),
    ]
    .run()
}
