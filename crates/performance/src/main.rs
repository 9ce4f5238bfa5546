mod batch_inserts;
mod bounded_concurrency;
mod dos_and_donts;
mod drop_and_weak;
mod fire_and_forget;
mod profile_futures;
mod reuse_http_client;
mod sequential_concurrent_batched;
mod tracing_spans;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(sequential_concurrent_batched),
        example!(bounded_concurrency),
        example!(dos_and_donts),
        // Its lesson: work that outlives the request that started it.
        example!(fire_and_forget).detaches_when_cancelled(),
        example!(batch_inserts),
        example!(reuse_http_client, base_url),
        example!(profile_futures).counts_polls(),
        example!(tracing_spans),
        example!(drop_and_weak),
    ]
    .run()
}
