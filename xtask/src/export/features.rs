//! The one table of which path needs which feature of a crate.
//!
//! A crate's features gate parts of its API: `tokio::net` exists only with
//! tokio's `net` feature. An export turns on exactly the features whose
//! gated paths the example names ([`RULES`]), read from the crate sources in
//! `Cargo.lock`'s versions (`cfg_net!`, `#[cfg(feature = "...")]`). A feature
//! that only a method needs (reqwest's `json` for `.json()`) can't be seen in
//! a path; the example's header says so in a `Needs:` line instead (see
//! [`super::needs`]).
//!
//! `cargo xtask export --check-all` compiles every export with exactly these
//! features, so a rule that is missing or wrong fails there, by name.

use super::paths::How;

/// When a rule applies to a path it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Whenever the path is named.
    Named,
    /// When it is derived: `#[derive(serde::Serialize)]` needs serde's
    /// `derive`; the trait alone does not.
    Derived,
    /// As an attribute whose arguments contain this word.
    AttributeWith(&'static str),
    /// As an attribute whose arguments don't contain this word.
    AttributeWithout(&'static str),
}

/// Naming `path`, or anything under it, `when` so, needs `features`.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// From the crate's root, as the code writes it: `tokio_util::task`.
    /// The crate alone (`futures`) is a feature any use of it needs.
    pub path: &'static str,
    pub when: When,
    pub features: &'static [&'static str],
}

