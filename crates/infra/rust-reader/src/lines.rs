//! Where tokens are in their file, from their spans: their lines, and their
//! text as one line of code.

use crate::{Delimiter, Group, TokenTree, trees};

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
