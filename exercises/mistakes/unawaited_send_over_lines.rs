//! A learner's `bounded_channel` whose orders carry a note, with `send` not
//! awaited: rustfmt puts the call over four lines, and rustc's warning
//! quotes them all. The checker must suggest the call whole, awaited, on one
//! line (`verify`).

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::sleep;

pub async fn run() {
    let (orders, mut queue) = mpsc::channel(2);
    let kitchen = tokio::spawn(async move {
        while let Some((order, _note)) = queue.recv().await {
            sleep(Duration::from_secs(1)).await;
            println!("cooked order {order}");
        }
    });
    for order in 1..=5 {
        orders.send((
            order,
            format!("order {order}: no onions, extra basil, and the sauce on the side"),
        ));
        println!("sent order {order}");
    }
    drop(orders);
    kitchen.await.expect("the kitchen panicked");
}
