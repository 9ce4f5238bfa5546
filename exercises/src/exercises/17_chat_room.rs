//! Exercise: chat_room
//!
//! A chat room in one process: every member receives every message sent
//! after they joined, as long as it keeps within the channel's capacity (a
//! member further behind gets `RecvError::Lagged`, with the number it
//! missed). A `tokio::sync::broadcast` channel is the room; each
//! member is a task with its own receiver from `room.subscribe()`:
//!
//! ```text
//! 0.1s ann sees: ann: hi
//! 0.15s bob sees: ann: hi
//! 0.3s ann sees: bob: hello ann
//! 0.35s bob sees: bob: hello ann
//! 0.6s ann sees: ann: bye
//! 0.65s bob sees: ann: bye
//! 0.65s room closed
//! ```
//!
//! Bob is on a slow line: he sees each message `lag` (50 ms) after it was
//! sent. (Two receivers woken by one `send` run in an order Tokio does not
//! document, hence the lag: it gives every line its own instant.)
//!
//! The example that shows how: `cargo run -p synchronization -- broadcast`.

use std::time::Duration;

use tokio::sync::broadcast;
use tokio::time::sleep;

async fn member(name: &'static str, lag: Duration, mut room: broadcast::Receiver<String>) {
    // TODO: for every message, wait `lag` (`sleep`), then print
    // `{name} sees: {message}`, until the room closes (`recv` returns
    // `Err(RecvError::Closed)`).
    todo!()
}

pub async fn run() {
    let (room, _) = broadcast::channel(16);
    let members = [
        tokio::spawn(member("ann", Duration::ZERO, room.subscribe())),
        tokio::spawn(member("bob", Duration::from_millis(50), room.subscribe())),
    ];
    for (after, message) in [(100, "ann: hi"), (200, "bob: hello ann"), (300, "ann: bye")] {
        sleep(Duration::from_millis(after)).await;
        room.send(message.to_owned()).expect("the room has members");
    }
    drop(room);
    for member in members {
        member.await.expect("a member panicked");
    }
    println!("room closed");
}
