//! `cargo xtask list`: every section, in teaching order, with its examples,
//! then the bridge's lessons, which `cargo xtask bridge` runs.

use protocol::Header;

use crate::Error;
use crate::lessons::{Bridge, SECTION};
use crate::workspace::Workspace;

pub fn list() -> Result<(), Error> {
    let workspace = Workspace::locate();
    for section in workspace.build_all()? {
        let examples = section.list()?;
        let width = examples.iter().map(|e| e.name.len()).max().unwrap_or(0);
        println!("{}", section.name);
        for example in examples {
            println!("  {:width$}  {}", example.name, example.summary);
        }
    }
    let bridge = Bridge::read(&workspace)?;
    let lessons = &bridge.lessons;
    let width = lessons.iter().map(|l| l.name.len()).max().unwrap_or(0);
    println!("{SECTION} (cargo xtask bridge)");
    for lesson in lessons {
        let path = bridge.rust(&lesson.name);
        let source = std::fs::read_to_string(&path)
            .map_err(|error| format!("{}: {error}", path.display()))?;
        let summary = Header::parse(&source).summary;
        println!("  {:width$}  {summary}", lesson.name);
    }
    Ok(())
}
