//! Folding a backtrace into what a reader needs: their own frames, outermost
//! first (`transfer at deadlock.rs:25`, the line being the `.await` it is
//! stopped at), and one name for the library frames below them (`waits in
//! Mutex::lock`). Nothing depends on addresses or Tokio's line numbers, so a
//! golden file can pin a dump.

use std::path::Path;

use crate::dump::{Frame, Own};

/// One of the program's own frames.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// Whether it passes through a `select!` or a `join!` (or `futures`'
    /// `select` or `join`): the other branches may wait on what leaves no
    /// frame (a `JoinSet` none of whose tasks has finished, a `futures`
    /// oneshot), and end this wait, or the guard it waits for.
    pub in_select: bool,
}

impl Wait {
    /// The innermost own frame, if there is one.
    pub fn innermost(&self) -> Option<&Place> {
        self.frames.last()
    }

    /// Whether it waits for a lock and nothing else it shows.
    pub(crate) fn for_a_lock(&self) -> bool {
        let leaf = self.leaf.as_str();
        !leaf.contains(" › ") && (leaf.starts_with("Mutex::") || leaf.starts_with("RwLock::"))
    }

    /// Whether what it waits in can be ended only by the program's own
    /// tasks (or a timer): a lock, a channel, a task; not a socket, a
    /// signal, or a future that is not Tokio's.
    pub(crate) fn on_tasks_only(&self) -> bool {
        const TASKS_ONLY: [&str; 16] = [
            "Mutex::",
            "RwLock::",
            "Semaphore::",
            "Barrier::",
            "Notify::",
            "mpsc::",
            "oneshot::",
            "broadcast::",
            "watch::",
            "JoinHandle",
            "JoinSet",
            "AbortOnDropHandle",
            "CancellationToken::",
            "TaskTracker::",
            "sleep",
            "yield_now",
        ];
        let steps = self.leaf.split(" › ");
        steps
            .filter(|step| *step != "timeout")
            .all(|step| TASKS_ONLY.iter().any(|known| step.starts_with(known)))
    }
}

/// Folds one backtrace, given outermost frame first, into a [`Wait`].
pub fn fold(frames: &[Frame], own: Own<'_>) -> Wait {
    let is_own = |frame: &Frame| {
        let owned = frame.file.as_deref().is_some_and(|file| own.owns(file));
        owned && !dumpers(frame)
    };
    let mut places = Vec::new();
    let mut below = frames;
    for (at, frame) in frames.iter().enumerate() {
        if is_own(frame) {
            places.push(place(frame, own.module));
            below = &frames[at + 1..];
        }
    }
    Wait {
        frames: places,
        leaf: leaf(below, own.module),
        in_select: frames.iter().any(selects),
    }
}

/// Whether `frame` is a `select!`'s or a `join!`'s expansion (its
/// closure, compiled from Tokio's macro file) or one of `futures`' futures
/// that poll several: a branch that leaves no frame may be pending beside
/// the waits the dump shows.
fn selects(frame: &Frame) -> bool {
    let file = Path::new(frame.file.as_deref().unwrap_or_default());
    let function = simplify(frame.function.as_deref().unwrap_or_default());
    let tokio = file
        .iter()
        .any(|part| part.to_string_lossy().starts_with("tokio-"));
    let futures = file
        .iter()
        .any(|part| part.to_string_lossy().starts_with("futures-util-"));
    let macros = ["select.rs", "join.rs", "try_join.rs"];
    (tokio
        && macros
            .iter()
            .any(|name| file.ends_with(Path::new("src/macros").join(name))))
        // `futures::join!`, `try_join!` and `select!`.
        || (futures
            && ["join_mod.rs", "select_mod.rs"]
                .iter()
                .any(|name| file.ends_with(Path::new("src/async_await").join(name))))
        || [
            "future::select::Select::",
            "select_all::SelectAll::",
            "select_ok::SelectOk::",
            "future::join::Join",
            "future::try_join::TryJoin",
            "join_all::JoinAll::",
            "try_join_all::TryJoinAll::",
        ]
        .iter()
        .any(|name| function.starts_with("futures_util::") && function.contains(name))
}

/// Whether `frame` is this crate's dump or tracker, which wrap `main`. An
/// export copies the crate into the program's directory, where its files
/// look like the program's own.
fn dumpers(frame: &Frame) -> bool {
    let function = simplify(frame.function.as_deref().unwrap_or_default());
    let mut path = function.split("::");
    let (krate, module) = (path.next(), path.next());
    krate == Some(env!("CARGO_CRATE_NAME")) && matches!(module, Some("dump" | "tracker"))
}

fn place(frame: &Frame, module: &str) -> Place {
    let file = frame.file.as_deref().unwrap_or_default();
    let file = short_path(file);
    let at = match frame.line {
        Some(line) => format!("{file}:{line}"),
        None => file,
    };
    Place {
        function: own_name(frame.function.as_deref().unwrap_or("?"), module),
        at,
    }
}

/// A file as a dump names it: by its name, or for a dependency's file from
/// its crate's directory on (`tokio-1.54.1/src/fs/mod.rs`).
pub fn short_path(file: &str) -> String {
    let parts: Vec<_> = Path::new(file)
        .iter()
        .map(|part| part.to_string_lossy())
        .collect();
    let Some(src) = parts.iter().rposition(|part| part == "src") else {
        return parts
            .last()
            .map_or_else(|| file.to_owned(), |name| name.to_string());
    };
    match parts.get(src.wrapping_sub(1)) {
        Some(krate) if krate.contains('-') && krate.contains('.') => parts[src - 1..].join("/"),
        _ => parts
            .last()
            .map_or_else(|| file.to_owned(), |name| name.to_string()),
    }
}

