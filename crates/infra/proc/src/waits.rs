//! Guards against a test that concludes a server will not do something
//! (read, accept) from its having not done it yet: what the server's thread
//! and its sockets show, read from Linux's `/proc`.
//!
//! A thread that sleeps, and has not run, from before input for it was seen
//! waiting to after, was not woken by it: whatever it waits for, it is not
//! that input. [`Schedule`] tells whether a thread slept and ran,
//! [`tcp_sockets`] what waits unread in each socket, and [`leaves_unread`]
//! puts the two together.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

/// Whether thread `tid` of process `pid`, a server's, leaves what `client`
/// sent to `server` unread: the bytes wait on the server's side of the
/// connection (accepted or not) while the thread sleeps, and does not run,
/// for a short pause. Had the thread waited for them, their coming would
/// have woken it; so it waits for something else (room to write, a place
/// for one more client). `false` may only mean "not yet": ask again.
pub fn leaves_unread(pid: u32, tid: u32, server: SocketAddrV4, client: SocketAddrV4) -> bool {
    /// Time for a wakeup on its way when the bytes were first seen.
    const PAUSE: Duration = Duration::from_millis(10);
    let unread = || {
        let sockets = tcp_sockets();
        let connection = sockets
            .iter()
            .find(|s| s.local == server && s.remote == client);
        connection.is_some_and(|s| s.unread > 0)
    };
    if !unread() {
        return false;
    }
    let Some(before) = schedule(pid, tid) else {
        return false;
    };
    std::thread::sleep(PAUSE);
    let still = unread();
    before.sleeping && still && schedule(pid, tid) == Some(before)
}

/// A thread's scheduling, from `/proc/<pid>/task/<tid>/status`. Two read
/// apart that are equal and sleeping say that it slept throughout: it was
/// not woken, or it would have run (and been switched off its CPU again) or
/// be runnable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Waiting for something to wake it (`S`), not runnable.
    pub sleeping: bool,
    /// How often it has left its CPU, of its own accord or not.
    pub switches: u64,
}

/// Thread `tid` of process `pid` (a process's first thread has its pid for
/// id) now, or `None` once it is gone.
pub fn schedule(pid: u32, tid: u32) -> Option<Schedule> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).ok()?;
    let field = |name: &str| {
        let mut lines = status.lines();
        lines
            .find_map(|line| line.strip_prefix(name))
            .map(str::trim)
    };
    let count = |name: &str| field(name)?.parse::<u64>().ok();
    Some(Schedule {
        sleeping: field("State:")?.starts_with('S'),
        switches: count("voluntary_ctxt_switches:")? + count("nonvoluntary_ctxt_switches:")?,
    })
}

/// The id of the thread that calls it.
pub fn this_thread() -> Option<u32> {
    // `<pid>/task/<tid>`
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// A TCP socket over IPv4, from `/proc/net/tcp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpSocket {
    pub local: SocketAddrV4,
    /// `0.0.0.0:0` for a listening socket.
    pub remote: SocketAddrV4,
    /// The bytes that came in and that its owner has not read; for a
    /// listening socket, the connections it has not accepted.
    pub unread: u32,
}

/// Every TCP socket over IPv4 now, a connection not yet accepted among
/// them.
pub fn tcp_sockets() -> Vec<TcpSocket> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    // `sl local_address rem_address st tx_queue:rx_queue ...`, after a header.
    let socket = |line: &str| {
        let mut fields = line.split_whitespace().skip(1);
        let local = address(fields.next()?)?;
        let remote = address(fields.next()?)?;
        let (_unsent, unread) = fields.nth(1)?.split_once(':')?;
        let unread = u32::from_str_radix(unread, 16).ok()?;
        Some(TcpSocket {
            local,
            remote,
            unread,
        })
    };
    table.lines().skip(1).filter_map(socket).collect()
}

