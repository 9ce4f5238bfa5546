mod as_completed;
mod cancel_safety;
mod first_completed;
mod gather;
mod gather_vs_as_completed;
mod race;
mod select_loop;
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
        example!(select_loop),
        example!(cancel_safety),
        example!(shield),
        example!(task_group),
    ]
    .run()
}
