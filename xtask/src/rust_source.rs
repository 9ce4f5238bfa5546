//! What xtask asks of a Rust file, read by [`rust_reader`] from its tokens,
//! so that a comment or a string is never taken for code: what paths it
//! writes and what its `use` items bring in ([`Names`]), whether a `#[cfg]`
//! holds where the checks run ([`cfg_holds`]), and its code as plain text
//! ([`code_text`]). Each caller applies its own rule to what this reads;
//! [`Import::Glob`] says where the two rules for a glob differ.

use std::collections::BTreeSet;

use rust_reader::{
    Attribute, Delimiter, Function, Group, Source, TokenTree, idents, is_group, is_punct, path_at,
};

/// `file`'s tokens without comments and with each literal emptied, each
/// word followed by a space: `&str `, `Arc ::new (x )`.
pub fn code_text(file: &Source) -> String {
    let mut text = String::new();
    for item in file.items() {
        write_code_text(&item.tokens, &mut text);
    }
    text
}

fn write_code_text(tokens: &[TokenTree], out: &mut String) {
    for token in tokens {
        match token {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_code_text(&rust_reader::trees(group), out);
                out.push_str(close);
            }
            TokenTree::Ident(ident) => {
                out.push_str(&ident.to_string());
                out.push(' ');
            }
            TokenTree::Punct(punct) => out.push(punct.as_char()),
            TokenTree::Literal(_) => out.push_str("\"\" "),
        }
    }
}

/// A name a `use` item brings in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Import {
    /// `use tokio::sync::Mutex;` brings in `Mutex`, `use tokio::time::sleep
    /// as nap;` `nap`, `use tokio::sync::mpsc::{self}` `mpsc`.
    Name { name: String, path: Vec<String> },
    /// `use tokio::prelude::*;`: whatever `prefix` holds. Which names that
    /// is, the file alone can't tell, so each reader decides: the book's
    /// drift check counts none (a page's claim needs a name the code
    /// writes), an export counts the whole module (a crate the code may use
    /// must be listed).
    Glob { prefix: Vec<String> },
}

/// What tokens name, at any depth, in the order they come.
#[derive(Debug, Default)]
pub struct Names {
    /// Every identifier, as written (`r#type` too).
    pub words: BTreeSet<String>,
    /// Each path the tokens write outside `use` items, as written, one name
    /// long (`spawn`) or more (`tokio::spawn`); a method's name is not one.
    pub written: Vec<Vec<String>>,
    /// What the `use` items bring in.
    pub imports: Vec<Import>,
    /// Methods called, by name: `json` for `.json()`, `await` too.
    pub methods: BTreeSet<String>,
    /// The last name of each path or method followed by arguments in
    /// parentheses: a call (`spawn` in `tokio::spawn(f)`, `len` in
    /// `.len()`), a tuple struct or variant (`Some(x)`), or the name of a
    /// function where it is defined (`fn run()`); not a name bound by a
    /// `let`.
    pub called: BTreeSet<String>,
    /// The functions under `#[test]` or `#[tokio::test]`, by name.
    pub tests: BTreeSet<String>,
    /// The functions under `#[ignore]`, by name, or under a `#[cfg]` that
    /// may not hold where the checks run ([`cfg_holds`]).
    pub ignored: BTreeSet<String>,
    /// Every outer attribute, an item's or an expression's.
    pub attributes: Vec<Attribute>,
}

impl Names {
    /// What all of `file`'s tokens name.
    pub fn of(file: &Source) -> Names {
        let mut names = Names::default();
        for item in file.items() {
            names.add(&item.tokens);
        }
        names
    }

    /// What `tokens` name, after what has already been read.
    pub fn add(&mut self, tokens: &[TokenTree]) {
        self.words.extend(idents(tokens));
        self.walk(tokens);
    }

