//! Sends a request to its server and gives up after two seconds without an
//! answer, with an error.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub async fn run(base_url: &str) -> std::io::Result<()> {
    let address = base_url.trim_start_matches("http://");
    let mut server = tokio::net::TcpStream::connect(address).await?;
    server
        .write_all(b"GET /get HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(2), server.read_to_end(&mut answer))
        .await
        .map_err(|_| std::io::Error::other("no answer within 2 s"))??;
    println!("{} bytes", answer.len());
    Ok(())
}
