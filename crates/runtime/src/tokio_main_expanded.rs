//! What `#[tokio::main]` expands to: build a runtime, then `block_on` the
//! async body.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Event Loop" (`asyncio.run(hello())`, the
//!   preferred method)
//!
//! `asyncio.run(main())` creates an event loop, runs `main` on it until it
//! returns, and closes the loop. `#[tokio::main]` is a macro that writes the
//! same three steps into a plain `fn main`:
//!
//! ```ignore
//! #[tokio::main]
//! async fn main() {
//!     hello().await;
//! }
//!
//! // expands to, give or take the error message:
//! fn main() {
//!     tokio::runtime::Builder::new_multi_thread()
//!         .enable_all()
//!         .build()
//!         .expect("Failed building the Runtime")
//!         .block_on(async {
//!             hello().await;
//!         })
//! }
//! ```
//!
//! `#[tokio::main(flavor = "current_thread")]` swaps in
//! `Builder::new_current_thread()`: one thread, like asyncio's loop.
//! `enable_all()` turns on the I/O and timer drivers; without the timer
//! driver, `tokio::time::sleep` panics, where asyncio always has timers.
//!
//! Closing is dropping. When `block_on` returns, the runtime goes out of
//! scope and every task still running on it is cancelled at its next
//! `.await`, as `asyncio.run` cancels the tasks `main` left behind. The
//! example builds both flavors by hand, which is why it is synchronous: it
//! must not itself run inside a runtime. Its sleeps take real time and are
//! shortened to a tenth of a second.

use std::io;
use std::time::Duration;

use tokio::runtime::Builder;

async fn hello() {
    println!("Hello");
    tokio::time::sleep(Duration::from_millis(100)).await;
    println!("World");
}

/// Prints when it is dropped, to show when the runtime cancels a task.
struct Announce(&'static str);

impl Drop for Announce {
    fn drop(&mut self) {
        println!("{}", self.0);
    }
}

/// `#[tokio::main]`, written out.
fn main_multi_thread() -> io::Result<()> {
    Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            hello().await;
        });
    Ok(())
}

/// `#[tokio::main(flavor = "current_thread")]`, written out, with a task
/// left running when the body returns.
fn main_current_thread() -> io::Result<()> {
    let runtime = Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        tokio::spawn(async {
            let _announce = Announce("Left-over task cancelled when the runtime was dropped");
            tokio::time::sleep(Duration::from_secs(60)).await;
            println!("Left-over task finished (never printed)");
        });
        hello().await;
    });
    println!("block_on returned");
    drop(runtime);
    Ok(())
}

pub fn run() -> io::Result<()> {
    println!("#[tokio::main]:");
    main_multi_thread()?;
    println!();
    println!("#[tokio::main(flavor = \"current_thread\")]:");
    main_current_thread()
}
