use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::sleep;

pub async fn run() {
    let (orders, mut queue) = mpsc::channel(2);
    let kitchen = tokio::spawn(async move {
        while let Some(order) = queue.recv().await {
            sleep(Duration::from_secs(1)).await;
            println!("cooked order {order}");
        }
    });
    for order in 1..=5 {
        orders.send(order).await.expect("the kitchen closed");
        println!("sent order {order}");
    }
    drop(orders);
    kitchen.await.expect("the kitchen panicked");
}
