//! `--dump-at`'s text: where each task of an example waits. Each backtrace
//! of a Tokio task dump folds into the example's own frames, outermost
//! first (`transfer at deadlock.rs:25`, the line being the `.await` it is
//! stopped at), and one name for the library frames below them (`waits in
//! Mutex::lock`). Nothing printed depends on addresses or Tokio's line
//! numbers, so a golden file can pin a dump.

use std::path::Path;

mod capture;
mod code;
mod tree;

pub use capture::{Snapshot, snapshot};
pub use tree::{TaskDump, Who, render};

/// Whether this build can take task dumps (`cfg(taskdump)`, see build.rs).
pub const AVAILABLE: bool = cfg!(taskdump);

/// Why [`AVAILABLE`] is false, in one sentence.
pub const UNAVAILABLE: &str = "task dumps need Tokio's `Handle::dump`, which exists only \
    under `--cfg tokio_unstable` (the workspace sets it in .cargo/config.toml; a RUSTFLAGS \
    of your own replaces that) and only on Linux x86, x86_64, aarch64 and s390x";

/// How far apart the two dumps of `--timeout` are taken: a deadlock is
/// named only if nothing moved in between.
pub const BEAT: std::time::Duration = std::time::Duration::from_millis(100);

/// The most entries a dump shows; a program with thousands of tasks gets
/// the first ones and a count of the rest.
pub const MAX_ENTRIES: usize = 24;

/// One frame of a resolved backtrace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The demangled name, as the debug info or the symbol table gives it.
    pub function: Option<String>,
    /// The source file, as the compiler saw it.
    pub file: Option<String>,
    pub line: Option<u32>,
}

impl Frame {
    pub fn new(function: &str, file: Option<&str>, line: Option<u32>) -> Self {
        Frame {
            function: Some(function.to_owned()),
            file: file.map(str::to_owned),
            line,
        }
    }
}

/// Which frames are the program's own: those in one source file.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// The file, as the compiler saw it or just its name: frames whose file
    /// ends with it (or that it ends with) are own frames.
    pub path: &'a str,
    /// The module the file is, such as `deadlock`; names are shown from
    /// after it (`deadlock::Bank::transfer` shows as `Bank::transfer`).
    pub module: &'a str,
}

impl Source<'_> {
    fn owns(&self, file: &str) -> bool {
        let (mine, theirs) = (Path::new(self.path), Path::new(file));
        !file.is_empty() && (theirs.ends_with(mine) || mine.ends_with(theirs))
    }
}

/// One of the program's own frames.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Place {
    /// `transfer`, `Bank::transfer`, `async block in run`.
    pub function: String,
    /// `deadlock.rs:25`.
    pub at: String,
}

/// Where one backtrace of a task stops: its own frames, outermost first,
/// and what it waits in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Wait {
    pub frames: Vec<Place>,
    /// The leaf, folded: `Mutex::lock`, `timeout › sleep`.
    pub leaf: String,
}

impl Wait {
    /// The innermost own frame, if there is one.
    pub fn innermost(&self) -> Option<&Place> {
        self.frames.last()
    }
}

/// Folds one backtrace, given outermost frame first, into a [`Wait`].
pub fn fold(frames: &[Frame], source: Source<'_>) -> Wait {
    let own = |frame: &Frame| frame.file.as_deref().is_some_and(|file| source.owns(file));
    let innermost_own = frames.iter().rposition(own);
    let places = frames
        .iter()
        .filter(|frame| own(frame))
        .map(|frame| place(frame, source))
        .collect();
    let below = match innermost_own {
        Some(index) => &frames[index + 1..],
        None => frames,
    };
    Wait {
        frames: places,
        leaf: leaf(below, source.module),
    }
}

fn place(frame: &Frame, source: Source<'_>) -> Place {
    let file = frame.file.as_deref().unwrap_or_default();
    let file = Path::new(file).file_name().map_or_else(
        || file.to_owned(),
        |name| name.to_string_lossy().into_owned(),
    );
    let at = match frame.line {
        Some(line) => format!("{file}:{line}"),
        None => file,
    };
    Place {
        function: own_name(frame.function.as_deref().unwrap_or("?"), source.module),
        at,
    }
}

/// An own function's name from after its module: an `async fn`'s body is
/// a closure of the function (`transfer::{{closure}}`), an async block a
/// closure inside that.
fn own_name(raw: &str, module: &str) -> String {
    let path = simplify(raw);
    let segments: Vec<&str> = path.split("::").collect();
    let start = segments
        .iter()
        .position(|segment| *segment == module)
        .map_or(0, |index| index + 1);
    let rest = &segments[start..];
    let closures = rest.iter().rev().take_while(|s| **s == CLOSURE).count();
    let rest = &rest[..rest.len() - closures];
    let name = if rest.is_empty() {
        path.clone()
    } else {
        rest.join("::")
    };
    if closures >= 2 {
        format!("async block in {name}")
    } else {
        name
    }
}

/// How a closure segment reads once [`simplify`] has normalised it.
const CLOSURE: &str = "{{closure}}";

