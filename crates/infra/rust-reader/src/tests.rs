use super::*;

#[test]
fn items_are_read_with_their_attributes_and_signatures() {
    let text = "#![allow(dead_code)]\nuse std::process::ExitCode;\n\
                pub(crate) fn run() {}\n\
                pub fn main() -> ExitCode { ExitCode::SUCCESS }\n\
                pub const fn helper<F: Fn(u8) -> u8>(a: F, b: (u8, u8),) -> std::io::Result<Vec<u8>> { todo!() }\n\
                #[cfg(test)]\n/// Tests.\nmod tests { #[test] fn t() {} }";
    let file = Source::parse(text).unwrap();
    assert_eq!(file.items().len(), 6);
    assert_eq!(file.public_function("run"), None);
    let main = file.public_function("main").unwrap();
    assert_eq!(
        (
            main.asyncness,
            main.parameters.len(),
            main.returns.as_slice()
        ),
        (Asyncness::Sync, 0, ["ExitCode".to_owned()].as_slice())
    );
    let helper = file.public_function("helper").unwrap();
    assert_eq!(
        (helper.parameters.len(), helper.returns_result()),
        (2, true)
    );
    let tests = &file.items()[5];
    assert!(tests.is_test_only() && file.has_tests());
    assert_eq!(tests.attributes[1].path, ["doc"]);
}

/// A file that does not lex leaves nothing in the thread's source map
/// either: proc-macro2 has added it before it fails. Each file's spans
/// start after the map's last file, so the next file's first span says
/// whether one leaked. Seen failing with the early return before the
/// invalidation.
#[test]
fn a_file_that_does_not_lex_leaves_no_spans() {
    let first_span = || {
        let tokens = std::str::FromStr::from_str("x").unwrap();
        let tokens: proc_macro2::TokenStream = tokens;
        let first = tokens.into_iter().next().unwrap();
        format!("{:?}", first.span())
    };
    std::thread::spawn(move || {
        proc_macro2::extra::invalidate_current_thread_spans();
        let fresh = first_span();
        proc_macro2::extra::invalidate_current_thread_spans();
        let _ = read("pub async fn run() { \"unclosed", |_| ());
        assert_eq!(first_span(), fresh);
    })
    .join()
    .unwrap();
}

/// A `read` inside another's callback (xtask's `cfg_holds`, say) forgets
/// none of the outer file's spans: only the outermost does. Seen failing
/// ("Invalid span with no related FileInfo!") when each `read` forgot.
#[test]
fn a_read_inside_a_read_keeps_the_outer_lines() {
    let line = read("\n\n\nfn a() {}\n", |tokens| {
        let _ = read("unix", |_| ());
        line_of(&tokens[0])
    });
    assert_eq!(line.unwrap(), 4);
}

/// A comma inside `<...>` is the type's, not a parameter's end.
#[test]
fn a_generic_type_with_a_comma_is_one_parameter() {
    let file =
        Source::parse("pub async fn f(peers: HashMap<u8, mpsc::Sender<u8>>, n: u8) {}").unwrap();
    let f = file.public_function("f").unwrap();
    assert_eq!(f.parameters.len(), 2);
    let types = [&f.parameters[0], &f.parameters[1]].map(|p| p.type_of("peers"));
    assert_eq!(
        types[0],
        Some(
            ["HashMap", "u8", "mpsc", "Sender", "u8"]
                .map(str::to_owned)
                .as_slice()
        )
    );
    assert_eq!(f.parameters[0].type_of("mpsc"), None);
}
