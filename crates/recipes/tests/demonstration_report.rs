//! The report the dump_stuck_tasks recipe's demonstration writes, on the
//! virtual clock, where every time in it is exact: stuck.md shows this file,
//! so the page changes when the report does. `SNAPSHOTS=overwrite` writes
//! what the run wrote instead.
#![cfg(all(tokio_unstable, target_os = "linux", target_arch = "x86_64"))]

use std::path::Path;
use std::process::Command;

#[test]
fn the_page_shows_the_report_the_demonstration_writes() {
    let output = Command::new(env!("CARGO_BIN_EXE_recipes"))
        .args(["dump_stuck_tasks", "--clock", "virtual"])
        .output()
        .expect("the recipes binary runs");
    assert!(output.status.success(), "{output:?}");
    let report = String::from_utf8(output.stderr).expect("the report is UTF-8");
    let expected = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/demonstration.report");
    if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
        std::fs::write(&expected, &report).expect("the expected report is written");
        return;
    }
    let written = std::fs::read_to_string(&expected).expect("the expected report is there");
    assert_eq!(
        report,
        written,
        "the demonstration's report is not {}: if the change is meant, \
         SNAPSHOTS=overwrite cargo test -p recipes --test demonstration_report",
        expected.display()
    );
}
