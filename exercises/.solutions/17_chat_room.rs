use std::time::Duration;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::sleep;

async fn member(name: &'static str, lag: Duration, mut room: broadcast::Receiver<String>) {
    loop {
        match room.recv().await {
            Ok(message) => {
                sleep(lag).await;
                println!("{name} sees: {message}");
            }
            Err(RecvError::Lagged(missed)) => println!("{name} missed {missed} messages"),
            Err(RecvError::Closed) => break,
        }
    }
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
