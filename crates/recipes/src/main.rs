mod concurrent_requests;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![example!(concurrent_requests, base_url),].run()
}
