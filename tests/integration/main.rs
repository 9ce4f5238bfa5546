//! Guards the workspace end to end, as one test binary: the runner's and
//! xtask's command lines and failure paths, the servers under hostile
//! clients, the HTTP examples under hostile servers, Ctrl-C (to the tools
//! and to `.ci/run`), closed and full stdouts, and CI's dependency cache.
//!
//! One binary rather than one per file: cargo runs test binaries one after
//! another, and most of these tests wait (for a timeout, a server, a
//! child's exit) rather than compute, so in one binary they wait side by
//! side, and the binary is linked once.

mod ci_cache;
mod ci_run;
mod closed_stdout;
mod cmd;
mod full_stdout;
mod hostile_servers;
mod huge_bodies;
mod interrupt;
mod runner_cli;
mod support;
