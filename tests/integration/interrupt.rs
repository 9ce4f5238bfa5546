//! Ctrl-C to a tool that is running examples: every process group it
//! started is killed, and it exits with 130. Each example runs in a process
//! group of its own, which the terminal's Ctrl-C does not reach; without
//! this, an interrupted `check-all` left a hung example running, re-parented
//! to PID 1.
//!
//! The tools run against the fixture section (`tests/fixture-section/`), named by
//! `XTASK_FIXTURE_SECTION`, whose `hangs_with_a_child` starts a `sleep 300`
//! and never finishes. The signal goes to the tool's process only, as
//! `kill -INT` does; the test then finds no process left in any group the
//! tool had started.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};
use xtask::workspace::FIXTURE_SECTION;

/// How long the tool may take to start what it runs.
const START_LIMIT: Duration = Duration::from_secs(60);
/// How long it may take to exit after the signal.
const EXIT_LIMIT: Duration = Duration::from_secs(10);

/// The process groups of `root`'s descendants (not its own), once one of
/// them is named `name`.
pub fn groups_once_running(root: u32, name: &str) -> BTreeSet<u32> {
    let deadline = Instant::now() + START_LIMIT;
    loop {
        let all: Vec<_> = proc::processes()
            .into_iter()
            .filter(|p| !p.zombie)
            .collect();
        let mut family = vec![root];
        let mut index = 0;
        while index < family.len() {
            let parent = family[index];
            family.extend(all.iter().filter(|p| p.parent == parent).map(|p| p.pid));
            index += 1;
        }
        let descendants: Vec<_> = all
            .iter()
            .filter(|p| family[1..].contains(&p.pid))
            .collect();
        if descendants.iter().any(|p| p.name == name) {
            let groups = descendants.iter().map(|p| p.group);
            return groups.filter(|group| *group != root).collect();
        }
        assert!(
            Instant::now() < deadline,
            "no `{name}` under process {root} after {START_LIMIT:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts `program args`, waits until a process named `running` is among
/// its descendants, sends it SIGINT, and checks that it exits with 130 and
/// that nothing is left in the groups it started.
#[track_caller]
fn interrupt(what: &str, mut command: Command, running: &str) {
    let fixture = crate::support::fixture_section();
    command
        .env(
            FIXTURE_SECTION,
            format!("{}={}", fixture.name, fixture.binary.display()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut tool = proc::spawn(command).expect("the tool starts");
    let mut stderr = tool.take_stderr().expect("piped");
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let groups = groups_once_running(tool.id(), running);
    assert!(!groups.is_empty(), "{what}: it started no process group");

    let pid = Pid::from_raw(i32::try_from(tool.id()).expect("a pid")).expect("a pid");
    kill_process(pid, Signal::INT).expect("SIGINT is sent");
    let status = tool
        .wait_timeout(EXIT_LIMIT)
        .expect("its status")
        .unwrap_or_else(|| panic!("{what}: still running {EXIT_LIMIT:?} after SIGINT"));
    let stderr = stderr.join().unwrap_or_default();
    assert_eq!(status.code(), Some(130), "{what}: {status:?}\n{stderr}");
    assert!(stderr.contains("interrupted: killed"), "{what}: {stderr}");
    let deadline = Instant::now() + Duration::from_secs(5);
    for group in groups {
        while !proc::members_of_group(group).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            proc::members_of_group(group),
            Vec::<u32>::new(),
            "{what}: processes of group {group} outlived it"
        );
    }
}

fn xtask_command(args: &[&str]) -> Command {
    let mut command = Command::new(crate::support::binary("xtask"));
    command.args(args);
    command
}

#[test]
fn ctrl_c_to_check_all_kills_what_it_started_and_exits_130() {
    // Every command that runs examples (`--real`, `bless`, `cancel-sweep`,
    // the golden harness of `cargo test`) starts them as this one does,
    // through `check::check` or `proc::run_limited`; `--stall` starts a
    // server as well.
    for args in [
        &["check-all", "hangs_with_a_child", "--timeout", "600"][..],
        &["check-all", "--stall", "waits_for_an_answer"],
    ] {
        let running = if args.contains(&"--stall") {
            "fixture-section"
        } else {
            "sleep"
        };
        interrupt(&args.join(" "), xtask_command(args), running);
    }
}
