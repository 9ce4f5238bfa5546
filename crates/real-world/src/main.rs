mod api_handler;
mod api_server;
mod background_services;
mod fetch_many;
mod fetch_with_timeout;
mod file_io;
mod file_processor;
mod http_errors;
mod scrape_pages;
mod simple_server;
mod sqlite_pool;
mod sqlite_wrapper;
mod sync_vs_async_http;
mod web_scraper;

use runner::example;
use runner::signals::SIGINT;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(fetch_many, base_url),
        example!(fetch_with_timeout, base_url),
        example!(http_errors, base_url),
        example!(sync_vs_async_http, base_url),
        example!(scrape_pages, base_url),
        example!(web_scraper, base_url),
        example!(sqlite_wrapper),
        example!(sqlite_pool),
        // A cancelled `tokio::fs` call runs on to its end, and the task that
        // holds the temporary directory for it with it.
        example!(file_io).detaches_when_cancelled(),
        example!(file_processor),
        example!(api_handler),
        // Graceful shutdown is its lesson: the background jobs finish after the
        // server stops, a cancelled `run` included.
        example!(api_server).detaches_when_cancelled(),
        example!(simple_server),
        example!(background_services).catches(&[SIGINT]),
    ]
    .run()
}
