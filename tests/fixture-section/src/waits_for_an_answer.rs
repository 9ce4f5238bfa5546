//! Sends a request to its server and waits for the answer with no time
//! limit: a server that never answers holds it for ever.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub async fn run(base_url: &str) -> std::io::Result<()> {
    let address = base_url.trim_start_matches("http://");
    let mut server = tokio::net::TcpStream::connect(address).await?;
    server
        .write_all(b"GET /get HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await?;
    println!("{} bytes", answer.len());
    Ok(())
}
