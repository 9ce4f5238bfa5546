//! The checker: `cargo run -p exercises [-- <command>]`. See the crate's
//! docs (`src/lib.rs`) for how it works and why.

mod check;
mod diagnose;
/// Only its list of cases and expected output; the harness runs them.
#[allow(dead_code)]
mod selftest;
mod watch;

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::{Command, ExitCode};

use check::{Outcome, build, check, display_path};
use exercises::{EXERCISES, Exercise, find};

const NAME: flags::Positional = flags::Positional::optional(
    "NAME",
    "Check this exercise only [default: your progress: the first exercise that does not pass \
     yet, and what to fix]",
);
const LIST: flags::Flag = flags::Flag::switch(
    "list",
    "Every exercise, whether it passes now, and the example that teaches it",
);
const WATCH: flags::Flag = flags::Flag::switch(
    "watch",
    "Check your progress again whenever you save a file",
);
const EXERCISE: flags::Positional = flags::Positional::required("NAME", "The exercise");

/// The checker's commands: the first one runs when no other is named.
const COMMANDS: [flags::Command; 4] = [
    flags::Command {
        name: "check",
        summary: "Check your progress, one exercise (NAME), or every exercise (--list); \
                  --watch checks again whenever you save. The default: \
                  `cargo run -p exercises` is `cargo run -p exercises -- check`.",
        about: "Check your progress: run the first exercise that does not pass yet and show \
                what to fix. It is the default command.",
        positionals: &[NAME],
        flags: &[LIST, WATCH],
    },
    flags::Command {
        name: "hint",
        summary: "A hint for an exercise, and the example that shows how.",
        about: "A hint for an exercise, and the example that shows how.",
        positionals: &[EXERCISE],
        flags: &[],
    },
    flags::Command {
        name: "reset",
        summary: "Restore an exercise's file from git (asks first).",
        about: "Restore an exercise's file as it is in the last commit, losing your changes; \
                it asks first, so it needs a terminal.",
        positionals: &[EXERCISE],
        flags: &[],
    },
    flags::Command {
        name: "verify",
        summary: "CI: every exercise fails as shipped, every solution passes.",
        about: "The CI check: every exercise fails as shipped, and passes with its reference \
                solution compiled in.",
        positionals: &[],
        flags: &[],
    },
];

const EXIT_CODES: flags::ExitCodes<'static> = &[
    (0, "every exercise checked passes"),
    (1, "one fails, or a tool failed"),
    (
        flags::EXIT_USAGE,
        "a usage mistake (an unknown exercise or option)",
    ),
];

fn usage(command: Option<&flags::Command>) -> String {
    match command {
        None => flags::program_help(
            "cargo run -p exercises --",
            "The exercise track's checker.",
            &COMMANDS,
            EXIT_CODES,
        ),
        Some(command) => flags::help(
            &format!("cargo run -p exercises -- {}", command.name),
            command,
            EXIT_CODES,
        ),
    }
}

/// Exit codes: 0 all checked exercises pass, 1 one fails (or a tool
/// failed), 2 bad command line.
enum Failure {
    Usage(String),
    /// Refused to do what was asked; exit code 2, without the usage text.
    Refused(String),
    Failed,
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Io(error)
    }
}

