//! Starts a `sleep` that shares its stdout, prints the sleep's process id,
//! then never finishes: killing only this process would leave the `sleep`
//! running and the pipe open.

pub async fn run() -> std::io::Result<()> {
    let child = std::process::Command::new("sleep").arg("300").spawn()?;
    println!("{}", child.id());
    std::future::pending::<()>().await;
    Ok(())
}
