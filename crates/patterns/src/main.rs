mod bounded_queue;
mod circuit_breaker;
mod connection_pool;
mod event_emitter;
mod governor_rate_limiter;
mod load_shedding;
mod many_producers_consumers;
mod producer_consumer;
mod queue_join;
mod semaphore_rate_limiter;
mod sliding_window;
mod token_bucket;
mod ttl_cache;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(producer_consumer),
        example!(many_producers_consumers),
        example!(bounded_queue),
        example!(load_shedding),
        example!(queue_join),
        example!(event_emitter),
        example!(token_bucket),
        example!(sliding_window),
        example!(semaphore_rate_limiter),
        example!(governor_rate_limiter),
        example!(circuit_breaker),
        example!(ttl_cache),
        example!(connection_pool),
    ]
    .run()
}
