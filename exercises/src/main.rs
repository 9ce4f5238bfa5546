//! The checker: `cargo run --bin exercises [-- <command>]`. See the crate's
//! docs (`src/lib.rs`) for how it works and why.

mod answer;
mod check;
mod diagnose;
mod hints;
/// Only its list of cases and expected output; its binary,
/// `exercise-selftest`, runs them.
#[allow(dead_code)]
#[path = "selftest.rs"]
mod selftest;
mod watch;

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::{Command, ExitCode};

use check::{Files, Outcome, build, display_path};
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
const LEVEL: flags::Positional = flags::Positional::optional(
    "LEVEL",
    "Show this hint: 1 a nudge, 2 the API to use, 3 the answer [default: the one after the \
     last shown]",
);
const ALL: flags::Flag = flags::Flag::switch("all", "Show the three hints at once");

/// The checker's commands: the first one runs when no other is named.
const COMMANDS: [flags::Command; 4] = [
    flags::Command {
        name: "check",
        summary: "Check your progress, one exercise (NAME), or every exercise (--list); \
                  --watch checks again whenever you save. The default: \
                  `cargo run --bin exercises` is `cargo run --bin exercises -- check`.",
        about: "Check your progress: run the first exercise that does not pass yet and show \
                what to fix. It is the default command.",
        positionals: &[NAME],
        flags: &[LIST, WATCH],
    },
    flags::Command {
        name: "hint",
        summary: "The next hint for an exercise: a nudge, then the API to use, then the \
                  answer.",
        about: "The next of an exercise's three hints each time it runs: first a nudge, then \
                the API to use, then the answer; and the example that shows how. LEVEL or \
                --all shows a given hint, or all three.",
        positionals: &[EXERCISE, LEVEL],
        flags: &[ALL],
    },
    flags::Command {
        name: "reset",
        summary: "Restore an exercise's file from git (asks first), and start its hints again.",
        about: "Restore an exercise's file as it is in the last commit, losing your changes, \
                and start its hints again at the first; it asks first, so it needs a terminal.",
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
            "cargo run --bin exercises --",
            "The exercise track's checker.",
            &COMMANDS,
            EXIT_CODES,
        ),
        Some(command) => flags::help(
            &format!("cargo run --bin exercises -- {}", command.name),
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
    Hint(&'static Exercise, Hints),
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
        Action::Hint(exercise, which) => hint(exercise, which),
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
            eprintln!(
                "error: {message}\n\n`cargo run --bin exercises -- --help` shows the commands."
            );
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
        "hint" => {
            let name = args.positional(&EXERCISE).map_err(usage_mistake)?;
            let exercise = exercise(name.as_deref().unwrap_or_default())?;
            let level = args.positional(&LEVEL).map_err(usage_mistake)?;
            let which = match (level, args.switch(&ALL)) {
                (Some(_), true) => {
                    return Err(Failure::Usage("give LEVEL or `--all`, not both".to_owned()));
                }
                (Some(level), false) => {
                    Hints::Level(hints::parse_level(&level).map_err(Failure::Usage)?)
                }
                (None, true) => Hints::All,
                (None, false) => Hints::Next,
            };
            Ok(Action::Hint(exercise, which))
        }
        "reset" => {
            let name = args.positional(&EXERCISE).map_err(usage_mistake)?;
            Ok(Action::Reset(exercise(
                name.as_deref().unwrap_or_default(),
            )?))
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

/// The names of `exercises`, for [`build`].
fn names(exercises: &[Exercise]) -> Vec<&'static str> {
    exercises.iter().map(|exercise| exercise.name).collect()
}

fn progress() -> Result<(), Failure> {
    let built = build(Files::Learner, &names(EXERCISES))?;
    for (index, exercise) in EXERCISES.iter().enumerate() {
        match built.outcome(exercise)? {
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
                    "\nEdit {}, then run `cargo run --bin exercises`\n\
                     again, or keep `cargo run --bin exercises -- --watch` running.\n\
                     Stuck? `cargo run --bin exercises -- hint {}`",
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
    let built = build(Files::Learner, &[exercise.name])?;
    match built.outcome(exercise)? {
        Outcome::Pass => {
            println!(
                "✓ {} passes. The reference solution, to compare: exercises/{}/{}",
                exercise.name,
                exercises::SOLUTIONS,
                exercise.file
            );
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
    let built = build(Files::Learner, &names(EXERCISES))?;
    let mut passed = 0;
    let width = EXERCISES.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let path_width = EXERCISES
        .iter()
        .map(|e| display_path(e).len())
        .max()
        .unwrap_or(0);
    for exercise in EXERCISES {
        let outcome = built.outcome(exercise)?;
        let mark = match outcome {
            Outcome::Pass => {
                passed += 1;
                "✓"
            }
            Outcome::Fail(_) => " ",
        };
        let compiles = if built.compiled(exercise) {
            ""
        } else {
            " (does not compile)"
        };
        println!(
            "{mark} {:<width$}  {:<path_width$}  learn it from {}{compiles}",
            exercise.name,
            display_path(exercise),
            exercise.example
        );
    }
    println!("\n{passed} of {} exercises pass.", EXERCISES.len());
    Ok(())
}

/// Which hints `hint` shows.
enum Hints {
    /// The one after the last shown.
    Next,
    Level(usize),
    All,
}

fn hint(exercise: &Exercise, which: Hints) -> Result<(), Failure> {
    let shown = hints::Shown::beside_the_checker()?;
    let name = exercise.name;
    let (first, last) = match which {
        Hints::Next => {
            let level = shown.next(name);
            (level, level)
        }
        Hints::Level(level) => (level, level),
        Hints::All => (1, hints::LEVELS),
    };
    for level in first..=last {
        println!(
            "Hint {level} of {} for `{name}` ({}):\n",
            hints::LEVELS,
            hints::WHAT[level - 1]
        );
        println!("{}", flags::wrap(exercise.hints[level - 1], 2));
        if level == hints::LEVELS {
            println!(
                "{}",
                flags::wrap(
                    "The reference solution, against the exercise as shipped: - lines of the \
                     exercise, + lines of the solution.",
                    2
                )
            );
            print!("{}", answer::change(exercise)?);
        }
    }
    let then = if last < hints::LEVELS {
        format!(
            "Hint {} of {}, {}: run `cargo run --bin exercises -- hint {name}` again.",
            last + 1,
            hints::LEVELS,
            hints::WHAT[last]
        )
    } else {
        format!(
            "That was the last hint; `cargo run --bin exercises -- hint {name} 1` shows the first again."
        )
    };
    print!("{}", flags::wrap(&then, 0));
    let (section, example) = exercise
        .example
        .split_once('/')
        .expect("examples are named section/example");
    let example = format!(
        "The example that shows how: `cargo run -p {section} -- {example}`, source in \
         crates/{section}/src/{example}.rs."
    );
    print!("{}", flags::wrap(&example, 0));
    // A hint that cannot be remembered is still shown; the next one is
    // then the same.
    if let Err(error) = shown.record(name, last) {
        eprintln!("note: cannot remember which hint was shown: {error}");
    }
    Ok(())
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
        hints::Shown::beside_the_checker()?.forget(exercise.name)?;
        println!("Restored {path}; its hints start again at the first.");
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

/// How long `rustfmt` and `cargo clippy` may take in `verify`.
const TOOL_LIMIT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// The exercise files of each of `files` that rustfmt would change. `cargo
/// fmt` does not reach them: each is a module that a macro declares.
fn formatted(files: &[Files]) -> Result<Vec<String>, Failure> {
    let mut rustfmt = Command::new("rustfmt");
    // The workspace's toolchain and `rustfmt.toml`.
    rustfmt
        .current_dir(check::crate_dir().join(".."))
        .args(["--check", "--edition", "2024"]);
    for files in files {
        let dir = check::crate_dir().join(files.dir());
        rustfmt.args(EXERCISES.iter().map(|exercise| dir.join(exercise.file)));
    }
    let finished = proc::run(rustfmt, TOOL_LIMIT)?;
    if finished.success() {
        println!("ok: rustfmt would change none of the exercises as shipped and solutions");
        return Ok(Vec::new());
    }
    Ok(vec![format!(
        "rustfmt would change these exercise files (format them with `rustfmt --edition 2024 \
         FILE`; a copy in exercises/{}/ is the file in src/exercises/ as committed):\n{}{}",
        exercises::shipped::COPIES,
        check::learner_paths(&finished.stdout),
        finished.stderr
    )])
}

/// What clippy finds in the exercises as shipped, with the workspace's lints
/// (CI's other clippy steps leave the exercises out, or lint the solutions).
fn linted() -> Result<Vec<String>, Failure> {
    let mut clippy = proc::cargo::command();
    clippy.current_dir(check::crate_dir()).args([
        "clippy",
        "--quiet",
        "--workspace",
        "--all-targets",
        "--features",
        "exercises/shipped",
        "--",
        "-D",
        "warnings",
    ]);
    let finished = proc::run(clippy, TOOL_LIMIT)?;
    if finished.success() {
        println!("ok: clippy finds nothing in the exercises as shipped");
        return Ok(Vec::new());
    }
    Ok(vec![format!(
        "clippy finds problems in the exercises as shipped ({}):\n{}",
        finished.exit,
        check::learner_paths(&finished.stderr)
    )])
}

/// The CI check, both directions: no exercise passes as shipped, and each
/// passes with its reference solution compiled in. "As shipped" is as the
/// last commit has it ([`exercises::shipped`]), so a learner's work in
/// `src/exercises/` changes nothing here; and the files as shipped, like
/// the solutions, are formatted and clean under clippy.
fn verify() -> Result<(), Failure> {
    let mut problems = Vec::new();
    let all = names(EXERCISES);
    for note in exercises::shipped::write_copies()? {
        print!("note: {}", flags::wrap(&note, 6).trim_start());
    }
    problems.extend(formatted(&[Files::Shipped, Files::Solutions])?);
    problems.extend(linted()?);
    let shipped = build(Files::Shipped, &all)?;
    for exercise in EXERCISES {
        if !shipped.compiled(exercise) {
            problems.push(format!(
                "{} does not compile as shipped: a learner must start from a program that \
                 compiles",
                exercise.name
            ));
            continue;
        }
        match shipped.outcome(exercise)? {
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
    let solved = build(Files::Solutions, &all)?;
    for exercise in EXERCISES {
        match solved.outcome(exercise)? {
            Outcome::Pass => println!("ok: {} passes with its solution", exercise.name),
            Outcome::Fail(report) => problems.push(format!(
                "{} fails with its solution ({}/{}):\n{report}",
                exercise.name,
                exercises::SOLUTIONS,
                exercise.file
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
            hints: ["", "", ""],
            expected: selftest::EXPECTED,
        };
        let Outcome::Fail(report) = solved.selftest(&case)? else {
            problems.push(format!("{name} passed, but it must fail"));
            continue;
        };
        let dump_lines = selftest::dump_lines(name);
        let mut wanted = says
            .iter()
            .copied()
            .chain(dump_lines.iter().map(String::as_str));
        if let Some(missing) = wanted.find(|wanted| !report.contains(*wanted)) {
            problems.push(format!(
                "{name}: the report does not say `{}`:\n{report}",
                missing.escape_debug()
            ));
            continue;
        }
        // It names the trap it falls into, if any, and no other.
        let note = selftest::CASE_NOTES
            .iter()
            .find(|(case, _)| case == name)
            .map(|&(_, note)| note);
        let named = named_traps(&report);
        if named == note.into_iter().collect::<Vec<_>>() {
            println!(
                "ok: {name} is reported: {}; it names {}",
                says[0],
                note.unwrap_or("no trap")
            );
        } else {
            problems.push(format!(
                "{name}: the report names {named:?}, not {note:?}:\n{report}"
            ));
        }
    }
    // Programs that fall into a classic trap: each report names its trap,
    // and no report names a trap its program does not fall into.
    for &(name, file, expected, says) in selftest::TRAPS {
        let case = Exercise {
            name,
            file,
            example: "-/-",
            hints: ["", "", ""],
            expected,
        };
        let Outcome::Fail(report) = solved.selftest(&case)? else {
            problems.push(format!("{name} passed, but it must fail"));
            continue;
        };
        let named = named_traps(&report);
        if named == [says] {
            println!("ok: {name} names {says}");
        } else {
            problems.push(format!(
                "{name}: the report names {named:?}, not [{says:?}]:\n{report}"
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
            hints: ["", "", ""],
            expected: selftest::EXPECTED,
        };
        let started = std::time::Instant::now();
        let outcome = solved.selftest(&case)?;
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
