//! Exercise: cancel_cleanup
//!
//! A query holds a connection, and the caller gives up after one second.
//! Cancelling a future drops it at the `.await` where it waits, so the code
//! after that `.await`, including `close()`, never runs and the connection
//! leaks. Move the cleanup into `Drop`, which runs however the future ends:
//!
//! ```text
//! 0.0s connection opened
//! 1.0s connection closed
//! 1.0s query: gave up after 1s
//! ```
//!
//! The example that shows how: `cargo run -p context-managers -- cleanup_on_cancel`.

use std::time::Duration;

use tokio::time::{sleep, timeout};

struct Connection;

impl Connection {
    fn open() -> Connection {
        println!("connection opened");
        Connection
    }

    // TODO: closing must happen even when the query is cancelled: turn this
    // into `impl Drop for Connection`.
    fn close(self) {
        println!("connection closed");
    }
}

async fn query() -> u32 {
    let connection = Connection::open();
    sleep(Duration::from_secs(5)).await;
    connection.close();
    7
}

pub async fn run() {
    match timeout(Duration::from_secs(1), query()).await {
        Ok(rows) => println!("query: {rows} rows"),
        Err(_elapsed) => println!("query: gave up after 1s"),
    }
}
