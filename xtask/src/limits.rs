//! How long the tools wait: the defaults of every `--timeout`, named once
//! for the commands, their help and the golden harness under `cargo test`.

use std::time::Duration;

/// One example's run, by default: `check-all`, `bless`, `new` and the
/// golden harness; and the run that records an
/// example's timeline for its page in the book. The slowest example takes a
/// few seconds on the real clock; a minute is a hang.
pub const EXAMPLE: Duration = Duration::from_secs(60);

/// One asyncio twin's run, by default: Python starts slower, and a twin
/// has no paused clock.
pub const TWIN: Duration = Duration::from_secs(120);

/// One lesson of the bridge, by default (`cargo xtask bridge`): the
/// slowest takes about 3 s.
pub const LESSON: Duration = Duration::from_secs(60);

/// Making the bridge's virtualenv and installing maturin into it, and
/// building the extension: minutes on a cold, busy machine; an hour is a
/// hang.
pub const BRIDGE_SETUP: Duration = Duration::from_secs(3600);

/// One example's cancel sweep, by default. A sweep runs the example many
/// times: on two cores the slowest takes about 25 s, its blocking jobs
/// waiting out real time.
pub const SWEEP: Duration = Duration::from_secs(300);

/// How long an HTTP example may wait on a server that never answers before
/// `check-all --stall` calls it hung (its `--timeout`): every wait of its
/// own must be shorter.
pub const STALL: Duration = Duration::from_secs(30);

/// The longest `--timeout` accepted: the runner's own limit
/// ([`MAX_SECONDS`](protocol::MAX_SECONDS), a day), so that every
/// timeout xtask takes is one the runner can honour with a dump.
pub const MAX_TIMEOUT: Duration = protocol::MAX_SECONDS;
