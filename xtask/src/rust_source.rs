//! A Rust file as xtask reads it: from its tokens, never its text, so that a
//! comment or a string is never taken for code. One reader for every
//! question xtask asks of a file: what paths it writes and what its `use`
//! items bring in ([`Names`]), what its attributes say, and what its items
//! are ([`Item`]: its `fn run`, a program's `pub fn main`, its
//! `#[cfg(test)]` module). Each caller applies its own rule to what this
//! reads; [`Import::Glob`] says where the two rules for a glob differ.

use std::collections::BTreeSet;

use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};

/// A file's tokens, as its top-level items.
#[derive(Debug)]
pub struct RustSource {
    items: Vec<Item>,
}

impl RustSource {
    /// `text`'s items, or why it is not Rust's tokens (an unclosed
    /// delimiter, a literal that does not end).
    pub fn parse(text: &str) -> Result<Self, String> {
        let tokens: TokenStream = text
            .parse()
            .map_err(|error| format!("its code does not parse as Rust tokens: {error}"))?;
        Ok(RustSource {
            items: Item::split(tokens),
        })
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// What all of its tokens name.
    pub fn names(&self) -> Names {
        let mut names = Names::default();
        for item in &self.items {
            names.add(&item.tokens);
        }
        names
    }

    /// Its top-level `pub fn` of this name (`run`, `main`).
    pub fn public_function(&self, name: &str) -> Option<Function> {
        self.items
            .iter()
            .filter_map(Item::function)
            .find(|function| function.visibility == Visibility::Public && function.name == name)
    }

    /// Whether it has test code: an item only `cargo test` compiles.
    pub fn has_tests(&self) -> bool {
        self.items.iter().any(Item::is_test_only)
    }

    /// Its tokens without comments and with each literal emptied, each word
    /// followed by a space: `&str `, `Arc ::new (x )`.
    pub fn code_text(&self) -> String {
        let mut text = String::new();
        for item in &self.items {
            write_code_text(item.tokens.clone(), &mut text);
        }
        text
    }
}

fn write_code_text(tokens: TokenStream, out: &mut String) {
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
                write_code_text(group.stream(), out);
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

/// One top-level item: its outer attributes and the tokens up to its end,
/// a `;` or its body in braces. An inner attribute (`#![...]`, which a
/// `//!` line also is) is an item of its own.
#[derive(Debug)]
pub struct Item {
    pub attributes: Vec<Attribute>,
    /// All of its tokens, its attributes' too.
    pub tokens: TokenStream,
}

impl Item {
    fn split(tokens: TokenStream) -> Vec<Item> {
        let mut items = Vec::new();
        let mut current = Vec::new();
        let mut tokens = tokens.into_iter().peekable();
        while let Some(token) = tokens.next() {
            let ends_item = match &token {
                TokenTree::Punct(punct) if punct.as_char() == ';' => true,
                TokenTree::Group(group) => group.delimiter() == Delimiter::Brace,
                TokenTree::Punct(punct) if punct.as_char() == '#' => {
                    // `#!` then `[...]`: an inner attribute.
                    let inner = matches!(tokens.peek(), Some(TokenTree::Punct(bang)) if bang.as_char() == '!');
                    if inner {
                        current.push(token);
                        current.extend(tokens.next());
                        current.extend(tokens.next());
                        items.push(Item::of(std::mem::take(&mut current)));
                        continue;
                    }
                    false
                }
                TokenTree::Punct(_) | TokenTree::Ident(_) | TokenTree::Literal(_) => false,
            };
            current.push(token);
            if ends_item {
                items.push(Item::of(std::mem::take(&mut current)));
            }
        }
        if !current.is_empty() {
            items.push(Item::of(current));
        }
        items
    }

    fn of(tokens: Vec<TokenTree>) -> Item {
        let mut attributes = Vec::new();
        let mut at = 0;
        while let [TokenTree::Punct(hash), TokenTree::Group(group), ..] = &tokens[at..]
            && hash.as_char() == '#'
            && group.delimiter() == Delimiter::Bracket
        {
            attributes.extend(Attribute::of(group.stream()));
            at += 2;
        }
        Item {
            attributes,
            tokens: tokens.into_iter().collect(),
        }
    }

    /// Whether `#[cfg(test)]` is on it: what `cargo build` leaves out.
    pub fn is_test_only(&self) -> bool {
        self.attributes
            .iter()
            .any(|attribute| attribute.path == ["cfg"] && attribute.arguments == "test")
    }

    /// Its signature, if it is a function.
    pub fn function(&self) -> Option<Function> {
        let tokens: Vec<TokenTree> = self.tokens.clone().into_iter().collect();
        let mut at = 0;
        // Past its attributes.
        while let [TokenTree::Punct(hash), TokenTree::Group(_), ..] = &tokens[at..]
            && hash.as_char() == '#'
        {
            at += 2;
        }
        let visibility = match &tokens[at..] {
            [TokenTree::Ident(public), TokenTree::Group(restricted), ..]
                if public == "pub" && restricted.delimiter() == Delimiter::Parenthesis =>
            {
                at += 2;
                Visibility::Restricted
            }
            [TokenTree::Ident(public), ..] if public == "pub" => {
                at += 1;
                Visibility::Public
            }
            _ => Visibility::Private,
        };
        let mut asyncness = Asyncness::Sync;
        loop {
            match tokens.get(at) {
                Some(TokenTree::Ident(ident)) if ident == "fn" => break,
                Some(TokenTree::Ident(ident)) if ident == "async" => asyncness = Asyncness::Async,
                // `const`, `unsafe`, `extern "C"`.
                Some(TokenTree::Ident(_) | TokenTree::Literal(_)) => (),
                _ => return None,
            }
            at += 1;
        }
        let Some(TokenTree::Ident(name)) = tokens.get(at + 1) else {
            return None;
        };
        let after_generics = at + 2 + generics_length(&tokens[at + 2..]);
        let Some(TokenTree::Group(parameters)) = tokens.get(after_generics) else {
            return None;
        };
        let parameters: Vec<TokenTree> = parameters.stream().into_iter().collect();
        let parameters = parameters
            .split(|token| is_punct(token, ','))
            .filter(|parameter| !parameter.is_empty())
            .count();
        Some(Function {
            name: name.to_string(),
            visibility,
            asyncness,
            parameters,
            returns: returned_type(&tokens[after_generics + 1..]),
        })
    }
}

/// How many tokens the generic parameters at the start of `tokens` span
/// (`<F: Fn() -> u8>`), 0 for none.
fn generics_length(tokens: &[TokenTree]) -> usize {
    let mut depth = 0;
    for (at, token) in tokens.iter().enumerate() {
        let TokenTree::Punct(punct) = token else {
            if depth == 0 {
                return 0;
            }
            continue;
        };
        match punct.as_char() {
            '<' => depth += 1,
            // Not the `>` of an arrow, `Fn() -> u8`.
            '>' if at > 0 && is_punct(&tokens[at - 1], '-') => (),
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return at + 1;
                }
            }
            _ if depth == 0 => return 0,
            _ => (),
        }
    }
    0
}

