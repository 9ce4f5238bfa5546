//! What a dump reads in the example's own file: which lock guards a task
//! still holds where it waits, and which handle or set an `.await` names.
//!
//! This is reading code, not watching the program: a guard bound by a `let`
//! that the task has passed, in a block it has not left, and not handed to
//! `drop` before the line it waits at, is held. What a value is (which
//! `Mutex` a `lock()` locks) the code can't say, and nothing here guesses it.

/// The file, line by line, without `//` comments, with the brace depth at
/// the start of each line.
pub(crate) struct Code<'a> {
    lines: Vec<(&'a str, i32)>,
}

/// A lock taken by an `.await`: `from.balance.lock()`.
const TAKES: [&str; 6] = [
    ".lock().await",
    ".read().await",
    ".write().await",
    ".lock_owned().await",
    ".read_owned().await",
    ".write_owned().await",
];

/// A guard a task holds: the line that took it, and what it locked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Held {
    pub(crate) line: usize,
    /// `from.balance.lock()`.
    pub(crate) lock: String,
}

impl<'a> Code<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut depth = 0;
        let lines = text
            .lines()
            .map(|line| {
                let code = without_comment(line);
                let at_start = depth;
                for c in code.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                (code, at_start)
            })
            .collect();
        Code { lines }
    }

    /// Line `number` (from 1), without its comment.
    pub(crate) fn line(&self, number: usize) -> Option<&'a str> {
        number
            .checked_sub(1)
            .and_then(|index| self.lines.get(index))
            .map(|(code, _)| *code)
    }

    fn depth(&self, number: usize) -> i32 {
        self.lines[number - 1].1
    }

    /// Whether line `inner` comes after line `outer` and before the end of
    /// the block `outer` is in.
    fn still_in_block(&self, outer: usize, inner: usize) -> bool {
        inner > outer
            && inner <= self.lines.len()
            && (outer + 1..=inner).all(|number| self.depth(number) >= self.depth(outer))
    }

    /// Whether line `inner` is inside the body that opens on or after line
    /// `start` (a signature may run over several lines before its `{`).
    fn in_body(&self, start: usize, inner: usize) -> bool {
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

    /// Where the code a frame is in begins: the `fn` named `function`
    /// (`Bank::transfer` is `fn transfer`), or for an async block the
    /// nearest `async` block around `line`.
    pub(crate) fn scope(&self, function: &str, line: usize) -> Option<usize> {
        let (is_block, name) = match function.strip_prefix("async block in ") {
            Some(name) => (true, name),
            None => (false, function),
        };
        let name = name.rsplit("::").next().unwrap_or(name);
        (1..line).rev().find(|&number| {
            let code = self.lines[number - 1].0;
            let opens = if is_block {
                code.contains("async move {") || code.contains("async {")
            } else {
                declares_fn(code, name)
            };
            opens && self.in_body(number, line)
        })
    }

    /// The guards a frame at `line` of `function` holds: each `let` that
    /// binds one in the same scope before `line`, in a block `line` is
    /// still in, not dropped before it; and, if `past_lock`, one locked
    /// earlier in the statement at `line` itself and used on
    /// (`queue.lock().await.recv().await`).
    pub(crate) fn held(&self, function: &str, line: usize, past_lock: bool) -> Vec<Held> {
        let Some(scope) = self.scope(function, line) else {
            return Vec::new();
        };
        let mut held = Vec::new();
        for number in scope + 1..line {
            let code = self.lines[number - 1].0.trim();
            let Some(name) = bound_name(code).filter(|name| *name != "_") else {
                continue;
            };
            let Some(lock) = bound_lock(code) else {
                continue;
            };
            let dropped = format!("drop({name})");
            let still_held = self.still_in_block(number, line)
                && !(number + 1..line).any(|later| self.lines[later - 1].0.contains(&dropped));
            if still_held {
                held.push(Held { line: number, lock });
            }
        }
        if past_lock && let Some(code) = self.line(line) {
            for take in TAKES {
                if let Some(at) = code.find(&format!("{take}.")) {
                    held.push(Held {
                        line,
                        lock: lock_expression(&code[..at], take),
                    });
                }
            }
        }
        held
    }

    /// The lock the statement at `line` waits to take, if it takes one.
    pub(crate) fn taking(&self, line: usize) -> Option<String> {
        let code = self.line(line)?;
        TAKES
            .iter()
            .find_map(|take| code.find(take).map(|at| lock_expression(&code[..at], take)))
    }
}

/// `from.balance` + `.lock().await` as `from.balance.lock()`: the
/// expression that ends where `before` ends, from its last space, `(`, `=`
/// or `&`.
fn lock_expression(before: &str, take: &str) -> String {
    let start = before
        .rfind([' ', '(', '=', '&', '!', '*'])
        .map_or(0, |at| at + 1);
    let method = take.trim_end_matches(".await");
    format!("{}{method}", &before[start..])
}

/// For `let [mut] name ... = <expr>.lock().await;`, `<expr>.lock()`.
fn bound_lock(code: &str) -> Option<String> {
    let (_, value) = code.split_once(" = ")?;
    let value = value.trim_end().strip_suffix(';')?;
    let take = TAKES.iter().find(|take| value.ends_with(*take))?;
    let before = &value[..value.len() - take.len()];
    Some(lock_expression(before, take))
}

/// The name `code` binds, for a line `let [mut] name ...`.
pub(crate) fn bound_name(code: &str) -> Option<&str> {
    code.trim_start()
        .strip_prefix("let ")
        .map(|rest| rest.trim_start_matches("mut "))
        .and_then(|rest| rest.split([' ', ':', '=', ';']).next())
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// Whether `code` declares `fn name`.
fn declares_fn(code: &str, name: &str) -> bool {
    let declaration = format!("fn {name}");
    code.match_indices(&declaration).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + declaration.len()..].chars().next();
        before.is_none_or(|c| c == ' ') && after.is_some_and(|c| c == '(' || c == '<' || c == ' ')
    })
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
