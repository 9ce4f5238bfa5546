mod as_completed;
mod cancel_safety;
mod first_completed;
mod gather;
mod gather_vs_as_completed;
mod race;
mod select_loop;
mod select_macro;
mod shield;
mod task_group;
mod wait_all;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(gather),
        example!(wait_all),
        example!(as_completed),
        example!(gather_vs_as_completed),
        example!(first_completed),
        example!(race),
        example!(select_macro),
        example!(select_loop),
        example!(cancel_safety),
        // Its lesson: a spawned task runs on when its awaiter stops waiting.
        example!(shield).detaches_when_cancelled(),
        example!(task_group),
    ]
    .run()
}