    fn walk(&mut self, tokens: &[TokenTree]) {
        let mut at = 0;
        while at < tokens.len() {
            match &tokens[at] {
                // Not `impl Trait + use<'a>`, which says what a type captures.
                TokenTree::Ident(ident) if ident == "use" && !is_punct(tokens.get(at + 1), '<') => {
                    let end = tokens[at..]
                        .iter()
                        .position(|token| is_punct(Some(token), ';'))
                        .map_or(tokens.len(), |length| at + length);
                    self.use_tree(&tokens[at + 1..end], Vec::new());
                    at = end;
                }
                TokenTree::Punct(punct) if punct.as_char() == '.' => {
                    if let Some(TokenTree::Ident(method)) = tokens.get(at + 1) {
                        self.methods.insert(method.to_string());
                        if is_group(tokens.get(at + 2), Delimiter::Parenthesis) {
                            self.called.insert(method.to_string());
                        }
                        at += 1;
                    }
                }
                TokenTree::Punct(punct) if punct.as_char() == '#' => {
                    if let Some(TokenTree::Group(group)) = tokens.get(at + 1)
                        && group.delimiter() == Delimiter::Bracket
                        && let Some(attribute) = Attribute::of(&rust_reader::trees(group))
                    {
                        // The function it is on, past its other attributes.
                        let on = &tokens[at + 2..];
                        let function = || {
                            let on = &on[rust_reader::attributes(on).1..];
                            Function::read(on).map(|(function, _)| function.name)
                        };
                        if attribute.path.last().is_some_and(|name| name == "test")
                            && let Some(name) = function()
                        {
                            self.tests.insert(name);
                        }
                        // `#[cfg_attr(COND, ignore)]` ignores it where COND
                        // holds, which may be where the checks run.
                        let ignores = attribute.path == ["ignore"]
                            || attribute.path == ["cfg_attr"]
                                && attribute
                                    .arguments
                                    .split(',')
                                    .skip(1)
                                    .any(|part| part.trim().starts_with("ignore"))
                            || attribute.path == ["cfg"] && !cfg_holds(&attribute.arguments);
                        if ignores && let Some(name) = function() {
                            self.ignored.insert(name);
                        }
                        self.attributes.push(attribute);
                    }
                }
                TokenTree::Ident(_) => {
                    let (path, length) = path_at(&tokens[at..]);
                    if is_group(tokens.get(at + length), Delimiter::Parenthesis)
                        && let Some(last) = path.last()
                    {
                        self.called.insert(last.clone());
                    }
                    self.written.push(path);
                    at += length - 1;
                }
                TokenTree::Group(group) => self.walk(&rust_reader::trees(group)),
                TokenTree::Punct(_) | TokenTree::Literal(_) => (),
            }
            at += 1;
        }
    }

    /// One `use` tree under `prefix`: `a::b`, `a::b as c`, `a::{b, c::d}`,
    /// `a::*`, `a::{self, b}`, `::a::b`.
    fn use_tree(&mut self, tokens: &[TokenTree], mut prefix: Vec<String>) {
        let mut at = 0;
        while at < tokens.len() {
            match &tokens[at] {
                TokenTree::Ident(ident) if ident == "as" => {
                    if let Some(TokenTree::Ident(alias)) = tokens.get(at + 1) {
                        let name = alias.to_string();
                        self.imports.push(Import::Name { name, path: prefix });
                    }
                    return;
                }
                // `mpsc::{self}` is `mpsc`.
                TokenTree::Ident(ident) if ident == "self" => (),
                TokenTree::Ident(ident) => prefix.push(ident.to_string()),
                TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                    let inside = rust_reader::trees(group);
                    for tree in inside.split(|token| is_punct(Some(token), ',')) {
                        self.use_tree(tree, prefix.clone());
                    }
                    return;
                }
                TokenTree::Punct(punct) if punct.as_char() == '*' => {
                    self.imports.push(Import::Glob { prefix });
                    return;
                }
                TokenTree::Punct(_) | TokenTree::Literal(_) | TokenTree::Group(_) => (),
            }
            at += 1;
        }
        if let Some(name) = prefix.last() {
            let name = name.clone();
            self.imports.push(Import::Name { name, path: prefix });
        }
    }
}

/// Whether the `#[cfg(...)]` whose inside is `predicate` holds where the
/// checks run: Linux on x86_64, with `--cfg tokio_unstable`, in a test
/// build. What it can't tell (a feature, another cfg) may not hold.
pub fn cfg_holds(predicate: &str) -> bool {
    rust_reader::read(predicate, |tokens| holds(&tokens)).unwrap_or(false)
}

