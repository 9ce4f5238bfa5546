mod barrier;
mod broadcast;
mod condition_queue;
mod event;
mod mutex;
mod priority_queue;
mod rwlock;
mod semaphore;
mod sharded_map;
mod watch_config;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(semaphore),
        example!(mutex),
        example!(sharded_map),
        example!(condition_queue),
        example!(event),
        example!(rwlock),
        example!(barrier),
        example!(broadcast),
        example!(watch_config),
        example!(priority_queue),
    ]
    .run()
}
