//! The example's own file as a dump reads it: as Rust tokens, with their
//! lines ([`rust_reader`]), so that a brace, an `.await` or a `fn` inside a
//! string, a char or a comment is no code. What reading.rs needs of it: each
//! body (a `fn`'s or an async block's) with the lines it spans and the places
//! its own code may suspend at, and the names each `let` binds. A file that
//! does not tokenize reads as empty, and then nothing is read from it.

use rust_reader::{
    Delimiter, Function, Group, Lines, Parameter, TokenTree, angle_step, idents, is_and_and,
    is_assign, is_group, is_ident, is_punct, is_type_colon, line_of, pattern_names, statement_end,
    statement_start, text, trees,
};

/// The file's bodies, suspension points, bindings and loops.
#[derive(Debug, Default)]
pub(crate) struct Code {
    bodies: Vec<Body>,
    sites: Vec<Site>,
    lets: Vec<Let>,
    loops: Vec<Loop>,
    spawns_into: Vec<SpawnInto>,
}

/// Code that runs as one future's own: a `fn`'s body or an async block.
#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) kind: BodyKind,
    /// From the `fn` or `async` keyword to the closing brace.
    pub(crate) lines: Lines,
    /// A `fn` at the file's top level (not in an `impl`, a `mod` or a body).
    free: bool,
    /// Its parameters, each with its type's identifiers.
    params: Vec<Parameter>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Fn(String),
    AsyncBlock,
}

/// A place a body's own code may suspend at: an `.await`, or a macro that
/// is not known not to (`join!`, `select!`, any the reader doesn't know).
#[derive(Debug)]
pub(crate) struct Site {
    /// The body whose own code it is.
    pub(crate) body: usize,
    /// From the awaited expression's first token to `await`, or the macro's.
    pub(crate) lines: Lines,
    pub(crate) kind: SiteKind,
    /// The awaited expression, or the macro's arguments: `tasks.join_next()`.
    pub(crate) text: String,
    /// Every identifier in it.
    idents: Vec<String>,
    /// For `name(...).await`, `name`.
    pub(crate) call: Option<String>,
    /// For `name.method(...)...await`, `name`.
    pub(crate) receiver: Option<String>,
    /// The call the awaited expression ends in.
    pub(crate) ends_in: Option<Call>,
}

