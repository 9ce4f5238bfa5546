//! What a file uses of other crates, read from its tokens (comments and
//! strings are not code): every path it names, in full, every method it
//! calls and every attribute's arguments. [`super::features`] decides from
//! them which crates and features an export lists.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Uses {
    /// Full paths, such as `tokio::time::sleep`, whether written so or as
    /// `sleep` after `use tokio::time::sleep;`. A path that only leads to
    /// others is left out: `use tokio::io;` then `io::stdout()` uses
    /// `tokio::io::stdout`, not the whole of `tokio::io`.
    pub paths: BTreeSet<String>,
    /// Methods called, by name: `json` for `.json()`.
    pub methods: BTreeSet<String>,
    pub attributes: Vec<Attribute>,
}

/// `#[tokio::test(start_paused = true)]`: its full path and its arguments
/// as written, `start_paused = true`.
#[derive(Debug, PartialEq, Eq)]
pub struct Attribute {
    pub path: String,
    pub arguments: String,
}

impl Uses {
    pub fn read(code: &str) -> Result<Uses, String> {
        let tokens: TokenStream = code
            .parse()
            .map_err(|error| format!("its code does not parse as Rust tokens: {error}"))?;
        let mut found = Found::default();
        found.scan(tokens);
        Ok(found.resolve())
    }

    /// Whether any path starts with `krate` (`tokio_util` for tokio-util).
    pub fn names_crate(&self, krate: &str) -> bool {
        let root = krate.replace('-', "_");
        self.paths
            .iter()
            .any(|path| path.split("::").next() == Some(root.as_str()))
    }
}

/// What one pass over the tokens found, before the imports are applied.
#[derive(Default)]
struct Found {
    /// Each name a `use` brings in, and the full path it stands for.
    imports: BTreeMap<String, Vec<String>>,
    /// The paths of the `use` items.
    imported: Vec<Vec<String>>,
    /// The paths of the code, as written.
    paths: Vec<Vec<String>>,
    methods: BTreeSet<String>,
    /// Attributes as written: their path, not yet resolved, and arguments.
    attributes: Vec<(Vec<String>, String)>,
}

impl Found {
    fn scan(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut at = 0;
        while at < tokens.len() {
            match &tokens[at] {
                TokenTree::Ident(ident) if ident == "use" => {
                    let end = tokens[at..]
                        .iter()
                        .position(|token| is_punct(token, ';'))
                        .map_or(tokens.len(), |length| at + length);
                    self.use_tree(&tokens[at + 1..end], Vec::new());
                    at = end;
                }
                TokenTree::Punct(punct) if punct.as_char() == '.' => {
                    if let Some(TokenTree::Ident(method)) = tokens.get(at + 1) {
                        self.methods.insert(method.to_string());
                        at += 1;
                    }
                }
                TokenTree::Punct(punct) if punct.as_char() == '#' => {
                    if let Some(TokenTree::Group(group)) = tokens.get(at + 1)
                        && group.delimiter() == Delimiter::Bracket
                    {
                        self.attribute(group.stream());
                    }
                }
                TokenTree::Ident(_) => {
                    let (path, length) = path_at(&tokens[at..]);
                    self.paths.push(path);
                    at += length - 1;
                }
                TokenTree::Group(group) => self.scan(group.stream()),
                TokenTree::Punct(_) | TokenTree::Literal(_) => (),
            }
            at += 1;
        }
    }

