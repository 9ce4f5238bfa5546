// The timelines of the example pages, made explorable: hover a row to read
// where its task was spawned, and move the cursor along the time axis (or
// use the arrow keys) to read what every task was doing at that instant.
// Each chart is an inline SVG whose rows carry their records as data-
// attributes (written by the book's generator); without this script it is
// a plain picture, and each row's <title> still shows on hover.
(function () {
    "use strict";

    const SVG = "http://www.w3.org/2000/svg";
    // How close, in the chart's own units, the cursor must come to an
    // instant something happened at to stand on it: polls on the paused
    // clock take no time, so they could not be hit otherwise.
    const SNAP = 4;

    function seconds(micros) {
        const text = (micros / 1e6).toFixed(6).replace(/0+$/, "");
        return (text.endsWith(".") ? text + "0" : text) + "s";
    }

    function numbers(text) {
        return text ? text.split(" ").map(Number) : [];
    }

    function readRow(group) {
        const d = group.dataset;
        return {
            group: group,
            index: Number(d.row),
            kind: d.kind,
            name: d.name,
            label: d.label,
            at: d.at || null,
            code: d.code || null,
            parent: d.parent || null,
            spawned: d.spawned === undefined ? null : Number(d.spawned),
            ended: d.ended === undefined ? null : Number(d.ended),
            end: d.end || null,
            polls: d.polls ? d.polls.split(" ").map(function (pair) {
                const [start, end] = pair.split("-").map(Number);
                return { start: start, end: end };
            }) : [],
            // [from, to, "waiting in ...; woken by #2 at 1s"] for each
            // stretch a task dump or a wake says something of.
            waits: d.waits ? JSON.parse(d.waits) : [],
        };
    }

    // What a row's task was doing at `t`, in words.
    function state(row, t, tolerance) {
        const first = row.spawned !== null ? row.spawned
            : row.polls.length ? row.polls[0].start : row.ended;
        if (row.kind === "blocking") {
            if (row.ended !== null && Math.abs(t - row.ended) <= tolerance) {
                return "its spawn_blocking call returned";
            }
            return row.ended !== null && t > row.ended
                ? "its spawn_blocking call had returned"
                : "Tokio reports only when a spawn_blocking call returns";
        }
        if (first === null || t < first - tolerance) {
            return "not spawned yet";
        }
        if (row.ended !== null && t > row.ended + tolerance) {
            if (row.end === "returned") return "run() had returned";
            if (row.end === "dropped") return "dropped when run() returned";
            return row.end === "aborted" ? "aborted" : "ended";
        }
        for (const poll of row.polls) {
            if (t >= poll.start - tolerance && t <= poll.end + tolerance) {
                return "polled";
            }
        }
        if (row.ended !== null && Math.abs(t - row.ended) <= tolerance) {
            if (row.end === "aborted") return "aborted";
            return row.end === "returned" ? "run() returned" : "ended";
        }
        const stretch = row.waits.find(function (w) { return t >= w[0] && t <= w[1]; });
        return stretch ? stretch[2] : "waiting";
    }

    function explore(svg) {
        const span = Number(svg.dataset.span);
        const [x0, x1] = numbers(svg.dataset.track);
        const [top, rowHeight, drawn] = numbers(svg.dataset.rows);
        const rows = Array.from(svg.querySelectorAll("g.row")).map(readRow);
        if (!(span >= 0) || !(x1 > x0) || rows.length === 0) {
            return;
        }
        const perUnit = span / (x1 - x0);
        const tolerance = SNAP * perUnit;
        // Between instants, a time as precise as one unit of the chart.
        const decimals = Math.min(6, Math.max(1, Math.ceil(-Math.log10(perUnit / 1e6))));
        function approximately(micros) {
            return (micros / 1e6).toFixed(decimals) + "s";
        }

        // Every instant something happened at, to snap the cursor to.
        const instants = new Set([0, span]);
        for (const row of rows) {
            if (row.spawned !== null) instants.add(row.spawned);
            if (row.ended !== null) instants.add(row.ended);
            for (const poll of row.polls) {
                instants.add(poll.start);
                instants.add(poll.end);
            }
        }
        const sorted = Array.from(instants).sort(function (a, b) { return a - b; });

        const cursor = document.createElementNS(SVG, "line");
        cursor.setAttribute("class", "cursor");
        cursor.setAttribute("y1", String(top - 8));
        cursor.setAttribute("y2", String(top + rowHeight * drawn - 4));
        cursor.style.display = "none";
        svg.appendChild(cursor);

        svg.setAttribute("tabindex", "0");
        const readout = document.createElement("div");
        readout.className = "timeline-readout";
        readout.setAttribute("aria-live", "polite");
        const hint = "Move the pointer along the chart, or focus it and use the arrow keys: " +
            "this says what each task was doing at that instant. Hover a row for where its " +
            "task was spawned." + (rows.some(function (row) { return row.waits.length; })
                ? " Between its polls, a task says what it waited in, as a task dump at the " +
                  "end of each instant showed, and which task's poll woke it." : "");
        readout.textContent = hint;
        svg.insertAdjacentElement("afterend", readout);

        let current = null;
        let hovered = null;

        function render() {
            readout.replaceChildren();
            if (hovered !== null) {
                const row = hovered;
                const head = document.createElement("p");
                head.className = "timeline-row";
                const label = document.createElement("strong");
                // The label up to its code, which follows in full.
                label.textContent = row.code ? row.label.split(": ")[0] : row.label;
                head.appendChild(label);
                const facts = [];
                if (row.at) {
                    facts.push("spawned at " + row.at + (row.parent ? " by " + row.parent : "") +
                        (row.spawned !== null ? " at " + seconds(row.spawned) : ""));
                }
                if (row.code) facts.push(row.code);
                for (const fact of facts) {
                    head.appendChild(document.createElement("br"));
                    const line = document.createElement(fact === row.code ? "code" : "span");
                    line.textContent = fact;
                    head.appendChild(line);
                }
                readout.appendChild(head);
            }
            if (current === null) {
                if (hovered === null) readout.textContent = hint;
                return;
            }
            const t = current;
            const title = document.createElement("p");
            title.className = "timeline-instant";
            title.textContent = "At " + (sorted.includes(t) ? seconds(t) : approximately(t)) + ":";
            readout.appendChild(title);
            const list = document.createElement("ul");
            for (const row of rows) {
                const item = document.createElement("li");
                item.dataset.row = String(row.index);
                const what = state(row, t, tolerance);
                item.textContent = row.name + ": " + what;
                list.appendChild(item);
            }
            readout.appendChild(list);
        }

        function moveTo(t) {
            current = Math.min(Math.max(t, 0), span);
            const x = span === 0 ? x0 : x0 + (current / span) * (x1 - x0);
            cursor.setAttribute("x1", x.toFixed(1));
            cursor.setAttribute("x2", x.toFixed(1));
            cursor.style.display = "";
            svg.dataset.cursor = String(current);
            render();
        }

        function snap(t) {
            let best = t;
            let distance = tolerance;
            for (const instant of sorted) {
                const d = Math.abs(instant - t);
                if (d <= distance) {
                    best = instant;
                    distance = d;
                }
            }
            return best;
        }

        function chartPoint(event) {
            const matrix = svg.getScreenCTM();
            if (!matrix) return null;
            const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
            return point;
        }

        svg.addEventListener("pointermove", function (event) {
            const point = chartPoint(event);
            if (point === null) return;
            // Row i is drawn from top - 4 + i * rowHeight, one rowHeight high.
            const index = Math.floor((point.y - (top - 4)) / rowHeight);
            const row = rows.find(function (r) { return r.index === index; }) || null;
            if (row !== hovered) {
                if (hovered) hovered.group.classList.remove("hovered");
                hovered = row;
                if (hovered) hovered.group.classList.add("hovered");
            }
            if (point.x >= x0 - SNAP && point.x <= x1 + SNAP) {
                moveTo(snap((point.x - x0) * perUnit));
            } else {
                render();
            }
        });
        svg.addEventListener("pointerleave", function () {
            if (hovered) hovered.group.classList.remove("hovered");
            hovered = null;
            render();
        });
        svg.addEventListener("keydown", function (event) {
            let next = null;
            const t = current === null ? -1 : current;
            if (event.key === "ArrowRight") {
                next = sorted.find(function (instant) { return instant > t; });
            } else if (event.key === "ArrowLeft") {
                next = sorted.slice().reverse().find(function (instant) { return instant < t; });
            } else if (event.key === "Home") {
                next = 0;
            } else if (event.key === "End") {
                next = span;
            }
            if (next !== undefined && next !== null) {
                // The book turns the page on the arrow keys; on a focused
                // chart they move the cursor instead.
                event.preventDefault();
                event.stopPropagation();
                moveTo(next);
            }
        });
    }

    function start() {
        document.querySelectorAll("svg.timeline[data-span]").forEach(explore);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