/// A demangled name without its hash, generic arguments and trait
/// qualification: `<tokio::time::sleep::Sleep as core::future::future::Future>::poll::h0123..`
/// becomes `tokio::time::sleep::Sleep::poll`. Closure segments, whichever
/// form the debug info gives them in, become `{{closure}}`.
pub fn simplify(raw: &str) -> String {
    let name = match raw.rsplit_once("::h") {
        Some((name, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            name
        }
        _ => raw,
    };
    // `<A as B>::rest` and `<A>::rest` become `A::rest`.
    let mut unqualified = name.to_owned();
    if let Some(inner) = name.strip_prefix('<') {
        let (mut depth, mut ty_end) = (1usize, None);
        for (at, c) in inner.char_indices() {
            match c {
                '<' => depth += 1,
                '>' if depth == 1 => {
                    unqualified = format!("{}{}", &inner[..ty_end.unwrap_or(at)], &inner[at + 1..]);
                    break;
                }
                '>' => depth -= 1,
                _ if depth == 1 && ty_end.is_none() && inner[at..].starts_with(" as ") => {
                    ty_end = Some(at)
                }
                _ => {}
            }
        }
    }
    // Generic arguments go: `Mutex<T>::lock` is `Mutex::lock`.
    let mut path = String::new();
    let mut depth = 0usize;
    for c in unqualified.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 => path.push(c),
            _ => {}
        }
    }
    let closure = |segment: &str| {
        ["{{closure", "{closure", "{async_block", "{async_fn"]
            .iter()
            .any(|p| segment.starts_with(p))
    };
    let segments = path.split("::").filter(|segment| !segment.is_empty());
    let segments: Vec<&str> = segments
        .map(|segment| if closure(segment) { CLOSURE } else { segment })
        .collect();
    segments.join("::")
}

/// Library futures that poll another future on the waiting path, so what
/// they wait in is the next frame's: `timeout › mpsc::Receiver::recv`.
const WRAPPERS: &str = "timeout join_all try_join_all select_all FuturesUnordered FuturesOrdered buffered \
                        buffer_unordered";

/// Library frames that are never what a program waits in: adapters the
/// waiting path passes through.
const PASSING: &str = "maybe_done try_maybe_done poll_delay Map MapOk MapErr Then AndThen OrElse Inspect Fuse \
                       Flatten Either IntoFuture Instrumented WithDispatch";

/// The crates whose names a reader knows without their crate: Tokio's own
/// and the `futures` family.
fn well_known(krate: &str) -> bool {
    krate.starts_with("tokio") || krate.starts_with("futures")
}

/// The library frames below the innermost own frame, folded into one name.
/// A frame named inside the program's own module but compiled from a
/// library's file is a macro's expansion (`select!`, `try_join!`): the path
/// passes through it too.
fn leaf(frames: &[Frame], module: &str) -> String {
    let mut names = Vec::new();
    for frame in frames {
        let Some(raw) = frame.function.as_deref() else {
            continue;
        };
        let path = simplify(raw);
        let mut segments = path.split("::");
        let krate = segments.next().unwrap_or_default();
        if !well_known(krate) && segments.any(|segment| segment == module) {
            continue;
        }
        let Some(name) = api_name(&path) else {
            continue;
        };
        if PASSING.split(' ').any(|passing| passing == name) || names.last() == Some(&name) {
            continue;
        }
        let wrapper = WRAPPERS.split(' ').any(|wrapper| wrapper == name);
        names.push(name);
        if !wrapper {
            break;
        }
    }
    if names.is_empty() {
        "a library future".to_owned()
    } else {
        names.join(" › ")
    }
}

/// The name a reader knows a library frame by, or `None` for frames of
/// `core`, `std` and `alloc` (`Pin`, `Box`, `poll_fn` and the like: the
/// path passes through them).
fn api_name(path: &str) -> Option<String> {
    let segments: Vec<&str> = path
        .split("::")
        .filter(|segment| *segment != CLOSURE)
        .collect();
    let (&krate, _) = segments.split_first()?;
    // A reference, a pointer or a bare type parameter (`<&mut F as
    // Future>::poll`) is an adapter too.
    let crate_like = krate.starts_with(|c: char| c.is_ascii_lowercase())
        && krate.chars().all(|c| c.is_alphanumeric() || c == '_');
    if matches!(krate, "core" | "std" | "alloc") || !crate_like || segments.len() == 1 {
        return None;
    }
    let is_type = |segment: &str| segment.chars().next().is_some_and(char::is_uppercase);
    let channel = segments
        .iter()
        .find(|segment| matches!(**segment, "mpsc" | "oneshot" | "broadcast" | "watch"))
        .copied();
    let typed = |ty: &str| match channel {
        Some(module) if ty.contains("Receiver") || ty.contains("Sender") => {
            format!("{module}::{ty}")
        }
        _ => ty.to_owned(),
    };
    let named = |name: String| {
        if well_known(krate) {
            name
        } else {
            format!("{krate}::{name}")
        }
    };
    let n = segments.len();
    let last = segments[n - 1];
    if n >= 2 && is_type(segments[n - 2]) {
        let ty = segments[n - 2];
        let module = if n >= 3 { segments[n - 3] } else { "" };
        if last == "poll" {
            // A future type: named by what makes it.
            return Some(match (module, ty) {
                ("notify", "Notified") => "Notify::notified".to_owned(),
                (_, "WaitForCancellationFuture" | "WaitForCancellationFutureOwned") => {
                    "CancellationToken::cancelled".to_owned()
                }
                (_, "TaskTrackerWaitFuture") => "TaskTracker::wait".to_owned(),
                _ if PASSING.split(' ').any(|passing| passing == ty) => ty.to_owned(),
                _ if snake_case(ty) == module => named(module.to_owned()),
                _ => named(typed(ty)),
            });
        }
        return Some(named(format!("{}::{last}", typed(ty))));
    }
    if is_type(last) {
        return Some(named(typed(last)));
    }
    Some(named(last.to_owned()))
}

fn snake_case(camel: &str) -> String {
    let mut snake = String::new();
    for (index, c) in camel.chars().enumerate() {
        if c.is_uppercase() {
            if index > 0 {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

#[cfg(test)]
mod tests;