enum Action {
    Progress,
    One(&'static Exercise),
    List,
    Watch,
    Hint(&'static Exercise),
    Reset(&'static Exercise),
    Verify,
    Help(String),
}

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let result = parse_args().and_then(|action| match action {
        Action::Progress => progress(),
        Action::One(exercise) => one(exercise),
        Action::List => list(),
        Action::Watch => watch::watch(progress),
        Action::Hint(exercise) => {
            hint(exercise);
            Ok(())
        }
        Action::Reset(exercise) => reset(exercise),
        Action::Verify => verify(),
        Action::Help(text) => {
            print!("{text}");
            Ok(())
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Failed) => ExitCode::FAILURE,
        Err(Failure::Io(error)) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
        Err(Failure::Refused(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}\n\n`cargo run -p exercises -- --help` shows the commands.");
            ExitCode::from(flags::EXIT_USAGE)
        }
    }
}

fn parse_args() -> Result<Action, Failure> {
    let usage_mistake = |error: flags::Error| Failure::Usage(error.0);
    let chosen = flags::parse_program(&COMMANDS, Some(&COMMANDS[0]), std::env::args_os().skip(1))
        .map_err(usage_mistake)?;
    let (command, args) = match chosen {
        flags::Chosen::ProgramHelp => return Ok(Action::Help(usage(None))),
        // `--help` alone goes to the default command: show them all.
        flags::Chosen::CommandHelp(command)
            if command.name == COMMANDS[0].name
                && !std::env::args().skip(1).any(|arg| arg == COMMANDS[0].name) =>
        {
            return Ok(Action::Help(usage(None)));
        }
        flags::Chosen::CommandHelp(command) => return Ok(Action::Help(usage(Some(command)))),
        flags::Chosen::Run(command, args) => (command, args),
    };
    match command.name {
        "hint" | "reset" => {
            let name = args.positional(&EXERCISE).map_err(usage_mistake)?;
            let exercise = exercise(name.as_deref().unwrap_or_default())?;
            Ok(if command.name == "hint" {
                Action::Hint(exercise)
            } else {
                Action::Reset(exercise)
            })
        }
        "verify" => Ok(Action::Verify),
        _ => {
            let name = args.positional(&NAME).map_err(usage_mistake)?;
            match (args.switch(&LIST), args.switch(&WATCH), name) {
                (true, true, _) => Err(Failure::Usage(
                    "`--list` and `--watch` are two commands; give one".to_owned(),
                )),
                (true, false, None) => Ok(Action::List),
                (false, true, None) => Ok(Action::Watch),
                (true, _, Some(_)) | (_, true, Some(_)) => Err(Failure::Usage(
                    "`--list` and `--watch` take no other arguments".to_owned(),
                )),
                (false, false, Some(name)) => Ok(Action::One(exercise(&name)?)),
                (false, false, None) => Ok(Action::Progress),
            }
        }
    }
}

fn exercise(name: &str) -> Result<&'static Exercise, Failure> {
    find(name).ok_or_else(|| {
        let names: Vec<&str> = EXERCISES.iter().map(|exercise| exercise.name).collect();
        Failure::Usage(format!(
            "no exercise named `{name}`; the exercises are: {}",
            names.join(", ")
        ))
    })
}

/// Builds the learner's code, or explains the compiler error cargo printed.
fn build_learner() -> Result<std::path::PathBuf, Failure> {
    match build(false)? {
        Some(harness) => Ok(harness),
        None => {
            println!(
                "\nThe exercises do not compile: the compiler's error is above. Fix it, then\n\
                 run `cargo run -p exercises` again."
            );
            Err(Failure::Failed)
        }
    }
}

fn progress() -> Result<(), Failure> {
    let harness = build_learner()?;
    for (index, exercise) in EXERCISES.iter().enumerate() {
        match check(&harness, exercise)? {
            Outcome::Pass => println!("✓ {}", exercise.name),
            Outcome::Fail(report) => {
                if index == 0 {
                    welcome();
                }
                println!(
                    "✗ {} ({}/{}): {}\n",
                    exercise.name,
                    index + 1,
                    EXERCISES.len(),
                    display_path(exercise)
                );
                print!("{report}");
                println!(
                    "\nEdit {}, then run `cargo run -p exercises`\n\
                     again, or keep `cargo run -p exercises -- --watch` running.\n\
                     Stuck? `cargo run -p exercises -- hint {}`",
                    display_path(exercise),
                    exercise.name
                );
                return Err(Failure::Failed);
            }
        }
    }
    println!(
        "\nAll {} exercises pass. Well done! The examples go further: `cargo run -p basics`,\n\
         and the other sections in the README.",
        EXERCISES.len()
    );
    Ok(())
}

fn welcome() {
    println!(
        "Welcome to the async exercise track!\n\n\
         Each exercise is one small file under exercises/src/exercises/ with `todo!()`s\n\
         and a comment saying what it must print, and when. The checker runs it on\n\
         Tokio's paused clock, where a one-minute sleep finishes at once and every line\n\
         is labelled with the exact virtual time it was printed at: \"three downloads in\n\
         two seconds, not six\" is checked exactly, and instantly.\n"
    );
}

fn one(exercise: &'static Exercise) -> Result<(), Failure> {
    let harness = build_learner()?;
    match check(&harness, exercise)? {
        Outcome::Pass => {
            println!("✓ {} passes.", exercise.name);
            Ok(())
        }
        Outcome::Fail(report) => {
            println!("✗ {}: {}\n", exercise.name, display_path(exercise));
            print!("{report}");
            Err(Failure::Failed)
        }
    }
}

fn list() -> Result<(), Failure> {
    let harness = build_learner()?;
    let mut passed = 0;
    let width = EXERCISES.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let path_width = EXERCISES
        .iter()
        .map(|e| display_path(e).len())
        .max()
        .unwrap_or(0);
    for exercise in EXERCISES {
        let mark = match check(&harness, exercise)? {
            Outcome::Pass => {
                passed += 1;
                "✓"
            }
            Outcome::Fail(_) => " ",
        };
        println!(
            "{mark} {:<width$}  {:<path_width$}  learn it from {}",
            exercise.name,
            display_path(exercise),
            exercise.example
        );
    }
    println!("\n{passed} of {} exercises pass.", EXERCISES.len());
    Ok(())
}

fn hint(exercise: &Exercise) {
    let (section, example) = exercise
        .example
        .split_once('/')
        .expect("examples are named section/example");
    println!(
        "Hint for `{}`:\n\n{}\n\nThe example that shows how: `cargo run -p {section} -- {example}`, \
         source in crates/{section}/src/{example}.rs.",
        exercise.name, exercise.hint
    );
}

fn reset(exercise: &Exercise) -> Result<(), Failure> {
    let path = display_path(exercise);
    let stdin = io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::Refused(format!(
            "`reset` asks before it throws your work away, and stdin is not a terminal; run \
             it in a terminal, or restore the file yourself: `git checkout HEAD -- {path}`"
        )));
    }
    print!("Restore {path} as it is in the last commit, losing your changes? [y/N] ");
    io::stdout().flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        println!("Left {path} as it is.");
        return Ok(());
    }
    let mut git = Command::new("git");
    git.current_dir(check::crate_dir())
        .args(["checkout", "HEAD", "--"])
        .arg(format!("src/exercises/{}", exercise.file));
    let status = proc::spawn(git)?.wait()?;
    if status.success() {
        println!("Restored {path}.");
        Ok(())
    } else {
        Err(Failure::Io(io::Error::other(format!(
            "`git checkout` failed ({status})"
        ))))
    }
}