/// The path of the type after `->` at the start of `tokens`, what follows
/// a function's parameters (`anyhow::Result` for `-> anyhow::Result<()>`),
/// empty for none.
fn returned_type(tokens: &[TokenTree]) -> Vec<String> {
    let rest = match tokens {
        [minus, greater, rest @ ..] if is_punct(minus, '-') && is_punct(greater, '>') => rest,
        _ => return Vec::new(),
    };
    let rest = match rest {
        [colon, second_colon, tail @ ..] if is_punct(colon, ':') && is_punct(second_colon, ':') => {
            tail
        }
        _ => rest,
    };
    match rest.first() {
        Some(TokenTree::Ident(_)) => path_at(rest).0,
        _ => Vec::new(),
    }
}

/// A function's signature, as far as xtask asks.
#[derive(Debug, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub visibility: Visibility,
    pub asyncness: Asyncness,
    pub parameters: usize,
    /// The path of the type it returns (`anyhow::Result`), without its
    /// generic arguments; empty if it returns `()`.
    pub returns: Vec<String>,
}

impl Function {
    /// Whether it returns a `Result`, by name (`io::Result`,
    /// `anyhow::Result` too).
    pub fn returns_result(&self) -> bool {
        self.returns.last().is_some_and(|name| name == "Result")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// `pub`.
    Public,
    /// `pub(crate)`, `pub(super)`...
    Restricted,
    Private,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asyncness {
    Async,
    Sync,
}

/// `#[tokio::test(start_paused = true)]`: its path as written and its
/// arguments, `start_paused = true`. A `///` comment is `#[doc = "..."]`,
/// with no arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub path: Vec<String>,
    pub arguments: String,
}

impl Attribute {
    /// The attribute whose inside of `#[...]` is `inside`.
    fn of(inside: TokenStream) -> Option<Attribute> {
        let tokens: Vec<TokenTree> = inside.into_iter().collect();
        let Some(TokenTree::Ident(_)) = tokens.first() else {
            return None;
        };
        let (path, length) = path_at(&tokens);
        let arguments = match tokens.get(length) {
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                group.stream().to_string()
            }
            _ => String::new(),
        };
        Some(Attribute { path, arguments })
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
    /// What `tokens` name, after what has already been read.
    pub fn add(&mut self, tokens: &TokenStream) {
        let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let mut at = 0;
        while at < tokens.len() {
            match &tokens[at] {
                // Not `impl Trait + use<'a>`, which says what a type captures.
                TokenTree::Ident(ident)
                    if ident == "use"
                        && !tokens.get(at + 1).is_some_and(|next| is_punct(next, '<')) =>
                {
                    self.words.insert(ident.to_string());
                    let end = tokens[at..]
                        .iter()
                        .position(|token| is_punct(token, ';'))
                        .map_or(tokens.len(), |length| at + length);
                    self.use_tree(&tokens[at + 1..end], Vec::new());
                    at = end;
                }
                TokenTree::Punct(punct) if punct.as_char() == '.' => {
                    if let Some(TokenTree::Ident(method)) = tokens.get(at + 1) {
                        self.words.insert(method.to_string());
                        self.methods.insert(method.to_string());
                        if tokens.get(at + 2).is_some_and(is_parenthesized) {
                            self.called.insert(method.to_string());
                        }
                        at += 1;
                    }
                }
                TokenTree::Punct(punct) if punct.as_char() == '#' => {
                    if let Some(TokenTree::Group(group)) = tokens.get(at + 1)
                        && group.delimiter() == Delimiter::Bracket
                        && let Some(attribute) = Attribute::of(group.stream())
                    {
                        if attribute.path.last().is_some_and(|name| name == "test")
                            && let Some(name) = function_after(&tokens[at + 2..])
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
                        if ignores && let Some(name) = function_after(&tokens[at + 2..]) {
                            self.ignored.insert(name);
                        }
                        self.attributes.push(attribute);
                    }
                }
                TokenTree::Ident(_) => {
                    let (path, length) = path_at(&tokens[at..]);
                    if tokens.get(at + length).is_some_and(is_parenthesized)
                        && let Some(last) = path.last()
                    {
                        self.called.insert(last.clone());
                    }
                    self.words.extend(path.iter().cloned());
                    self.written.push(path);
                    at += length - 1;
                }
                TokenTree::Group(group) => self.add(&group.stream()),
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
                    self.words.insert(ident.to_string());
                    if let Some(TokenTree::Ident(alias)) = tokens.get(at + 1) {
                        self.words.insert(alias.to_string());
                        let name = alias.to_string();
                        self.imports.push(Import::Name { name, path: prefix });
                    }
                    return;
                }
                // `mpsc::{self}` is `mpsc`.
                TokenTree::Ident(ident) if ident == "self" => {
                    self.words.insert(ident.to_string());
                }
                TokenTree::Ident(ident) => {
                    self.words.insert(ident.to_string());
                    prefix.push(ident.to_string());
                }
                TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                    let inside: Vec<TokenTree> = group.stream().into_iter().collect();
                    for tree in inside.split(|token| is_punct(token, ',')) {
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

/// The path that starts at `tokens[0]`, an identifier: its names, and how
/// many tokens it spans (`tokio`, `::`, `spawn` are three).
fn path_at(tokens: &[TokenTree]) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut at = 0;
    while let Some(TokenTree::Ident(ident)) = tokens.get(at) {
        names.push(ident.to_string());
        at += 1;
        let separator = (tokens.get(at), tokens.get(at + 1), tokens.get(at + 2));
        let (Some(TokenTree::Punct(first)), Some(second), Some(TokenTree::Ident(_))) = separator
        else {
            break;
        };
        if !(first.as_char() == ':' && first.spacing() == Spacing::Joint && is_punct(second, ':')) {
            break;
        }
        at += 2;
    }
    (names, at)
}

/// The name of the function `tokens` start with, past its other attributes
/// and its qualifiers (`async`, `pub`).
fn function_after(tokens: &[TokenTree]) -> Option<String> {
    let mut tokens = tokens.iter();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) if ident == "fn" => {
                return match tokens.next() {
                    Some(TokenTree::Ident(name)) => Some(name.to_string()),
                    _ => None,
                };
            }
            TokenTree::Ident(_) | TokenTree::Punct(_) => {}
            TokenTree::Group(group) if group.delimiter() == Delimiter::Bracket => {}
            TokenTree::Group(_) | TokenTree::Literal(_) => return None,
        }
    }
    None
}

/// Whether the `#[cfg(...)]` whose inside is `predicate` holds where the
/// checks run: Linux on x86_64, with `--cfg tokio_unstable`, in a test
/// build. What it can't tell (a feature, another cfg) may not hold.
pub fn cfg_holds(predicate: &str) -> bool {
    let Ok(tokens) = predicate.parse::<TokenStream>() else {
        return false;
    };
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    holds(&tokens)
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
        let inner: Vec<TokenTree> = group.stream().into_iter().collect();
        inner
            .split(|token| is_punct(token, ','))
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
            let inner: Vec<TokenTree> = group.stream().into_iter().collect();
            !holds(&inner)
        }
        [TokenTree::Ident(name)] => SET.iter().any(|set| name == set),
        [TokenTree::Ident(key), equals, TokenTree::Literal(value)] if is_punct(equals, '=') => {
            let value = value.to_string();
            VALUES
                .iter()
                .any(|&(known, held)| key == known && value == held)
        }
        _ => false,
    }
}

