//! `docs --check`'s drift check: a page that says in backticks that an
//! example uses a Rust name (a seed-map note, an errata row, a cheat-sheet
//! cell) must point only at examples whose code has it, so that a page
//! restating an example cannot outlive a change to it.
//!
//! A name in backticks is an identifier when it is one Rust name or path,
//! maybe called with no arguments or as a macro: `OnceCell`, `notify_one`,
//! `Semaphore::acquire_owned`, `recv()`, `join!`, `notified().await`.
//! Anything else is an expression or a quote and is not checked: arguments,
//! a space, a dot, generics (`timeout(d, rx.recv())`, `queue.join()`,
//! `Result<T, E>`), and one letter, a placeholder (`T`, `f`). The name is
//! looked for as a word of the example's code (its tokens, without comments
//! and strings), and a path as one the code writes or its `use` items bring
//! in: `tokio::sync::Mutex` is not `std::sync::Mutex`, though `tokio::spawn`
//! is `tokio::task::spawn` (a re-export leaves modules out). A method is
//! called after a `.`, so its path is not written: `JoinSet::join_next` needs
//! a `JoinSet` and a `join_next` in the code. A type that code gets without
//! naming it counts where the code calls what returns it ([`INFERRED`]).
//!
//! Where: the cheat sheet's and the errata's rows, the seed map's notes and
//! the topic pages' introductions (`docs/topics/*.md`). A name is checked
//! against each example that speaks for it: the one a note maps; those a
//! citation links, "`Notify` ([event](..))", for the names of the clause it
//! ends ([`citations`]); else, in a row's "Rust", "Tokio" or "What the Rust
//! does" column, each the row links outside citations (a row that links
//! none may name no Rust item but through a link to its docs). A name the
//! guide's Python uses is a quote, not a claim: one the row's Python column
//! also gives, and one marked by the words before it, "the guide's
//! `add_async`", "Python's `finally`" (each name of a list marked on its
//! own, since a list can mix the guide's names and the Rust's). A name that
//! is a link's whole text (``[`rayon`](https://docs.rs/rayon)``) speaks of
//! the page it links.
//!
//! A time typed in the same places, or in an example's header, is one the
//! example's code writes or its golden stdout prints ([`durations`]).
//!
//! A claim about how an example behaves cites the test that checks it,
//! `tests::NAME`: a function under `#[test]` or `#[tokio::test]`, and not
//! `#[ignore]` nor under a `#[cfg]` that may not hold where the checks run,
//! in each example that speaks for it. A name written as a call,
//! `capacity()`, must be one the code calls or defines as a function.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use rust_reader::Source;

use super::durations::{self, Micros, Typed};
use super::seed_map::Mapping;
use crate::rust_source::{Import, Names};

/// The code of each example and bridge lesson, by `section/example`.
pub(super) type Examples = BTreeMap<String, Code>;

/// What the check knows of an example's Rust code.
#[derive(Debug, Default)]
pub(super) struct Code {
    /// Its identifiers, as [`words`]: without comments and strings.
    words: BTreeSet<String>,
    /// Each path of two names or more that it writes (`tokio::spawn`,
    /// `Mutex::new`) or that its `use` items bring in; a path that starts
    /// with a name a `use` item brings in is there written out too
    /// (`Mutex::new` after `use std::sync::Mutex` is also
    /// `std::sync::Mutex::new`).
    paths: BTreeSet<Vec<String>>,
    /// The names it calls, or defines as functions ([`Names::called`]):
    /// what a name written as a call, `capacity()`, must be.
    called: BTreeSet<String>,
    /// Its tests' names, which a page cites as `tests::NAME` for a claim
    /// about how the example behaves; not those under `#[ignore]`.
    tests: BTreeSet<String>,
    /// The times its code writes and its golden stdout prints
    /// ([`durations`]): what a time typed beside it must be.
    times: BTreeSet<Micros>,
    /// Its header, the text of the `//!` lines it starts with, where a time
    /// typed is one of its own.
    header: String,
}

impl Code {
    /// What the check knows of `source`, an example's file.
    pub(super) fn of(source: &str) -> Code {
        let mut code = match Source::parse(source) {
            Ok(file) => Code {
                times: durations::in_code(&file),
                ..Code::named(&Names::of(&file))
            },
            // A text that is not Rust's tokens has words and no paths nor
            // times.
            Err(_) => Code {
                words: words(source).collect(),
                ..Code::default()
            },
        };
        // Its text, each `//!` blanked out (a `!` there ends no sentence).
        code.header = source
            .split_inclusive('\n')
            .take_while(|line| line.starts_with("//!"))
            .map(|line| line.replacen("//!", "   ", 1))
            .collect();
        for inferred in INFERRED {
            let returned = inferred.returned_by.iter().any(|call| {
                let call: Vec<&str> = call.split("::").collect();
                code.find(&call) == Found::Path
            });
            if returned {
                let path: Vec<String> = inferred.path.split("::").map(str::to_owned).collect();
                code.words.extend(path.last().cloned());
                code.paths.insert(path);
            }
        }
        code
    }

