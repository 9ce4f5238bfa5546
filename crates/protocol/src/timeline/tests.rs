use super::*;

/// main spawns two workers at 0; one sleeps 1 s, the other 2 s; main waits
/// for both. A blocking call returns at 0.5 s, and a task is still alive
/// when `run()` returns.
fn sample() -> Timeline {
    let mut main = Row::new(RowKind::Main);
    main.code = "run()".to_owned();
    main.polls = vec![poll(0, 0), poll(2_000_000, 2_000_000)];
    let worker = |code: &str, sleep: Micros| {
        let mut row = Row::new(RowKind::Task);
        row.parent = Some(0);
        row.spawned_at = Some("task_group.rs:12".to_owned());
        row.code = code.to_owned();
        row.spawned = Some(0);
        row.polls = vec![poll(0, 0), poll(sleep, sleep)];
        row.ended = Some(Ended {
            at: sleep,
            how: EndKind::Ended,
        });
        row
    };
    let mut blocking = Row::new(RowKind::Blocking);
    blocking.spawned_at = Some("tokio-1.54.1/src/fs/mod.rs:136".to_owned());
    blocking.ended = Some(Ended {
        at: 500_000,
        how: EndKind::Ended,
    });
    let mut forgotten = Row::new(RowKind::Task);
    forgotten.spawned = Some(1_000_000);
    forgotten.polls = vec![poll(1_000_000, 1_000_000)];
    forgotten.ended = Some(Ended {
        at: 2_000_000,
        how: EndKind::Dropped,
    });
    Timeline {
        example: "concurrency/task_group".to_owned(),
        clock: Clock::Virtual,
        notes: vec!["A note.".to_owned()],
        rows: vec![
            main,
            worker("tokio::spawn(work(1))", 1_000_000),
            worker("tokio::spawn(work(2))", 2_000_000),
            blocking,
            forgotten,
        ],
        returned: Some(2_000_000),
    }
}

fn poll(start: Micros, end: Micros) -> Poll {
    Poll { start, end }
}

