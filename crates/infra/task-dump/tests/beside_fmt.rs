//! The tracker as one layer of a program's `Registry`, beside a layer of its
//! own (here `fmt`, writing to a buffer): the dump still names who holds
//! each lock, and the other layer still gets its events. Its own binary, so
//! that this registry is the process's global subscriber from the start
//! (tracing-core decides once per place in the code who hears it).
#![cfg(all(tokio_unstable, target_os = "linux", target_arch = "x86_64"))]

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use task_dump::{Files, Own, Taken, TaskDumps, Tracker};
use tokio::sync::Barrier;
use tracing_subscriber::layer::SubscriberExt as _;

/// Where the `fmt` layer writes.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Takes `first`, waits until the other task has taken its own, then
/// `second`: with the other task doing the same the other way round, a
/// deadlock whatever the order they run in.
async fn lock_both(
    first: Arc<tokio::sync::Mutex<u32>>,
    second: Arc<tokio::sync::Mutex<u32>>,
    both_hold: Arc<Barrier>,
) {
    let _held = first.lock().await;
    tracing::info!("took the first lock");
    both_hold.wait().await;
    let _both = second.lock().await;
}

#[test]
fn a_dump_beside_a_fmt_layer_names_the_holders() {
    let tracker = Tracker::default();
    let logs = Buffer::default();
    let writer = logs.clone();
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(move || writer.clone())
        .with_ansi(false);
    let registry = tracing_subscriber::registry()
        .with(fmt)
        .with(tracker.layer());
    tracing::subscriber::set_global_default(registry).expect("no subscriber set before");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async {
        let (a, b) = (
            Arc::new(tokio::sync::Mutex::new(0)),
            Arc::new(tokio::sync::Mutex::new(0)),
        );
        let both_hold = Arc::new(Barrier::new(2));
        let one = tokio::spawn(lock_both(a.clone(), b.clone(), both_hold.clone()));
        let two = tokio::spawn(lock_both(b, a, both_hold));
        let mut main = std::pin::pin!(tracker.main(async move {
            let _ = tokio::join!(one, two);
        }));
        // `main` waits for the two tasks, which deadlock.
        let stuck = tokio::time::timeout(std::time::Duration::ZERO, main.as_mut());
        assert!(stuck.await.is_err());
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        let own = Own {
            files: Files::One("tests/beside_fmt.rs"),
            module: "beside_fmt",
        };
        let Taken::Dump(dump) = TaskDumps::new(tracker.clone(), own)
            .dump(main.as_mut())
            .await
        else {
            panic!("main ended while it was traced");
        };
        task_dump::report(&dump, None).render(&task_dump::names_label)
    });
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert_eq!(logs.matches("took the first lock").count(), 2, "{logs}");
    for said in [
        "holds the Mutex made at beside_fmt.rs:",
        "waits for the Mutex made at beside_fmt.rs:",
        "held by task ",
        "Deadlock: ",
    ] {
        assert!(report.contains(said), "no {said:?} in\n{report}");
    }
}
