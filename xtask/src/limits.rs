//! How long the tools wait for an example, where a flag doesn't say.

use std::time::Duration;

/// One example's run.
pub const EXAMPLE: Duration = Duration::from_secs(60);
/// An HTTP example against a server that never answers: its own time limits
/// must end it well before this.
pub const STALL: Duration = Duration::from_secs(30);
