//! line_codec's accept loop goes on serving after an accept fails: here it
//! fails the usual way, with the process out of file descriptors (EMFILE).
//!
//! `harness = false` (see Cargo.toml): the test uses up every descriptor its
//! process may open, so nothing else may run beside it.

// Its own test module comes along, without the harness that would run it.
#[allow(dead_code, unused_imports)]
#[path = "../src/line_codec.rs"]
mod line_codec;

use std::fs::File;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the server logged.
static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn main() -> std::process::ExitCode {
    let arguments = libtest_mimic::Arguments::from_args();
    let test = libtest_mimic::Trial::test("a_failed_accept_does_not_stop_the_server", || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(a_failed_accept_does_not_stop_the_server());
        Ok(())
    });
    libtest_mimic::run(&arguments, vec![test]).exit_code()
}

async fn a_failed_accept_does_not_stop_the_server() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("its address");
    let shutdown = tokio_util::sync::CancellationToken::new();
    // Kept, not printed: the failed accepts are expected, and on the
    // terminal of `cargo test` they would read as a failure.
    let server = tokio::spawn(line_codec::serve(listener, shutdown.clone(), |line| {
        LOGGED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }));

    // A low limit, so that using it all up takes a few hundred files.
    let limit = getrlimit(Resource::Nofile);
    let low = limit.current.map_or(256, |current| current.min(256));
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(low),
            maximum: limit.maximum,
        },
    )
    .expect("a lower limit of open files");
    let mut filler = Vec::new();
    while let Ok(file) = File::open("/dev/null") {
        filler.push(file);
    }
    // One descriptor left: the client's socket takes it, and the connection
    // waits in the listener's backlog for an accept that has none to use.
    filler.pop();
    let client = TcpStream::connect(address).await.expect("a connection");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !server.is_finished(),
        "the server stopped at the failed accept: {:?}",
        server.await
    );
    let logged = LOGGED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    assert!(
        logged.iter().any(|line| line.contains("accept failed")),
        "no accept failed, so the test proves nothing; the server logged {logged:?}"
    );

    drop(filler);
    setrlimit(Resource::Nofile, limit).expect("the limit back");
    let mut client = BufReader::new(client);
    client.write_all(b"hello\n").await.expect("a line goes out");
    let mut reply = String::new();
    tokio::time::timeout(Duration::from_secs(10), client.read_line(&mut reply))
        .await
        .expect("a reply within 10 s")
        .expect("a reply");
    assert_eq!(reply, "HELLO\n");
    drop(client);
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops within 10 s of its shutdown")
        .expect("the server task ends")
        .expect("the server ends without an error");
}
