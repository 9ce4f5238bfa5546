//! The checker's command line: bad input is a clear error with exit code 2,
//! and the commands that need no build answer at once. (Checking the
//! exercises themselves, both ways, is `cargo run -p exercises -- verify`.)

use std::process::{Command, Output, Stdio};

fn checker(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exercises"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the checker starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn bad_input_exits_2_with_a_message() {
    for (args, says) in [
        (
            &["no_such_exercise"][..],
            "no exercise named `no_such_exercise`",
        ),
        (&["hint"][..], "`hint` needs NAME"),
        (&["hint", "nope"][..], "no exercise named `nope`"),
        (&["--list", "timeout"][..], "take no other arguments"),
        (&["--frobnicate"][..], "--frobnicate"),
        (
            &["a", "b", "c"][..],
            "`check` takes one NAME, got a second: `b`",
        ),
        (&["--help=3"][..], "`--help` takes no value"),
    ] {
        let output = checker(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            stderr.contains("--help` shows the commands"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn reset_refuses_without_a_terminal_to_ask_on() {
    let output = checker(&["reset", "timeout"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("stdin is not a terminal"), "{stderr}");
    assert!(
        stderr.contains("git checkout HEAD -- exercises/src/exercises/04_timeout.rs"),
        "{stderr}"
    );
}

#[test]
fn hint_names_the_example_that_solves_it() {
    let output = checker(&["hint", "timeout"]);
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    assert!(stdout.contains("tokio::time::timeout"), "{stdout}");
    assert!(
        stdout.contains("cargo run -p error-handling -- timeouts"),
        "{stdout}"
    );
    assert!(
        stdout.contains("crates/error-handling/src/timeouts.rs"),
        "{stdout}"
    );
}

#[test]
fn help_lists_every_command() {
    let output = checker(&["--help"]);
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    for command in ["--list", "--watch", "hint <NAME>", "reset <NAME>", "verify"] {
        assert!(stdout.contains(command), "{command}: {stdout}");
    }
    // `check`'s own help has every option, from the same table.
    let output = checker(&["help", "check"]);
    let stdout = text(&output.stdout);
    for option in ["--list", "--watch", "-h, --help"] {
        assert!(stdout.contains(option), "{option}: {stdout}");
    }
}
