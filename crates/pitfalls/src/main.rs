mod blocking_the_runtime;
mod cancellation_cleanup;
mod deadlock;
mod forgotten_await;
mod futurelock;
mod lost_update;
mod nested_runtime;
mod std_mutex_in_join;
mod too_many_tasks;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(forgotten_await),
        example!(blocking_the_runtime),
        example!(nested_runtime, sync),
        // Its lesson: what an abort and a cancellation token each leave to run.
        example!(cancellation_cleanup).detaches_when_cancelled(),
        example!(too_many_tasks),
        example!(lost_update),
        example!(deadlock),
        example!(futurelock),
        example!(std_mutex_in_join, sync),
    ]
    .run()
}