/// The call an awaited expression ends in, by its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Call {
    /// `tasks.join_next()`: `join_next`.
    Method(String),
    /// `join_all(handles)`, `future::pending::<()>()`: `join_all`, `pending`.
    Function(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SiteKind {
    Await,
    Macro,
}

/// A `for`, `while` or `loop`.
#[derive(Debug)]
struct Loop {
    /// From the keyword to the closing brace.
    lines: Lines,
    /// From the keyword to the opening brace: a `while`'s condition.
    header: Lines,
    is_while: bool,
    /// A `break` anywhere in its body (or a loop in it).
    breaks: bool,
}

/// A `set.spawn(...)` call (or `spawn_local`, `spawn_on`, `spawn_blocking`).
#[derive(Debug)]
pub(crate) struct SpawnInto {
    pub(crate) set: String,
    /// The line of `spawn`.
    line: usize,
    /// The body whose own code calls it.
    pub(crate) body: Option<usize>,
}

/// A `let` statement: the names its pattern binds and the tokens it runs.
#[derive(Debug)]
struct Let {
    names: Vec<String>,
    /// From `let` to its `;`.
    lines: Lines,
    /// The block it binds in, where its names are seen after it.
    scope: Lines,
    /// Every identifier after its pattern.
    idents: Vec<String>,
}

/// Macros that never suspend the code around them (their arguments may, and
/// are read as code).
const NOT_SUSPENDING: [&str; 28] = [
    "println",
    "print",
    "eprintln",
    "eprint",
    "format",
    "format_args",
    "write",
    "writeln",
    "vec",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
    "matches",
    "dbg",
    "pin",
    "concat",
    "stringify",
    "anyhow",
    "bail",
    "ensure",
    "include_str",
];

/// A `JoinSet`'s methods that wait until it is empty.
const EMPTYING: [&str; 2] = ["join_all", "shutdown"];

/// A `JoinSet`'s methods that wait for its next task.
pub(crate) const JOIN_NEXT: [&str; 2] = ["join_next", "join_next_with_id"];

/// Identifiers that end an awaited expression, read backwards from `.await`.
const KEYWORDS: [&str; 16] = [
    "let", "if", "else", "match", "while", "for", "in", "loop", "return", "break", "move", "async",
    "await", "yield", "mut", "unsafe",
];

impl Code {
    pub(crate) fn new(text: &str) -> Self {
        // Nothing kept holds a span, which `read` forgets.
        let read = rust_reader::read(text, |tokens| {
            let mut code = Code::default();
            let file = Lines {
                first: 1,
                last: usize::MAX,
            };
            code.walk(&tokens, None, file, Level::Items);
            code
        });
        read.unwrap_or_default()
    }

    /// The innermost `fn` around `line`.
    pub(crate) fn fn_around(&self, line: usize) -> Option<usize> {
        let fns = self.bodies.iter().enumerate();
        let around =
            fns.filter(|(_, body)| matches!(body.kind, BodyKind::Fn(_)) && body.lines.holds(line));
        let innermost = around.min_by_key(|(_, body)| body.lines.last - body.lines.first);
        innermost.map(|(index, _)| index)
    }

    /// How a dump names a body's frame: `run`, `async block in run`.
    pub(crate) fn name(&self, index: usize) -> Option<String> {
        match &self.bodies[index].kind {
            BodyKind::Fn(name) => Some(name.clone()),
            BodyKind::AsyncBlock => {
                let outer = self.fn_around(self.bodies[index].lines.first)?;
                Some(format!("async block in {}", self.name(outer)?))
            }
        }
    }

    /// The one `fn name` at the file's top level, if there is exactly one.
    pub(crate) fn free_fn(&self, name: &str) -> Option<usize> {
        let named = |body: &Body| body.free && body.kind == BodyKind::Fn(name.to_owned());
        let found = self
            .bodies
            .iter()
            .enumerate()
            .filter(|(_, body)| named(body));
        only(found).map(|(index, _)| index)
    }

    /// The one async block whose `async` is on `line`, if there is one.
    pub(crate) fn async_block_at(&self, line: usize) -> Option<usize> {
        let at = |body: &Body| body.kind == BodyKind::AsyncBlock && body.lines.first == line;
        let found = self.bodies.iter().enumerate().filter(|(_, body)| at(body));
        only(found).map(|(index, _)| index)
    }

    /// The places body `body`'s own code may suspend at.
    pub(crate) fn sites_of(&self, body: usize) -> impl Iterator<Item = &Site> {
        self.sites.iter().filter(move |site| site.body == body)
    }

    /// Body `body`'s own suspension points that may be reached after line
    /// `line` runs: those after it, and those in a loop around it.
    pub(crate) fn sites_after(&self, body: usize, line: usize) -> Vec<&Site> {
        let looping: Vec<Lines> = self
            .loops
            .iter()
            .map(|looped| looped.lines)
            .filter(|lines| lines.holds(line))
            .collect();
        self.sites_of(body)
            .filter(|site| {
                site.lines.last >= line || looping.iter().any(|lines| lines.holds_lines(site.lines))
            })
            .collect()
    }

    /// Whether `line` is in a `for`, `while` or `loop` (of the same body or
    /// one around it).
    pub(crate) fn in_loop(&self, line: usize) -> bool {
        self.loops.iter().any(|looped| looped.lines.holds(line))
    }

    /// The last line body `body` can be at while a task it spawned into
    /// `set` on `line` is alive: the end of the first wait after `line` that
    /// returns only once the set is empty, `set.join_all().await`,
    /// `set.shutdown().await`, or a `while` on `set.join_next().await` with
    /// no `break`.
    pub(crate) fn drained(&self, body: usize, set: &str, line: usize) -> Option<usize> {
        let on_set = self.sites_of(body).filter(|site| {
            site.lines.first >= line
                && site.kind == SiteKind::Await
                && site.receiver.as_deref() == Some(set)
        });
        let mut ends = on_set.filter_map(|site| {
            if site.calls_method(&EMPTYING) {
                return Some(site.lines.last);
            }
            if !site.calls_method(&JOIN_NEXT) {
                return None;
            }
            let draining = self.loops.iter().find(|looped| {
                looped.is_while && !looped.breaks && looped.header.holds_lines(site.lines)
            });
            draining.map(|looped| looped.lines.last)
        });
        ends.next()
    }

    /// The innermost suspension point whose lines hold `line`, if one is.
    pub(crate) fn site_at(&self, line: usize) -> Option<&Site> {
        let holding = self.sites.iter().filter(|site| site.lines.holds(line));
        let smallest = holding
            .clone()
            .map(|site| site.lines.last - site.lines.first)
            .min()?;
        only(holding.filter(|site| site.lines.last - site.lines.first == smallest))
    }

    /// The spawns into a receiver on `line`, `tasks` for `tasks.spawn(...)`.
    pub(crate) fn spawned_into(&self, line: usize) -> impl Iterator<Item = &SpawnInto> {
        self.spawns_into
            .iter()
            .filter(move |spawn| spawn.line == line)
    }

    /// The names bound by the `let` whose statement holds `line`.
    pub(crate) fn bound_at(&self, line: usize) -> Vec<&str> {
        let lets = self.lets.iter().filter(|binding| binding.lines.holds(line));
        lets.flat_map(|binding| binding.names.iter().map(String::as_str))
            .collect()
    }

    /// The `let` that binds `name` as seen at `line`: the last one before it
    /// in a block around it. By the line its statement starts on.
    pub(crate) fn binding_of(&self, name: &str, line: usize) -> Option<usize> {
        let seen = self.lets.iter().filter(|binding| {
            binding.lines.last < line
                && binding.scope.holds(line)
                && binding.names.iter().any(|bound| bound == name)
        });
        seen.map(|binding| binding.lines.first).max()
    }

    /// The `let` that binds `name` for the code on `line`: the one whose
    /// statement holds the line (`let handle = tokio::spawn(...)`), or else
    /// the one seen there.
    pub(crate) fn binding_for(&self, name: &str, line: usize) -> Option<usize> {
        let own = self.lets.iter().find(|binding| {
            binding.lines.holds(line) && binding.names.iter().any(|bound| bound == name)
        });
        match own {
            Some(binding) => Some(binding.lines.first),
            None => self.binding_of(name, line),
        }
    }

    /// Whether `name`, a parameter of body `body` or bound by a `let` in it,
    /// is declared with `type_name` among its tokens: `workers: JoinSet<T>`,
    /// `let mut tasks = JoinSet::new();`.
    pub(crate) fn declared_as(&self, body: usize, name: &str, type_name: &str) -> bool {
        let Some(declared) = self.bodies.get(body) else {
            return false;
        };
        let param = declared.params.iter().find_map(|param| param.type_of(name));
        if let Some(type_idents) = param {
            return type_idents.iter().any(|ident| ident == type_name);
        }
        let lets = self.lets.iter().filter(|binding| {
            declared.lines.holds_lines(binding.lines) && binding.names.iter().any(|n| n == name)
        });
        let lets: Vec<&Let> = lets.collect();
        !lets.is_empty()
            && lets
                .iter()
                .all(|binding| binding.idents.iter().any(|i| i == type_name))
    }

    fn walk(&mut self, tokens: &[TokenTree], body: Option<usize>, scope: Lines, level: Level) {
        let mut at = 0;
        while at < tokens.len() {
            at = self.token(tokens, at, body, scope, level);
        }
    }

    /// Reads the token at `at` (and what belongs to it); the index after.
    fn token(
        &mut self,
        tokens: &[TokenTree],
        at: usize,
        body: Option<usize>,
        scope: Lines,
        level: Level,
    ) -> usize {
        let next = at + 1;
        match &tokens[at] {
            TokenTree::Group(group) => {
                let inner = match group.delimiter() {
                    Delimiter::Brace => Lines::of(group),
                    _ => scope,
                };
                // An `impl`'s, a `mod`'s or a `trait`'s items are no free fns.
                let level = match level {
                    Level::Items if is_item_block(tokens, at) => Level::Nested,
                    Level::Items => Level::Items,
                    Level::Nested => Level::Nested,
                };
                self.walk(&trees(group), body, inner, level);
                next
            }
            TokenTree::Ident(ident) => {
                let word = ident.to_string();
                match word.as_str() {
                    "fn" => self.function(tokens, at, level),
                    "async" => self.async_block(tokens, at),
                    "let" => self.binding(tokens, at, body, scope),
                    "for" if body.is_none() || !is_for_loop(tokens, at) => next,
                    "for" | "while" | "loop" => {
                        if let Some(end) = brace_after(tokens, at) {
                            self.loops.push(Loop {
                                lines: Lines::between(&tokens[at], &tokens[end]),
                                header: Lines {
                                    first: line_of(&tokens[at]),
                                    last: line_of(&tokens[end]),
                                },
                                is_while: word == "while",
                                breaks: idents(&tokens[end..=end])
                                    .iter()
                                    .any(|word| word == "break"),
                            });
                        }
                        next
                    }
                    _ => {
                        self.macro_call(tokens, at, body);
                        self.spawn_into(tokens, at, body);
                        next
                    }
                }
            }
            TokenTree::Punct(punct) if punct.as_char() == '.' => {
                if let Some(body) = body
                    && is_ident(tokens.get(next), "await")
                {
                    self.await_site(tokens, at, body);
                    return next + 1;
                }
                next
            }
            _ => next,
        }
    }

    /// `fn name ... { body }`: a body; a `fn` without one (in a trait) is
    /// skipped to its `;`.
    fn function(&mut self, tokens: &[TokenTree], at: usize, level: Level) -> usize {
        let Some((function, end)) = Function::read(&tokens[at..]) else {
            return at + 1;
        };
        let end = at + end;
        let Some(TokenTree::Group(group)) = tokens.get(end) else {
            return end + 1;
        };
        let index = self.bodies.len();
        self.bodies.push(Body {
            kind: BodyKind::Fn(function.name),
            lines: Lines::between(&tokens[at], &tokens[end]),
            free: level == Level::Items,
            params: function.parameters,
        });
        self.walk(&trees(group), Some(index), Lines::of(group), Level::Nested);
        end + 1
    }

    /// `async [move] { ... }` (or an async closure's braced body): a body.
    fn async_block(&mut self, tokens: &[TokenTree], at: usize) -> usize {
        let mut next = at + 1;
        if is_ident(tokens.get(next), "move") {
            next += 1;
        }
        // An async closure: its parameters, then its body.
        if is_punct(tokens.get(next), '|') {
            let closing = (next + 1..tokens.len()).find(|&i| is_punct(tokens.get(i), '|'));
            match closing {
                Some(closing) => next = closing + 1,
                None => return next,
            }
        }
        let Some(TokenTree::Group(group)) = tokens.get(next) else {
            return at + 1;
        };
        if group.delimiter() != Delimiter::Brace {
            return at + 1;
        }
        let index = self.bodies.len();
        self.bodies.push(Body {
            kind: BodyKind::AsyncBlock,
            lines: Lines::between(&tokens[at], &tokens[next]),
            free: false,
            params: Vec::new(),
        });
        self.walk(&trees(group), Some(index), Lines::of(group), Level::Nested);
        next + 1
    }

    /// `let pattern [: type] = ...;`: the names the pattern binds, seen in
    /// `scope` after the statement. An `if let`'s or a `while let`'s (each
    /// `let` of a let-chain's) ends before the next `&&` or its block, and
    /// its names are seen in that block. The statement's tokens are read as
    /// code.
    fn binding(
        &mut self,
        tokens: &[TokenTree],
        at: usize,
        body: Option<usize>,
        scope: Lines,
    ) -> usize {
        let (end, seen_in) = if is_condition(tokens, at) {
            let condition = condition_let(tokens, at);
            (condition.end, condition.block.map_or(scope, Lines::of))
        } else {
            let end = (at + 1..tokens.len())
                .find(|&i| is_punct(tokens.get(i), ';'))
                .unwrap_or(tokens.len());
            (end, scope)
        };
        let statement = &tokens[at + 1..end];
        let pattern_end = (0..statement.len())
            .find(|&i| is_punct(statement.get(i), '=') || is_type_colon(statement, i))
            .unwrap_or(statement.len());
        self.lets.push(Let {
            names: pattern_names(&statement[..pattern_end]),
            lines: Lines::between(&tokens[at], statement.last().unwrap_or(&tokens[at])),
            scope: seen_in,
            idents: idents(&statement[pattern_end..]),
        });
        let mut inner = at + 1;
        while inner < end {
            inner = self.token(tokens, inner, body, scope, Level::Nested);
        }
        end
    }

    /// `name!(...)`: a suspension point, unless `name` is known not to be.
    fn macro_call(&mut self, tokens: &[TokenTree], at: usize, body: Option<usize>) {
        let (Some(body), TokenTree::Ident(name)) = (body, &tokens[at]) else {
            return;
        };
        if !is_punct(tokens.get(at + 1), '!') {
            return;
        }
        let Some(TokenTree::Group(group)) = tokens.get(at + 2) else {
            return;
        };
        if NOT_SUSPENDING.contains(&name.to_string().as_str()) {
            return;
        }
        self.sites.push(Site {
            body,
            lines: Lines::between(&tokens[at], &tokens[at + 2]),
            kind: SiteKind::Macro,
            text: format!("{name}!{}", text(&[TokenTree::Group(group.clone())])),
            idents: idents(&trees(group)),
            call: None,
            receiver: None,
            ends_in: None,
        });
    }

    /// `set.spawn(...)` and the like: `set` spawns into.
    fn spawn_into(&mut self, tokens: &[TokenTree], at: usize, body: Option<usize>) {
        let TokenTree::Ident(method) = &tokens[at] else {
            return;
        };
        let spawning = ["spawn", "spawn_local", "spawn_on", "spawn_blocking"];
        if !spawning.contains(&method.to_string().as_str()) || at < 2 {
            return;
        }
        let called = is_group(tokens.get(at + 1), Delimiter::Parenthesis);
        if !called || !is_punct(tokens.get(at - 1), '.') {
            return;
        }
        // `tokio::task::spawn(...)` has `::` before it, not `set.`.
        if let TokenTree::Ident(set) = &tokens[at - 2] {
            let before_set = at.checked_sub(3).and_then(|i| tokens.get(i));
            if !is_punct(before_set, '.') && !is_punct(before_set, ':') {
                self.spawns_into.push(SpawnInto {
                    set: set.to_string(),
                    line: line_of(&tokens[at]),
                    body,
                });
            }
        }
    }

    /// `.await` at `at`: a suspension point awaiting the expression before it.
    fn await_site(&mut self, tokens: &[TokenTree], at: usize, body: usize) {
        let start = operand_start(tokens, at);
        let operand = &tokens[start..at];
        let call = match operand {
            [TokenTree::Ident(name), TokenTree::Group(args)]
                if args.delimiter() == Delimiter::Parenthesis =>
            {
                Some(name.to_string())
            }
            _ => None,
        };
        let receiver = match operand {
            [TokenTree::Ident(name), dot, ..] if is_punct(Some(dot), '.') => Some(name.to_string()),
            _ => None,
        };
        self.sites.push(Site {
            body,
            // From the operand's first token (the `.` if it has none).
            lines: Lines::between(&tokens[start], &tokens[at + 1]),
            kind: SiteKind::Await,
            text: text(operand),
            idents: idents(operand),
            call,
            receiver,
            ends_in: last_call(operand),
        });
    }
}

impl Site {
    /// Whether `name` is one of its identifiers.
    pub(crate) fn names(&self, name: &str) -> bool {
        self.idents.iter().any(|ident| ident == name)
    }

    /// Whether it awaits a call of one of the methods `names`.
    pub(crate) fn calls_method(&self, names: &[&str]) -> bool {
        matches!(&self.ends_in, Some(Call::Method(name)) if names.contains(&name.as_str()))
    }

    /// Whether it awaits a call of one of the functions `names`.
    pub(crate) fn calls_function(&self, names: &[&str]) -> bool {
        matches!(&self.ends_in, Some(Call::Function(name)) if names.contains(&name.as_str()))
    }
}

/// What `found` holds, if it holds one thing only.
pub(crate) fn only<T>(mut found: impl Iterator<Item = T>) -> Option<T> {
    match (found.next(), found.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// Where free fns may be declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Items,
    Nested,
}

/// Whether the brace group at `at` is an `impl`'s, a `mod`'s or a
/// `trait`'s: one of those words before it, in the same item.
fn is_item_block(tokens: &[TokenTree], at: usize) -> bool {
    let words = ["impl", "mod", "trait"];
    let item = &tokens[statement_start(tokens, at)..at];
    item.iter()
        .any(|token| words.iter().any(|word| is_ident(Some(token), word)))
}

/// Whether the `for` at `at` starts a loop: not `impl Trait for Type`'s,
/// nor a higher-ranked bound's `for<'a>`.
fn is_for_loop(tokens: &[TokenTree], at: usize) -> bool {
    let item = &tokens[statement_start(tokens, at)..at];
    !is_punct(tokens.get(at + 1), '<') && !item.iter().any(|token| is_ident(Some(token), "impl"))
}

/// Whether the `let` at `at` is a condition's: after `if`, `while` or a
/// let-chain's `&&`.
fn is_condition(tokens: &[TokenTree], at: usize) -> bool {
    let Some(before) = at.checked_sub(1) else {
        return false;
    };
    match &tokens[before] {
        TokenTree::Ident(word) => word == "if" || word == "while",
        _ => before > 0 && is_and_and(tokens, before - 1),
    }
}

/// A condition's `let`: where it ends, and the block its names are seen in.
struct ConditionLet<'a> {
    end: usize,
    block: Option<&'a Group>,
}

/// The `let` at `at`, after `if`, `while` or `&&`. Its pattern runs to its
/// `=` (a struct pattern's braces are the pattern's), its expression to the
/// next `&&` or to the block: the first brace after an `=` that is not a
/// later `let`'s pattern (Rust takes no struct literal there).
fn condition_let(tokens: &[TokenTree], at: usize) -> ConditionLet<'_> {
    let mut end = None;
    let mut in_pattern = true;
    for i in at + 1..tokens.len() {
        if in_pattern {
            in_pattern = !is_assign(tokens, i);
            continue;
        }
        if let TokenTree::Group(group) = &tokens[i]
            && group.delimiter() == Delimiter::Brace
        {
            let end = end.unwrap_or(i);
            return ConditionLet {
                end,
                block: Some(group),
            };
        }
        if is_and_and(tokens, i) {
            end.get_or_insert(i);
            in_pattern = is_ident(tokens.get(i + 2), "let");
        } else if is_punct(tokens.get(i), ';') {
            break;
        }
    }
    let end = end.unwrap_or(tokens.len());
    ConditionLet { end, block: None }
}

