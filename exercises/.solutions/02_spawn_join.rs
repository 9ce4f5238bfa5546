use std::time::Duration;

use tokio::time::sleep;

async fn brew(drink: &'static str, time: Duration) -> &'static str {
    sleep(time).await;
    println!("{drink} ready");
    drink
}

pub async fn run() {
    let coffee = tokio::spawn(brew("coffee", Duration::from_secs(3)));
    let tea = tokio::spawn(brew("tea", Duration::from_secs(2)));
    let coffee = coffee.await.expect("the coffee task panicked");
    let tea = tea.await.expect("the tea task panicked");
    println!("served {coffee} and {tea}");
}
