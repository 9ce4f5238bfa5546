//! The example's own file as a dump reads it: line by line, without
//! comments, with each line's brace depth, so that reading.rs can tell which
//! `fn` or async block a line is in and which names a line uses.

/// The file, line by line, without `//` comments, with the brace depth at
/// the start of each line.
pub(crate) struct Code<'a> {
    lines: Vec<Line<'a>>,
}

struct Line<'a> {
    /// The line without its comment.
    code: &'a str,
    /// How many braces are open where it starts.
    depth: i32,
}

impl<'a> Code<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut depth = 0;
        let lines = text
            .lines()
            .map(|line| {
                let code = without_comment(line);
                let at_start = depth;
                depth += code.matches('{').count() as i32 - code.matches('}').count() as i32;
                Line {
                    code,
                    depth: at_start,
                }
            })
            .collect();
        Code { lines }
    }

    /// Line `number` (from 1), without its comment.
    pub(crate) fn line(&self, number: usize) -> Option<&'a str> {
        number
            .checked_sub(1)
            .and_then(|index| self.lines.get(index))
            .map(|line| line.code)
    }

    fn depth(&self, number: usize) -> i32 {
        self.lines[number - 1].depth
    }

    /// Whether line `inner` is inside the body that opens on or after line
    /// `start` (a signature may run over several lines before its `{`).
    pub(crate) fn in_body(&self, start: usize, inner: usize) -> bool {
        if inner <= start || inner > self.lines.len() {
            return false;
        }
        let outside = self.depth(start);
        let mut entered = false;
        for number in start + 1..=inner {
            let depth = self.depth(number);
            if depth > outside {
                entered = true;
            } else if entered {
                return false;
            }
        }
        entered
    }

    /// Where the code a frame is in begins: the `fn` around `line`, or for
    /// an async block the nearest `async` block around it.
    pub(crate) fn scope(&self, function: &str, line: usize) -> Option<usize> {
        if !function.starts_with("async block in ") {
            return self.fn_start(line);
        }
        (1..line).rev().find(|&number| {
            let code = self.lines[number - 1].code;
            (code.contains("async move {") || code.contains("async {"))
                && self.in_body(number, line)
        })
    }

    /// Line `number` with the method chain it is part of, joined: rustfmt
    /// writes a long one a link a line (`lock\n.lock()\n.await;`).
    pub(crate) fn chain(&self, number: usize) -> String {
        let link = |n: usize| {
            self.line(n)
                .is_some_and(|c| c.trim_start().starts_with('.'))
        };
        let start = (1..=number).rev().find(|&n| !link(n)).unwrap_or(number);
        let end = (number + 1..).find(|&n| !link(n)).unwrap_or(number + 1);
        (start..end)
            .filter_map(|n| self.line(n))
            .map(str::trim)
            .collect()
    }

    /// The line that declares `fn name`, the first if there are several.
    pub(crate) fn fn_named(&self, name: &str) -> Option<usize> {
        let declares = |code: &str| {
            code.split("fn ")
                .skip(1)
                .any(|rest| rest.starts_with(name) && rest[name.len()..].starts_with(['(', '<']))
        };
        (1..=self.lines.len()).find(|&number| declares(self.lines[number - 1].code))
    }

    /// The line of the `fn` whose body holds `line`.
    pub(crate) fn fn_start(&self, line: usize) -> Option<usize> {
        (1..line).rev().find(|&number| {
            let code = self.lines[number - 1].code;
            code.contains("fn ") && self.in_body(number, line)
        })
    }
}

/// The name `code` binds, for a line `let [mut] name ...`.
pub(crate) fn bound_name(code: &str) -> Option<&str> {
    let rest = code.trim_start().strip_prefix("let ")?;
    let name = rest
        .trim_start_matches("mut ")
        .split([' ', ':', '=', ';'])
        .next()?;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    if name.is_empty() || !name.chars().all(ident) {
        return None;
    }
    Some(name)
}

/// Whether `word` occurs in `code` as a whole identifier.
pub(crate) fn names(code: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// `line` up to a `//` that is not inside a string literal.
fn without_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut previous = '\0';
    for (at, c) in line.char_indices() {
        match c {
            '"' if previous != '\\' => in_string = !in_string,
            '/' if !in_string && previous == '/' => return &line[..at - 1],
            _ => {}
        }
        previous = c;
    }
    line
}
