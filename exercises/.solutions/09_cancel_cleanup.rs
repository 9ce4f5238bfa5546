use std::time::Duration;

use tokio::time::{sleep, timeout};

struct Connection;

impl Connection {
    fn open() -> Connection {
        println!("connection opened");
        Connection
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        println!("connection closed");
    }
}

async fn query() -> u32 {
    let _connection = Connection::open();
    sleep(Duration::from_secs(5)).await;
    7
}

pub async fn run() {
    match timeout(Duration::from_secs(1), query()).await {
        Ok(rows) => println!("query: {rows} rows"),
        Err(_elapsed) => println!("query: gave up after 1s"),
    }
}
