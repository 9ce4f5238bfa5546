mod batch_inserts;
mod bounded_concurrency;
mod dos_and_donts;
mod drop_and_weak;
mod fire_and_forget;
mod profile_futures;
mod reuse_http_client;
mod sequential_concurrent_batched;
mod tracing_spans;

use std::process::ExitCode;

use runner::example;

fn main() -> ExitCode {
    // reqwest is built without a default TLS provider; this picks rustls' ring.
    // It only fails if a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    runner::Section::new(
        "performance",
        &[
            example!(sequential_concurrent_batched),
            example!(bounded_concurrency),
            example!(dos_and_donts),
            example!(fire_and_forget),
            example!(batch_inserts),
            example!(reuse_http_client, base_url),
            example!(profile_futures),
            example!(tracing_spans),
            example!(drop_and_weak),
        ],
    )
    .local_server(|| Box::pin(httpbin::spawn()))
    .run()
}