#[test]
fn the_text_form_round_trips() {
    let timeline = sample();
    let text = timeline.to_text();
    assert_eq!(Timeline::parse(&text), Ok(timeline));
    assert!(
        text.starts_with("timeline\t1\tconcurrency/task_group\tvirtual\nnote\tA note.\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "row\t1\ttask\t0\ttask_group.rs:12\ttokio::spawn(work(1))\n\
             spawned\t1\t0.000000\n\
             poll\t1\t0.000000\t0.000000\n\
             poll\t1\t1.000000\t1.000000\n\
             ended\t1\t1.000000\tended\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("ended\t4\t2.000000\tdropped\nreturned\t2.000000\n"),
        "{text}"
    );
}

#[test]
fn a_bad_text_form_says_which_line_and_why() {
    let error = |text: &str| Timeline::parse(text).unwrap_err().to_string();
    assert_eq!(error(""), "line 1: empty: expected a `timeline` line");
    assert!(error("timeline\t2\ta/b\tvirtual\n").contains("version 2"));
    assert!(error("timeline\t1\ta/b\tslow\n").contains("invalid value `slow`"));
    let header = "timeline\t1\ta/b\tvirtual\n";
    assert_eq!(
        error(&format!("{header}poll\t0\t0.000000\t0.000000\n")),
        "line 2: a record of row 0 must follow that row's `row` line"
    );
    assert_eq!(
        error(&format!(
            "{header}row\t0\tmain\t-\t-\trun()\nspawned\t0\t1.5\n"
        )),
        "line 3: `1.5` is not a time in seconds"
    );
    assert_eq!(
        error(&format!("{header}row\t1\ttask\t-\t-\t\n")),
        "line 2: row 1 out of order: expected row 0"
    );
    assert_eq!(
        error(&format!("{header}wobble\n")),
        "line 2: unknown record `wobble`"
    );
}

#[test]
fn polls_at_one_instant_are_one_record() {
    let mut row = Row::new(RowKind::Task);
    row.push_poll(poll(0, 0));
    row.push_poll(poll(0, 0));
    row.push_poll(poll(1, 3));
    row.push_poll(poll(1, 3));
    row.push_poll(poll(0, 0));
    assert_eq!(row.polls, [poll(0, 0), poll(1, 3), poll(0, 0)]);
}

#[test]
fn the_chart_draws_each_row_on_one_scale() {
    let chart = chart(&sample(), 60);
    let expected = "\
concurrency/task_group on the virtual clock: 4 tasks besides main
                         0s               1s              2s
main run()               █─────────────────────────────────┤
#1 line 12: tokio::spaw… █────────────────┤
#2 line 12: tokio::spaw… █─────────────────────────────────┤
#3 tokio-1.54.1/src/fs/…         ◆
#4                                        █────────────────×
█ polled  ─ waiting  ┤ ended  × dropped when run() returned  ◆ a spawn_blocking call returned
A row is a task. Futures joined or selected in one task (join!, join_all, select!), and LocalSet tasks, share its row.
Tokio's hooks don't say whether a task returned, panicked or was aborted: all three end a row with ┤.
A note.
";
    assert_eq!(chart, expected, "\n{chart}");
}

#[test]
fn a_narrow_or_huge_chart_still_draws() {
    for width in [0, 1, 39, 40, 1000] {
        let chart = chart(&sample(), width);
        assert!(chart.contains("main run()"), "{width}: {chart}");
    }
    let mut crowd = sample();
    for _ in 0..100 {
        crowd.rows.push(crowd.rows[1].clone());
    }
    let chart = chart(&crowd, 80);
    assert!(chart.contains("… 65 more tasks not drawn"), "{chart}");
}

#[test]
fn nothing_to_draw_is_said_not_drawn() {
    let timeline = Timeline {
        example: "runtime/runtime_builder".to_owned(),
        notes: vec!["it builds a runtime of its own".to_owned()],
        ..Timeline::default()
    };
    assert_eq!(
        chart(&timeline, 80),
        "no timeline for runtime/runtime_builder: it builds a runtime of its own\n"
    );
}

#[test]
fn a_run_that_took_no_time_still_has_a_scale() {
    let mut timeline = sample();
    for row in &mut timeline.rows {
        row.polls = vec![poll(0, 0)];
        row.spawned = row.spawned.map(|_| 0);
        if let Some(ended) = &mut row.ended {
            ended.at = 0;
        }
    }
    timeline.returned = Some(0);
    let chart = chart(&timeline, 60);
    let main = chart.lines().find(|line| line.starts_with("main")).unwrap();
    assert_eq!(
        main.split_whitespace().collect::<Vec<_>>(),
        ["main", "run()", "┤"]
    );
}

#[test]
fn the_svg_uses_the_theme_and_escapes_labels() {
    let mut timeline = sample();
    timeline.rows[1].code = "f(\"<&>\")".to_owned();
    let svg = svg(&timeline);
    assert!(svg.starts_with("<svg class=\"timeline\""), "{svg}");
    assert!(svg.contains("var(--fg)") && svg.contains("var(--links)"));
    assert!(svg.contains("f(&quot;&lt;&amp;&gt;&quot;)"), "{svg}");
    assert!(!svg.contains("<&>"));
    assert_eq!(
        svg.matches("<rect class=\"poll\"").count(),
        2 + 2 + 2 + 1 + 1
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    // Inlined in Markdown, a blank line would end the HTML block.
    assert!(!svg.contains("\n\n"));
}

#[test]
fn rows_of_one_spawn_line_say_which_of_them_they_are() {
    let mut timeline = sample();
    timeline.rows[2].code = timeline.rows[1].code.clone();
    let labels: Vec<String> = (0..timeline.rows.len())
        .map(|index| timeline.rows[index].label_among(index, &timeline.rows))
        .collect();
    assert_eq!(labels[0], "main run()");
    assert_eq!(labels[1], "#1 line 12 (1 of 2): tokio::spawn(work(1))");
    assert_eq!(labels[2], "#2 line 12 (2 of 2): tokio::spawn(work(1))");
    assert_eq!(labels[3], "#3 tokio-1.54.1/src/fs/mod.rs:136");
    let chart = chart(&timeline, 100);
    // Cut short on a chart, the rows still differ.
    assert!(chart.contains("#2 line 12 (2 of 2): tokio"), "{chart}");
}

#[test]
fn the_svg_carries_each_rows_records_for_the_pages_script() {
    let timeline = sample();
    let waits = Waits {
        at: 500_000,
        rows: vec![(1, "work at task_group.rs:4; waits in sleep".to_owned())],
    };
    let svg = svg_with(&timeline, Some(&waits));
    assert!(svg.contains(r#" data-span="2000000""#), "{svg}");
    assert!(svg.contains(r#" data-dump-at="500000""#), "{svg}");
    assert!(
        svg.contains(
            r##"<g class="row" data-row="2" data-name="#2" data-kind="task" data-label="#2 line 12: tokio::spawn(work(2))" data-at="task_group.rs:12" data-code="tokio::spawn(work(2))" data-parent="main" data-spawned="0" data-ended="2000000" data-end="ended" data-polls="0-0 2000000-2000000">"##
        ),
        "{svg}"
    );
    assert!(svg.contains(r#" data-where="work at task_group.rs:4; waits in sleep""#));
    assert!(svg.contains("<title>#2 line 12: tokio::spawn(work(2))\nspawned at task_group.rs:12 by main at 0s\nended at 2s</title>"), "{svg}");
    assert!(svg.contains(r#"data-end="dropped""#));
    assert_eq!(svg.matches("<g class=\"row\"").count(), 5);
    assert_eq!(svg.matches("</g>").count(), 5);
    assert!(!svg.contains("\n\n"));
    // Without a dump, nothing says where.
    assert!(!svg_with(&timeline, None).contains("data-where"));
}
