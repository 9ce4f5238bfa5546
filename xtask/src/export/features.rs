//! Which features of a crate an export lists: those its file shows a use
//! of, by the table below. `export --check-all` builds every export with
//! exactly the features it lists, which proves the table gives enough; that
//! it gives no more is the table's own care, row by row.

use std::collections::BTreeSet;

use super::uses::Uses;

/// What in a file needs some of a crate's features.
#[derive(Clone, Copy, Debug)]
enum When {
    /// Any use of the crate.
    Named,
    /// A path that starts with this one; of the rows that match a path, the
    /// longest decides (`tokio::io::AsyncRead` is no `io-util`).
    Path(&'static str),
    /// A call of this method.
    Method(&'static str),
}

struct Needs {
    krate: &'static str,
    when: When,
    features: &'static [&'static str],
}

const fn path(krate: &'static str, path: &'static str, features: &'static [&'static str]) -> Needs {
    Needs {
        krate,
        when: When::Path(path),
        features,
    }
}

const fn method(
    krate: &'static str,
    name: &'static str,
    features: &'static [&'static str],
) -> Needs {
    Needs {
        krate,
        when: When::Method(name),
        features,
    }
}

/// The crates whose features an export picks (every other crate's export
/// lists its `[workspace.dependencies]` entry as it is), as each crate's
/// source for the version in Cargo.lock gates its items. The attributes
/// `#[tokio::main]` and `#[tokio::test]` are read by [`runtime_attribute`].
const NEEDS: &[Needs] = &[
    // Tokio: each module its feature.
    path("tokio", "tokio::fs", &["fs"]),
    path("tokio", "tokio::io", &["io-util"]),
    path("tokio", "tokio::io::AsyncBufRead", &[]),
    path("tokio", "tokio::io::AsyncRead", &[]),
    path("tokio", "tokio::io::AsyncSeek", &[]),
    path("tokio", "tokio::io::AsyncWrite", &[]),
    path("tokio", "tokio::io::Error", &[]),
    path("tokio", "tokio::io::ErrorKind", &[]),
    path("tokio", "tokio::io::ReadBuf", &[]),
    path("tokio", "tokio::io::Result", &[]),
    path("tokio", "tokio::io::Interest", &["net"]),
    path("tokio", "tokio::io::Ready", &["net"]),
    path("tokio", "tokio::io::unix", &["net"]),
    path("tokio", "tokio::io::Stderr", &["io-std"]),
    path("tokio", "tokio::io::Stdin", &["io-std"]),
    path("tokio", "tokio::io::Stdout", &["io-std"]),
    path("tokio", "tokio::io::stderr", &["io-std"]),
    path("tokio", "tokio::io::stdin", &["io-std"]),
    path("tokio", "tokio::io::stdout", &["io-std"]),
    path("tokio", "tokio::join", &["macros"]),
    path("tokio", "tokio::main", &["macros", "rt"]),
    path("tokio", "tokio::net", &["net"]),
    path("tokio", "tokio::process", &["process"]),
    path("tokio", "tokio::runtime", &["rt"]),
    path(
        "tokio",
        "tokio::runtime::Builder::new_multi_thread",
        &["rt-multi-thread"],
    ),
    path("tokio", "tokio::select", &["macros"]),
    path("tokio", "tokio::signal", &["signal"]),
    path("tokio", "tokio::spawn", &["rt"]),
    path("tokio", "tokio::sync", &["sync"]),
    path("tokio", "tokio::task", &["rt"]),
    path("tokio", "tokio::task::block_in_place", &["rt-multi-thread"]),
    path("tokio", "tokio::task_local", &["rt"]),
    path("tokio", "tokio::test", &["macros", "rt"]),
    path("tokio", "tokio::time", &["time"]),
    // The paused clock.
    path("tokio", "tokio::time::advance", &["time", "test-util"]),
    path("tokio", "tokio::time::pause", &["time", "test-util"]),
    path("tokio", "tokio::time::resume", &["time", "test-util"]),
    method("tokio", "start_paused", &["test-util"]),
    path("tokio", "tokio::try_join", &["macros"]),
    // tokio-util (no default features).
    path("tokio-util", "tokio_util::codec", &["codec"]),
    path("tokio-util", "tokio_util::task", &["rt"]),
    path("tokio-util", "tokio_util::task::JoinMap", &["join-map"]),
    path("tokio-util", "tokio_util::time", &["time"]),
    // tokio-stream: `time` is a default feature.
    path(
        "tokio-stream",
        "tokio_stream::wrappers::BroadcastStream",
        &["sync"],
    ),
    path(
        "tokio-stream",
        "tokio_stream::wrappers::WatchStream",
        &["sync"],
    ),
    path("tokio-stream", "tokio_stream::wrappers::errors", &["sync"]),
    path(
        "tokio-stream",
        "tokio_stream::wrappers::IntervalStream",
        &["time"],
    ),
    method("tokio-stream", "chunks_timeout", &["time"]),
    method("tokio-stream", "throttle", &["time"]),
    method("tokio-stream", "timeout", &["time"]),
    method("tokio-stream", "timeout_repeating", &["time"]),
    // futures, without its default features: `std` for any use, its macros.
    Needs {
        krate: "futures",
        when: When::Named,
        features: &["std"],
    },
    path("futures", "futures::join", &["async-await"]),
    path("futures", "futures::pending", &["async-await"]),
    path("futures", "futures::poll", &["async-await"]),
    path("futures", "futures::select", &["async-await"]),
    path("futures", "futures::select_biased", &["async-await"]),
    path("futures", "futures::stream_select", &["async-await"]),
    path("futures", "futures::try_join", &["async-await"]),
    // reqwest, as `cargo add reqwest` writes it, and what it adds.
    path("reqwest", "reqwest::blocking", &["blocking"]),
    method("reqwest", "json", &["json"]),
    // rusqlite, which brings SQLite with it.
    Needs {
        krate: "rusqlite",
        when: When::Named,
        features: &["bundled"],
    },
    path("rusqlite", "rusqlite::hooks", &["hooks"]),
    method("rusqlite", "authorizer", &["hooks"]),
    method("rusqlite", "commit_hook", &["hooks"]),
    method("rusqlite", "progress_handler", &["hooks"]),
    method("rusqlite", "rollback_hook", &["hooks"]),
    method("rusqlite", "update_hook", &["hooks"]),
    method("rusqlite", "wal_hook", &["hooks"]),
];

