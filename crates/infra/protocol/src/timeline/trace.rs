//! `--trace`: timelines in the Chrome trace-event format, which
//! ui.perfetto.dev and `chrome://tracing` open. Each example is a process,
//! each of its tasks a thread; its polls and the stretches it waits are
//! complete slices (`X`, the stretch named by what it waited in), its end
//! an instant (`i`), each wake a flow arrow between two slices of no length
//! (on the waker's track and the woken one's), and each task dump a
//! process-wide instant whose arguments say where each task waited.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::{Micros, Timeline};
use crate::Named;

/// The trace of `timelines`, one process each.
pub fn trace(timelines: &[Timeline]) -> Value {
    let mut events = Vec::new();
    let mut flows = 0;
    for (pid, timeline) in (1..).zip(timelines) {
        let clock = timeline.clock.name();
        let name = format!("{} on the {clock} clock", timeline.example);
        events.push(json!({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": name}}));
        let span = timeline.span();
        let mut dumps: BTreeMap<Micros, serde_json::Map<String, Value>> = BTreeMap::new();
        for ((index, row), label) in timeline.rows.iter().enumerate().zip(timeline.labels()) {
            let tid = index + 1;
            let mut push = |name: &str, cat: &str, ph: &str, ts: Micros, more: Value| {
                let mut event =
                    json!({"name": name, "cat": cat, "ph": ph, "pid": pid, "tid": tid, "ts": ts});
                if let (Some(event), Value::Object(more)) = (event.as_object_mut(), more) {
                    event.extend(more);
                }
                events.push(event);
            };
            push("thread_name", "", "M", 0, json!({"args": {"name": label}}));
            let end = timeline.end_of(row);
            for stretch in row.stretches(end.map_or(span, |(at, _)| at)) {
                // Named by what it waits in, and whom it waits for where the
                // dump names them; the dump's whole entry an argument.
                let what = stretch.what.map_or("", |(_, what)| what.as_str());
                let parts = |prefix: &'static str| {
                    what.split("; ")
                        .filter_map(move |part| part.strip_prefix(prefix))
                        .collect::<Vec<_>>()
                };
                let name = parts("waits in ").join(" and ");
                let name = match (name.as_str(), parts("waits for ").join("; ")) {
                    ("", ties) if ties.is_empty() => "waiting".to_owned(),
                    (_, ties) if ties.is_empty() => name,
                    ("", ties) => ties,
                    (name, ties) => format!("{name} ({ties})"),
                };
                let name = name.as_str();
                let more = json!({"dur": stretch.to - stretch.from, "args": {"dump": what}});
                push(name, "wait", "X", stretch.from, more);
            }
            for poll in &row.polls {
                let dur = json!({"dur": poll.end - poll.start});
                push("poll", "poll", "X", poll.start, dur);
            }
            if let Some((at, how)) = end {
                push(how, "end", "i", at, json!({"s": "t"}));
            }
            for &(at, by) in row.woken.iter().filter(|(_, by)| *by < timeline.rows.len()) {
                // A flow bound to slices of its own (`bind_id`): Perfetto ties
                // an `s` or `f` to whatever slice is open on its track at that
                // instant, and there may be none, since a poll takes no time
                // on the virtual clock and a waker may end as it wakes.
                flows += 1;
                let short = |row| super::draw::short_name(timeline, row);
                let (waker, woken) = (short(by), short(index));
                let out = json!({"tid": by + 1, "dur": 0, "bind_id": flows, "flow_out": true});
                push(&format!("wakes {woken}"), "wake", "X", at, out);
                let into = json!({"dur": 0, "bind_id": flows, "flow_in": true});
                push(&format!("woken by {waker}"), "wake", "X", at, into);
            }
            for (at, what) in &row.waits {
                let who = super::draw::short_name(timeline, index);
                dumps.entry(*at).or_default().insert(who, json!(what));
            }
        }
        for (at, waits) in dumps {
            events.push(json!({"name": "task dump", "cat": "dump", "ph": "i", "s": "p", "pid": pid, "tid": 1, "ts": at, "args": waits}));
        }
    }
    json!({"traceEvents": events, "displayTimeUnit": "ms"})
}

/// What the trace-event format asks of `text`, as far as the viewers
/// depend on it: every event has a name, a phase, a process and a thread,
/// and but for metadata a time; a complete slice has a duration, an
/// instant a scope; each `E` closes the last open `B` of its thread, and
/// none stays open; the complete slices of a thread nest, never overlap in
/// part; each flow a slice binds has one slice it leaves and one it enters,
/// not before it.
pub fn check_trace(text: &str) -> Result<(), String> {
    let trace: Value = serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
    let events = trace["traceEvents"]
        .as_array()
        .ok_or("no `traceEvents` list")?;
    let mut open: HashMap<(u64, u64), Vec<(&str, f64)>> = HashMap::new();
    let mut complete: HashMap<(u64, u64), Vec<(f64, f64)>> = HashMap::new();
    let mut flows: HashMap<u64, (Vec<f64>, Vec<f64>)> = HashMap::new();
    for (index, event) in events.iter().enumerate() {
        let fail = |why: &str| Err(format!("event {index} ({event}) {why}"));
        let (Some(name), Some(ph), Some(pid), Some(tid)) = (
            event["name"].as_str(),
            event["ph"].as_str(),
            event["pid"].as_u64(),
            event["tid"].as_u64(),
        ) else {
            return fail("lacks a name, a phase, a pid or a tid");
        };
        let ts = event["ts"].as_f64();
        if ph != "M" && ts.is_none() {
            return fail("has no time");
        }
        let ts = ts.unwrap_or_default();
        match ph {
            "M" if event["args"].is_object() => {}
            "X" if let Some(dur) = event["dur"].as_f64().filter(|dur| *dur >= 0.0) => {
                complete.entry((pid, tid)).or_default().push((ts, ts + dur));
                if let Some(id) = event["bind_id"].as_u64() {
                    let (outs, ins) = flows.entry(id).or_default();
                    match (event["flow_out"].as_bool(), event["flow_in"].as_bool()) {
                        (Some(true), None | Some(false)) => outs.push(ts),
                        (None | Some(false), Some(true)) => ins.push(ts),
                        _ => return fail("binds a flow it neither leaves nor enters"),
                    }
                }
            }
            "i" | "I" if matches!(event["s"].as_str(), Some("g" | "p" | "t")) => {}
            "B" => open.entry((pid, tid)).or_default().push((name, ts)),
            "E" => match open.entry((pid, tid)).or_default().pop() {
                Some((_, began)) if began <= ts => {}
                _ => return fail("ends no slice begun before it on its thread"),
            },
            _ => return fail("is not a phase the viewers read, or lacks what its phase needs"),
        }
    }
    if let Some(((pid, tid), slices)) = open.iter().find(|(_, slices)| !slices.is_empty()) {
        return Err(format!(
            "slice `{}` of pid {pid} tid {tid} never ends",
            slices[0].0
        ));
    }
    for ((pid, tid), slices) in &mut complete {
        slices.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let mut ends: Vec<f64> = Vec::new();
        for &(start, end) in slices.iter() {
            while ends.last().is_some_and(|&last| last <= start) {
                ends.pop();
            }
            if ends.last().is_some_and(|&last| end > last) {
                return Err(format!(
                    "pid {pid} tid {tid}: a slice at {start} overlaps another in part"
                ));
            }
            ends.push(end);
        }
    }
    for (id, (outs, ins)) in &flows {
        if !matches!((&outs[..], &ins[..]), ([out], [into]) if out <= into) {
            let (outs, ins) = (outs.len(), ins.len());
            let why = "not one of each, in order";
            return Err(format!(
                "flow {id} leaves {outs} slices and enters {ins}, {why}"
            ));
        }
    }
    Ok(())
}
