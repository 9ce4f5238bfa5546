//! The timeline's text form, chart and SVG against the sample files beside them.

use super::*;

/// main spawns two workers at 0; one sleeps 1 s, the other 2 s; main waits
/// for both. A blocking call returns at 0.5 s, and a task is still alive
/// when `run()` returns.
const SAMPLE: &str = include_str!("sample.timeline");

fn sample() -> Timeline {
    Timeline::parse(SAMPLE).unwrap()
}

#[test]
fn the_text_form_round_trips() {
    let timeline = sample();
    assert_eq!(timeline.to_text(), SAMPLE);
    assert_eq!(timeline.rows[3].kind, RowKind::Blocking);
    let dropped = Ended {
        at: 2_000_000,
        how: EndKind::Dropped,
    };
    assert_eq!(timeline.rows[4].ended, Some(dropped));
}

#[test]
fn a_bad_text_form_says_which_line_and_why() {
    let error = |text: &str| Timeline::parse(text).unwrap_err().to_string();
    assert_eq!(error(""), "line 1: empty: expected a `timeline` line");
    assert!(error("timeline\t2\ta/b\tvirtual\n").contains("version 2"));
    let clock = "line 1: invalid value `slow` for `--clock`: expected `real` or `virtual`";
    assert_eq!(error("timeline\t1\ta/b\tslow\n"), clock);
    let header = "timeline\t1\ta/b\tvirtual\n";
    for (records, why) in [
        (
            "poll\t0\t0.000000\t0.000000",
            "line 2: a record of row 0 must follow that row's `row` line",
        ),
        (
            "row\t0\tmain\t-\t-\trun()\nspawned\t0\t1.5",
            "line 3: `1.5` is not a time in seconds",
        ),
        (
            "row\t1\ttask\t-\t-\t",
            "line 2: row 1 out of order: expected row 0",
        ),
        ("wobble", "line 2: unknown record `wobble`"),
    ] {
        assert_eq!(error(&format!("{header}{records}\n")), why);
    }
}

#[test]
fn polls_at_one_instant_are_one_record() {
    let mut row = Row::new(RowKind::Task);
    let poll = |start, end| Poll { start, end };
    for each in [poll(0, 0), poll(0, 0), poll(1, 3), poll(1, 3), poll(0, 0)] {
        row.push_poll(each);
    }
    assert_eq!(row.polls, [poll(0, 0), poll(1, 3), poll(0, 0)]);
}

#[test]
fn the_chart_draws_each_row_on_one_scale() {
    snapbox::assert_data_eq!(chart(&sample(), 60), snapbox::file!["sample.chart": Text]);
}

#[test]
fn a_narrow_huge_empty_or_instant_chart_still_draws() {
    for width in [0, 1, 39, 40, 1000] {
        let chart = chart(&sample(), width);
        assert!(chart.contains("main run()"), "{width}: {chart}");
    }
    let mut crowd = sample();
    crowd
        .rows
        .extend(std::iter::repeat_n(crowd.rows[1].clone(), 100));
    assert!(chart(&crowd, 80).contains("… 66 more tasks not drawn"));
    let note = "it builds a runtime of its own".to_owned();
    let empty = Timeline {
        example: "runtime/runtime_builder".into(),
        notes: vec![note],
        ..Timeline::default()
    };
    let expected = "no timeline for runtime/runtime_builder: it builds a runtime of its own\n";
    assert_eq!(chart(&empty, 80), expected);
    let mut instant = sample();
    for row in &mut instant.rows {
        row.polls = vec![Poll { start: 0, end: 0 }];
        row.spawned = row.spawned.map(|_| 0);
        row.ended = row.ended.map(|ended| Ended { at: 0, ..ended });
    }
    instant.returned = Some(0);
    let chart = chart(&instant, 60);
    let main = chart.lines().find(|line| line.starts_with("main")).unwrap();
    assert_eq!(
        main.split_whitespace().collect::<Vec<_>>(),
        ["main", "run()", "┤"]
    );
}

#[test]
fn rows_of_one_spawn_line_say_which_of_them_they_are() {
    let mut timeline = sample();
    timeline.rows[2].code = timeline.rows[1].code.clone();
    let labels = timeline.labels();
    assert_eq!(
        labels[..2],
        ["main run()", "#1 line 12 (1 of 2): tokio::spawn(work(1))"]
    );
    assert_eq!(
        labels[2..4],
        [
            "#2 line 12 (2 of 2): tokio::spawn(work(1))",
            "#3 tokio-1.54.1/src/fs/mod.rs:136"
        ]
    );
    // An asyncio twin's main task is named by the line that started it.
    timeline.rows[0].code = "asyncio.run(main())".to_owned();
    assert_eq!(timeline.labels()[0], "main asyncio.run(main())");
    // Cut short on a chart, the rows still differ.
    assert!(chart(&timeline, 100).contains("#2 line 12 (2 of 2): tokio"));
}

/// The SVG: the theme's colours, escaped labels, each row's records as
/// `data-` attributes for the page's script, and what each stretch waited in.
#[test]
fn the_svg_carries_each_rows_records_and_escapes_labels() {
    let mut timeline = sample();
    timeline.rows[1].code = r#"f("<&>")"#.to_owned();
    let svg = svg(&timeline, 0);
    snapbox::assert_data_eq!(svg.clone(), snapbox::file!["sample.svg": Text]);
    // Inlined in Markdown, a blank line would end the HTML block.
    assert!(!svg.contains("\n\n"));
    assert!(svg.contains("<title>#2 woke main at 2s</title>"));
    let waits = "run at task_group.rs:14; waits in JoinHandle&quot;,&quot;#2 at 2s&quot;]]";
    assert!(svg.contains(waits), "{svg}");
    // Drawn beside a longer run (its asyncio twin's), its axis runs as far.
    assert!(super::svg(&timeline, 4_000_000).contains(r#"data-span="4000000""#));
}

/// The trace: what the viewers need of each event, and a check that fails
/// on each way a trace can break them.
#[test]
fn the_trace_keeps_the_format_and_the_check_catches_what_breaks_it() {
    let trace = trace(&[sample()]);
    snapbox::assert_data_eq!(
        serde_json::to_string_pretty(&trace).unwrap(),
        snapbox::file!["sample.trace.json": Text]
    );
    assert_eq!(check_trace(&trace.to_string()), Ok(()));
    // Each line: what the check says, a tab, a trace that breaks the viewers.
    for line in include_str!("broken.traces").lines() {
        let (why, broken) = line.split_once('\t').unwrap();
        let error = check_trace(broken).unwrap_err();
        assert!(error.contains(why), "{broken}: {error}");
    }
    let paired = r#"[{"name": "a", "ph": "B", "pid": 1, "tid": 1, "ts": 5},
        {"name": "w", "ph": "X", "dur": 0, "bind_id": 1, "flow_out": true, "pid": 1, "tid": 1, "ts": 5},
        {"name": "w", "ph": "X", "dur": 0, "bind_id": 1, "flow_in": true, "pid": 1, "tid": 2, "ts": 5},
        {"name": "a", "ph": "E", "pid": 1, "tid": 1, "ts": 6}]"#;
    let paired = format!(r#"{{"traceEvents": {paired}}}"#);
    assert_eq!(check_trace(&paired), Ok(()));
}