    /// `self`, with the times `outputs` (its golden stdout) prints.
    pub(super) fn printing<'a>(mut self, outputs: impl IntoIterator<Item = &'a str>) -> Code {
        for output in outputs {
            self.times.extend(durations::in_output(output));
        }
        self
    }

    /// The words and paths of `names`. A glob brings in none that can be
    /// named ([`Import::Glob`]).
    fn named(names: &Names) -> Code {
        let words = names.words.iter().flat_map(|word| words(word)).collect();
        let mut paths = BTreeSet::new();
        for path in names.written.iter().filter(|path| path.len() > 1) {
            for import in &names.imports {
                if let Import::Name {
                    name,
                    path: imported,
                } = import
                    && *name == path[0]
                {
                    let mut resolved = imported.clone();
                    resolved.extend_from_slice(&path[1..]);
                    paths.insert(resolved);
                }
            }
            paths.insert(path.clone());
        }
        for import in &names.imports {
            match import {
                Import::Name { path, .. } => {
                    paths.insert(path.clone());
                }
                Import::Glob { .. } => (),
            }
        }
        Code {
            words,
            paths,
            called: names.called.clone(),
            // An ignored test runs in no check: it proves nothing a page
            // cites it for.
            tests: names.tests.difference(&names.ignored).cloned().collect(),
            ..Code::default()
        }
    }

    /// What the code has of `path` (an [`Identifier`]'s).
    fn find(&self, path: &[&str]) -> Found {
        let Some((name, qualifier)) = path.split_last() else {
            return Found::Nothing;
        };
        if !self.words.contains(*name) {
            return Found::Nothing;
        }
        if qualifier.is_empty() {
            return Found::Path;
        }
        for written in &self.paths {
            let written: Vec<&str> = written.iter().map(String::as_str).collect();
            if names_item(&written, path) {
                return Found::Path;
            }
        }
        // A method is called after a `.` (`set.join_next()`), so its path is
        // not written: its type is looked for, and its name.
        if let Some(owner) = qualifier.last()
            && Kind::of(name) == Some(Kind::Function)
            && Kind::of(owner) == Some(Kind::Type)
            && self.find(qualifier) == Found::Path
        {
            return Found::Path;
        }
        Found::Name
    }
}

/// What an example's code has of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    Path,
    /// The path's last name, but not as that path: `Mutex`, from
    /// `std::sync` where the path says `tokio::sync::Mutex`.
    Name,
    Nothing,
}

/// The runs of letters, digits and `_` in `text` that are Rust names: a
/// raw identifier, `r#type`, is `r` and `type`.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| is_name(word))
        .map(str::to_owned)
}

/// Whether `written`, a path of the code, names the item `claimed` does, in
/// a run of its names: the same names in the same order, but for the
/// modules one of them leaves out, since a crate re-exports items from
/// module to module (`tokio::spawn` is `tokio::task::spawn`).
/// `tokio::sync::Mutex::new` names `tokio::sync::Mutex` and `sync::Mutex`;
/// `std::sync::Mutex` names neither.
fn names_item(written: &[&str], claimed: &[&str]) -> bool {
    for start in 0..written.len() {
        for end in start + 1..=written.len() {
            let run = &written[start..end];
            if leaves_out_modules(claimed, run) || leaves_out_modules(run, claimed) {
                return true;
            }
        }
    }
    false
}

/// Whether `short` is `long` without some of the modules between its first
/// name and its last.
fn leaves_out_modules(short: &[&str], long: &[&str]) -> bool {
    if short.first() != long.first() || short.last() != long.last() {
        return false;
    }
    let mut long = long.iter();
    for segment in short {
        loop {
            let Some(next) = long.next() else {
                return false;
            };
            if next == segment {
                break;
            }
            if Kind::of(next) != Some(Kind::Function) {
                return false;
            }
        }
    }
    long.next().is_none()
}

/// A type that code receives without naming it, and the calls that
/// return it: an example that makes one of the calls has the type.
struct Inferred {
    path: &'static str,
    returned_by: &'static [&'static str],
}

/// In order: a type can be returned by a method of one above it.
const INFERRED: [Inferred; 6] = [
    // `Builder::new_multi_thread().build()?.block_on(..)`.
    Inferred {
        path: "tokio::runtime::Runtime",
        returned_by: &["runtime::Builder::build"],
    },
    // Code awaits or aborts a task's handle without writing its type; a
    // `spawn` on a `JoinSet` or a `JoinQueue` returns none.
    Inferred {
        path: "tokio::task::JoinHandle",
        returned_by: &["tokio::spawn", "spawn_blocking", "Handle::spawn"],
    },
    // `timeout`'s error, which code matches as `Err(_)`.
    Inferred {
        path: "tokio::time::error::Elapsed",
        returned_by: &["time::timeout", "time::timeout_at"],
    },
    // `let (tx, rx) = mpsc::channel(n);`, after `use tokio::sync::mpsc`.
    Inferred {
        path: "tokio::sync::mpsc::Sender",
        returned_by: &["tokio::sync::mpsc::channel"],
    },
    // `tx.reserve().await?.send(item)`.
    Inferred {
        path: "tokio::sync::mpsc::Permit",
        returned_by: &["Sender::reserve", "Sender::try_reserve"],
    },
    // `let transaction = connection.transaction()?;`
    Inferred {
        path: "rusqlite::Transaction",
        returned_by: &["Connection::transaction"],
    },
];

/// What a name in backticks says an example has: a Rust name or path,
/// `Mutex`, `tokio::sync::Mutex`, `JoinSet::join_next`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Identifier<'a> {
    segments: Vec<&'a str>,
    /// Written as a call, `recv()`: the code must call it, not only have
    /// a variable of its name.
    called: bool,
}

/// What a name is, by how it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A function, method, macro or module: `notify_one`, `tokio`.
    Function,
    /// A type, trait or variant: a capitalised name, `OnceCell`.
    Type,
    /// A constant or static, in capitals: `HALF_OPEN`, `MAX`.
    Constant,
}

impl Kind {
    /// `None` for one letter, a placeholder: a type parameter (`T`), a
    /// variable of the text's (`f` in `spawn_blocking(f)`).
    fn of(name: &str) -> Option<Kind> {
        if name.len() == 1 {
            return None;
        }
        if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            return Some(Kind::Function);
        }
        if name.contains(|c: char| c.is_ascii_lowercase()) {
            return Some(Kind::Type);
        }
        Some(Kind::Constant)
    }
}