fn holds(tokens: &[TokenTree]) -> bool {
    const SET: [&str; 4] = ["test", "unix", "tokio_unstable", "debug_assertions"];
    const VALUES: [(&str, &str); 5] = [
        ("target_os", "\"linux\""),
        ("target_family", "\"unix\""),
        ("target_arch", "\"x86_64\""),
        ("target_pointer_width", "\"64\""),
        ("target_endian", "\"little\""),
    ];
    let each = |group: &Group| -> Vec<bool> {
        let inner = rust_reader::trees(group);
        inner
            .split(|token| is_punct(Some(token), ','))
            .filter(|part| !part.is_empty())
            .map(holds)
            .collect()
    };
    match tokens {
        [TokenTree::Ident(all), TokenTree::Group(group)] if all == "all" => {
            each(group).into_iter().all(|held| held)
        }
        [TokenTree::Ident(any), TokenTree::Group(group)] if any == "any" => {
            each(group).into_iter().any(|held| held)
        }
        [TokenTree::Ident(not), TokenTree::Group(group)] if not == "not" => {
            !holds(&rust_reader::trees(group))
        }
        [TokenTree::Ident(name)] => SET.iter().any(|set| name == set),
        [TokenTree::Ident(key), equals, TokenTree::Literal(value)]
            if is_punct(Some(equals), '=') =>
        {
            let value = value.to_string();
            VALUES
                .iter()
                .any(|&(known, held)| key == known && value == held)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_reader::Asyncness;

    fn source(text: &str) -> Source {
        Source::parse(text).unwrap()
    }

    #[test]
    fn a_comment_or_a_string_is_not_code() {
        let text = "//! Its tests (`#[cfg(test)]`) and `pub fn main() -> ExitCode {`.\n\
                    /*\npub fn run(base_url: &str) {}\n*/\n\
                    const S: &str = \"\npub fn main() -> ExitCode {\n}\n#[cfg(test)]\";\n\
                    pub async fn run() -> anyhow::Result<()> { Ok(()) }\n";
        let file = source(text);
        assert!(!file.has_tests());
        assert_eq!(file.public_function("main"), None);
        let run = file.public_function("run").unwrap();
        assert_eq!(
            (run.asyncness, run.parameters.len(), run.returns_result()),
            (Asyncness::Async, 0, true)
        );
        assert!(!Names::of(&file).words.contains("ExitCode"));
    }

    /// A test is the function its attribute is on: not one after an item
    /// that a `#[cfg]` which may not hold is on (a `use`), at the top level
    /// or in a `mod tests`, and one behind `pub(crate)` too. Seen failing on
    /// the scan that ran past the `use`'s `;` (in the module: at the top
    /// level each item ends at its `;`), and stopped at `(crate)`.
    #[test]
    fn an_attribute_names_the_function_it_is_on() {
        let tests = "#[cfg(feature = \"slow\")]\nuse a::b;\n#[test]\nfn t() {}\n\
                     #[test]\npub(crate) fn u() {}";
        for text in [tests.to_owned(), format!("mod tests {{\n{tests}\n}}")] {
            let names = Names::of(&source(&text));
            assert_eq!(names.tests, BTreeSet::from(["t", "u"].map(str::to_owned)));
            assert!(names.ignored.is_empty(), "{:?}", names.ignored);
        }
    }

    #[test]
    fn names_are_paths_imports_methods_and_attributes() {
        let text = "use tokio::{io::{self, AsyncBufReadExt}, sync::mpsc as channel, prelude::*};\n\
                    #[tokio::main(flavor = \"current_thread\")]\n\
                    async fn f() -> impl Future + use<> { io::stdout().flush().await; ::std::mem::drop(x); }\n\
                    use std::time::Duration;";
        let names = Names::of(&source(text));
        let name = |name: &str, path: &[&str]| Import::Name {
            name: name.to_owned(),
            path: path.iter().map(|name| name.to_string()).collect(),
        };
        assert_eq!(
            names.imports,
            [
                name("io", &["tokio", "io"]),
                name("AsyncBufReadExt", &["tokio", "io", "AsyncBufReadExt"]),
                name("channel", &["tokio", "sync", "mpsc"]),
                Import::Glob {
                    prefix: vec!["tokio".to_owned(), "prelude".to_owned()]
                },
                name("Duration", &["std", "time", "Duration"]),
            ]
        );
        let written: Vec<String> = names.written.iter().map(|path| path.join("::")).collect();
        assert!(written.contains(&"io::stdout".to_owned()), "{written:?}");
        assert!(
            written.contains(&"std::mem::drop".to_owned()),
            "{written:?}"
        );
        assert!(!written.contains(&"flush".to_owned()), "{written:?}");
        assert_eq!(
            names.methods,
            BTreeSet::from(["await".to_owned(), "flush".to_owned()])
        );
        let called = ["drop", "f", "flush", "main", "stdout"].map(str::to_owned);
        assert_eq!(names.called, BTreeSet::from(called));
        let tests = "mod tests { #[test] fn plain() {} #[tokio::test(start_paused = true)]\n\
                     #[should_panic] async fn paused() {} #[cfg(test)] fn helper() {} fn other() {}\n\
                     #[ignore = \"slow\"] #[test] fn skipped() {}\n\
                     #[test] #[cfg_attr(target_os = \"linux\", ignore)] fn on_linux() {}\n\
                     #[test] #[cfg(target_os = \"macos\")] fn on_macos() {}\n\
                     #[test] #[cfg(all(unix, not(windows)))] fn on_unix() {} }";
        let tests = Names::of(&source(tests));
        assert_eq!(
            tests.tests,
            BTreeSet::from(
                [
                    "on_linux", "on_macos", "on_unix", "paused", "plain", "skipped"
                ]
                .map(str::to_owned)
            )
        );
        assert_eq!(
            tests.ignored,
            BTreeSet::from(["on_linux", "on_macos", "skipped"].map(str::to_owned))
        );
        assert_eq!(
            names.attributes,
            [Attribute {
                path: vec!["tokio".to_owned(), "main".to_owned()],
                arguments: "flavor = \"current_thread\"".to_owned(),
            }]
        );
    }
}
