mod background_runtime;
mod blocking_executor;
mod cpu_bound_work;
mod cpu_pool;
mod leaf_future;
mod local_set;
mod running_loop_handle;
mod runtime_builder;
mod runtime_shutdown;
mod scheduled_callbacks;
mod task_local_context;
mod tokio_main_expanded;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(tokio_main_expanded, sync),
        example!(runtime_builder, sync),
        example!(running_loop_handle),
        example!(scheduled_callbacks),
        example!(background_runtime, sync),
        example!(blocking_executor),
        example!(cpu_bound_work),
        example!(cpu_pool),
        example!(local_set),
        example!(task_local_context),
        example!(leaf_future),
        example!(runtime_shutdown, sync),
    ]
    .run()
}
