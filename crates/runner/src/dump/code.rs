//! What a dump reads in the example's own file: which lock guards a task
//! still holds where it waits, and which handle or set an `.await` names.
//!
//! This is reading code, not watching the program: a guard bound by a `let`
//! that the task has passed, in a block it has not left, and not handed to
//! `drop` before the line it waits at, is held. What a value is (which
//! `Mutex` a `lock()` locks) the code says only by its names: tree.rs
//! follows a parameter to what the caller passed, and goes no further.

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
                depth += code.matches('{').count() as i32 - code.matches('}').count() as i32;
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
            let code = self.lines[number - 1].0;
            (code.contains("async move {") || code.contains("async {"))
                && self.in_body(number, line)
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
            let line_code = self.lines[number - 1].0;
            let Some(name) = bound_name(line_code).filter(|name| *name != "_") else {
                continue;
            };
            let Some(lock) = bound_lock(&self.chain(number)) else {
                continue;
            };
            let dropped = format!("drop({name})");
            let still_held = self.still_in_block(number, line)
                && !(number + 1..line).any(|later| self.lines[later - 1].0.contains(&dropped));
            if still_held {
                held.push(Held { line: number, lock });
            }
        }
        let code = self.chain(line);
        for take in TAKES.iter().filter(|_| past_lock) {
            if let Some(at) = code.find(&format!("{take}.")) {
                let lock = lock_expression(&code[..at], take);
                held.push(Held { line, lock });
            }
        }
        held
    }

    /// The lock the statement at `line` waits to take, if it takes one.
    pub(crate) fn taking(&self, line: usize) -> Option<String> {
        let code = self.chain(line);
        TAKES
            .iter()
            .find_map(|take| code.find(take).map(|at| lock_expression(&code[..at], take)))
    }

    /// The receiver a channel wait at `line` awaits: `queue` in
    /// `queue.recv().await`, `approval` in `approval.await`.
    pub(crate) fn receiving(&self, line: usize) -> Option<String> {
        let code = self.chain(line);
        let at = code.find(".recv()").or_else(|| code.find(".await"))?;
        let start = code[..at]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |start| start + 1);
        Some(code[start..at].to_owned()).filter(|name| !name.is_empty() && !name.starts_with('.'))
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

    /// The code from line `number` to where the parentheses it opens
    /// close: a spawn's whole call, with its arguments and async block.
    pub(crate) fn call(&self, number: usize) -> String {
        let (mut text, mut open) = (String::new(), 0);
        for (code, _) in self.lines.iter().skip(number.saturating_sub(1)) {
            text.push_str(code.trim());
            text.push(' ');
            open += code.matches('(').count() as i64 - code.matches(')').count() as i64;
            if open <= 0 {
                break;
            }
        }
        text
    }

    /// The line that declares `fn name`, the first if there are several.
    pub(crate) fn fn_named(&self, name: &str) -> Option<usize> {
        let declares = |code: &str| {
            code.split("fn ")
                .skip(1)
                .any(|rest| rest.starts_with(name) && rest[name.len()..].starts_with(['(', '<']))
        };
        (1..=self.lines.len()).find(|&number| declares(self.lines[number - 1].0))
    }

    /// The line of the `fn` whose body holds `line`.
    pub(crate) fn fn_start(&self, line: usize) -> Option<usize> {
        (1..line).rev().find(|&number| {
            let code = self.lines[number - 1].0;
            code.contains("fn ") && self.in_body(number, line)
        })
    }

    /// The names of the parameters of the `fn` that `function` is, if a
    /// frame of it at `line` is in that `fn`'s body and not an async block
    /// (`self` left out, as a method call passes it before the `(`).
    pub(crate) fn params(&self, function: &str, line: usize) -> Option<Vec<String>> {
        let start = self.scope(function, line)?;
        let name = function.rsplit("::").next()?;
        let signature = self.call(start);
        let args = arguments(&signature, name)?;
        let names = args.iter().filter_map(|param| {
            let (name, _) = param.split_once(':')?;
            Some(name.trim().trim_start_matches("mut ").to_owned())
        });
        Some(names.collect())
    }

    /// `R`'s sender, from the `let (S, R) = ...channel...` in the `fn` at
    /// line `scope`.
    pub(crate) fn sender_of(&self, receiver: &str, scope: usize) -> Option<String> {
        (scope + 1..=self.lines.len())
            .take_while(|&number| self.in_body(scope, number))
            .find_map(|number| {
                let code = self.lines[number - 1].0.trim();
                let pair = code.strip_prefix("let (")?.split_once(')')?.0;
                let (sender, received) = pair.split_once(',')?;
                let sender = sender.trim().trim_start_matches("mut ");
                let is_channel = code.contains("channel");
                (is_channel && received.trim().trim_start_matches("mut ") == receiver)
                    .then(|| sender.to_owned())
            })
    }
}

/// The arguments of the first call of `callee` in `code`, each trimmed.
pub(crate) fn arguments<'c>(code: &'c str, callee: &str) -> Option<Vec<&'c str>> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let call = format!("{callee}(");
    let (at, _) = code
        .match_indices(&call)
        .find(|(at, _)| !code[..*at].ends_with(ident))?;
    let inner = &code[at + call.len()..];
    let (mut depth, mut start, mut args) = (0, 0, Vec::new());
    for (index, c) in inner.char_indices() {
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            '>' if inner[..index].ends_with(['-', '=']) => {}
            ')' | ']' | '}' | '>' if depth > 0 => depth -= 1,
            ',' | ')' if depth == 0 => {
                args.push(inner[start..index].trim());
                start = index + 1;
                if c == ')' {
                    let is_self = |arg: &str| {
                        arg.trim_start_matches('&').trim_start_matches("mut ") == "self"
                    };
                    args.retain(|arg| !arg.is_empty() && !is_self(arg));
                    return Some(args);
                }
            }
            _ => {}
        }
    }
    None
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