const fn named(path: &'static str, features: &'static [&'static str]) -> Rule {
    Rule {
        path,
        when: When::Named,
        features,
    }
}

const fn rule(path: &'static str, when: When, features: &'static [&'static str]) -> Rule {
    Rule {
        path,
        when,
        features,
    }
}

/// Every rule. Crates the examples use without any feature of their own
/// (anyhow, thiserror, async-stream, serde_json, tempfile, tracing) have
/// none.
pub const RULES: &[Rule] = &[
    // tokio: each module behind its feature (`cfg_rt!`, `cfg_time!`, ... in
    // tokio/src/lib.rs).
    named("tokio::spawn", &["rt"]),
    named("tokio::task", &["rt"]),
    named("tokio::task_local", &["rt"]),
    named("tokio::task::block_in_place", &["rt-multi-thread"]),
    named("tokio::runtime", &["rt"]),
    named(
        "tokio::runtime::Builder::new_multi_thread",
        &["rt-multi-thread"],
    ),
    named("tokio::runtime::Runtime::new", &["rt-multi-thread"]),
    named("tokio::select", &["macros"]),
    named("tokio::join", &["macros"]),
    named("tokio::try_join", &["macros"]),
    // `#[tokio::main]` is `macros`; its default flavor is the multi-thread
    // runtime. `#[tokio::test]`'s default is the current-thread one.
    named("tokio::main", &["macros", "rt"]),
    rule(
        "tokio::main",
        When::AttributeWithout("current_thread"),
        &["rt-multi-thread"],
    ),
    named("tokio::test", &["macros", "rt"]),
    rule(
        "tokio::test",
        When::AttributeWith("multi_thread"),
        &["rt-multi-thread"],
    ),
    rule(
        "tokio::test",
        When::AttributeWith("start_paused"),
        &["test-util"],
    ),
    named("tokio::time", &["time"]),
    named("tokio::time::pause", &["test-util"]),
    named("tokio::time::advance", &["test-util"]),
    named("tokio::time::resume", &["test-util"]),
    named("tokio::sync", &["sync"]),
    named("tokio::net", &["net"]),
    named("tokio::fs", &["fs"]),
    named("tokio::signal", &["signal"]),
    named("tokio::process", &["process"]),
    named("tokio::io::stdin", &["io-std"]),
    named("tokio::io::stdout", &["io-std"]),
    named("tokio::io::stderr", &["io-std"]),
    // `cfg_io_util!` in tokio/src/io/mod.rs; the traits `AsyncRead` and
    // `AsyncWrite` need nothing.
    named("tokio::io::AsyncBufReadExt", &["io-util"]),
    named("tokio::io::AsyncReadExt", &["io-util"]),
    named("tokio::io::AsyncSeekExt", &["io-util"]),
    named("tokio::io::AsyncWriteExt", &["io-util"]),
    named("tokio::io::BufReader", &["io-util"]),
    named("tokio::io::BufStream", &["io-util"]),
    named("tokio::io::BufWriter", &["io-util"]),
    named("tokio::io::copy", &["io-util"]),
    named("tokio::io::copy_bidirectional", &["io-util"]),
    named("tokio::io::copy_buf", &["io-util"]),
    named("tokio::io::duplex", &["io-util"]),
    named("tokio::io::split", &["io-util"]),
    // tokio-util: tokio-util/src/lib.rs and src/task/mod.rs.
    named("tokio_util::task", &["rt"]),
    named("tokio_util::task::JoinMap", &["join-map"]),
    named("tokio_util::context", &["rt"]),
    named("tokio_util::time", &["time"]),
    named("tokio_util::codec", &["codec"]),
    named("tokio_util::io", &["io"]),
    named("tokio_util::net", &["net"]),
    named("tokio_util::compat", &["compat"]),
    // tokio-stream keeps its default `time`; the wrappers of
    // tokio-stream/src/wrappers.rs need the tokio feature of what they wrap.
    named("tokio_stream::wrappers::BroadcastStream", &["sync"]),
    named("tokio_stream::wrappers::WatchStream", &["sync"]),
    named("tokio_stream::wrappers::errors", &["sync"]),
    named("tokio_stream::wrappers::JoinSetStream", &["rt"]),
    named("tokio_stream::wrappers::TcpListenerStream", &["net"]),
    named("tokio_stream::wrappers::LinesStream", &["io-util"]),
    named("tokio_stream::wrappers::SplitStream", &["io-util"]),
    named("tokio_stream::wrappers::ReadDirStream", &["fs"]),
    // futures without its default features: nearly everything the examples
    // use needs `std` (or `alloc`), often through a method no path shows
    // (`buffered`, `catch_unwind`, `shared`), so any use turns it on. The
    // macros are `async-await` (futures/src/lib.rs).
    named("futures", &["std"]),
    named("futures::join", &["async-await"]),
    named("futures::try_join", &["async-await"]),
    named("futures::select", &["async-await"]),
    named("futures::select_biased", &["async-await"]),
    named("futures::pending", &["async-await"]),
    named("futures::poll", &["async-await"]),
    named("futures::stream_select", &["async-await"]),
    named("futures::executor", &["executor"]),
    // rand without its default features: the seeded ChaCha generators
    // (rand/src/rngs/mod.rs).
    named("rand::rngs::ChaCha8Rng", &["chacha"]),
    named("rand::rngs::ChaCha12Rng", &["chacha"]),
    named("rand::rngs::ChaCha20Rng", &["chacha"]),
    // serde's derive macros share their names with the traits.
    rule("serde::Serialize", When::Derived, &["derive"]),
    rule("serde::Deserialize", When::Derived, &["derive"]),
    // reqwest without its default features, and without a TLS provider of
    // its own: the export's main.rs installs rustls's `ring` provider (see
    // the module docs of `export` for why).
    named("reqwest", &["rustls-no-provider"]),
    named("reqwest::blocking", &["blocking"]),
    named("rustls::crypto::ring", &["ring"]),
    // `CryptoProvider::install_default` is `std` only.
    named("rustls", &["std"]),
    // axum without its default features (axum/src/lib.rs, extract/mod.rs).
    named("axum::serve", &["tokio", "http1"]),
    named("axum::Json", &["json"]),
    named("axum::extract::Json", &["json"]),
    named("axum::extract::Query", &["query"]),
    named("axum::extract::ConnectInfo", &["tokio"]),
    // governor 0.10 builds with one of `std` and `no_std`, not with neither:
    // its keyed state names `std::collections::HashMap` unless `no_std` is on.
    named("governor", &["std"]),
    // SQLite compiled from its C source: no system library to install.
    named("rusqlite", &["bundled"]),
    // tracing-subscriber without its default features.
    named("tracing_subscriber::fmt", &["fmt"]),
    named("tracing_subscriber::EnvFilter", &["env-filter"]),
    named("tracing_subscriber::filter::EnvFilter", &["env-filter"]),
    named("tracing_subscriber::registry", &["registry"]),
];

impl Rule {
    /// Whether naming `path` this way needs this rule's features.
    pub fn applies(&self, path: &[String], how: &How) -> bool {
        let prefix: Vec<&str> = self.path.split("::").collect();
        if path.len() < prefix.len()
            || !prefix
                .iter()
                .zip(path)
                .all(|(rule, segment)| rule == segment)
        {
            return false;
        }
        match (self.when, how) {
            (When::Named, _) => true,
            (When::Derived, How::Derived) => true,
            (When::AttributeWith(word), How::Attribute(arguments)) => {
                contains_word(arguments, word)
            }
            (When::AttributeWithout(word), How::Attribute(arguments)) => {
                !contains_word(arguments, word)
            }
            _ => false,
        }
    }

    /// The crate's name as code writes it: `tokio_util`.
    pub fn krate(&self) -> &'static str {
        self.path.split("::").next().unwrap_or(self.path)
    }
}

fn contains_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|token| token == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> Vec<String> {
        text.split("::").map(str::to_owned).collect()
    }

    #[test]
    fn a_rule_matches_its_path_and_what_is_under_it_only() {
        let net = named("tokio::net", &["net"]);
        assert!(net.applies(&path("tokio::net"), &How::Named));
        assert!(net.applies(&path("tokio::net::TcpListener::bind"), &How::Named));
        assert!(!net.applies(&path("tokio"), &How::Named));
        assert!(!net.applies(&path("tokio::network"), &How::Named));
        assert!(!net.applies(&path("tokio_util::net"), &How::Named));
    }

    #[test]
    fn attribute_arguments_and_derives_are_conditions() {
        let main = rule(
            "tokio::main",
            When::AttributeWithout("current_thread"),
            &["rt-multi-thread"],
        );
        let current = How::Attribute("flavor = \"current_thread\"".into());
        assert!(!main.applies(&path("tokio::main"), &current));
        assert!(main.applies(&path("tokio::main"), &How::Attribute(String::new())));
        let derive = rule("serde::Serialize", When::Derived, &["derive"]);
        assert!(derive.applies(&path("serde::Serialize"), &How::Derived));
        assert!(!derive.applies(&path("serde::Serialize"), &How::Named));
        assert!(!contains_word("start_paused_not = true", "start_paused"));
    }
}