impl<'a> Identifier<'a> {
    /// The identifier `span` (the text between backticks) is, if it is one.
    fn parse(span: &'a str) -> Option<Self> {
        let mut path = span;
        let mut called = false;
        for suffix in ["().await", "()", "!"] {
            if let Some(stripped) = span.strip_suffix(suffix) {
                path = stripped;
                called = suffix != "!";
                break;
            }
        }
        let mut segments = Vec::new();
        for segment in path.split("::") {
            if !is_name(segment) {
                return None;
            }
            segments.push(segment);
        }
        Kind::of(segments.last()?)?;
        Some(Identifier { segments, called })
    }
}

/// A Rust name: a letter or `_`, then letters, digits and `_`.
fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The words before a name that mark it as the guide's: "the guide's
/// `add_async`", "Python's `finally`".
const QUOTE_MARKS: [&str; 2] = ["guide's ", "Python's "];

/// A name in backticks that says an example has it.
struct Claim<'a> {
    /// The text between the backticks.
    span: &'a str,
    /// Where its opening backtick is in the text.
    at: usize,
    identifier: Identifier<'a>,
}

/// The identifiers in backticks in `text`, but those that are a link's
/// whole text or marked as the guide's ([`QUOTE_MARKS`]). Each name is
/// marked on its own: in "the guide's `task` and `AbortOnDropHandle`s", the
/// second is the Rust's.
fn claims(text: &str) -> Vec<Claim<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find('`').map(|at| from + at) {
        let Some(close) = text[open + 1..].find('`').map(|at| open + 1 + at) else {
            break;
        };
        let span = &text[open + 1..close];
        let before = &text[..open];
        from = close + 1;
        if QUOTE_MARKS.iter().any(|mark| before.ends_with(mark)) {
            continue;
        }
        if before.ends_with('[') && text[from..].starts_with("](") {
            continue;
        }
        if let Some(identifier) = Identifier::parse(span) {
            found.push(Claim {
                span,
                at: open,
                identifier,
            });
        }
    }
    found
}

/// The hand-written pages under `docs/src` whose tables [`page`] checks.
pub(super) const PAGES: [&str; 2] = ["cheatsheet.md", "guides-errata.md"];

/// What a table's column holds, by its header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    /// What the Rust does or uses: the claims.
    Rust,
    /// What the guide's Python does: quotes of its names.
    Python,
    Other,
}

impl Column {
    fn of(header: &str) -> Column {
        match header {
            "Rust" | "Tokio" | "What the Rust does" => Column::Rust,
            "asyncio" | "Python" | "What Python does" | "Never called" | "Never defined" => {
                Column::Python
            }
            _ => Column::Other,
        }
    }
}

/// The cells of a Markdown table row, between its pipes; `\|` stays in
/// its cell.
fn cells(row: &str) -> Vec<&str> {
    let row = row.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let row = row.strip_suffix('|').unwrap_or(row);
    let mut cells = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (at, c) in row.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '|' {
            cells.push(row[start..at].trim());
            start = at + 1;
        }
    }
    cells.push(row[start..].trim());
    cells
}

/// An example a row links.
#[derive(Clone, Copy)]
struct Linked<'a> {
    /// `section/example`.
    key: &'a str,
    code: &'a Code,
}

/// Where a page is, which says how its links to an example start.
#[derive(Clone, Copy)]
enum Place {
    /// `docs/src`: `section/example.md`.
    Book,
    /// `docs/src/topics`: `../section/example.md`.
    Topics,
}

/// The examples `text` links from `place` (maybe with an anchor).
fn linked<'a>(text: &str, place: Place, examples: &'a Examples) -> Vec<Linked<'a>> {
    let up = match place {
        Place::Book => "",
        Place::Topics => "../",
    };
    let mut found: Vec<Linked<'a>> = Vec::new();
    for (at, _) in text.match_indices("](") {
        let target = &text[at + 2..];
        let end = target.find([')', '#']).unwrap_or(target.len());
        let Some(key) = target[..end]
            .strip_prefix(up)
            .and_then(|path| path.strip_suffix(".md"))
        else {
            continue;
        };
        if let Some((key, code)) = examples.get_key_value(key)
            && !found.iter().any(|known| known.key == key)
        {
            found.push(Linked { key, code });
        }
    }
    found
}

/// Each name a table row on `page` gives that an example it speaks for
/// lacks, a line each. A name in the Rust column speaks for every example
/// the row links outside citations; a name in a clause that a citation ends
/// ([`citations`]), in any column but the Python one, for the examples the
/// citation links.
pub(super) fn page(page: &str, text: &str, examples: &Examples) -> Vec<String> {
    let mut problems = Vec::new();
    let mut columns: Option<Vec<Column>> = None;
    for (index, line) in text.lines().enumerate() {
        if !line.trim_start().starts_with('|') {
            columns = None;
            continue;
        }
        let row = cells(line);
        let Some(kinds) = &columns else {
            columns = Some(row.iter().map(|header| Column::of(header)).collect());
            continue;
        };
        let mut quoted = BTreeSet::new();
        let mut uncited = String::new();
        for (cell, kind) in row.iter().zip(kinds) {
            if *kind == Column::Python {
                quoted.extend(claims(cell).into_iter().map(|claim| claim.identifier));
            }
            let mut rest = (*cell).to_owned();
            for cited in citations(cell) {
                rest = rest.replace(cited.links, "");
            }
            uncited.push_str(&rest);
        }
        let row_links = linked(&uncited, Place::Book, examples);
        for (cell, kind) in row.iter().zip(kinds) {
            if *kind == Column::Python {
                continue;
            }
            let cited = citations(cell);
            // The examples a citation links for what is at `at`, if one does.
            let cited_for = |at: usize| {
                cited
                    .iter()
                    .filter(|cited| cited.clause.contains(&at))
                    .map(|cited| linked(cited.links, Place::Book, examples))
                    .find(|linked| !linked.is_empty())
            };
            for typed in durations::typed(cell) {
                let (linked, by) = match cited_for(typed.at) {
                    Some(linked) => (linked, "cited for it"),
                    None if *kind != Column::Rust => continue,
                    None => (row_links.clone(), "which the row links"),
                };
                if let Some(lacking) = time_missing(&typed, &linked) {
                    problems.push(format!(
                        "docs/src/{page}:{}: {} is not a time that {lacking} has, {by}: \
                         {TIME_FIX}",
                        index + 1,
                        typed.said,
                    ));
                }
            }
            for claim in claims(cell) {
                if quoted.contains(&claim.identifier) {
                    continue;
                }
                let (linked, by) = match cited_for(claim.at) {
                    Some(linked) => (linked, "cited for it"),
                    None if *kind != Column::Rust => continue,
                    None if row_links.is_empty() => {
                        problems.push(format!(
                            "docs/src/{page}:{}: `{}` is a Rust name on a row that links no \
                             example: link the example that uses it, make the name a link to \
                             its docs, or drop it",
                            index + 1,
                            claim.span
                        ));
                        continue;
                    }
                    None => (row_links.clone(), "which the row links"),
                };
                if let Some(lacking) = missing(&claim, &linked) {
                    problems.push(format!(
                        "docs/src/{page}:{}: `{}` is not in the code of {lacking}, {by}: {FIX}",
                        index + 1,
                        claim.span,
                    ));
                }
            }
        }
    }
    problems
}

