//! Prints hello.

pub async fn run() {
    println!("hello");
}