/// The brace group that follows the keyword at `at` in the same statement:
/// its index.
fn brace_after(tokens: &[TokenTree], at: usize) -> Option<usize> {
    let end = at + 1 + statement_end(&tokens[at + 1..])?;
    is_group(tokens.get(end), Delimiter::Brace).then_some(end)
}

/// The first token of the expression `.await` at `at` awaits: back over
/// paths, calls, fields and `?` to the first token that can't be part of it.
fn operand_start(tokens: &[TokenTree], at: usize) -> usize {
    let mut start = at;
    while start > 0 {
        if is_punct(tokens.get(start - 1), '>')
            && let Some(turbofish) = turbofish_start(tokens, start - 1)
        {
            start = turbofish;
            continue;
        }
        let part = match &tokens[start - 1] {
            TokenTree::Ident(word) => !KEYWORDS.contains(&word.to_string().as_str()),
            TokenTree::Group(group) => group.delimiter() != Delimiter::Brace,
            TokenTree::Literal(_) => true,
            TokenTree::Punct(punct) => match punct.as_char() {
                '.' | '?' => true,
                ':' => true,
                '!' => matches!(tokens.get(start), Some(TokenTree::Group(_))),
                _ => false,
            },
        };
        if !part {
            break;
        }
        start -= 1;
    }
    start
}

