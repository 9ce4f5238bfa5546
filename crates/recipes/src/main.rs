mod blocking_work;
mod concurrent_requests;
mod dump_stuck_tasks;
mod fetch_urls;
mod first_error_cancels;
// Its `main`, the server as a program, is graceful-server's and its export's.
#[allow(dead_code)]
mod graceful_shutdown;
mod periodic_job;
mod producer_consumer;
mod rate_limited_client;
mod single_flight_cache;
mod subprocess_timeout;
mod tcp_server;
mod worker_pool;

use runner::example;
use runner::signals::{SIGINT, SIGTERM, SIGUSR1};

fn main() -> std::process::ExitCode {
    runner::section![
        example!(fetch_urls, base_url),
        example!(concurrent_requests, base_url),
        example!(producer_consumer),
        example!(periodic_job),
        example!(blocking_work),
        example!(first_error_cancels),
        example!(rate_limited_client, base_url),
        example!(tcp_server),
        example!(worker_pool),
        example!(single_flight_cache),
        example!(subprocess_timeout),
        example!(dump_stuck_tasks).catches(&[SIGUSR1]),
        example!(graceful_shutdown).catches(&[SIGINT, SIGTERM]),
    ]
    .run()
}