/// `0100007F:1F90`: the address the way the kernel keeps it, in network
/// order, printed as a number of this machine's byte order; then the port.
fn address(field: &str) -> Option<SocketAddrV4> {
    let (ip, port) = field.split_once(':')?;
    let ip = u32::from_str_radix(ip, 16).ok()?.to_ne_bytes();
    let port = u16::from_str_radix(port, 16).ok()?;
    Some(SocketAddrV4::new(Ipv4Addr::from(ip), port))
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::time::Duration;

    use super::*;

    fn v4(address: SocketAddr) -> SocketAddrV4 {
        match address {
            SocketAddr::V4(address) => address,
            SocketAddr::V6(address) => panic!("not IPv4: {address}"),
        }
    }

    /// A connection not accepted, with bytes sent on it: the listening
    /// socket holds one connection, and the connection's server side the
    /// bytes, unread.
    #[test]
    fn a_connection_not_accepted_and_its_bytes_are_listed() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client.write_all(b"hello").unwrap();
        let server = v4(listener.local_addr().unwrap());
        let client = v4(client.local_addr().unwrap());
        let sockets = tcp_sockets();
        let listening = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0);
        let find = |remote| {
            sockets
                .iter()
                .find(|s| s.local == server && s.remote == remote)
        };
        assert_eq!(find(listening).map(|s| s.unread), Some(1), "{sockets:?}");
        assert_eq!(find(client).map(|s| s.unread), Some(5), "{sockets:?}");
    }

    /// A server whose thread waits on a channel leaves a client's bytes
    /// unread; one that runs, or has read them, or has none, does not.
    #[test]
    fn a_server_that_waits_for_something_else_leaves_bytes_unread() {
        use std::sync::atomic::{AtomicBool, Ordering};
        static SPIN: AtomicBool = AtomicBool::new(true);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = v4(listener.local_addr().unwrap());
        let (send, receive) = std::sync::mpsc::channel::<()>();
        let (answer, answered) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            answer.send(this_thread().unwrap()).unwrap();
            let (mut accepted, _peer) = listener.accept().unwrap();
            answer.send(0).unwrap();
            while SPIN.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
            receive.recv().unwrap();
            let mut read = [0; 5];
            std::io::Read::read_exact(&mut accepted, &mut read).unwrap();
            answer.send(0).unwrap();
            receive.recv().unwrap();
        });
        let tid = answered.recv().unwrap();
        let pid = std::process::id();
        let mut socket = TcpStream::connect(server).unwrap();
        let client = v4(socket.local_addr().unwrap());
        answered.recv().unwrap();
        let leaves = || leaves_unread(pid, tid, server, client);
        assert!(!leaves(), "nothing sent");
        socket.write_all(b"hello").unwrap();
        assert!(!(0..20).any(|_| leaves()), "seen to sleep while it ran");
        SPIN.store(false, Ordering::Relaxed);
        assert!(
            (0..1000).any(|_| leaves()),
            "never seen to leave them unread"
        );
        send.send(()).unwrap();
        answered.recv().unwrap();
        assert!(!leaves(), "read");
        send.send(()).unwrap();
        thread.join().unwrap();
    }

    /// A thread that waits on a channel sleeps and does not run until
    /// something is sent; once it has run, it is not the same even when it
    /// sleeps again. One that reads its own state runs.
    #[test]
    fn a_waiting_thread_sleeps_until_woken() {
        let (send, receive) = std::sync::mpsc::channel::<()>();
        let (answer, answered) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            answer.send(this_thread().unwrap()).unwrap();
            for () in receive {
                answer.send(0).unwrap();
            }
        });
        let tid = answered.recv().unwrap();
        let pid = std::process::id();
        let asleep = || loop {
            let now = schedule(pid, tid).unwrap();
            if now.sleeping {
                return now;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let before = asleep();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(schedule(pid, tid), Some(before));
        send.send(()).unwrap();
        answered.recv().unwrap();
        let after = asleep();
        assert!(after.switches > before.switches, "{before:?} {after:?}");
        drop(send);
        thread.join().unwrap();
        let this = schedule(pid, this_thread().unwrap()).unwrap();
        assert!(!this.sleeping, "the thread that reads its own state runs");
    }
}