/// What to do about a time an example lacks.
const TIME_FIX: &str = "quote it from the file or the run that has it ({{#quote FILE:REGEX}}), \
                        say in its sentence that it is the guide's, or drop it";

/// `None` if each of the `linked` examples has the time `typed` gives (its
/// code writes it or its golden stdout prints it); else those that lack it.
fn time_missing(typed: &Typed<'_>, linked: &[Linked<'_>]) -> Option<String> {
    let lacking: Vec<&str> = linked
        .iter()
        .filter(|example| !example.code.times.contains(&typed.micros))
        .map(|example| example.key)
        .collect();
    (!lacking.is_empty()).then(|| format!("{} (in its code or golden stdout)", lacking.join(", ")))
}

/// What to do about a name an example lacks.
const FIX: &str = "cite after it only the examples that have it (\"`name` ([example](..))\"), \
                   make the name a link to its docs, or drop it";

/// `None` if each of the `linked` examples has what `claim` names, or, for
/// a cited test (`tests::NAME`), a test of that name; else those that lack
/// it, and which of them have its last name as another item.
fn missing(claim: &Claim<'_>, linked: &[Linked<'_>]) -> Option<String> {
    let segments = &claim.identifier.segments;
    if let ["tests", test] = segments[..] {
        let lacking: Vec<&str> = linked
            .iter()
            .filter(|example| !example.code.tests.contains(test))
            .map(|example| example.key)
            .collect();
        return (!lacking.is_empty())
            .then(|| format!("{} (no test named `{test}` that runs)", lacking.join(", ")));
    }
    let name = segments.last().copied().unwrap_or_default();
    let mut lacking = Vec::new();
    let mut another_item = Vec::new();
    for example in linked {
        let mut found = example.code.find(segments);
        if found == Found::Path && claim.identifier.called && !example.code.called.contains(name) {
            found = Found::Name;
        }
        match found {
            Found::Path => continue,
            Found::Name => another_item.push(example.key),
            Found::Nothing => {}
        }
        lacking.push(example.key);
    }
    if lacking.is_empty() {
        return None;
    }
    let mut said = lacking.join(", ");
    if !another_item.is_empty() {
        said.push_str(&format!(
            " (the `{name}` of {} is not `{}`)",
            another_item.join(", "),
            claim.span
        ));
    }
    Some(said)
}

/// Each name a topic page (`docs/topics/<page>`) gives that an example cited
/// for it lacks, a line each.
pub(super) fn topic(page: &str, text: &str, examples: &Examples) -> Vec<String> {
    let mut problems = Vec::new();
    for block in blocks(text) {
        // Where the block's clauses are checked against an example.
        let mut checked = Vec::new();
        for cited in citations(block.text) {
            let linked = linked(cited.links, Place::Topics, examples);
            if linked.is_empty() {
                continue;
            }
            checked.push(cited.clause.clone());
            let clause = &block.text[cited.clause.clone()];
            for typed in durations::typed(clause) {
                if let Some(lacking) = time_missing(&typed, &linked) {
                    let at = cited.clause.start + typed.at;
                    let line = block.line + block.text[..at].matches('\n').count();
                    problems.push(format!(
                        "docs/topics/{page}:{line}: {} is not a time that {lacking} has, cited \
                         for it: {TIME_FIX}",
                        typed.said,
                    ));
                }
            }
            for mut claim in claims(clause) {
                let Some(lacking) = missing(&claim, &linked) else {
                    continue;
                };
                claim.at += cited.clause.start;
                let line = block.line + block.text[..claim.at].matches('\n').count();
                problems.push(format!(
                    "docs/topics/{page}:{line}: `{}` is not in the code of {lacking}, cited \
                     for it: {FIX}",
                    claim.span,
                ));
            }
        }
        // A test cited where no example is: nothing says whose it is.
        for claim in claims(block.text) {
            let cites_a_test = claim.span.starts_with("tests::");
            if cites_a_test && !checked.iter().any(|clause| clause.contains(&claim.at)) {
                let line = block.line + block.text[..claim.at].matches('\n').count();
                problems.push(format!(
                    "docs/topics/{page}:{line}: `{}` cites a test of no example: end its clause \
                     with the example's link, \"([name](../section/name.md))\"",
                    claim.span,
                ));
            }
        }
    }
    problems
}

/// A citation in a block of a topic page, and what it speaks for.
struct Cited<'a> {
    /// Where the text it speaks for is in the block.
    clause: Range<usize>,
    /// The citation: the text that holds its links.
    links: &'a str,
}

