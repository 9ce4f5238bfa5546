//! The exercises, one file each. Edit the files; the checker
//! (`cargo run -p exercises`) tells you which one is next.
//!
//! With the `solutions` feature (the CI check only) each module is compiled
//! from `exercises/solutions/` instead.

use std::future::Future;
use std::pin::Pin;

/// Starts one exercise.
pub type Run = fn() -> Pin<Box<dyn Future<Output = ()>>>;

macro_rules! track {
    ($($name:ident),* $(,)?) => {
        /// The exercise called `name`.
        pub fn exercise(name: &str) -> Option<Run> {
            match name {
                $(stringify!($name) => Some(|| Box::pin($name::run())),)*
                _ => None,
            }
        }
    };
}

track![
    hello_sleep,
    spawn_join,
    three_downloads,
    timeout,
    select_race,
    as_completed,
    bounded_channel,
    semaphore_limit,
    cancel_cleanup,
    stream_pipeline,
    retry_backoff,
    no_blocking,
    graceful_shutdown,
    shared_counter,
    actor,
    watch_config,
    chat_room,
    rate_limiter,
    ttl_cache,
    scraper,
    ticker,
    try_join,
    idle_timeout,
    connection_pool,
    abort_task,
    channel_close,
];

#[cfg_attr(not(feature = "solutions"), path = "01_hello_sleep.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/01_hello_sleep.rs")]
mod hello_sleep;

#[cfg_attr(not(feature = "solutions"), path = "02_spawn_join.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/02_spawn_join.rs")]
mod spawn_join;

#[cfg_attr(not(feature = "solutions"), path = "03_three_downloads.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/03_three_downloads.rs")]
mod three_downloads;

#[cfg_attr(not(feature = "solutions"), path = "04_timeout.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/04_timeout.rs")]
mod timeout;

#[cfg_attr(not(feature = "solutions"), path = "05_select_race.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/05_select_race.rs")]
mod select_race;

#[cfg_attr(not(feature = "solutions"), path = "06_as_completed.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/06_as_completed.rs")]
mod as_completed;

#[cfg_attr(not(feature = "solutions"), path = "07_bounded_channel.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/07_bounded_channel.rs")]
mod bounded_channel;

#[cfg_attr(not(feature = "solutions"), path = "08_semaphore_limit.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/08_semaphore_limit.rs")]
mod semaphore_limit;

#[cfg_attr(not(feature = "solutions"), path = "09_cancel_cleanup.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/09_cancel_cleanup.rs")]
mod cancel_cleanup;

#[cfg_attr(not(feature = "solutions"), path = "10_stream_pipeline.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/10_stream_pipeline.rs")]
mod stream_pipeline;

#[cfg_attr(not(feature = "solutions"), path = "11_retry_backoff.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/11_retry_backoff.rs")]
mod retry_backoff;

#[cfg_attr(not(feature = "solutions"), path = "12_no_blocking.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/12_no_blocking.rs")]
mod no_blocking;

#[cfg_attr(not(feature = "solutions"), path = "13_graceful_shutdown.rs")]
#[cfg_attr(
    feature = "solutions",
    path = "../../solutions/13_graceful_shutdown.rs"
)]
mod graceful_shutdown;

#[cfg_attr(not(feature = "solutions"), path = "14_shared_counter.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/14_shared_counter.rs")]
mod shared_counter;

#[cfg_attr(not(feature = "solutions"), path = "15_actor.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/15_actor.rs")]
mod actor;

#[cfg_attr(not(feature = "solutions"), path = "16_watch_config.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/16_watch_config.rs")]
mod watch_config;

#[cfg_attr(not(feature = "solutions"), path = "17_chat_room.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/17_chat_room.rs")]
mod chat_room;

#[cfg_attr(not(feature = "solutions"), path = "18_rate_limiter.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/18_rate_limiter.rs")]
mod rate_limiter;

#[cfg_attr(not(feature = "solutions"), path = "19_ttl_cache.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/19_ttl_cache.rs")]
mod ttl_cache;

#[cfg_attr(not(feature = "solutions"), path = "20_scraper.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/20_scraper.rs")]
mod scraper;

#[cfg_attr(not(feature = "solutions"), path = "21_ticker.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/21_ticker.rs")]
mod ticker;

#[cfg_attr(not(feature = "solutions"), path = "22_try_join.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/22_try_join.rs")]
mod try_join;

#[cfg_attr(not(feature = "solutions"), path = "23_idle_timeout.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/23_idle_timeout.rs")]
mod idle_timeout;

#[cfg_attr(not(feature = "solutions"), path = "24_connection_pool.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/24_connection_pool.rs")]
mod connection_pool;

#[cfg_attr(not(feature = "solutions"), path = "25_abort_task.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/25_abort_task.rs")]
mod abort_task;

#[cfg_attr(not(feature = "solutions"), path = "26_channel_close.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/26_channel_close.rs")]
mod channel_close;
