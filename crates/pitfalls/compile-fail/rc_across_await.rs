//! An `Rc` held across `.await` in a spawned task.
//!
//! `Rc` counts its references without atomics, so two threads must never
//! touch the same count: `Rc` is not `Send`. A spawned task may move between
//! threads at any `.await`, so whatever it holds across one must be `Send`.
//! The fix: `Arc`, or keep the `Rc` on one thread with a `LocalSet` and
//! `spawn_local`.

use std::rc::Rc;
use std::time::Duration;

#[tokio::main]
async fn main() {
    tokio::spawn(async {
        let name = Rc::new(String::from("shared"));
        tokio::time::sleep(Duration::from_millis(10)).await;
        println!("{name}");
    });
}
