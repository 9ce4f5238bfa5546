//! The checker a learner runs, `cargo run --bin exercises [-- <command>]`:
//! their progress, one exercise, every exercise, hints, a reset.

mod answer;
mod catalog;
mod check;
mod diagnose;
mod diff;
mod hints;
mod shipped;
mod verify;
mod watch;

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};

use catalog::{Exercise, SOLUTIONS, names};
use check::{Files, Outcome, build, wrap};

/// The exercise track's checker.
#[derive(Parser)]
#[command(
    bin_name = "cargo run --bin exercises --",
    args_conflicts_with_subcommands = true,
    after_help = "Exit codes: 0 every exercise checked passes, 1 one fails, 2 a usage mistake."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: Check,
}

#[derive(Subcommand)]
enum Command {
    /// Check your progress (the default), one exercise, or all of them
    Check(Check),
    /// The next hint: a nudge, then the API to use, then the answer
    Hint {
        /// The exercise
        name: String,
        /// Show this hint: 1, 2 or 3
        #[arg(value_parser = clap::value_parser!(u8).range(1..=3))]
        level: Option<u8>,
        /// Show the three hints
        #[arg(long, conflicts_with = "level")]
        all: bool,
    },
    /// Restore an exercise's file from git (asks first) and start its hints again
    Reset {
        /// The exercise
        name: String,
    },
    /// CI: every exercise fails as shipped and passes with its solution
    Verify,
}

#[derive(Args)]
struct Check {
    /// Check this exercise only [default: the first that does not pass yet]
    name: Option<String>,
    /// Every exercise, whether it passes, and the example that teaches it
    #[arg(long, conflicts_with_all = ["name", "watch"])]
    list: bool,
    /// Check your progress again whenever you save a file
    #[arg(long, conflicts_with = "name")]
    watch: bool,
}

/// Exit codes: 0 every exercise checked passes, 1 one fails or a tool failed.
fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let cli: Cli = closed_stdout::parse();
    match catalog::load().and_then(|exercises| run(cli, &exercises)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Whether every exercise checked passes.
type Passed = io::Result<bool>;

fn run(cli: Cli, exercises: &[Exercise]) -> Passed {
    match cli.command.unwrap_or(Command::Check(cli.check)) {
        Command::Check(Check { list: true, .. }) => list(exercises),
        Command::Check(Check { watch: true, .. }) => watch::watch(|| progress(exercises)),
        Command::Check(Check {
            name: Some(name), ..
        }) => one(find(exercises, &name)),
        Command::Check(_) => progress(exercises),
        Command::Hint { name, level, all } => {
            let exercise = find(exercises, &name);
            let which = match (level, all) {
                (_, true) => Hints::All,
                (Some(level), false) => Hints::Level(usize::from(level)),
                (None, false) => Hints::Next,
            };
            hint(exercise, which)
        }
        Command::Reset { name } => reset(find(exercises, &name)),
        Command::Verify => verify::verify(exercises),
    }
}

fn find<'a>(exercises: &'a [Exercise], name: &str) -> &'a Exercise {
    let found = exercises
        .iter()
        .find(|exercise| protocol::same_name(name, &exercise.name));
    found.unwrap_or_else(|| {
        let all = names(exercises).join(", ");
        let message = format!("no exercise named `{name}`; the exercises are: {all}");
        Cli::command()
            .error(ErrorKind::InvalidValue, message)
            .exit()
    })
}

/// The first exercise that does not pass yet, and what to fix.
fn progress(exercises: &[Exercise]) -> Passed {
    let built = build(Files::Learner, &names(exercises))?;
    for (index, exercise) in exercises.iter().enumerate() {
        let Outcome::Fail(report) = built.outcome(exercise)? else {
            println!("✓ {}", exercise.name);
            continue;
        };
        if index == 0 {
            println!(
                "Welcome to the async exercise track!\n\n\
                 Each exercise is one small file under exercises/src/exercises/ with `todo!()`s\n\
                 and a comment saying what it must print, and when. The checker runs it on\n\
                 Tokio's paused clock, where a one-minute sleep finishes at once and every line\n\
                 is labelled with the exact virtual time it was printed at: \"three downloads in\n\
                 two seconds, not six\" is checked exactly, and instantly.\n"
            );
        }
        let path = exercise.path();
        println!(
            "✗ {} ({}/{}): {path}\n",
            exercise.name,
            index + 1,
            exercises.len()
        );
        print!("{report}");
        println!(
            "\nEdit {path}, then run `cargo run --bin exercises`\n\
             again, or keep `cargo run --bin exercises -- --watch` running.\n\
             Stuck? `cargo run --bin exercises -- hint {}`",
            exercise.name
        );
        return Ok(false);
    }
    println!(
        "\nAll {} exercises pass. Well done! The examples go further: `cargo run -p basics`,\n\
         and the other sections in the README.",
        exercises.len()
    );
    Ok(true)
}

