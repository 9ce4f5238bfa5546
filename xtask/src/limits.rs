//! Guards the tools against an example that hangs or floods.
//!
//! How long the tools wait for an example, where a flag doesn't say, and
//! how much of its output they keep.

use std::time::Duration;

/// One example's run.
pub const EXAMPLE: Duration = Duration::from_secs(60);
/// An HTTP example against a server that never answers: its own time limits
/// must end it well before this.
pub const STALL: Duration = Duration::from_secs(30);

/// The most bytes of an example's (or a twin's, or a sweep's) stdout or
/// stderr a tool keeps: a run that writes more is killed and fails. A golden
/// file is a few kilobytes; without a limit, a runaway loop that prints
/// would grow the tool by as much as it can write before its timeout, in
/// every job at once.
pub const OUTPUT: usize = 16 << 20;