/// The traps a report names, by their notes' first words.
fn named_traps(report: &str) -> Vec<&'static str> {
    diagnose::Trap::ALL
        .iter()
        .map(|trap| trap.title())
        .filter(|title| report.contains(&format!("{title}. ")))
        .collect()
}

/// How long a passing self-test may take: it runs on the paused clock,
/// and a checker that waited for what it left running would take seconds.
const SELFTEST_LIMIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// The CI check, both directions: no exercise passes as shipped, and each
/// passes with its reference solution compiled in.
fn verify() -> Result<(), Failure> {
    let mut problems = Vec::new();
    let Some(shipped) = build(false)? else {
        eprintln!("verify: the shipped exercises do not compile");
        return Err(Failure::Failed);
    };
    for exercise in EXERCISES {
        match check(&shipped, exercise)? {
            Outcome::Pass => problems.push(format!(
                "{} already passes as shipped: a learner has nothing to do",
                exercise.name
            )),
            Outcome::Fail(report) => {
                // The exercises built on a trap name it as shipped; the
                // others name none.
                let says = diagnose::SHIPPED_TRAPS
                    .iter()
                    .find(|(name, _)| *name == exercise.name)
                    .map(|(_, trap)| trap.title());
                let named = named_traps(&report);
                if named == says.into_iter().collect::<Vec<_>>() {
                    println!("ok: {} fails as shipped", exercise.name);
                } else {
                    problems.push(format!(
                        "{} as shipped: the report names {named:?}, not {says:?}:\n{report}",
                        exercise.name
                    ));
                }
            }
        }
    }
    let Some(solved) = build(true)? else {
        eprintln!("verify: the solutions do not compile");
        return Err(Failure::Failed);
    };
    for exercise in EXERCISES {
        match check(&solved, exercise)? {
            Outcome::Pass => println!("ok: {} passes with its solution", exercise.name),
            Outcome::Fail(report) => problems.push(format!(
                "{} fails with its solution (solutions/{}):\n{report}",
                exercise.name, exercise.file
            )),
        }
    }
    // The same build holds programs a learner might write (src/selftest.rs):
    // each must be reported by name, with the reason, and never crash the
    // checker.
    for (name, says) in selftest::CASES {
        let case = Exercise {
            name,
            file: "../selftest.rs",
            example: "-/-",
            hint: "",
            expected: selftest::EXPECTED,
        };
        match check(&solved, &case)? {
            Outcome::Fail(report) if report.contains(says) => {
                println!("ok: {name} is reported: {says}");
            }
            Outcome::Fail(report) => problems.push(format!(
                "{name}: the report does not say `{says}`:\n{report}"
            )),
            Outcome::Pass => problems.push(format!("{name} passed, but it must fail")),
        }
    }
    // Programs that fall into a classic trap: each report names its trap,
    // and no report names a trap its program does not fall into.
    let traps = selftest::TRAPS
        .iter()
        .map(|&(name, file, expected, says)| (name, file, expected, Some(says)));
    let cases = selftest::CASES.iter().map(|&(name, _)| {
        let says = selftest::CASE_NOTES
            .iter()
            .find(|(case, _)| *case == name)
            .map(|&(_, says)| says);
        (name, "../selftest.rs", selftest::EXPECTED, says)
    });
    for (name, file, expected, says) in traps.chain(cases) {
        let case = Exercise {
            name,
            file,
            example: "-/-",
            hint: "",
            expected,
        };
        let Outcome::Fail(report) = check(&solved, &case)? else {
            problems.push(format!("{name} passed, but it must fail"));
            continue;
        };
        let named = named_traps(&report);
        if named == says.into_iter().collect::<Vec<_>>() {
            println!("ok: {name} names {}", says.unwrap_or("no trap"));
        } else {
            problems.push(format!(
                "{name}: the report names {named:?}, not {says:?}:\n{report}"
            ));
        }
    }
    // And programs that must pass, quickly: the checker waits for nothing
    // an exercise left behind.
    for (name, guards) in selftest::PASSING {
        let case = Exercise {
            name,
            file: "../selftest.rs",
            example: "-/-",
            hint: "",
            expected: selftest::EXPECTED,
        };
        let started = std::time::Instant::now();
        let outcome = check(&solved, &case)?;
        let took = started.elapsed();
        match outcome {
            Outcome::Pass if took < SELFTEST_LIMIT => println!("ok: {name} passes: {guards}"),
            Outcome::Pass => problems.push(format!(
                "{name} passed, but took {:.1}s: {guards}",
                took.as_secs_f64()
            )),
            Outcome::Fail(report) => {
                problems.push(format!("{name} must pass: {guards}:\n{report}"))
            }
        }
    }
    // Leave the learner's build in place, not the solutions'.
    build(false)?;
    if problems.is_empty() {
        println!(
            "verify: all {} exercises fail as shipped and pass solved",
            EXERCISES.len()
        );
        Ok(())
    } else {
        for problem in &problems {
            eprintln!("verify: {problem}");
        }
        Err(Failure::Failed)
    }
}
