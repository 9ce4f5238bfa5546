use std::time::Duration;

struct Service {
    failures_left: u32,
}

impl Service {
    async fn ping(&mut self) -> Result<&'static str, &'static str> {
        if self.failures_left > 0 {
            self.failures_left -= 1;
            Err("service busy")
        } else {
            Ok("pong")
        }
    }
}

pub async fn run() {
    let mut service = Service { failures_left: 3 };
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=5 {
        match service.ping().await {
            Ok(answer) => {
                println!("attempt {attempt}: {answer}");
                return;
            }
            Err(error) => {
                println!("attempt {attempt} failed: {error}");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
    }
    println!("gave up");
}
