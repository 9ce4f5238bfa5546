//! A spawned task that borrows a local variable.
//!
//! A task may outlive the function that spawned it, so `tokio::spawn`
//! requires a `'static` future: one that owns everything it uses. Borrowing
//! `names` from `main`'s stack would leave the task with a dangling
//! reference once `main` returns. The fix: `async move` with owned data
//! (clone it, or share it through an `Arc`), or don't spawn: `join!` and
//! `join_all` run futures concurrently inside the current task and may borrow.

#[tokio::main]
async fn main() {
    let names = vec![String::from("a"), String::from("b")];
    let task = tokio::spawn(async {
        println!("{}", names.len());
    });
    task.await.unwrap();
}
