//! "The Rust you need": which Rust concepts each example's code uses, each
//! one's first example (`docs` refuses to run when `docs/concepts.toml` says
//! another), and the chapters of *The Rust Programming Language* that teach it.

use std::fmt::Write as _;
use std::path::Path;

use super::read;
use crate::Error;
use crate::prose::{self, Prose};
use crate::rust_source::code_text;

pub(super) const PAGE: &str = "rust-you-need.md";

#[derive(serde::Deserialize)]
pub(super) struct Concept {
    /// Its anchor, and its explanation's `docs/concepts/<id>.md`.
    pub(super) id: String,
    pub(super) title: String,
    pub(super) short: String,
    /// An example uses the concept if its [`code`] contains one of these.
    pub(super) patterns: Vec<String>,
    pub(super) first: String,
    /// The Book's chapters on it.
    book: Vec<Chapter>,
    /// A sentence after the chapters.
    also: Option<String>,
}

impl Concept {
    fn explanation(&self) -> String {
        format!("docs/concepts/{}.md", self.id)
    }
}

/// A chapter of *The Rust Programming Language*, written `[title, address]`
/// in the file.
#[derive(serde::Deserialize)]
struct Chapter {
    title: String,
    /// Its address under [`BOOK`].
    address: String,
}

const BOOK: &str = "https://doc.rust-lang.org/book/";

/// `docs/concepts.toml`, in the page's order.
pub(super) struct Concepts(Vec<Concept>);

/// Where [`Concepts`] are read from, under the workspace's root.
const FILE: &str = "docs/concepts.toml";

impl Concepts {
    pub(super) fn read(root: &Path) -> Result<Self, Error> {
        Self::parse(&read(&root.join(FILE))?)
    }

    /// Each concept's explanation, by its path under the workspace's root,
    /// as the page shows it whole.
    pub(super) fn explanations(&self, root: &Path) -> Result<Vec<(String, String)>, Error> {
        let explanation = |concept: &Concept| {
            let path = concept.explanation();
            Ok((path.clone(), read(&root.join(path))?))
        };
        self.0.iter().map(explanation).collect()
    }

    /// The concepts of `text`, or what is wrong with it, said as `toml`
    /// says it: where, and what it expected.
    fn parse(text: &str) -> Result<Self, Error> {
        #[derive(serde::Deserialize)]
        struct File {
            concept: Vec<Concept>,
        }
        let file: File = toml::from_str(text).map_err(|error| format!("{FILE}: {error}"))?;
        Ok(Concepts(file.concept))
    }
}

impl Concept {
    pub(super) fn used_by(&self, code: &str) -> bool {
        self.patterns
            .iter()
            .any(|pattern| code.contains(pattern.as_str()))
    }
}

/// The tokens of `source`, without its comments and with each literal
/// emptied, each word followed by a space ([`code_text`]). A
/// source that is not Rust's tokens is left as it is.
pub(super) fn code(source: &str) -> String {
    match rust_reader::Source::parse(source) {
        Ok(file) => code_text(&file),
        Err(_) => source.to_owned(),
    }
}

/// An example, as [`Concepts`] reads it.
pub(super) struct ExampleCode {
    /// `section/example`.
    pub(super) id: String,
    /// The [`code`] of its file.
    pub(super) code: String,
}

/// An exercise, as [`Concepts::untaught`] reads it.
pub(super) struct ExerciseCode<'a> {
    pub name: &'a str,
    /// The example that shows how (`section/example`).
    pub example: &'a str,
    /// The [`code`] of the exercise's file, and of its solution.
    pub shipped: String,
    pub solution: String,
    /// Whether the exercise's file points at this page.
    pub points_here: bool,
}

impl Concepts {
    /// The concepts whose first user among `examples` is not the one
    /// `docs/concepts.toml` says.
    pub(super) fn wrong_firsts(&self, examples: &[ExampleCode]) -> Vec<String> {
        let mut problems = Vec::new();
        for concept in self.0.iter() {
            let first = examples
                .iter()
                .find(|example| concept.used_by(&example.code));
            let first = first.map(|example| example.id.as_str());
            if first == Some(concept.first.as_str()) {
                continue;
            }
            problems.push(format!(
                "docs/concepts.toml: the concept `{}` says it is first needed in {}, but the first \
                 example whose code has `{}` is {}; correct `first`, and read \
                 docs/concepts/{}.md again, which may lean on it",
                concept.id,
                concept.first,
                concept.patterns.join("`, `"),
                first.unwrap_or("none"),
                concept.id
            ));
        }
        problems
    }

