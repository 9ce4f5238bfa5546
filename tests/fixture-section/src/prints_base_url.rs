//! Prints the base URL it was given: an HTTP example that makes no request.

pub async fn run(base_url: &str) {
    println!("base url: {base_url}");
}