/// The features of `krate` that `uses` needs, or `None` for a crate the
/// table does not cover.
pub fn needed(krate: &str, uses: &Uses) -> Option<BTreeSet<&'static str>> {
    let rows: Vec<&Needs> = NEEDS.iter().filter(|needs| needs.krate == krate).collect();
    if rows.is_empty() {
        return None;
    }
    let mut features = BTreeSet::new();
    for needs in &rows {
        let shown = match needs.when {
            When::Named => uses.names_crate(krate),
            When::Method(name) => uses.methods.contains(name),
            When::Path(_) => false,
        };
        if shown {
            features.extend(needs.features);
        }
    }
    for used in &uses.paths {
        let deciding = rows
            .iter()
            .filter(|needs| matches!(needs.when, When::Path(path) if is_within(used, path)))
            .max_by_key(|needs| match needs.when {
                When::Path(path) => path.len(),
                When::Named | When::Method(_) => 0,
            });
        if let Some(needs) = deciding {
            features.extend(needs.features);
        }
    }
    if krate == "tokio" {
        for attribute in &uses.attributes {
            features.extend(runtime_attribute(attribute));
        }
    }
    Some(features)
}

/// Whether `used` is `path` or a path inside it.
fn is_within(used: &str, path: &str) -> bool {
    match used.strip_prefix(path) {
        Some(rest) => rest.is_empty() || rest.starts_with("::"),
        None => false,
    }
}

/// What `#[tokio::main]` and `#[tokio::test]` need beyond `macros` and
/// `rt`: `main` starts the multi-thread runtime unless told `flavor =
/// "current_thread"`, `test` only when told `flavor = "multi_thread"`, and
/// either pauses its clock when told `start_paused = true`.
fn runtime_attribute(attribute: &super::uses::Attribute) -> Vec<&'static str> {
    let arguments = attribute.arguments.replace(' ', "");
    let mut features = Vec::new();
    let multi_thread = match attribute.path.as_str() {
        "tokio::main" => !arguments.contains("flavor=\"current_thread\""),
        "tokio::test" => arguments.contains("flavor=\"multi_thread\""),
        _ => return features,
    };
    if multi_thread {
        features.push("rt-multi-thread");
    }
    if arguments.contains("start_paused=true") {
        features.push("test-util");
    }
    features
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokio(code: &str) -> Vec<&'static str> {
        let uses = Uses::read(code).unwrap();
        needed("tokio", &uses).unwrap().into_iter().collect()
    }

    #[test]
    fn each_module_of_tokio_needs_its_feature_and_the_longest_row_decides() {
        let code = "use tokio::io::{AsyncRead, AsyncWriteExt};\n\
                    #[tokio::main(flavor = \"current_thread\")]\n\
                    async fn main() { tokio::time::sleep(d).await; tokio::io::stdout(); }";
        assert_eq!(tokio(code), ["io-std", "io-util", "macros", "rt", "time"]);
        assert_eq!(tokio("use tokio::io::AsyncRead;"), Vec::<&str>::new());
        assert_eq!(
            tokio("#[tokio::main] async fn main() {}"),
            ["macros", "rt", "rt-multi-thread"]
        );
        let paused =
            "#[tokio::test(start_paused = true)] async fn t() { tokio::time::advance(d); }";
        assert_eq!(tokio(paused), ["macros", "rt", "test-util", "time"]);
        assert_eq!(
            needed("anyhow", &Uses::read("anyhow::bail!()").unwrap()),
            None
        );
    }

    /// Every feature the workspace's entry of a tabled crate turns on is one
    /// some row can give, or an export could never list it.
    #[test]
    fn every_feature_of_a_tabled_crate_s_entry_has_a_row() {
        let manifest: toml::Table = include_str!("../../../Cargo.toml").parse().unwrap();
        let entries = &manifest["workspace"]["dependencies"];
        let exported = &manifest["workspace"]["metadata"]["export"]["dependencies"];
        let krates: BTreeSet<&str> = NEEDS.iter().map(|needs| needs.krate).collect();
        for krate in krates {
            let entry = exported.get(krate).unwrap_or(&entries[krate]);
            let features = entry.get("features").and_then(|f| f.as_array());
            for feature in features.into_iter().flatten() {
                let feature = feature.as_str().unwrap();
                let given = NEEDS
                    .iter()
                    .any(|needs| needs.krate == krate && needs.features.contains(&feature));
                assert!(given, "no row gives {krate}'s `{feature}`");
            }
        }
    }
}