fn one(exercise: &Exercise) -> Passed {
    let built = build(Files::Learner, &[&exercise.name])?;
    match built.outcome(exercise)? {
        Outcome::Pass => {
            println!(
                "✓ {} passes. The reference solution, to compare: exercises/{SOLUTIONS}/{}",
                exercise.name, exercise.file
            );
            Ok(true)
        }
        Outcome::Fail(report) => {
            println!("✗ {}: {}\n", exercise.name, exercise.path());
            print!("{report}");
            Ok(false)
        }
    }
}

fn list(exercises: &[Exercise]) -> Passed {
    let built = build(Files::Learner, &names(exercises))?;
    let width = exercises.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let path_width = exercises.iter().map(|e| e.path().len()).max().unwrap_or(0);
    let mut passed = 0;
    for exercise in exercises {
        let pass = matches!(built.outcome(exercise)?, Outcome::Pass);
        passed += usize::from(pass);
        println!(
            "{} {:<width$}  {:<path_width$}  learn it from {}{}",
            if pass { "✓" } else { " " },
            exercise.name,
            exercise.path(),
            exercise.example,
            if built.compiled(&exercise.name) {
                ""
            } else {
                " (does not compile)"
            }
        );
    }
    println!("\n{passed} of {} exercises pass.", exercises.len());
    Ok(true)
}

/// Which hints `hint` shows.
enum Hints {
    /// The one after the last shown.
    Next,
    Level(usize),
    All,
}

fn hint(exercise: &Exercise, which: Hints) -> Passed {
    let shown = hints::Shown::beside_the_checker()?;
    let name = &exercise.name;
    let last = hints::WHAT.len();
    let (first, upto) = match which {
        Hints::Next => {
            let next = shown.next(name);
            (next, next)
        }
        Hints::Level(level) => (level, level),
        Hints::All => (1, last),
    };
    for level in first..=upto {
        println!(
            "Hint {level} of {last} for `{name}` ({}):\n",
            hints::WHAT[level - 1]
        );
        println!("{}", wrap(exercise.hints()[level - 1], 2));
        if level == last {
            let about = "The reference solution, against the exercise as shipped: - lines of the \
                         exercise, + lines of the solution.";
            println!("{}", wrap(about, 2));
            print!("{}", answer::change(exercise)?);
        }
    }
    let then = match hints::WHAT.get(upto) {
        Some(what) => format!(
            "Hint {} of {last}, {what}: run `cargo run --bin exercises -- hint {name}` again.",
            upto + 1
        ),
        None => format!(
            "That was the last hint; `cargo run --bin exercises -- hint {name} 1` shows the \
             first again."
        ),
    };
    let (section, example) = exercise.example.split_once('/').unwrap_or_default();
    let example = format!(
        "The example that shows how: `cargo run -p {section} -- {example}`, source in \
         crates/{section}/src/{example}.rs."
    );
    print!("{}{}", wrap(&then, 0), wrap(&example, 0));
    // A hint that cannot be remembered is still shown; the next is the same.
    if let Err(error) = shown.record(name, upto) {
        eprintln!("note: cannot remember which hint was shown: {error}");
    }
    Ok(true)
}

fn reset(exercise: &Exercise) -> Passed {
    let path = exercise.path();
    let stdin = io::stdin();
    if !stdin.is_terminal() {
        let message = format!(
            "`reset` asks before it throws your work away, and stdin is not a terminal; run it in \
             a terminal, or restore the file yourself: `git checkout HEAD -- {path}`"
        );
        Cli::command().error(ErrorKind::Io, message).exit()
    }
    print!("Restore {path} as it is in the last commit, losing your changes? [y/N] ");
    io::stdout().flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        println!("Left {path} as it is.");
        return Ok(true);
    }
    let mut git = std::process::Command::new("git");
    git.current_dir(catalog::crate_dir())
        .args(["checkout", "HEAD", "--"])
        .arg(format!("src/exercises/{}", exercise.file));
    let status = proc::spawn(git)?.wait()?;
    if !status.success() {
        return Err(io::Error::other(format!(
            "`git checkout` failed ({status})"
        )));
    }
    hints::Shown::beside_the_checker()?.forget(&exercise.name)?;
    println!("Restored {path}; its hints start again at the first.");
    Ok(true)
}
