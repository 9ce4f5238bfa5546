//! A file's items, their attributes, and function headers.

use crate::{
    Delimiter, TokenTree, angle_step, idents, is_group, is_ident, is_punct, path_at, statement_end,
};

/// A file's tokens, as its top-level items.
#[derive(Debug)]
pub struct Source {
    items: Vec<Item>,
}

impl Source {
    /// `text`'s items, or why it is not Rust's tokens (an unclosed
    /// delimiter, a literal that does not end). Their tokens keep no lines:
    /// asking for one panics, or gives another file's ([`crate::read`]).
    pub fn parse(text: &str) -> Result<Self, String> {
        let items = crate::read(text, Item::split)
            .map_err(|error| format!("its code does not parse as Rust tokens: {error}"))?;
        Ok(Source { items })
    }

    pub fn items(&self) -> &[Item] {
        &self.items
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
}

/// One top-level item: its outer attributes and the tokens up to its end,
/// a `;` or its body in braces. An inner attribute (`#![...]`, which a
/// `//!` line also is) is an item of its own.
#[derive(Debug)]
pub struct Item {
    pub attributes: Vec<Attribute>,
    /// All of its tokens, its attributes' too.
    pub tokens: Vec<TokenTree>,
    /// Where its tokens past its attributes start.
    declared_at: usize,
}

impl Item {
    fn split(tokens: Vec<TokenTree>) -> Vec<Item> {
        let mut items = Vec::new();
        let mut rest = &tokens[..];
        while !rest.is_empty() {
            // `#!` then `[...]`: an inner attribute.
            let length = if is_punct(rest.first(), '#') && is_punct(rest.get(1), '!') {
                3
            } else {
                statement_end(rest).map_or(rest.len(), |end| end + 1)
            };
            let (item, after) = rest.split_at(length.min(rest.len()));
            items.push(Item::of(item.to_vec()));
            rest = after;
        }
        items
    }

    fn of(tokens: Vec<TokenTree>) -> Item {
        let (attributes, declared_at) = attributes(&tokens);
        Item {
            attributes,
            tokens,
            declared_at,
        }
    }

    /// Its tokens past its attributes: `mod hello;`, `pub fn run() { ... }`.
    pub fn declaration(&self) -> &[TokenTree] {
        &self.tokens[self.declared_at..]
    }

    /// Whether `#[cfg(test)]` is on it: what `cargo build` leaves out.
    pub fn is_test_only(&self) -> bool {
        self.attributes
            .iter()
            .any(|attribute| attribute.path == ["cfg"] && attribute.arguments == "test")
    }

    /// Its header, if it is a function.
    pub fn function(&self) -> Option<Function> {
        Function::read(self.declaration()).map(|(function, _)| function)
    }
}

/// The outer attributes `tokens` start with, and how many tokens they span.
pub fn attributes(tokens: &[TokenTree]) -> (Vec<Attribute>, usize) {
    let mut attributes = Vec::new();
    let mut at = 0;
    while is_punct(tokens.get(at), '#')
        && let Some(TokenTree::Group(group)) = tokens.get(at + 1)
        && group.delimiter() == Delimiter::Bracket
    {
        attributes.extend(Attribute::of(&crate::trees(group)));
        at += 2;
    }
    (attributes, at)
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
    pub fn of(inside: &[TokenTree]) -> Option<Attribute> {
        let Some(TokenTree::Ident(_)) = inside.first() else {
            return None;
        };
        let (path, length) = path_at(inside);
        let arguments = match inside.get(length) {
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                group.stream().to_string()
            }
            _ => String::new(),
        };
        Some(Attribute { path, arguments })
    }
}

/// A function's header, as far as the tools ask.
#[derive(Debug, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub visibility: Visibility,
    pub asyncness: Asyncness,
    pub parameters: Vec<Parameter>,
    /// The path of the type it returns (`anyhow::Result`), without its
    /// generic arguments; empty if it returns `()`.
    pub returns: Vec<String>,
}

