//! tcp_server's accept loop goes on serving, and stops when asked, with
//! the process out of file descriptors and its stderr a full pipe nobody
//! reads: what `serve` says goes to the `log` it is given, never to a
//! blocking write of its own. (With an `eprintln!` in the loop, the first
//! failed accept blocked the server's thread in the write: no client was
//! served, and the shutdown was never seen.)
//!
//! `harness = false` (see Cargo.toml): the test uses up every descriptor its
//! process may open and points the process's stderr at a pipe, so nothing
//! else may run beside it.

// Its own test module comes along, without the harness that would run it.
#[allow(dead_code, unused_imports)]
#[path = "../src/tcp_server.rs"]
mod tcp_server;

use std::fs::File;
use std::io::{self, Write as _};
use std::os::fd::AsFd as _;
use std::sync::mpsc;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// What the server logged.
static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// A bound on every wait, so that a stuck server fails the test rather
/// than hang it; never what decides a pass.
const PATIENCE: Duration = Duration::from_secs(30);

fn main() -> std::process::ExitCode {
    let arguments = libtest_mimic::Arguments::from_args();
    let name = "out_of_descriptors_with_stderr_full_it_serves_and_stops";
    let test = libtest_mimic::Trial::test(name, || {
        out_of_descriptors_with_stderr_full_it_serves_and_stops();
        Ok(())
    });
    libtest_mimic::run(&arguments, vec![test]).exit_code()
}

fn out_of_descriptors_with_stderr_full_it_serves_and_stops() {
    // The server on a thread and a runtime of its own, so that this one
    // keeps its time if the server's blocks.
    let (address_tx, address) = mpsc::channel();
    let (stopped_tx, stopped) = mpsc::channel();
    let shutdown = CancellationToken::new();
    let server_shutdown = shutdown.clone();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
            address_tx
                .send(listener.local_addr().expect("its address"))
                .expect("the test waits for it");
            tcp_server::serve(listener, server_shutdown, |line| {
                LOGGED
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(line);
            })
            .await;
        });
        let _ = stopped_tx.send(());
    });
    let address = address.recv().expect("the server's address");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // Nothing in here may panic: a panic's message would go to the full
    // pipe and block this thread too. Each step says what failed instead.
    let (stderr_back, client) = runtime.block_on(starve_with_stderr_full(address));
    let client = client.unwrap_or_else(|error| panic!("{error}"));
    stderr_back.unwrap_or_else(|error| panic!("stderr could not be put back: {error}"));

    runtime.block_on(async {
        let mut client = BufReader::new(client);
        client.write_all(b"hello\n").await.expect("a line goes out");
        let mut reply = String::new();
        tokio::time::timeout(PATIENCE, client.read_line(&mut reply))
            .await
            .expect("a reply: the server is stuck")
            .expect("a reply");
        assert_eq!(reply, "HELLO\n");
    });
    shutdown.cancel();
    stopped
        .recv_timeout(PATIENCE)
        .expect("the server stops after its shutdown");
    server.join().expect("the server's thread ends");
}

/// Points stderr at a full pipe and uses up every descriptor but one, which
/// a client's socket then takes, so that its connection waits in the
/// listener's backlog for an accept that has none to use; after a few
/// failed accepts, gives the descriptors and stderr back. Returns whether
/// stderr came back, and the client.
async fn starve_with_stderr_full(
    address: std::net::SocketAddr,
) -> (io::Result<()>, io::Result<TcpStream>) {
    let original = match io::stderr().as_fd().try_clone_to_owned() {
        Ok(original) => original,
        Err(error) => return (Ok(()), Err(error)),
    };
    let (output, input) = match io::pipe() {
        Ok(pipe) => pipe,
        Err(error) => return (Ok(()), Err(error)),
    };
    let client = async {
        fill(&input)?;
        rustix::stdio::dup2_stderr(&input)?;
        starve(address).await
    }
    .await;
    let back = rustix::stdio::dup2_stderr(&original).map_err(io::Error::from);
    // A server stuck in a write to the pipe stays stuck: the read end is
    // kept open, never read, until the process ends.
    std::mem::forget(output);
    drop(input);
    (back, client)
}

/// Writes into the pipe until it holds no more, then makes it block again.
fn fill(input: &io::PipeWriter) -> io::Result<()> {
    rustix::io::ioctl_fionbio(input, true)?;
    let mut input = input;
    for chunk in [&[b'x'; 4096][..], b"x"] {
        loop {
            match input.write(chunk) {
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) => return Err(error),
            }
        }
    }
    rustix::io::ioctl_fionbio(input, false)?;
    Ok(())
}

/// With every descriptor but one in use, connects, waits until the server
/// has logged two failed accepts (the second after its pause), then gives
/// the descriptors back. A server stuck in a write to stderr logs none:
/// that is an error, once `PATIENCE` is out.
async fn starve(address: std::net::SocketAddr) -> io::Result<TcpStream> {
    // A low limit, so that using it all up takes a few hundred files.
    let limit = getrlimit(Resource::Nofile);
    let low = limit.current.map_or(256, |current| current.min(256));
    let lowered = Rlimit {
        current: Some(low),
        maximum: limit.maximum,
    };
    setrlimit(Resource::Nofile, lowered)?;
    let mut filler = Vec::new();
    while let Ok(file) = File::open("/dev/null") {
        filler.push(file);
    }
    filler.pop();
    let client = TcpStream::connect(address).await;
    let failed_accepts = || {
        let logged = LOGGED.lock().unwrap_or_else(PoisonError::into_inner);
        let failed = logged.iter().filter(|line| line.contains("accept failed"));
        failed.count()
    };
    let waited = tokio::time::timeout(PATIENCE, async {
        while failed_accepts() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    drop(filler);
    setrlimit(Resource::Nofile, limit)?;
    if waited.is_err() {
        let logged = LOGGED.lock().unwrap_or_else(PoisonError::into_inner);
        return Err(io::Error::other(format!(
            "the server logged no two failed accepts within {PATIENCE:?}: stuck, or it never \
             tried; it logged {logged:?}"
        )));
    }
    client
}
