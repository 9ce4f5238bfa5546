//! Every path a Rust file names, read with `syn`: `use` trees, expression,
//! type and pattern paths, macro calls and the paths in their tokens,
//! attributes and derives. A path whose first segment was imported by a
//! `use` is resolved through it (`mpsc::channel` after
//! `use tokio::sync::mpsc` is `tokio::sync::mpsc::channel`), so what is left
//! is a path from a crate's root, or from a local item.
//!
//! This is not name resolution: a local module that shadows a crate's name,
//! or a glob import that brings one in, would fool it. The examples do
//! neither, and `cargo xtask export --check-all` compiles every export, so
//! a path this misses is a compiler error there, not a silent gap.

use std::collections::BTreeMap;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// How a file names a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum How {
    /// In a `use` line, an expression, a type, a pattern, a macro's name or
    /// a macro's tokens.
    Named,
    /// In `#[derive(...)]`.
    Derived,
    /// As an attribute, with its arguments as written:
    /// `#[tokio::main(flavor = "current_thread")]` has
    /// `flavor = "current_thread"`.
    Attribute(String),
}

/// One path the file names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    /// The segments, the first one resolved through the file's `use` lines.
    pub path: Vec<String>,
    pub how: How,
    /// Inside `#[cfg(test)]` or a `#[test]` function: only the tests need it.
    pub test: bool,
}

impl Mention {
    /// `tokio::sync::mpsc`.
    pub fn display(&self) -> String {
        self.path.join("::")
    }
}

/// Every path `file` names. A path of one segment counts only if a `use`
/// imported it (`#[derive(Serialize)]` after `use serde::Serialize`):
/// otherwise it is a local or a prelude name, never a crate.
pub fn mentions(file: &syn::File) -> Vec<Mention> {
    let mut collector = Collector::default();
    collector.visit_file(file);
    let imports = collector.imports;
    collector
        .raw
        .into_iter()
        .filter_map(|raw| {
            let first = raw.path.first()?;
            let mut path = match imports.get(first) {
                // `use tokio::sync::mpsc as channel` imports `channel`, and
                // `channel::Sender` is `tokio::sync::mpsc::Sender`.
                Some(full) if !raw.from_use => full.clone(),
                _ if raw.path.len() == 1 && !raw.from_use => return None,
                _ => vec![first.clone()],
            };
            path.extend(raw.path[1..].iter().cloned());
            Some(Mention {
                path,
                how: raw.how,
                test: raw.test,
            })
        })
        .collect()
}

/// A path as written, before its first segment is resolved.
struct Raw {
    path: Vec<String>,
    how: How,
    test: bool,
    /// Written in a `use` line, where the first segment is already a crate
    /// (or `std`, `crate`, `self`, `super`).
    from_use: bool,
}

#[derive(Default)]
struct Collector {
    raw: Vec<Raw>,
    /// The name a `use` brings into scope, and the full path it stands for.
    /// One table for the whole file: the examples don't import one name
    /// from two places.
    imports: BTreeMap<String, Vec<String>>,
    /// Depth of `#[cfg(test)]` items and test functions around the visitor.
    in_test: usize,
}

impl Collector {
    fn push(&mut self, path: Vec<String>, how: How, from_use: bool) {
        if !path.is_empty() {
            self.raw.push(Raw {
                path,
                how,
                test: self.in_test > 0,
                from_use,
            });
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let name = name.ident.to_string();
                // `use tokio::time::{self, Instant}`: `self` is `tokio::time`.
                let full = if name == "self" {
                    prefix.clone()
                } else {
                    let mut full = prefix.clone();
                    full.push(name);
                    full
                };
                if let Some(last) = full.last() {
                    self.imports.insert(last.clone(), full.clone());
                }
                self.push(full, How::Named, true);
            }
            syn::UseTree::Rename(rename) => {
                let mut full = prefix.clone();
                if rename.ident != "self" {
                    full.push(rename.ident.to_string());
                }
                self.imports.insert(rename.rename.to_string(), full.clone());
                self.push(full, How::Named, true);
            }
            syn::UseTree::Glob(_) => self.push(prefix.clone(), How::Named, true),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }

    /// Paths in a macro's tokens, which syn leaves unparsed: every
    /// `a::b::c` run of identifiers (with or without a leading `::`),
    /// in groups too. String literals are single tokens, so text in them
    /// is never taken for a path.
    fn tokens(&mut self, tokens: TokenStream) {
        let mut path: Vec<String> = Vec::new();
        // How many `:` of a `::` have been seen since the last identifier.
        let mut colons = 0;
        for tree in tokens {
            match tree {
                TokenTree::Ident(ident) if path.is_empty() || colons == 2 => {
                    path.push(ident.to_string());
                    colons = 0;
                }
                TokenTree::Punct(punct) if punct.as_char() == ':' && colons < 2 => {
                    colons += 1;
                    continue;
                }
                TokenTree::Group(group) => {
                    self.flush(&mut path);
                    self.tokens(group.stream());
                    colons = 0;
                }
                TokenTree::Ident(ident) => {
                    self.flush(&mut path);
                    path.push(ident.to_string());
                    colons = 0;
                }
                _ => {
                    self.flush(&mut path);
                    colons = 0;
                }
            }
            if colons == 1 {
                // A lone `:` (a field or a type ascription) ends the path.
                self.flush(&mut path);
                colons = 0;
            }
        }
        self.flush(&mut path);
    }

    fn flush(&mut self, path: &mut Vec<String>) {
        if path.len() > 1 {
            self.push(std::mem::take(path), How::Named, false);
        }
        path.clear();
    }
}

