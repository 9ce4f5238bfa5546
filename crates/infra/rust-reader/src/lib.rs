//! A Rust file as the workspace's tools read it: proc-macro2's tokens, with
//! their lines, so that a brace, an `.await` or a `fn` inside a string, a
//! char or a comment is never code. The runner's dumps (`dump/code.rs`:
//! bodies, suspension points, bindings) and xtask (`rust_source.rs`: names,
//! imports, `#[cfg]`) ask their own questions of what this reads: the
//! tokens' tests and walks, their lines ([`Lines`]), and a file's items with
//! their attributes and function headers ([`Source`]).
//!
//! Tokens, not `syn`: much of what both look for sits inside macro bodies
//! (`select!`'s branches and the `Duration`s in them, `join!`'s futures,
//! `println!`'s arguments), which `syn` leaves as unparsed tokens: it would
//! need a token walker beside it, and that walker alone reads what both ask.

mod item;
#[cfg(test)]
mod tests;

pub use item::{Asyncness, Attribute, Function, Item, Parameter, Source, Visibility, attributes};
pub use proc_macro2::{Delimiter, Group, LexError, TokenTree};

use std::cell::Cell;
use std::str::FromStr;

use proc_macro2::{Spacing, TokenStream};

/// `text`'s tokens, handed to `read`. Their spans, which give their lines,
/// hold until the outermost `read` on this thread returns (one called
/// inside another's `read` forgets nothing), and are then forgotten with
/// every span made before on this thread: otherwise proc-macro2 keeps the
/// text they point into for the thread's life, a copy a file. So what
/// `read` keeps of the tokens must not ask them for their lines: that
/// panics, or gives another file's. A text that does not lex is forgotten
/// too (proc-macro2 has added it before it fails).
pub fn read<T>(text: &str, read: impl FnOnce(Vec<TokenTree>) -> T) -> Result<T, LexError> {
    let _forget = ForgetSpans::outermost();
    let tokens = TokenStream::from_str(text)?;
    Ok(read(tokens.into_iter().collect()))
}

thread_local! {
    /// How many [`read`]s this thread is inside.
    static READING: Cell<usize> = const { Cell::new(0) };
}

/// Forgets this thread's spans when the outermost [`read`] returns.
struct ForgetSpans;

impl ForgetSpans {
    fn outermost() -> Self {
        READING.set(READING.get() + 1);
        ForgetSpans
    }
}

impl Drop for ForgetSpans {
    fn drop(&mut self) {
        READING.set(READING.get() - 1);
        if READING.get() == 0 {
            proc_macro2::extra::invalidate_current_thread_spans();
        }
    }
}

/// The tokens inside `group`.
pub fn trees(group: &Group) -> Vec<TokenTree> {
    group.stream().into_iter().collect()
}

/// Calls `visit` for each token of `tokens` and of their groups, in the
/// order they come, with the tokens beside it (its group's) and its index.
pub fn each(tokens: &[TokenTree], visit: &mut impl FnMut(&[TokenTree], usize)) {
    for (at, token) in tokens.iter().enumerate() {
        visit(tokens, at);
        if let TokenTree::Group(group) = token {
            each(&trees(group), visit);
        }
    }
}

/// Every identifier in `tokens`, groups included, as written (`r#type`).
pub fn idents(tokens: &[TokenTree]) -> Vec<String> {
    let mut found = Vec::new();
    each(tokens, &mut |tokens, at| {
        if let TokenTree::Ident(ident) = &tokens[at] {
            found.push(ident.to_string());
        }
    });
    found
}

pub fn is_punct(token: Option<&TokenTree>, c: char) -> bool {
    matches!(token, Some(TokenTree::Punct(punct)) if punct.as_char() == c)
}

pub fn is_group(token: Option<&TokenTree>, delimiter: Delimiter) -> bool {
    matches!(token, Some(TokenTree::Group(group)) if group.delimiter() == delimiter)
}

/// Whether `token` is the identifier `word`.
pub fn is_ident(token: Option<&TokenTree>, word: &str) -> bool {
    matches!(token, Some(TokenTree::Ident(ident)) if ident == word)
}

/// Where the statement or the header `tokens` start ends: the index of
/// its first `;` or braces (a body, a block), if it has one.
pub fn statement_end(tokens: &[TokenTree]) -> Option<usize> {
    tokens.iter().position(ends_statement)
}

/// Where the statement or the item that token `at` is in starts: past the
/// last `;` or braces before it.
pub fn statement_start(tokens: &[TokenTree], at: usize) -> usize {
    tokens[..at]
        .iter()
        .rposition(ends_statement)
        .map_or(0, |end| end + 1)
}

fn ends_statement(token: &TokenTree) -> bool {
    is_punct(Some(token), ';') || is_group(Some(token), Delimiter::Brace)
}

/// Whether token `at` is `c` glued to the punctuation after it (`Joint`:
/// `&` of `&&`, `:` of `::`) or not (`Alone`).
fn is_spaced(tokens: &[TokenTree], at: usize, c: char, spacing: Spacing) -> bool {
    let Some(TokenTree::Punct(punct)) = tokens.get(at) else {
        return false;
    };
    punct.as_char() == c && punct.spacing() == spacing
}

