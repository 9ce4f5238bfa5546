//! Exercise: actor
//!
//! A bank account lives in its own task (an actor) and is changed only by
//! messages. Each `Deposit` carries a `oneshot` sender on which the actor
//! replies with the new balance. Write the actor's loop:
//!
//! ```text
//! 0.1s balance after deposit of 10: 10
//! 0.2s balance after deposit of 25: 35
//! 0.3s balance after deposit of 5: 40
//! 0.3s account closed with 40
//! ```
//!
//! Each deposit takes the account 100 ms (`sleep`) before it replies.
//!
//! The examples that show how: `cargo run -p patterns -- producer_consumer`
//! (the inbox) and `cargo run -p runtime -- running_loop_handle` (a reply
//! on a `oneshot`).

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::sleep;

struct Deposit {
    amount: u32,
    reply: oneshot::Sender<u32>,
}

async fn account(mut inbox: mpsc::Receiver<Deposit>) -> u32 {
    let mut balance = 0;
    // TODO: for each message: wait 100 ms, add the amount, and send the new
    // balance back on `reply`. When every sender is gone, `recv` returns
    // `None`: return the balance.
    todo!()
}

pub async fn run() {
    let (sender, inbox) = mpsc::channel(8);
    let account = tokio::spawn(account(inbox));
    for amount in [10, 25, 5] {
        let (reply, balance) = oneshot::channel();
        sender
            .send(Deposit { amount, reply })
            .await
            .expect("the account is open");
        let balance = balance.await.expect("the account replies");
        println!("balance after deposit of {amount}: {balance}");
    }
    drop(sender);
    let closing = account.await.expect("the account panicked");
    println!("account closed with {closing}");
}
