//! Prints goodbye, where its golden file says hello.

pub async fn run() {
    println!("goodbye");
}
