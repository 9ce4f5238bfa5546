//! Prints a line, then panics.

pub async fn run() {
    println!("partial");
    panic!("the fixture panics on purpose");
}
