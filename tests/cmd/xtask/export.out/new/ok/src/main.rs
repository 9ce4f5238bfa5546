//! Runs `ok`, the example of async-rust-by-example's `fixture-section` section.

mod ok;

// One thread, like asyncio's event loop: the output the workspace checks is
// this runtime's.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    ok::run().await;
}
