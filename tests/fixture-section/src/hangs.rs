//! Prints a line, then never finishes.

pub async fn run() {
    println!("started");
    std::future::pending::<()>().await;
}