/// The citations of `block` (a paragraph, a list item, a table row or cell).
/// A citation is links in parentheses, "([a](..), [b](..))", and it speaks
/// for the clause it ends: back to the start of its sentence, a `;`, a table
/// cell's edge or the citation before it. Parentheses that hold other text
/// before their links, "(`tests::x`, [a](..))", cite for that text too. A
/// link in running text ("as in [a](..)") cites nothing, since what it
/// speaks for can be anywhere around it; in a table row, a cell of links
/// alone, an "Example" column, cites for the row.
fn citations(block: &str) -> Vec<Cited<'_>> {
    let mut found = Vec::new();
    if block.trim_start().starts_with('|') {
        for cell in cells(block) {
            if cell.starts_with('[') && cell.ends_with(')') {
                found.push(Cited {
                    clause: 0..block.len(),
                    links: cell,
                });
            }
        }
    }
    let bytes = block.as_bytes();
    let mut clause_start = 0;
    let mut in_code = false;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        at += 1;
        if byte == b'`' {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        match byte {
            b';' | b'|' => clause_start = at,
            b'.' | b'!' | b'?' if bytes.get(at).is_none_or(u8::is_ascii_whitespace) => {
                clause_start = at;
            }
            b'(' => {
                let open = at - 1;
                let mut depth = 1;
                let mut close = at;
                while close < bytes.len() && depth > 0 {
                    match bytes[close] {
                        b'(' => depth += 1,
                        b')' => depth -= 1,
                        _ => {}
                    }
                    close += 1;
                }
                let group = &block[open..close];
                if bytes.get(at) == Some(&b'[') {
                    found.push(Cited {
                        clause: clause_start..open,
                        links: group,
                    });
                } else if let Some(first_link) = group
                    .find("[")
                    .filter(|&first_link| group.contains("](") && only_names(&group[1..first_link]))
                {
                    // "(`tests::x`, [a](..))": the names before the links are
                    // the clause's too.
                    found.push(Cited {
                        clause: clause_start..open + first_link,
                        links: &group[first_link..],
                    });
                } else {
                    continue;
                }
                at = close;
                clause_start = at;
            }
            _ => {}
        }
    }
    found
}

/// Whether `text` is only names in backticks, "`a`, `b` and `c`, ", as
/// before the links of "(`tests::x`, [a](..))"; not words, as in "(a
/// `FuturesUnordered`: as in [a](..))", whose link cites nothing.
fn only_names(text: &str) -> bool {
    let outside = text.split('`').step_by(2);
    text.contains('`')
        && outside
            .flat_map(str::split_whitespace)
            .all(|word| matches!(word, "," | "and" | "or"))
}

/// A paragraph, a list item or a table row of a page, where a citation
/// looks for the clause it ends.
struct Block<'a> {
    /// The line it starts on.
    line: usize,
    text: &'a str,
}

/// The blocks of `text`, without its code blocks; a heading or an HTML line
/// is a block of its own.
fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut blocks = Vec::new();
    // The line and the offset where the block being read starts.
    let mut open: Option<(usize, usize)> = None;
    let mut fenced = false;
    let mut end = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let start = end;
        end += line.len();
        let trimmed = line.trim();
        let fence = trimmed.starts_with("```");
        let own_block = trimmed.starts_with(['|', '#', '<']);
        let item = trimmed.starts_with("- ") || trimmed.starts_with("* ");
        if (fence || fenced || own_block || item || trimmed.is_empty())
            && let Some((line, from)) = open.take()
        {
            blocks.push(Block {
                line,
                text: &text[from..start],
            });
        }
        if fence {
            fenced = !fenced;
            continue;
        }
        if fenced || trimmed.is_empty() {
            continue;
        }
        if own_block {
            blocks.push(Block {
                line: index + 1,
                text: &text[start..end],
            });
            continue;
        }
        if open.is_none() {
            open = Some((index + 1, start));
        }
    }
    if let Some((line, from)) = open {
        blocks.push(Block {
            line,
            text: &text[from..],
        });
    }
    blocks
}

/// Each name a seed-map note gives that its example's code doesn't have,
/// a line each.
pub(super) fn notes(mappings: &[Mapping], examples: &Examples) -> Vec<String> {
    let mut problems = Vec::new();
    for mapping in mappings {
        let key = format!("{}/{}", mapping.section, mapping.example);
        let Some((key, code)) = examples.get_key_value(&key) else {
            continue;
        };
        let linked = [Linked { key, code }];
        for typed in durations::typed(&mapping.note) {
            if let Some(lacking) = time_missing(&typed, &linked) {
                problems.push(format!(
                    "docs/seed-map.tsv:{}: the note on {} gives {}, which is not a time that \
                     {lacking} has: {TIME_FIX}",
                    mapping.line, mapping.block, typed.said,
                ));
            }
        }
        for claim in claims(&mapping.note) {
            if let Some(lacking) = missing(&claim, &linked) {
                let span = claim.span;
                problems.push(format!(
                    "docs/seed-map.tsv:{}: the note on {} names `{span}`, which is not in the \
                     code of {lacking}: say what the guide got wrong and let the \
                     example say how it does it (a name of the guide's is written \"the \
                     guide's `{span}`\")",
                    mapping.line, mapping.block
                ));
            }
        }
    }
    problems
}

