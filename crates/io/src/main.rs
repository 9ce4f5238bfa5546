mod chat_server;
mod echo_server;
mod line_codec;
mod signals;
mod subprocess;

use runner::example;
use runner::signals::{SIGHUP, SIGTERM};

fn main() -> std::process::ExitCode {
    runner::section![
        example!(echo_server),
        example!(line_codec),
        example!(chat_server),
        example!(subprocess),
        example!(signals).catches(&[SIGHUP, SIGTERM]),
    ]
    .run()
}