/// The call an awaited expression ends in: the name before its last
/// arguments (and a turbofish, `collect::<Vec<_>>()`), a method's if a `.`
/// comes before it.
fn last_call(operand: &[TokenTree]) -> Option<Call> {
    let mut end = operand.len();
    while end > 0 && is_punct(operand.get(end - 1), '?') {
        end -= 1;
    }
    let [before @ .., TokenTree::Group(arguments)] = &operand[..end] else {
        return None;
    };
    if arguments.delimiter() != Delimiter::Parenthesis {
        return None;
    }
    let mut name = before.len().checked_sub(1)?;
    if is_punct(before.get(name), '>') {
        name = turbofish_start(before, name)?.checked_sub(1)?;
    }
    let TokenTree::Ident(called) = &before[name] else {
        return None;
    };
    let called = called.to_string();
    if name > 0 && is_punct(before.get(name - 1), '.') {
        Some(Call::Method(called))
    } else {
        Some(Call::Function(called))
    }
}

/// For the `>` at `close` that ends a turbofish, `::<Vec<_>>`, the index of
/// its first `:`.
fn turbofish_start(tokens: &[TokenTree], close: usize) -> Option<usize> {
    let mut at = close;
    let mut depth = 0;
    loop {
        // Read backwards: a `>` opens, a `<` closes.
        depth -= angle_step(tokens, at);
        if depth == 0 {
            break;
        }
        at = at.checked_sub(1)?;
    }
    let start = at.checked_sub(2)?;
    if !(is_punct(tokens.get(start), ':') && is_punct(tokens.get(start + 1), ':')) {
        return None;
    }
    Some(start)
}
