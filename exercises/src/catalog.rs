//! Guards the exercise track's one list, `catalog.toml`: every exercise has
//! its files, and hints that give away more and more.

use std::io;
use std::path::Path;

use serde::Deserialize;

/// The reference solutions' directory: hidden, so that a learner finds the
/// answers when looking for them and not before.
pub const SOLUTIONS: &str = ".solutions";

/// The crate's directory, where `catalog.toml`, the exercises and
/// `expected/` are.
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalog {
    exercise: Vec<Exercise>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    pub name: String,
    /// The example that shows how, as `section/example`.
    pub example: String,
    nudge: String,
    api: String,
    answer: String,
    /// `NN_<name>.rs`, by its place in the list.
    #[serde(skip)]
    pub file: String,
}

impl Exercise {
    pub fn hints(&self) -> [&str; 3] {
        [&self.nudge, &self.api, &self.answer]
    }

    /// The learner's file, from the workspace root.
    pub fn path(&self) -> String {
        format!("exercises/src/exercises/{}", self.file)
    }

    pub fn expected(&self) -> io::Result<String> {
        let path = crate_dir()
            .join("expected")
            .join(format!("{}.txt", self.name));
        std::fs::read_to_string(&path)
            .map_err(|error| io::Error::new(error.kind(), format!("{}: {error}", path.display())))
    }
}

pub fn names(exercises: &[Exercise]) -> Vec<&str> {
    exercises
        .iter()
        .map(|exercise| exercise.name.as_str())
        .collect()
}

/// Every exercise, in the order the learner does them.
pub fn load() -> io::Result<Vec<Exercise>> {
    let catalog: Catalog = toml::from_str(include_str!("../catalog.toml"))
        .map_err(|error| io::Error::other(format!("exercises/catalog.toml: {error}")))?;
    let mut exercises = catalog.exercise;
    for (index, exercise) in exercises.iter_mut().enumerate() {
        exercise.file = format!("{:02}_{}.rs", index + 1, exercise.name);
    }
    Ok(exercises)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::diff::parse_expected;
    use crate::shipped;

    /// Each exercise has its file (read only as shipped: the checkout's is the
    /// learner's), its solution, its expected output, its example and its
    /// binary, listed so that only the checker builds it; no file lacks one.
    #[test]
    fn every_exercise_has_its_files_and_no_file_lacks_an_exercise() {
        let exercises = load().unwrap();
        let read = |path: &str| std::fs::read_to_string(crate_dir().join(path)).unwrap_or_default();
        let manifest = read("Cargo.toml");
        let mut problems = Vec::new();
        let mut want = |ok: bool, problem: String| {
            if !ok {
                problems.push(problem);
            }
        };
        for Exercise { name, file, .. } in &exercises {
            let binary = format!(
                "//! The exercise `{name}`, built and run by the checker (`cargo run --bin \
                 exercises`).\n\nexercises::exercise!({name} = \"{file}\");\n"
            );
            let entry = format!(
                "[[bin]]\nname = \"{name}\"\npath = \"src/bin/{name}.rs\"\nrequired-features = \
                 [\"track\"]\n"
            );
            let bin = format!("src/bin/{name}.rs");
            want(
                read(&bin) == binary,
                format!("exercises/{bin} must hold exactly:\n{binary}"),
            );
            want(
                manifest.contains(&entry),
                format!("Cargo.toml must list {name}:\n{entry}"),
            );
            let shipped = shipped::read(file).map(|_| ());
            want(shipped.is_ok(), format!("{name}: {shipped:?}"));
            let expected = parse_expected(&read(&format!("expected/{name}.txt")));
            want(
                expected.is_ok(),
                format!("expected/{name}.txt: {expected:?}"),
            );
        }
        for exercise in &exercises {
            let (section, example) = exercise.example.split_once('/').unwrap_or_default();
            let path = crate_dir().join(format!("../crates/{section}/src/{example}.rs"));
            want(
                path.is_file(),
                format!("{}: no example {}", exercise.name, exercise.example),
            );
        }
        for dir in [SOLUTIONS, "expected", "src/bin"] {
            let wanted: BTreeSet<String> = exercises
                .iter()
                .map(|Exercise { name, file, .. }| match dir {
                    SOLUTIONS => file.clone(),
                    "expected" => format!("{name}.txt"),
                    _ => format!("{name}.rs"),
                })
                .collect();
            let found: BTreeSet<String> = (std::fs::read_dir(crate_dir().join(dir)).unwrap())
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            let missing: Vec<_> = wanted.difference(&found).collect();
            let extra: Vec<_> = found.difference(&wanted).collect();
            let problem = format!("exercises/{dir}/ lacks {missing:?} and has {extra:?}");
            want(wanted == found, problem);
            want(
                wanted.len() == exercises.len(),
                "a name is twice in catalog.toml".into(),
            );
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// `exercise!` names in literals the directories the checker uses.
    #[test]
    fn exercise_compiles_the_directories_the_checker_uses() {
        for dir in [SOLUTIONS, shipped::COPIES] {
            assert!(
                include_str!("lib.rs").contains(&format!("path = \"../../{dir}\"")),
                "{dir}"
            );
        }
    }

    /// The nudge names no API (nothing the second hint puts in backticks, no
    /// link), the second links its documentation, and the third is prose:
    /// `hint` shows the answer's code, which is the reference solution's.
    #[test]
    fn every_hint_gives_away_more_than_the_one_before() {
        let spans = |text: &str| -> Vec<String> {
            text.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect()
        };
        let mut problems = Vec::new();
        for exercise in load().unwrap() {
            let [nudge, api, answer] = exercise.hints();
            let name = &exercise.name;
            if exercise.hints().iter().any(|hint| hint.trim().is_empty()) {
                problems.push(format!("{name}: a hint is empty"));
            }
            // A path, a call, a macro, a method or a type: what the second
            // hint is for. (A plain name such as `run` is the exercise's.)
            let is_api = |span: &str| {
                span.contains(['.', ':', '(', '!']) || span.starts_with(char::is_uppercase)
            };
            for named in spans(nudge) {
                if is_api(&named) && spans(api).contains(&named) {
                    problems.push(format!("{name}: the nudge names `{named}`"));
                }
            }
            if nudge.contains("https://") || nudge.contains("tokio") {
                problems.push(format!("{name}: the nudge names the API"));
            }
            if !api.contains("https://") {
                problems.push(format!("{name}: the API hint links no documentation"));
            }
            for span in spans(answer) {
                if span.chars().count() > 40 || span.contains([';', '{']) || span.contains("=>") {
                    problems.push(format!("{name}: `{span}` is code, not prose"));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
