//! The checker's command line as a learner types it, one case a file in
//! `tests/cmd/`: help, usage mistakes (exit code 2), hints in turn, reset.

#[test]
fn cli() {
    // Hints are remembered beside the executable: a link of it in a directory
    // of its own leaves the learner's alone (a link: a copy just written can't
    // be run while another test's child still holds it open).
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::hard_link(env!("CARGO_BIN_EXE_exercises"), dir.join("exercises")).unwrap();
    trycmd::TestCases::new()
        .register_bin("exercises", dir.join("exercises"))
        .case("tests/cmd/*.toml")
        .case("tests/cmd/*.md");
}