fn is_parenthesized(token: &TokenTree) -> bool {
    matches!(token, TokenTree::Group(group) if group.delimiter() == Delimiter::Parenthesis)
}

fn is_punct(token: &TokenTree, c: char) -> bool {
    matches!(token, TokenTree::Punct(punct) if punct.as_char() == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> RustSource {
        RustSource::parse(text).unwrap()
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
            (run.asyncness, run.parameters, run.returns_result()),
            (Asyncness::Async, 0, true)
        );
        assert!(!file.names().words.contains("ExitCode"));
    }

    #[test]
    fn items_are_read_with_their_attributes_and_signatures() {
        let text = "#![allow(dead_code)]\nuse std::process::ExitCode;\n\
                    pub(crate) fn run() {}\n\
                    pub fn main() -> ExitCode { ExitCode::SUCCESS }\n\
                    pub const fn helper<F: Fn(u8) -> u8>(a: F, b: (u8, u8),) -> std::io::Result<Vec<u8>> { todo!() }\n\
                    #[cfg(test)]\n/// Tests.\nmod tests { #[test] fn t() {} }";
        let file = source(text);
        assert_eq!(file.items().len(), 6);
        assert_eq!(file.public_function("run"), None);
        let main = file.public_function("main").unwrap();
        assert_eq!(
            (main.asyncness, main.parameters, main.returns.as_slice()),
            (Asyncness::Sync, 0, ["ExitCode".to_owned()].as_slice())
        );
        let helper = file.public_function("helper").unwrap();
        assert_eq!((helper.parameters, helper.returns_result()), (2, true));
        let tests = &file.items()[5];
        assert!(tests.is_test_only() && file.has_tests());
        assert_eq!(tests.attributes[1].path, ["doc"]);
    }

    #[test]
    fn names_are_paths_imports_methods_and_attributes() {
        let text = "use tokio::{io::{self, AsyncBufReadExt}, sync::mpsc as channel, prelude::*};\n\
                    #[tokio::main(flavor = \"current_thread\")]\n\
                    async fn f() -> impl Future + use<> { io::stdout().flush().await; ::std::mem::drop(x); }\n\
                    use std::time::Duration;";
        let names = source(text).names();
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
        let tests = source(tests).names();
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
