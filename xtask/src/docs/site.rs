//! The built site: every relative link and `#anchor` in the HTML that
//! mdBook writes must lead to a built file and, for an anchor, to an element
//! with that id there. [`lint`](super::lint) reads the Markdown; mdBook
//! rewrites links as it builds (a `README.md` chapter becomes `index.html`,
//! while a link to it becomes `README.html`), so only the built pages show
//! where a reader's click lands.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use percent_encoding::percent_decode_str;
use scraper::{Html, Selector};

use crate::Error;

/// What the check of a built site found.
#[derive(Debug, Default)]
pub struct SiteReport {
    /// HTML pages read.
    pub pages: usize,
    /// Relative links and anchors checked; a link to another site is not
    /// counted.
    pub links: usize,
    /// One line per link that leads nowhere.
    pub problems: Vec<String>,
}

/// A page of the built site, as the check needs it.
struct Page {
    /// The ids (and `<a name>`s) an anchor can land on.
    ids: BTreeSet<String>,
    /// Each `href` and `src`, as written.
    links: Vec<String>,
    /// The page's `<base href>`, if it has one.
    base: Option<String>,
}

/// Checks every link of the site built in `site` (mdBook's build directory);
/// `shown` is how problems name that directory, e.g. `docs/book`.
pub fn check(site: &Path, shown: &str) -> Result<SiteReport, Error> {
    let selectors = Selectors::new()?;
    let mut pages = BTreeMap::new();
    for path in html_files(site)? {
        let text =
            fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
        let relative = path.strip_prefix(site).unwrap_or(&path).to_path_buf();
        pages.insert(relative, read_page(&text, &selectors));
    }
    if pages.is_empty() {
        return Err(format!("{shown} has no HTML page; was the book built?").into());
    }
    let mut report = SiteReport {
        pages: pages.len(),
        ..SiteReport::default()
    };
    for (path, page) in &pages {
        for link in &page.links {
            let Some(target) = resolve(path, page.base.as_deref(), link) else {
                continue;
            };
            report.links += 1;
            let at = format!("{shown}/{}: link to {link}", path.display());
            let Some(file) = target.file else {
                report.problems.push(format!("{at} leads out of the site"));
                continue;
            };
            let file = if site.join(&file).is_dir() {
                file.join("index.html")
            } else {
                file
            };
            if !site.join(&file).is_file() {
                report
                    .problems
                    .push(format!("{at} leads to no built file ({})", file.display()));
                continue;
            }
            if let Some(anchor) = target.anchor
                && let Some(linked) = pages.get(&file)
                && !linked.ids.contains(&anchor)
            {
                report.problems.push(format!(
                    "{at}: {} has no element with id `{anchor}`",
                    file.display()
                ));
            }
        }
    }
    Ok(report)
}

/// The elements the check reads.
struct Selectors {
    ids: Selector,
    names: Selector,
    links: Selector,
    base: Selector,
}

impl Selectors {
    fn new() -> Result<Self, Error> {
        let parse = |css: &str| {
            Selector::parse(css).map_err(|error| format!("the selector `{css}`: {error}"))
        };
        Ok(Self {
            ids: parse("[id]")?,
            names: parse("a[name]")?,
            links: parse("[href], [src]")?,
            base: parse("base[href]")?,
        })
    }
}

fn read_page(text: &str, selectors: &Selectors) -> Page {
    let document = Html::parse_document(text);
    let ids = document
        .select(&selectors.ids)
        .filter_map(|element| element.attr("id"))
        .chain(
            document
                .select(&selectors.names)
                .filter_map(|element| element.attr("name")),
        )
        .map(str::to_owned)
        .collect();
    let links = document
        .select(&selectors.links)
        .filter(|element| element.value().name() != "base")
        .flat_map(|element| [element.attr("href"), element.attr("src")])
        .flatten()
        .map(str::to_owned)
        .collect();
    let base = document
        .select(&selectors.base)
        .next()
        .and_then(|element| element.attr("href"))
        .map(str::to_owned);
    Page { ids, links, base }
}

/// Where a relative link leads inside the site.
#[derive(Debug, PartialEq)]
struct Target {
    /// The file, relative to the site's root, or `None` if the link climbs
    /// out of it.
    file: Option<PathBuf>,
    /// The anchor after `#`, decoded, if there is one. A bare `#` is the top
    /// of the page, which always exists.
    anchor: Option<String>,
}

