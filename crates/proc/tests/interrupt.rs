//! Ctrl-C to a process that started children through `proc`: every group
//! it started is killed, and it exits with 130.
//!
//! The interrupted process is this test executable itself, run again with
//! only the ignored `driver` test, which starts a shell that starts two
//! `sleep`s and then waits for ever.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

const DRIVER: &str = "PROC_INTERRUPT_DRIVER";

#[test]
#[ignore = "run by `ctrl_c_kills_every_group_and_exits_130`"]
fn driver() {
    if std::env::var_os(DRIVER).is_none() {
        return;
    }
    let mut command = Command::new("sh");
    command.args(["-c", "sleep 300 & sleep 300"]);
    let group = proc::spawn(command).expect("sh starts");
    println!("group {}", group.id());
    std::thread::sleep(Duration::from_secs(300));
}

#[test]
fn ctrl_c_kills_every_group_and_exits_130() {
    let mut driver = Command::new(std::env::current_exe().expect("the test executable"))
        .args([
            "--exact",
            "driver",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DRIVER, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the driver starts");
    let stdout = BufReader::new(driver.stdout.take().expect("piped"));
    let group: u32 = stdout
        .lines()
        .map_while(Result::ok)
        // libtest prints `test driver ... ` before it on the same line.
        .find_map(|line| {
            line.rsplit_once("group ")
                .and_then(|(_, id)| id.parse().ok())
        })
        .expect("the driver names its group");
    // Both `sleep`s are running before the signal is sent.
    let deadline = Instant::now() + Duration::from_secs(10);
    while proc::members_of_group(group).len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(proc::members_of_group(group).len(), 3, "sh and two sleeps");

    let pid = Pid::from_raw(i32::try_from(driver.id()).unwrap()).unwrap();
    kill_process(pid, Signal::INT).expect("SIGINT is sent");
    let output = driver.wait_with_output().expect("the driver ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(130),
        "{:?}: {stderr}",
        output.status
    );
    assert!(
        stderr.contains("interrupted: killed 1 running process group"),
        "{stderr}"
    );
    assert!(
        proc::members_of_group(group).is_empty(),
        "still running in group {group}: {:?}",
        proc::members_of_group(group)
    );
}