    /// What an exercise asks the learner to write (what its solution uses
    /// and the file as shipped does not) must have been shown by then: by
    /// its own example that shows how, or by an earlier exercise's. Or else
    /// the exercise's file points at this page.
    pub(super) fn untaught(
        &self,
        exercises: &[ExerciseCode<'_>],
        examples: &[ExampleCode],
    ) -> Vec<String> {
        let mut shown: Vec<&str> = Vec::new();
        let mut problems = Vec::new();
        for exercise in exercises {
            let teaching = examples
                .iter()
                .find(|example| example.id == exercise.example)
                .map_or("", |example| example.code.as_str());
            shown.extend(
                self.0
                    .iter()
                    .filter(|concept| concept.used_by(teaching))
                    .map(|concept| concept.id.as_str()),
            );
            for concept in self.0.iter() {
                let asked =
                    concept.used_by(&exercise.solution) && !concept.used_by(&exercise.shipped);
                if asked && !shown.contains(&concept.id.as_str()) && !exercise.points_here {
                    problems.push(format!(
                        "exercise `{}` asks for {} before an exercise's example shows it",
                        exercise.name, concept.id
                    ));
                }
            }
        }
        problems
    }

    pub(super) fn example_links(&self, code: &str) -> String {
        let links: Vec<String> = self
            .0
            .iter()
            .filter(|concept| concept.used_by(code))
            .map(|concept| format!("[{}](../{PAGE}#{})", concept.short, concept.id))
            .collect();
        if links.is_empty() {
            return String::new();
        }
        format!("*The Rust it uses:* {}.\n\n", links.join(", "))
    }

    pub(super) fn page(&self, root: &Path, examples: &[ExampleCode]) -> Result<String, Error> {
        let prose = Prose::of(prose::INDEXES)?;
        let mut text = prose.render("the-rust-you-need", &[])?;
        text.push_str(
            "\n\n| Concept | First needed in | Examples using it |\n| --- | --- | --- |\n",
        );
        for concept in self.0.iter() {
            let users = examples
                .iter()
                .filter(|example| concept.used_by(&example.code))
                .count();
            let _ = writeln!(
                text,
                "| [{title}](#{id}) | [`{first}`]({first}.md) | {users} |",
                title = concept.title.replace('|', "\\|"),
                id = concept.id,
                first = concept.first,
            );
        }
        for concept in self.0.iter() {
            let explanation = read(&root.join(concept.explanation()))?;
            let chapters: Vec<String> = concept
                .book
                .iter()
                .map(|chapter| format!("[{}]({BOOK}{})", chapter.title, chapter.address))
                .collect();
            let _ = write!(
                text,
                "\n<a id=\"{id}\"></a>\n\n## {title}\n\n\
                 First needed in [`{first}`]({first}.md).\n\n\
                 {explanation}\n\
                 In the Book: {chapters}.",
                id = concept.id,
                title = concept.title,
                first = concept.first,
                explanation = explanation.trim_end().to_owned() + "\n",
                chapters = chapters.join(", "),
            );
            if let Some(also) = &concept.also {
                let _ = write!(text, " {also}");
            }
            text.push('\n');
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Workspace;

    fn example(id: &str, source: &str) -> ExampleCode {
        ExampleCode {
            id: id.to_owned(),
            code: code(source),
        }
    }

    fn concepts() -> Concepts {
        Concepts::read(Workspace::locate().root()).expect("docs/concepts.toml")
    }

    /// A mistake in the file is an error that says where, not a panic.
    #[test]
    fn a_broken_concepts_file_is_an_error() {
        let broken = "[[concept]]\nid = 'pinning'\ntitle = 'Pinning'\n";
        let error = Concepts::parse(broken).err().expect("an error");
        let error = error.to_string();
        assert!(error.starts_with("docs/concepts.toml: "), "{error}");
        assert!(error.contains("missing field `short`"), "{error}");
    }

    #[test]
    fn code_is_its_tokens_without_comments_and_literals() {
        let source = "//! Uses Arc::new in a comment\n\
                      fn f<'a>(x: &'a str) -> char { /* pin!( /* nested */ Mutex */\n\
                      let s = \"move | Arc::\"; let r = r#\"dyn \"quoted\" \"#;\n\
                      let c = '\"'; let d = '\\''; let e = 'x'; let b = br\"?\";\n\
                      x.len()?; 'a' }\n";
        assert_eq!(
            code(source),
            "#![doc =\"\" ]fn f <'a >(x :&'a str )->char {let s =\"\" ;let r =\"\" ;\
             let c =\"\" ;let d =\"\" ;let e =\"\" ;let b =\"\" ;x .len ()?;\"\" }"
        );
        assert_eq!(code("not \"closed"), "not \"closed");
    }

    #[test]
    fn an_example_uses_a_concept_its_code_names() {
        let concepts = concepts();
        let pinning = concepts
            .0
            .iter()
            .find(|concept| concept.id == "pinning")
            .expect("the pinning concept");
        assert!(pinning.used_by(&code("let mut s = pin!(stream);")));
        assert!(!pinning.used_by(&code("// no pin!( here\nlet s = \"Box::pin(\";")));
    }

    #[test]
    fn an_exercise_that_asks_for_pinning_too_early_is_reported() {
        let examples = [
            example("basics/hello", "fn run() {}"),
            example("iterators/generator", "let s = pin!(s);"),
        ];
        let exercise = |name, example, points_here| ExerciseCode {
            name,
            example,
            shipped: code("let s = stream();"),
            solution: code("let s = pin!(stream());"),
            points_here,
        };
        assert_eq!(
            concepts().untaught(
                &[
                    exercise("early", "basics/hello", false),
                    exercise("pointed", "basics/hello", true),
                    exercise("late", "iterators/generator", false),
                    exercise("later", "basics/hello", false),
                ],
                &examples
            ),
            ["exercise `early` asks for pinning before an exercise's example shows it"]
        );
    }

    #[test]
    fn a_wrong_first_example_is_reported() {
        let examples: Vec<ExampleCode> = [
            ("basics/hello_world", "fn run() {}"),
            (
                "basics/sync_vs_async",
                "let x = y.clone()?; spawn(async move {});",
            ),
            ("basics/async_functions", "fn f(g: impl AsyncFn()) {}"),
            ("basics/async_traits", "let a = Arc::new(1);"),
            ("concurrency/gather", "let s = pin!(s);"),
            ("concurrency/select_macro", "let s = pin!(s);"),
        ]
        .iter()
        .map(|(id, source)| example(id, source))
        .collect();
        let wrong = concepts().wrong_firsts(&examples);
        assert_eq!(wrong.len(), 1, "{wrong:#?}");
        assert!(
            wrong[0].contains("`pinning` says it is first needed in concurrency/select_macro, but")
                && wrong[0].contains("is concurrency/gather"),
            "{}",
            wrong[0]
        );
    }
}