    /// `tokio::test(start_paused = true)`, the inside of `#[...]`.
    fn attribute(&mut self, inside: TokenStream) {
        let tokens: Vec<TokenTree> = inside.clone().into_iter().collect();
        if let Some(TokenTree::Ident(_)) = tokens.first() {
            let (path, length) = path_at(&tokens);
            let arguments = match tokens.get(length) {
                Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                    group.stream().to_string()
                }
                _ => String::new(),
            };
            self.attributes.push((path, arguments));
        }
        self.scan(inside);
    }

    /// One `use` tree after `prefix`: `a::b`, `a::b as c`, `a::{b, c::d}`,
    /// `a::*`, `a::{self, b}`.
    fn use_tree(&mut self, tokens: &[TokenTree], mut prefix: Vec<String>) {
        let mut at = 0;
        while at < tokens.len() {
            match &tokens[at] {
                TokenTree::Ident(ident) if ident == "as" => {
                    if let Some(TokenTree::Ident(alias)) = tokens.get(at + 1) {
                        self.imports.insert(alias.to_string(), prefix.clone());
                        self.imported.push(prefix.clone());
                    }
                    return;
                }
                TokenTree::Ident(ident) if ident == "self" => {
                    if let Some(last) = prefix.last() {
                        self.imports.insert(last.clone(), prefix.clone());
                    }
                }
                TokenTree::Ident(ident) => prefix.push(ident.to_string()),
                TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                    let inside: Vec<TokenTree> = group.stream().into_iter().collect();
                    for tree in inside.split(|token| is_punct(token, ',')) {
                        self.use_tree(tree, prefix.clone());
                    }
                    return;
                }
                // A glob: any item of the module may be used.
                TokenTree::Punct(punct) if punct.as_char() == '*' => {
                    self.imported.push(prefix.clone());
                    return;
                }
                TokenTree::Punct(_) | TokenTree::Literal(_) | TokenTree::Group(_) => (),
            }
            at += 1;
        }
        if let Some(last) = prefix.last() {
            self.imports.insert(last.clone(), prefix.clone());
            self.imported.push(prefix);
        }
    }

    /// The paths in full, each import applied to the paths that start with
    /// its name. A path of one name in the code is a local or the prelude's
    /// (`let futures = ...`), not a crate.
    fn resolve(self) -> Uses {
        let full = |path: &[String]| -> Vec<String> {
            let Some((first, rest)) = path.split_first() else {
                return Vec::new();
            };
            match self.imports.get(first) {
                Some(imported) => imported.iter().chain(rest).cloned().collect(),
                None => path.to_vec(),
            }
        };
        let mut all: BTreeSet<String> = self.imported.iter().map(|path| path.join("::")).collect();
        for path in &self.paths {
            let path = full(path);
            if path.len() > 1 {
                all.insert(path.join("::"));
            }
        }
        let leads_to_another = |path: &String| {
            let below = format!("{path}::");
            all.iter().any(|other| other.starts_with(&below))
        };
        let paths = all.iter().filter(|path| !leads_to_another(path));
        let attributes = self.attributes.iter().map(|(path, arguments)| Attribute {
            path: full(path).join("::"),
            arguments: arguments.clone(),
        });
        Uses {
            paths: paths.cloned().collect(),
            methods: self.methods,
            attributes: attributes.collect(),
        }
    }
}

/// The path that starts at `tokens[0]`, an identifier: its segments, and
/// how many tokens it spans.
fn path_at(tokens: &[TokenTree]) -> (Vec<String>, usize) {
    let mut segments = Vec::new();
    let mut at = 0;
    while let Some(TokenTree::Ident(ident)) = tokens.get(at) {
        segments.push(ident.to_string());
        at += 1;
        let separator = (tokens.get(at), tokens.get(at + 1), tokens.get(at + 2));
        let (Some(TokenTree::Punct(first)), Some(second), Some(TokenTree::Ident(_))) = separator
        else {
            break;
        };
        if !(first.as_char() == ':' && first.spacing() == Spacing::Joint && is_punct(second, ':')) {
            break;
        }
        at += 2;
    }
    (segments, at)
}

fn is_punct(token: &TokenTree, c: char) -> bool {
    matches!(token, TokenTree::Punct(punct) if punct.as_char() == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(code: &str) -> Vec<String> {
        Uses::read(code).unwrap().paths.into_iter().collect()
    }

    #[test]
    fn imports_are_applied_and_a_path_that_only_leads_to_others_is_left_out() {
        let code = "use tokio::{io::{self, AsyncBufReadExt}, sync::mpsc};\n\
                    use tokio::time::sleep as nap;\n\
                    fn f() { io::stdout(); mpsc::channel::<u8>(1); nap(d); ::futures::join!(a, b); }";
        assert_eq!(
            paths(code),
            [
                "futures::join",
                "tokio::io::AsyncBufReadExt",
                "tokio::io::stdout",
                "tokio::sync::mpsc::channel",
                "tokio::time::sleep",
            ]
        );
    }

    #[test]
    fn comments_strings_and_another_crates_modules_are_not_uses() {
        let code = "//! `tokio::fs` in prose.\n/// And `tokio::net`.\n\
                    fn f() { my::futures::x(); let s = \"tokio::process\"; let rand = 4; }";
        let uses = Uses::read(code).unwrap();
        assert_eq!(uses.paths, BTreeSet::from(["my::futures::x".to_owned()]));
        assert!(!uses.names_crate("futures") && !uses.names_crate("rand"));
        let renamed = Uses::read("use tokio_util as _;").unwrap();
        assert!(renamed.names_crate("tokio-util"));
    }

    #[test]
    fn methods_and_attribute_arguments_are_read() {
        let code = "use tokio::test as t;\n#[t(flavor = \"multi_thread\")]\n\
                    async fn f() { client.get(u).send().await?.json::<V>().await; }";
        let uses = Uses::read(code).unwrap();
        assert!(uses.methods.contains("json") && uses.methods.contains("send"));
        assert_eq!(
            uses.attributes,
            [Attribute {
                path: "tokio::test".to_owned(),
                arguments: "flavor = \"multi_thread\"".to_owned(),
            }]
        );
    }
}