impl Function {
    /// The function whose header `tokens` start with, `pub async fn
    /// name<G>(parameters) -> Type`, and the index of what ends that header:
    /// its body's braces, the `;` of a `fn` without one (in a trait), or
    /// `tokens.len()`.
    pub fn read(tokens: &[TokenTree]) -> Option<(Function, usize)> {
        let (visibility, mut at) = if !is_ident(tokens.first(), "pub") {
            (Visibility::Private, 0)
        } else if is_group(tokens.get(1), Delimiter::Parenthesis) {
            (Visibility::Restricted, 2)
        } else {
            (Visibility::Public, 1)
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
        let parameters = crate::trees(parameters);
        let parameters = top_level_split(&parameters);
        let parameters = parameters.into_iter().filter(|tokens| !tokens.is_empty());
        let rest = &tokens[after_generics + 1..];
        let function = Function {
            name: name.to_string(),
            visibility,
            asyncness,
            parameters: parameters.map(Parameter::of).collect(),
            returns: returned_type(rest),
        };
        let end = statement_end(rest).unwrap_or(rest.len());
        Some((function, after_generics + 1 + end))
    }

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

/// One of a function's parameters, as its tokens between the commas that
/// are not inside `<...>`.
#[derive(Debug, PartialEq, Eq)]
pub struct Parameter {
    /// The identifiers before its `:`, but `mut`.
    pattern: Vec<String>,
    /// Those after its `:`; none for `self`.
    type_idents: Option<Vec<String>>,
}

impl Parameter {
    fn of(tokens: &[TokenTree]) -> Parameter {
        let colon = tokens.iter().position(|token| is_punct(Some(token), ':'));
        let (pattern, typed) = tokens.split_at(colon.unwrap_or(tokens.len()));
        let mut pattern = idents(pattern);
        pattern.retain(|name| name != "mut");
        let type_idents = colon.map(|_| idents(typed));
        Parameter {
            pattern,
            type_idents,
        }
    }

    /// Its type's identifiers, if it binds `name` and no other:
    /// `mut workers: JoinSet<Worker>` gives `workers` `JoinSet` and `Worker`.
    pub fn type_of(&self, name: &str) -> Option<&[String]> {
        match (&self.pattern[..], &self.type_idents) {
            ([bound], Some(type_idents)) if bound == name => Some(type_idents),
            _ => None,
        }
    }
}

/// `tokens` split at each comma outside `<...>` (`HashMap<u8, Sender<u8>>`
/// is one piece).
fn top_level_split(tokens: &[TokenTree]) -> Vec<&[TokenTree]> {
    let mut pieces = Vec::new();
    let (mut start, mut depth) = (0, 0);
    for at in 0..tokens.len() {
        depth += angle_step(tokens, at);
        if depth == 0 && is_punct(tokens.get(at), ',') {
            pieces.push(&tokens[start..at]);
            start = at + 1;
        }
    }
    pieces.push(&tokens[start..]);
    pieces
}

/// How many tokens the generic parameters at the start of `tokens` span
/// (`<F: Fn() -> u8>`), 0 for none.
fn generics_length(tokens: &[TokenTree]) -> usize {
    if !is_punct(tokens.first(), '<') {
        return 0;
    }
    let mut depth = 0;
    for at in 0..tokens.len() {
        depth += angle_step(tokens, at);
        if depth == 0 {
            return at + 1;
        }
    }
    0
}

/// The path of the type after `->` at the start of `tokens`, what follows
/// a function's parameters (`anyhow::Result` for `-> anyhow::Result<()>`),
/// empty for none.
fn returned_type(tokens: &[TokenTree]) -> Vec<String> {
    if !is_punct(tokens.first(), '-') || !is_punct(tokens.get(1), '>') {
        return Vec::new();
    }
    // `-> ::std::process::ExitCode`.
    let absolute = is_punct(tokens.get(2), ':') && is_punct(tokens.get(3), ':');
    path_at(&tokens[if absolute { 4 } else { 2 }..]).0
}
