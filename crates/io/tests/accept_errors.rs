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
/// A bound on every wait, so that a broken server fails the test rather
/// than hang it; never what decides a pass.
const PATIENCE: Duration = Duration::from_secs(30);

fn logged_a_failed_accept() -> bool {
    let logged = LOGGED.lock().unwrap_or_else(PoisonError::into_inner);
    logged.iter().any(|line| line.contains("accept failed"))
}

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
    // The server runs on this thread whenever this task waits: look until
    // it has logged a failed accept (or stopped), each look a turn for it.
    let waited = tokio::time::timeout(PATIENCE, async {
        while !server.is_finished() && !logged_a_failed_accept() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        !server.is_finished(),
        "the server stopped at the failed accept: {:?}",
        server.await
    );
    assert!(
        waited.is_ok(),
        "no accept failed within {PATIENCE:?}, so the test proves nothing; the server \
         logged {:?}",
        LOGGED.lock().unwrap_or_else(PoisonError::into_inner)
    );

    drop(filler);
    setrlimit(Resource::Nofile, limit).expect("the limit back");
    let mut client = BufReader::new(client);
    client.write_all(b"hello\n").await.expect("a line goes out");
    let mut reply = String::new();
    tokio::time::timeout(PATIENCE, client.read_line(&mut reply))
        .await
        .expect("a reply")
        .expect("a reply");
    assert_eq!(reply, "HELLO\n");
    drop(client);
    shutdown.cancel();
    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("the server stops after its shutdown")
        .expect("the server task ends")
        .expect("the server ends without an error");
}
