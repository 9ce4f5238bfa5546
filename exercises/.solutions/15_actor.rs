use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::sleep;

struct Deposit {
    amount: u32,
    reply: oneshot::Sender<u32>,
}

async fn account(mut inbox: mpsc::Receiver<Deposit>) -> u32 {
    let mut balance = 0;
    while let Some(Deposit { amount, reply }) = inbox.recv().await {
        sleep(Duration::from_millis(100)).await;
        balance += amount;
        // The caller may have given up waiting; the deposit stands anyway.
        let _ = reply.send(balance);
    }
    balance
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