/// Each time an example's header gives that its code doesn't write nor its
/// golden stdout prints, a line each. `crates/SECTION/src/EXAMPLE.rs` is the
/// file of `SECTION/EXAMPLE`, a bridge lesson's too.
pub(super) fn headers(examples: &Examples) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, code) in examples {
        let linked = [Linked { key, code }];
        let (section, example) = key.split_once('/').unwrap_or((key, key));
        for typed in durations::typed(&code.header) {
            if time_missing(&typed, &linked).is_some() {
                problems.push(format!(
                    "crates/{section}/src/{example}.rs:{}: the header gives {}, which is not \
                     a time that its code writes or its golden stdout prints: {TIME_FIX}",
                    typed.line() + 1,
                    typed.said,
                ));
            }
        }
    }
    // A time given twice on a line is one problem.
    problems.dedup();
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identifier_is_a_name_or_path_maybe_called() {
        let cases: [(&str, &[&str]); 20] = [
            ("OnceCell", &["OnceCell"]),
            ("notify_one", &["notify_one"]),
            ("Semaphore::acquire_owned", &["Semaphore", "acquire_owned"]),
            ("tokio::sync::Mutex", &["tokio", "sync", "Mutex"]),
            ("recv()", &["recv"]),
            ("notified().await", &["notified"]),
            ("join!", &["join"]),
            ("__aexit__", &["__aexit__"]),
            ("HALF_OPEN", &["HALF_OPEN"]),
            ("T", &[]),
            ("f", &[]),
            ("queue.join()", &[]),
            ("handle.await", &[]),
            ("timeout(d, rx.recv())", &[]),
            ("Result<T, JoinError>", &[]),
            ("buffered(5)", &[]),
            ("fn main", &[]),
            ("--cfg tokio_unstable", &[]),
            ("'static", &[]),
            ("::std", &[]),
        ];
        for (span, segments) in cases {
            let parsed = Identifier::parse(span).map(|identifier| identifier.segments);
            assert_eq!(parsed.unwrap_or_default(), segments, "{span}");
        }
        assert_eq!(Identifier::parse(""), None);
    }

    fn examples() -> Examples {
        Examples::from([
            (
                "real-world/api_handler".to_owned(),
                Code::of("use futures ::future ::Shared ;let handle =tokio ::spawn (x );"),
            ),
            (
                "synchronization/condition_queue".to_owned(),
                Code::of("let notify =Notify ::new ();notify .notify_waiters ();"),
            ),
        ])
    }

    #[test]
    fn a_cell_that_names_what_its_example_lacks_is_reported() {
        let page_text = "\
| asyncio | Rust | The difference | Example |
| --- | --- | --- | --- |
| `asyncio.Condition` | `notify_one()`, `Notify::notify_waiters` and `std::sync::Notify`, or [`notify_all`](https://docs.rs/tokio) | Not `OnceCell`. | [condition_queue](synchronization/condition_queue.md) |
| `dict` | a `OnceCell`, `Shared`, a `JoinHandle` and `rayon` | | [api_handler](real-world/api_handler.md#anchor) |
| `x` | `Unlinked` | | [topic](topics/cancellation.md) |

| Guide, heading | What Python does | What the Rust does |
| --- | --- | --- |
| *A guide* | `handle_request` misses the cache | Fixed: `handle_request` and a `OnceCell`. [api_handler](real-world/api_handler.md) |
";
        let problem = |line: usize, span: &str, lacking: &str| {
            format!(
                "docs/src/page.md:{line}: `{span}` is not in the code of {lacking}, which the \
                 row links: {FIX}"
            )
        };
        let queue = "synchronization/condition_queue";
        let handler = "real-world/api_handler";
        assert_eq!(
            page("page.md", page_text, &examples()),
            [
                problem(3, "notify_one()", queue),
                problem(
                    3,
                    "std::sync::Notify",
                    &format!("{queue} (the `Notify` of {queue} is not `std::sync::Notify`)")
                ),
                problem(4, "OnceCell", handler),
                problem(4, "rayon", handler),
                "docs/src/page.md:5: `Unlinked` is a Rust name on a row that links no example: \
                 link the example that uses it, make the name a link to its docs, or drop it"
                    .to_owned(),
                problem(9, "OnceCell", handler),
            ]
        );
    }

    /// A name is checked against each example that speaks for it: all
    /// the row links, or those a citation after it links.
    #[test]
    fn a_row_that_links_several_examples_is_checked_against_each() {
        let page_text = "\
| asyncio | Rust | The difference | Example |
| --- | --- | --- | --- |
| `x` | `Notify` and `Shared` | | [condition_queue](synchronization/condition_queue.md), [api_handler](real-world/api_handler.md) |
| `x` | `Notify` ([condition_queue](synchronization/condition_queue.md)); `Shared` ([api_handler](real-world/api_handler.md)) | | [condition_queue](synchronization/condition_queue.md), [api_handler](real-world/api_handler.md) |
| `x` | `Notify` | Fair, as `tests::fifo` checks ([condition_queue](synchronization/condition_queue.md)); `Shared` is not checked here. | [condition_queue](synchronization/condition_queue.md) |
";
        let problem = |line: usize, span: &str, lacking: &str, by: &str| {
            format!(
                "docs/src/page.md:{line}: `{span}` is not in the code of {lacking}, {by}: {FIX}"
            )
        };
        assert_eq!(
            page("page.md", page_text, &examples()),
            [
                problem(3, "Notify", "real-world/api_handler", "which the row links"),
                problem(
                    3,
                    "Shared",
                    "synchronization/condition_queue",
                    "which the row links"
                ),
                problem(
                    5,
                    "tests::fifo",
                    "synchronization/condition_queue (no test named `fifo` that runs)",
                    "cited for it"
                ),
            ]
        );
    }

    #[test]
    fn a_note_may_quote_the_guide() {
        let mapping = |note: &str| Mapping {
            line: 7,
            block: "004/29".to_owned(),
            section: "real-world".to_owned(),
            example: "api_handler".to_owned(),
            note: note.to_owned(),
        };
        let mappings = [
            mapping(
                "The guide's `handle_request` and the guide's `cache`; Python's `dict`; `Shared`.",
            ),
            mapping("A `OnceCell` per cache entry, and `JoinHandle`s; `handle_request`."),
            // A list is no quote: `AbortOnDropHandle` is not the guide's.
            mapping("The guide's `task` and `AbortOnDropHandle`s."),
        ];
        let problem = |span: &str| {
            format!(
                "docs/seed-map.tsv:7: the note on 004/29 names `{span}`, which is not in the code \
                 of real-world/api_handler: say what the guide got wrong and let the example say \
                 how it does it (a name of the guide's is written \"the guide's `{span}`\")"
            )
        };
        assert_eq!(
            notes(&mappings, &examples()),
            [
                problem("OnceCell"),
                problem("handle_request"),
                problem("AbortOnDropHandle")
            ]
        );
    }

    #[test]
    fn a_topic_page_is_checked_where_it_cites_an_example() {
        let text = "\
About `Mutex` and `tokio::spawn`, citing nothing.

- **`std::sync::Mutex`** blocks, as in [api_handler](../real-world/api_handler.md): `NotCited`.
- A `Shared` and a `OnceCell` ([api_handler](../real-world/api_handler.md)); `Later`.
- `Notify::notify_waiters` wakes them, not `Unrelated`. `Notify` and `OnceCell`
  ([condition_queue](../synchronization/condition_queue.md),
  [api_handler](../real-world/api_handler.md)).

```rust
// `NotChecked` ([api_handler](../real-world/api_handler.md))
```

| Shape | Example |
| --- | --- |
| `Shared` | [api_handler](../real-world/api_handler.md) |
| `Missing` | [api_handler](../real-world/api_handler.md) |
| `f` and `Missing` ([api_handler](../real-world/api_handler.md)) | none |
";
        let problem = |line: usize, span: &str, lacking: &str| {
            format!(
                "docs/topics/page.md:{line}: `{span}` is not in the code of {lacking}, cited for it: {FIX}"
            )
        };
        let both = "synchronization/condition_queue, real-world/api_handler";
        assert_eq!(
            topic("page.md", text, &examples()),
            [
                problem(4, "OnceCell", "real-world/api_handler"),
                problem(5, "Notify", "real-world/api_handler"),
                problem(5, "OnceCell", both),
                problem(16, "Missing", "real-world/api_handler"),
                problem(17, "Missing", "real-world/api_handler"),
            ]
        );
    }

    /// A time typed beside an example, in a topic's cited clause, a row, a
    /// seed-map note or the example's own header, is one its code writes or
    /// its golden stdout prints: a timeout changed from 2 s to 3 s leaves each
    /// page that says 2 s stale.
    #[test]
    fn a_time_typed_beside_an_example_is_one_it_has() {
        let source = "//! Gives up after 3 s, where the guide's waits 10 s.\n\
                      //! Each retry waits 2 s.\n\
                      const LIMIT: Duration = Duration::from_secs(3);";
        let code = Code::of(source).printing(["[0.50s] retried"]);
        let examples = Examples::from([("errors/timeouts".to_owned(), code)]);
        assert_eq!(
            headers(&examples),
            [
                "crates/errors/src/timeouts.rs:2: the header gives 2 s, which is not a time that \
              its code writes or its golden stdout prints: "
                    .to_owned()
                    + TIME_FIX
            ]
        );
        let lacking = "errors/timeouts (in its code or golden stdout)";
        let topic_text = "It gives up after 3 s and retries at 0.5 s ([timeouts](../errors/timeouts.md)). \
                          A 2 s wait, citing nothing.\n\n\
                          Then after 2 s ([timeouts](../errors/timeouts.md)).\n";
        assert_eq!(
            topic("page.md", topic_text, &examples),
            [format!(
                "docs/topics/page.md:3: 2 s is not a time that {lacking} has, cited for it: {TIME_FIX}"
            )]
        );
        let table = "| asyncio | Tokio |\n| --- | --- |\n\
                     | `wait_for` of 10 s | gives up after 2 s, [timeouts](errors/timeouts.md) |\n\
                     | `wait_for` of 10 s | gives up after 3 s, [timeouts](errors/timeouts.md) |\n";
        assert_eq!(
            page("cheatsheet.md", table, &examples),
            [format!(
                "docs/src/cheatsheet.md:3: 2 s is not a time that {lacking} has, which the row \
                 links: {TIME_FIX}"
            )]
        );
        let note = |note: &str| Mapping {
            line: 2,
            block: "003/14".to_owned(),
            section: "errors".to_owned(),
            example: "timeouts".to_owned(),
            note: note.to_owned(),
        };
        let mappings = [
            note("Waits 2 s; the guide's waits 10 s."),
            note("Waits 3 s; the guide's waits 10 s."),
        ];
        assert_eq!(
            notes(&mappings, &examples),
            [format!(
                "docs/seed-map.tsv:2: the note on 003/14 gives 2 s, which is not a time that \
                 {lacking} has: {TIME_FIX}"
            )]
        );
    }

    #[test]
    fn a_cited_test_is_checked_wherever_its_citation_is_and_never_left_unchecked() {
        let text = "\
- Fair (`tests::gone`, [api_handler](../real-world/api_handler.md)).
- Bare (`tests::bare`). As `tests::running` checks.
- A link in running text, as in [api_handler](../real-world/api_handler.md), `tests::near`.
- In words (a `Missing`: as in [api_handler](../real-world/api_handler.md)).
";
        let page = "docs/topics/page.md";
        let unchecked = |line: usize, test: &str| {
            format!(
                "{page}:{line}: `{test}` cites a test of no example: end its clause with the \
                 example's link, \"([name](../section/name.md))\""
            )
        };
        assert_eq!(
            topic("page.md", text, &examples()),
            [
                format!(
                    "{page}:1: `tests::gone` is not in the code of real-world/api_handler (no \
                     test named `gone` that runs), cited for it: {FIX}"
                ),
                unchecked(2, "tests::bare"),
                unchecked(2, "tests::running"),
                unchecked(3, "tests::near"),
            ]
        );
    }

    /// The names a seed-map note on an example of `source` is reported for.
    fn reported(source: &str, note: &str) -> Vec<String> {
        let mapping = Mapping {
            line: 2,
            block: "003/14".to_owned(),
            section: "concurrency".to_owned(),
            example: "wait_all".to_owned(),
            note: note.to_owned(),
        };
        let code = Code::of(source);
        let examples = Examples::from([("concurrency/wait_all".to_owned(), code)]);
        let problems = notes(&[mapping], &examples);
        let name = |problem: &String| problem.split('`').nth(1).unwrap_or_default().to_owned();
        problems.iter().map(name).collect()
    }

    #[test]
    fn a_path_is_the_one_the_code_imports_or_writes() {
        let source = "
            use std::sync::Mutex;
            use futures::stream::{self, StreamExt as _};
            use tokio::{runtime, sync::mpsc::Sender};
            use tokio_util::task::JoinQueue;
            async fn run() {
                let counter = Mutex::new(0);
                let mut queue = JoinQueue::new();
                queue.spawn(async {});
                while let Some(result) = queue.join_next().await {}
                tokio::task::spawn(async {});
                let handle = runtime::Handle::current();
                let stream = stream::iter([1]).next().await;
            }";
        let note = "`Mutex`, `std::sync::Mutex`, `sync::Mutex`, `tokio::sync::Mutex`, \
                    `JoinQueue::join_next`, `join_next()`, `JoinSet::join_next`, `mpsc::Sender`, \
                    `tokio::spawn`, `tokio::task::spawn`, `task::spawn_blocking`, \
                    `Handle::current()`, `tokio::runtime::Handle`, \
                    `futures::StreamExt::next`, `futures::stream::iter`, `StreamExt::next`, \
                    `tokio_stream::StreamExt`, `stream::iter`, `tokio::sync::broadcast`";
        assert_eq!(
            reported(source, note),
            [
                "tokio::sync::Mutex",
                "JoinSet::join_next",
                "task::spawn_blocking",
                "tokio_stream::StreamExt",
                "tokio::sync::broadcast",
            ]
        );
    }

    #[test]
    fn a_cited_test_is_a_test_of_the_example() {
        let source = "fn fifo() {} #[cfg(test)] mod tests { #[tokio::test] async fn in_order() {}\n\
                      #[tokio::test] #[ignore = \"flaky\"] async fn skipped() {} }";
        let note = "`tests::in_order`, `tests::fifo`, `tests::gone`, `tests::skipped`";
        assert_eq!(
            reported(source, note),
            ["tests::fifo", "tests::gone", "tests::skipped"]
        );
    }

    /// `let capacity = 5;` is no `capacity()`.
    #[test]
    fn a_name_written_as_a_call_is_one_the_code_calls() {
        let source = "
            fn make() -> Vec<u8> { let capacity = 5; Vec::with_capacity(capacity) }
            async fn run(rx: &mut Receiver) { let len = make().len(); rx.recv().await; }";
        let note = "`capacity()`, `capacity`, `len()`, `make()`, `recv().await`, `with_capacity()`, \
                    `Vec::with_capacity()`, `run()`, `rx()`";
        assert_eq!(reported(source, note), ["capacity()", "rx()"]);
    }

    #[test]
    fn a_constant_is_looked_for_too() {
        let source = "
            const LINE_LIMIT: usize = 1024;
            fn f() -> u32 { u32::MAX }";
        let note =
            "`LINE_LIMIT`, `IDLE_TIMEOUT`, `u32::MAX`, `u64::MAX`, the guide's `HALF_OPEN`, `T`";
        assert_eq!(reported(source, note), ["IDLE_TIMEOUT", "u64::MAX"]);
    }

    #[test]
    fn a_type_the_code_gets_without_naming_it_comes_with_what_returns_it() {
        let spawned = "async fn run() { let handle = tokio::spawn(async {}); handle.abort(); }";
        let set = "use tokio::task::JoinSet;
                   async fn run() { let mut set = JoinSet::new(); set.spawn(async {}); }";
        let blocking = "use tokio::task; async fn run() { task::spawn_blocking(|| ()).await; }";
        let on_handle = "async fn run() { tokio::runtime::Handle::current().spawn(async {}); }";
        let timed =
            "use tokio::time::timeout; async fn run() { if timeout(d, f).await.is_err() {} }";
        let queued = "use tokio::sync::mpsc;
                      async fn run() { let (tx, rx) = mpsc::channel(1); tx.reserve().await?.send(1); }";
        let committed = "fn f(connection: &mut rusqlite::Connection) -> rusqlite::Result<()> {
                             connection.transaction()?.commit()
                         }";
        let built = "use tokio::runtime::Builder;
                     fn f() { Builder::new_current_thread().build()?.block_on(async {}) }";
        let cases: [(&str, &str, &[&str]); 8] = [
            (
                built,
                "`Runtime::block_on`, `Runtime::shutdown_timeout`",
                &["Runtime::shutdown_timeout"],
            ),
            (
                spawned,
                "`JoinHandle::abort`, `tokio::task::JoinHandle`",
                &[],
            ),
            (set, "`JoinHandle`, `JoinSet::spawn`", &["JoinHandle"]),
            (blocking, "`JoinHandle`", &[]),
            (on_handle, "`JoinHandle`", &[]),
            (timed, "`tokio::time::error::Elapsed`, `Elapsed`", &[]),
            (queued, "`mpsc::Sender::reserve`, `Permit::send`", &[]),
            (committed, "`Transaction::commit`", &[]),
        ];
        for (source, note, expected) in cases {
            assert_eq!(reported(source, note), expected, "{note}");
        }
    }

    #[test]
    fn a_table_cell_keeps_its_escaped_pipes() {
        assert_eq!(
            cells("| `async \\|x\\| y` | b |c|"),
            ["`async \\|x\\| y`", "b", "c"]
        );
    }
}