/// Where `link`, on the page at `page` (relative to the site's root), leads;
/// `None` for a link to another site (`https:`, `mailto:`, `//host`).
fn resolve(page: &Path, base: Option<&str>, link: &str) -> Option<Target> {
    if link.starts_with("//") || has_scheme(link) {
        return None;
    }
    let (path, anchor) = match link.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (link, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let anchor = anchor
        .filter(|anchor| !anchor.is_empty())
        .map(|anchor| percent_decode_str(anchor).decode_utf8_lossy().into_owned());
    let path = percent_decode_str(path).decode_utf8_lossy();
    let page_dir = page.parent().unwrap_or(Path::new(""));
    // A `<base href>` changes what relative links start from; one that starts
    // with `/` (mdBook's 404 page has `<base href="/">`) names the site root.
    let dir = match base {
        Some(base) if base.starts_with('/') => PathBuf::from(base.trim_start_matches('/')),
        Some(base) => page_dir.join(base),
        None => page_dir.to_path_buf(),
    };
    let file = if path.is_empty() {
        base.map_or_else(|| Some(page.to_path_buf()), |_| within(&dir))
    } else if let Some(from_root) = path.strip_prefix('/') {
        within(Path::new(from_root))
    } else {
        within(&dir.join(path.as_ref()))
    };
    Some(Target { file, anchor })
}

/// `scheme:` before any `/`, as in `https://` or `mailto:`.
fn has_scheme(link: &str) -> bool {
    link.split_once(':').is_some_and(|(scheme, _)| {
        scheme
            .chars()
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `path` with its `.` and `..` taken out, or `None` if it climbs above the
/// site's root.
fn within(path: &Path) -> Option<PathBuf> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Some(parts.iter().collect())
}

/// Every `.html` file under `root`, sorted.
fn html_files(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "html")
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(pages: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in pages {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn links_and_anchors_must_land_on_a_built_file_and_an_id() {
        let dir = site(&[
            (
                "index.html",
                r##"<html><body><h1 id="top-title">Intro</h1>
                <a href="basics/index.html#run-it">ok</a>
                <a href="basics/">a directory is its index.html</a>
                <a href="basics/README.html">mdBook's README link</a>
                <a href="basics/index.html#gone">no such id</a>
                <a href="#top-title">same page</a> <a href="#">top</a>
                <a href="https://tokio.rs">elsewhere</a> <a href="mailto:x@y">mail</a>
                <img src="../outside.png">
                <link rel="stylesheet" href="css/a.css?v=1">
                </body></html>"##,
            ),
            (
                "basics/index.html",
                r##"<h2 id="run-it">Run it</h2><a href="../index.html#top-title">back</a>
                <svg><g id="in-svg"></g></svg><a href="#in-svg">chart</a>"##,
            ),
            ("css/a.css", ""),
        ]);
        let report = check(dir.path(), "book").unwrap();
        assert_eq!(report.pages, 2);
        assert_eq!(report.links, 10);
        assert_eq!(
            report.problems,
            [
                "book/index.html: link to basics/README.html leads to no built file (basics/README.html)",
                "book/index.html: link to basics/index.html#gone: basics/index.html has no element with id `gone`",
                "book/index.html: link to ../outside.png leads out of the site",
            ]
        );
    }

    #[test]
    fn a_base_href_moves_where_relative_links_start() {
        let dir = site(&[
            (
                "404.html",
                r#"<head><base href="/"></head><a href="basics/index.html">home</a>
                <a href="nope.html">gone</a>"#,
            ),
            ("basics/index.html", ""),
        ]);
        let report = check(dir.path(), "book").unwrap();
        assert_eq!(
            report.problems,
            ["book/404.html: link to nope.html leads to no built file (nope.html)"]
        );
    }

    #[test]
    fn anchors_are_percent_decoded() {
        let target = resolve(Path::new("a/b.html"), None, "../c%20d.html#x%2Dy").unwrap();
        assert_eq!(
            target,
            Target {
                file: Some(PathBuf::from("c d.html")),
                anchor: Some("x-y".to_owned()),
            }
        );
        assert_eq!(resolve(Path::new("a.html"), None, "https://x.org/y"), None);
        assert_eq!(resolve(Path::new("a.html"), None, "//x.org/y"), None);
    }
}