/// An own function's name from after its module: an `async fn`'s body is
/// a closure of the function (`transfer::{{closure}}`), an async block a
/// closure inside that.
fn own_name(raw: &str, module: &str) -> String {
    let path = simplify(raw);
    let segments: Vec<&str> = path.split("::").collect();
    let start = match segments.iter().position(|segment| *segment == module) {
        Some(index) => index + 1,
        None => 0,
    };
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
    let unqualified = unqualify(name);
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
    let mut segments = Vec::new();
    for segment in path.split("::").filter(|segment| !segment.is_empty()) {
        segments.push(if closure(segment) { CLOSURE } else { segment });
    }
    segments.join("::")
}

/// `<A as B>::rest` and `<A>::rest` as `A::rest`.
fn unqualify(name: &str) -> String {
    let Some(inner) = name.strip_prefix('<') else {
        return name.to_owned();
    };
    let (mut depth, mut type_end) = (1usize, None);
    for (at, c) in inner.char_indices() {
        match c {
            '<' => depth += 1,
            '>' if depth == 1 => {
                let ty = &inner[..type_end.unwrap_or(at)];
                return format!("{ty}{}", &inner[at + 1..]);
            }
            '>' => depth -= 1,
            _ if depth == 1 && type_end.is_none() && inner[at..].starts_with(" as ") => {
                type_end = Some(at);
            }
            _ => {}
        }
    }
    name.to_owned()
}

/// Library futures that poll another future on the waiting path, so what
/// they wait in is the next frame's: `timeout › mpsc::Receiver::recv`.
const WRAPPERS: [&str; 8] = [
    "timeout",
    "join_all",
    "try_join_all",
    "select_all",
    "FuturesUnordered",
    "FuturesOrdered",
    "buffered",
    "buffer_unordered",
];

/// Library frames that are never what a program waits in: adapters the
/// waiting path passes through.
const PASSING: [&str; 16] = [
    "maybe_done",
    "try_maybe_done",
    "poll_delay",
    "Map",
    "MapOk",
    "MapErr",
    "Then",
    "AndThen",
    "OrElse",
    "Inspect",
    "Fuse",
    "Flatten",
    "Either",
    "IntoFuture",
    "Instrumented",
    "WithDispatch",
];

/// The crates whose names a reader knows without their crate: Tokio's own
/// and the `futures` family.
fn well_known(krate: &str) -> bool {
    krate.starts_with("tokio") || krate.starts_with("futures")
}

/// The library frames below the innermost own frame, folded into one name.
/// A frame named inside the program's own module but compiled from a
/// library's file is a macro's expansion (`select!`, `try_join!`): the path
/// passes through it too. The module may be the crate itself, as the recipe
/// names a program's (`ex_tri_cycle::program::{{closure}}`).
fn leaf(frames: &[Frame], module: &str) -> String {
    let mut names: Vec<String> = Vec::new();
    for frame in frames {
        let Some(raw) = frame.function.as_deref() else {
            continue;
        };
        let path = simplify(raw);
        let krate = path.split("::").next().unwrap_or_default();
        if !well_known(krate) && path.split("::").any(|segment| segment == module) {
            continue;
        }
        let Some(name) = api_name(&path) else {
            continue;
        };
        if PASSING.contains(&name.as_str()) || names.last() == Some(&name) {
            continue;
        }
        let wrapper = WRAPPERS.contains(&name.as_str());
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
    let named = |name: String| {
        if well_known(krate) {
            name
        } else {
            format!("{krate}::{name}")
        }
    };
    let n = segments.len();
    let last = segments[n - 1];
    let is_type = |segment: &str| segment.chars().next().is_some_and(char::is_uppercase);
    if is_type(segments[n - 2]) {
        let ty = segments[n - 2];
        let module = if n >= 3 { segments[n - 3] } else { "" };
        if last != "poll" {
            return Some(named(format!("{}::{last}", channel_typed(&segments, ty))));
        }
        // A future type: named by what makes it.
        let name = match (module, ty) {
            ("notify", "Notified") => "Notify::notified".to_owned(),
            (_, "WaitForCancellationFuture" | "WaitForCancellationFutureOwned") => {
                "CancellationToken::cancelled".to_owned()
            }
            (_, "TaskTrackerWaitFuture") => "TaskTracker::wait".to_owned(),
            _ if PASSING.contains(&ty) => ty.to_owned(),
            _ if snake_case(ty) == module => named(module.to_owned()),
            _ => named(channel_typed(&segments, ty)),
        };
        return Some(name);
    }
    if is_type(last) {
        return Some(named(channel_typed(&segments, last)));
    }
    Some(named(last.to_owned()))
}

/// A channel's end named with its kind: `mpsc::Receiver`.
fn channel_typed(segments: &[&str], ty: &str) -> String {
    let kinds = ["mpsc", "oneshot", "broadcast", "watch"];
    let channel = segments.iter().find(|segment| kinds.contains(segment));
    match channel {
        Some(kind) if ty.contains("Receiver") || ty.contains("Sender") => format!("{kind}::{ty}"),
        _ => ty.to_owned(),
    }
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