/// Whether tokens `at` and `at + 1` are `&&`.
pub fn is_and_and(tokens: &[TokenTree], at: usize) -> bool {
    is_spaced(tokens, at, '&', Spacing::Joint) && is_punct(tokens.get(at + 1), '&')
}

/// Whether token `at` is an `=` that assigns: not part of `==`, `=>`, `!=`,
/// `<=`, `>=` or `..=`.
pub fn is_assign(tokens: &[TokenTree], at: usize) -> bool {
    let glued_to_previous = at > 0
        && matches!(&tokens[at - 1], TokenTree::Punct(previous) if previous.spacing() == Spacing::Joint);
    is_spaced(tokens, at, '=', Spacing::Alone) && !glued_to_previous
}

/// Whether token `at` is a lone `:`, not part of a path's `::`.
pub fn is_type_colon(tokens: &[TokenTree], at: usize) -> bool {
    let after_colon = at > 0 && is_punct(tokens.get(at - 1), ':');
    is_spaced(tokens, at, ':', Spacing::Alone) && !after_colon
}

/// How token `at` changes the depth of angle brackets: 1 for `<`, -1 for a
/// `>` that is not an arrow's (`->`, `Fn() -> u8`), 0 for any other.
pub fn angle_step(tokens: &[TokenTree], at: usize) -> isize {
    let arrow = at > 0 && is_punct(tokens.get(at - 1), '-');
    match tokens.get(at) {
        Some(TokenTree::Punct(punct)) if punct.as_char() == '<' => 1,
        Some(TokenTree::Punct(punct)) if punct.as_char() == '>' && !arrow => -1,
        _ => 0,
    }
}

/// The path that starts at `tokens[0]`, an identifier: its names, and how
/// many tokens it spans (`tokio`, `::`, `spawn` are three).
pub fn path_at(tokens: &[TokenTree]) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut at = 0;
    while let Some(TokenTree::Ident(ident)) = tokens.get(at) {
        names.push(ident.to_string());
        at += 1;
        // A `::` and a name after it go on.
        let separator =
            is_spaced(tokens, at, ':', Spacing::Joint) && is_punct(tokens.get(at + 1), ':');
        if !separator || !matches!(tokens.get(at + 2), Some(TokenTree::Ident(_))) {
            break;
        }
        at += 2;
    }
    (names, at)
}

/// The names a pattern binds: not its constructors (`Some(..)`, `None`,
/// `Reply::Done { .. }`), a path's segments, a field's name before its `:`,
/// nor `mut` and `ref`.
pub fn pattern_names(pattern: &[TokenTree]) -> Vec<String> {
    let mut names = Vec::new();
    each(pattern, &mut |pattern, at| {
        let TokenTree::Ident(ident) = &pattern[at] else {
            return;
        };
        let word = ident.to_string();
        let next = pattern.get(at + 1);
        let constructor =
            matches!(next, Some(TokenTree::Group(_))) || word.starts_with(char::is_uppercase);
        // `x` of `x: px` or of `x::Y`, and `Y` after `::`; but `px`, after a
        // field's lone `:`, is bound.
        let after_path =
            at >= 2 && is_punct(pattern.get(at - 1), ':') && is_punct(pattern.get(at - 2), ':');
        let in_path = is_punct(next, ':') || after_path;
        if !constructor && !in_path && !matches!(word.as_str(), "mut" | "ref" | "_") {
            names.push(word);
        }
    });
    names
}

/// Lines `first..=last` of the file, from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lines {
    pub first: usize,
    pub last: usize,
}

impl Lines {
    pub fn holds(self, line: usize) -> bool {
        (self.first..=self.last).contains(&line)
    }

    pub fn holds_lines(self, inner: Lines) -> bool {
        self.first <= inner.first && inner.last <= self.last
    }

    /// From the line `first` starts on to the one `last` ends on.
    pub fn between(first: &TokenTree, last: &TokenTree) -> Lines {
        Lines {
            first: line_of(first),
            last: last_line(last),
        }
    }

    /// A group's, from its opening delimiter to its closing one.
    pub fn of(group: &Group) -> Lines {
        Lines {
            first: group.span_open().start().line,
            last: group.span_close().end().line,
        }
    }
}

/// The line `token` starts on.
pub fn line_of(token: &TokenTree) -> usize {
    token.span().start().line
}

/// The line `token` ends on.
fn last_line(token: &TokenTree) -> usize {
    token.span().end().line
}

/// Tokens as one line of code: `tasks.join_next()`, with a chain rustfmt
/// wrote a link a line joined up. Spaces where the source has them on a line.
pub fn text(tokens: &[TokenTree]) -> String {
    let mut out = String::new();
    let mut previous_end = None;
    for token in tokens {
        let start = token.span().start();
        let glued = match token {
            TokenTree::Punct(punct) => matches!(punct.as_char(), '.' | '?' | ',' | ';'),
            TokenTree::Group(group) => group.delimiter() != Delimiter::Brace,
            _ => false,
        };
        let space = match previous_end {
            Some((line, column)) if line == start.line => start.column > column,
            Some(_) => !glued,
            None => false,
        };
        if space {
            out.push(' ');
        }
        match token {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{ ", " }"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                out.push_str(&text(&trees(group)));
                out.push_str(close);
            }
            other => out.push_str(&other.to_string()),
        }
        let end = token.span().end();
        previous_end = Some((end.line, end.column));
    }
    out
}
