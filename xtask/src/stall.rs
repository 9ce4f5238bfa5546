//! Guards every HTTP example's time limits: a server that accepts every
//! connection and never answers, the peer that `cargo xtask check-all
//! --stall` points every HTTP example at. An example
//! that has no time limit on its requests waits for it for ever.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// Accepts on `127.0.0.1:<free port>` and holds each connection open,
/// reading nothing and writing nothing, until dropped.
pub struct StallServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StallServer {
    pub fn start() -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let address = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let stop = Arc::clone(&stop);
            move || {
                let mut held = Vec::new();
                for connection in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    // A failed accept (out of descriptors) loses one
                    // connection; its client sees a reset, not a stall.
                    if let Ok(connection) = connection {
                        held.push(connection);
                    }
                }
            }
        });
        Ok(StallServer {
            address,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for StallServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        if TcpStream::connect(self.address).is_ok()
            && let Some(thread) = self.thread.take()
        {
            let _ = thread.join();
        }
    }
}
