//! Guards the workspace's tables: a row that can't be read is an error.
//!
//! The one reader of the workspace's tab-separated files (`docs/seed-map.tsv`,
//! `docs/topics.tsv`, `docs/guides.tsv`, `docs/guide-blocks.tsv`): a header line that must be exactly the expected
//! columns, then rows of exactly that many fields. A row that can't be read
//! is reported with its line number, never skipped.

/// One row: its line number (1-based, the header is line 1) and fields.
#[derive(Debug, PartialEq, Eq)]
pub struct Row<'a> {
    pub line: usize,
    pub fields: Vec<&'a str>,
}

/// The lines of `text`, whose header must be `columns`, in order: each
/// row, or the problem with it (the header's too), with its line number.
pub fn rows<'a>(text: &'a str, columns: &[&str]) -> Vec<Result<Row<'a>, String>> {
    let mut rows = Vec::new();
    let mut lines = text.lines();
    let header = columns.join("\t");
    if lines.next() != Some(header.as_str()) {
        let header = header.replace('\t', "<TAB>");
        rows.push(Err(format!("line 1: the header must be `{header}`")));
    }
    for (index, text) in lines.enumerate() {
        let line = index + 2;
        let fields: Vec<&str> = text.split('\t').collect();
        if fields.len() == columns.len() {
            rows.push(Ok(Row { line, fields }));
        } else {
            rows.push(Err(format!(
                "line {line}: expected {} tab-separated fields ({}), found {}",
                columns.len(),
                columns.join(", "),
                fields.len()
            )));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_have_the_header_columns_or_are_reported() {
        assert_eq!(
            rows("a\tb\n1\t2\n3\n4\t5\t6\n7\t\n", &["a", "b"]),
            [
                Ok(Row {
                    line: 2,
                    fields: vec!["1", "2"]
                }),
                Err("line 3: expected 2 tab-separated fields (a, b), found 1".to_owned()),
                Err("line 4: expected 2 tab-separated fields (a, b), found 3".to_owned()),
                Ok(Row {
                    line: 5,
                    fields: vec!["7", ""]
                }),
            ]
        );
        assert_eq!(
            rows("a b\n", &["a", "b"]),
            [Err("line 1: the header must be `a<TAB>b`".to_owned())]
        );
    }
}