/// The segments of a path, without generic arguments.
fn segments(path: &syn::Path) -> Vec<String> {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect()
}

/// `#[cfg(test)]`, `#[test]` or `#[tokio::test]` (any `…::test`): what
/// only `cargo test` compiles.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.is_ident("cfg") {
            return attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test");
        }
        path.segments
            .last()
            .is_some_and(|last| last.ident == "test")
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(item) => &item.attrs,
        syn::Item::Enum(item) => &item.attrs,
        syn::Item::ExternCrate(item) => &item.attrs,
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::ForeignMod(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Macro(item) => &item.attrs,
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Static(item) => &item.attrs,
        syn::Item::Struct(item) => &item.attrs,
        syn::Item::Trait(item) => &item.attrs,
        syn::Item::TraitAlias(item) => &item.attrs,
        syn::Item::Type(item) => &item.attrs,
        syn::Item::Union(item) => &item.attrs,
        syn::Item::Use(item) => &item.attrs,
        _ => &[],
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let test = is_test(item_attrs(item));
        self.in_test += usize::from(test);
        visit::visit_item(self, item);
        self.in_test -= usize::from(test);
    }

    fn visit_impl_item_fn(&mut self, function: &'ast syn::ImplItemFn) {
        let test = is_test(&function.attrs);
        self.in_test += usize::from(test);
        visit::visit_impl_item_fn(self, function);
        self.in_test -= usize::from(test);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.push(segments(path), How::Named, false);
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.push(segments(&mac.path), How::Named, false);
        self.tokens(mac.tokens.clone());
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        let path = attr.path();
        if path.is_ident("derive") {
            if let Ok(derived) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) {
                for path in derived {
                    self.push(segments(&path), How::Derived, false);
                }
            }
            return;
        }
        let arguments = match &attr.meta {
            syn::Meta::Path(_) => TokenStream::new(),
            syn::Meta::List(list) => list.tokens.clone(),
            syn::Meta::NameValue(pair) => {
                // `#[doc = "..."]` and friends: only a path value can name a crate.
                if let syn::Expr::Path(value) = &pair.value {
                    self.visit_path(&value.path);
                }
                TokenStream::new()
            }
        };
        self.push(segments(path), How::Attribute(arguments.to_string()), false);
        self.tokens(arguments);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(source: &str) -> Vec<String> {
        let file = syn::parse_file(source).unwrap();
        mentions(&file).iter().map(Mention::display).collect()
    }

    #[test]
    fn use_trees_are_expanded_and_resolve_later_paths() {
        let found = paths(
            "use tokio::sync::{mpsc, Mutex as Lock};\n\
             use tokio::time::{self, Instant};\n\
             fn f() { let (tx, rx) = mpsc::channel::<u8>(1); time::sleep(d); let _: Lock<u8>; }",
        );
        for expected in [
            "tokio::sync::mpsc",
            "tokio::sync::Mutex",
            "tokio::time",
            "tokio::time::Instant",
            "tokio::sync::mpsc::channel",
            "tokio::time::sleep",
        ] {
            assert!(
                found.contains(&expected.to_owned()),
                "{expected}: {found:?}"
            );
        }
        // `tx`, `d` and other one-segment local names are not crates.
        assert!(
            !found.iter().any(|path| path == "tx" || path == "d"),
            "{found:?}"
        );
        // `Lock<u8>` is the imported `Mutex`.
        assert_eq!(
            found.iter().filter(|p| *p == "tokio::sync::Mutex").count(),
            2
        );
    }

    #[test]
    fn paths_in_macro_tokens_and_attributes_are_found() {
        let found = paths(
            r#"
            #[derive(Debug, thiserror::Error)]
            enum E { #[error("{0}")] Io(#[from] std::io::Error) }
            fn f() {
                println!("not::a::path {}", anyhow::anyhow!("x"));
                tokio::select! { _ = tokio::time::sleep(d) => {} }
                let v = serde_json::json!({ "a": 1 });
            }
            "#,
        );
        for expected in [
            "thiserror::Error",
            "std::io::Error",
            "anyhow::anyhow",
            "tokio::select",
            "tokio::time::sleep",
            "serde_json::json",
        ] {
            assert!(
                found.contains(&expected.to_owned()),
                "{expected}: {found:?}"
            );
        }
        assert!(
            !found.iter().any(|path| path.starts_with("not")),
            "{found:?}"
        );
    }

    #[test]
    fn derives_and_attribute_arguments_are_told_apart() {
        let file = syn::parse_file(
            "use serde::Serialize;\n\
             #[derive(Serialize)] struct S;\n\
             #[tokio::main(flavor = \"current_thread\")] async fn main() {}",
        )
        .unwrap();
        let found = mentions(&file);
        assert!(
            found
                .iter()
                .any(|m| m.display() == "serde::Serialize" && m.how == How::Derived)
        );
        assert!(found.iter().any(|m| m.display() == "tokio::main"
            && m.how == How::Attribute("flavor = \"current_thread\"".into())));
    }

    #[test]
    fn test_code_is_marked() {
        let file = syn::parse_file(
            "use tokio::time::sleep;\n\
             #[cfg(test)] mod tests { #[tokio::test(start_paused = true)] async fn t() { tokio::time::advance(d).await; } }",
        )
        .unwrap();
        let found = mentions(&file);
        let advance = found
            .iter()
            .find(|m| m.display() == "tokio::time::advance")
            .unwrap();
        assert!(advance.test);
        let sleep = found
            .iter()
            .find(|m| m.display() == "tokio::time::sleep")
            .unwrap();
        assert!(!sleep.test);
    }
}
