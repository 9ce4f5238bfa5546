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
            // [from, to, what a task dump showed, "#2 at 1s"] for each
            // stretch between polls that a dump or a wake says something of.
            waits: d.waits ? JSON.parse(d.waits) : [],
        };
    }

    // What a row's task was doing at `t`: the rest of a sentence that
    // starts with its name.
    function state(row, t, tolerance) {
        const first = row.spawned !== null ? row.spawned
            : row.polls.length ? row.polls[0].start : row.ended;
        if (row.kind === "blocking") {
            if (row.ended !== null && Math.abs(t - row.ended) <= tolerance) {
                return "is a spawn_blocking call, which returns now";
            }
            return row.ended !== null && t > row.ended
                ? "is a spawn_blocking call, which has returned"
                : "is a spawn_blocking call: Tokio tells only when it returns";
        }
        if (first === null || t < first - tolerance) {
            return "is not spawned yet";
        }
        if (row.ended !== null && t > row.ended + tolerance) {
            if (row.end === "returned") return "has returned from run()";
            if (row.end === "dropped") return "was dropped when run() returned";
            return row.end === "aborted" ? "was aborted" : "has ended";
        }
        for (const poll of row.polls) {
            if (t >= poll.start - tolerance && t <= poll.end + tolerance) {
                return "is being polled";
            }
        }
        if (row.ended !== null && Math.abs(t - row.ended) <= tolerance) {
            if (row.end === "aborted") return "is aborted";
            return row.end === "returned" ? "returns from run()" : "ends";
        }
        return "is waiting";
    }

    // Of a task waiting at `t`: what the task dump at the start of that
    // stretch showed, and whose poll woke it, as sentences.
    function waited(row, t) {
        const w = row.waits.find(function (w) { return t > w[0] && t <= w[1]; });
        if (!w) return "";
        return [w[2] ? dumped(w[2]) : "", w[3] ? "It is woken by " + w[3] + "." : ""]
            .filter(Boolean).join(" ");
    }

    // What a task dump shows of a task, as sentences: its entry's lines
    // come joined by "; ", each a frame ("work at pool.rs:59", maybe with a
    // note in parentheses: "(read from the code: ...)"), a wait ("waits in
    // sleep", ending the frames above it) or a fact about it ("awaited by
    // main at ...", "holds the lock ...", "waits for m.lock(), held by #2",
    // "spawned by #2, which has ended").
    function dumped(where) {
        const sentences = [];
        let frames = [];
        let notes = [];
        for (const line of where.split("; ")) {
            const frame = /^(.+?) at ([^ ]+:\d+)(?: \((.+)\))?$/.exec(line);
            if (frame) {
                frames.unshift(frame[1] + " (" + frame[2] + ")");
                if (frame[3]) notes.push(frame[3]);
                continue;
            }
            if (line.startsWith("waits in ")) {
                const also = sentences.some(function (s) { return s.startsWith("It waits in"); });
                const from = frames.length ? ", called from " + frames.join(", called from ") : "";
                sentences.push("It " + (also ? "also " : "") + line + from + ".");
                frames = [];
            } else if (/^its sleep from /.test(line)) {
                // "its sleep from x.rs:30, made at 1.0s, ends at 2.0s"
                const sleep = /^its sleep from (.+), made at (.+), ends at (.+)$/.exec(line);
                sentences.push(sleep
                    ? "Its sleep, from " + sleep[1] + ", was made at " + sleep[2] + " and ends at " + sleep[3] + "."
                    : line.charAt(0).toUpperCase() + line.slice(1) + ".");
            } else if (/^(awaited|spawned) by /.test(line)) {
                sentences.push("It " + (line.startsWith("awaited") ? "is " : "was ") + line + ".");
            } else {
                sentences.push("It " + line + ".");
            }
            // A frame's note says how its line was found: after the wait.
            for (const note of notes) {
                sentences.push("That line is " + note + ".");
            }
            notes = [];
        }
        if (frames.length) sentences.push("It is in " + frames.join(", called from ") + ".");
        for (const note of notes) {
            sentences.push("That line is " + note + ".");
        }
        return sentences.join(" ");
    }

    // On a narrow screen the row labels give way to the time axis: each row
    // is named by its number alone ("#3"; the readout and the row's tooltip
    // give it in full), the chart drops the room the labels took, and what
    // it draws under its rows (the legend, a note) moves under it, as text of
    // the page. `bottom` is where its rows end, in its own units.
    function compactWhenNarrow(svg, frame, x0, bottom) {
        const fullBox = svg.getAttribute("viewBox");
        const [, , width] = numbers(fullBox);
        // timeline.css's, at which the full chart's text is 11px or more.
        const fullMin = parseFloat(getComputedStyle(svg).minWidth);
        if (!(width > 0) || !(fullMin > 0)) return;
        const labels = Array.from(svg.querySelectorAll("g.row")).map(function (group) {
            const text = group.querySelector(":scope > text");
            return text && { text: text, full: text.textContent, x: text.getAttribute("x"),
                name: group.dataset.name };
        }).filter(Boolean);
        const under = Array.from(svg.children).filter(function (element) {
            return element.tagName !== "g" && element.tagName !== "title" &&
                element.tagName !== "style" && typeof element.getBBox === "function" &&
                element.getBBox().y >= bottom;
        });
        // The legend as the page's text: each mark drawn in a small picture
        // of its own (the chart's classes, styled by its <style>), then what
        // it means; a line with no mark is a note.
        const legend = document.createElement("div");
        legend.className = "timeline timeline-legend";
        legend.hidden = true;
        let marks = [];
        for (const element of under) {
            if (element.tagName !== "text") {
                marks.push(element);
                continue;
            }
            const item = document.createElement(marks.length ? "span" : "p");
            if (marks.length) {
                const boxes = marks.map(function (mark) { return mark.getBBox(); });
                const left = Math.min.apply(null, boxes.map(function (b) { return b.x; })) - 2;
                const top = Math.min.apply(null, boxes.map(function (b) { return b.y; })) - 2;
                const right = Math.max.apply(null, boxes.map(function (b) { return b.x + b.width; })) + 2;
                const down = Math.max.apply(null, boxes.map(function (b) { return b.y + b.height; })) + 2;
                const icon = document.createElementNS(SVG, "svg");
                icon.setAttribute("viewBox", [left, top, right - left, down - top].join(" "));
                icon.setAttribute("width", String(right - left));
                icon.setAttribute("height", String(down - top));
                icon.setAttribute("aria-hidden", "true");
                for (const mark of marks) icon.appendChild(mark.cloneNode(true));
                item.appendChild(icon);
            }
            item.appendChild(document.createTextNode(element.textContent));
            legend.appendChild(item);
            marks = [];
        }
        frame.insertAdjacentElement("afterend", legend);

        let compact = null;
        function fit() {
            const narrow = frame.clientWidth < fullMin;
            if (narrow === compact) return;
            compact = narrow;
            for (const label of labels) {
                label.text.textContent = compact ? label.name : label.full;
            }
            const widest = Math.max.apply(null, labels.map(function (label) {
                return label.text.getComputedTextLength();
            }));
            const left = compact ? Math.max(0, x0 - widest - 8) : 0;
            for (const label of labels) {
                label.text.setAttribute("x", compact ? String(left + 4) : label.x);
            }
            for (const element of under) element.style.display = compact ? "none" : "";
            legend.hidden = !compact;
            svg.setAttribute("viewBox", compact
                ? [left, 0, width - left, bottom + 4].join(" ") : fullBox);
            // As many pixels to a unit as the full chart has at its narrowest.
            svg.style.minWidth = compact ? Math.ceil((width - left) * fullMin / width) + "px" : "";
        }
        fit();
        new ResizeObserver(fit).observe(frame);
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

        // On a narrow screen the chart keeps its text readable and scrolls
        // sideways in a frame of its own (timeline.css).
        const frame = document.createElement("div");
        frame.className = "timeline-frame";
        svg.replaceWith(frame);
        frame.appendChild(svg);

        svg.setAttribute("tabindex", "0");
        const readout = document.createElement("div");
        readout.className = "timeline-readout";
        readout.setAttribute("aria-live", "polite");
        const hint = "Move the pointer or a finger along the chart, or focus it and use the " +
            "arrow keys: this says what each task was doing at that instant. Hover or tap a " +
            "row for where its task was spawned. Where the chart is wider than the screen, " +
            "drag its row labels to scroll it." + (rows.some(function (row) { return row.waits.length; })
                ? " Between its polls, a task says what it waited in, as a task dump at the " +
                  "end of each instant showed, and which task's poll woke it." : "");
        readout.textContent = hint;
        frame.insertAdjacentElement("afterend", readout);
        compactWhenNarrow(svg, frame, x0, top - 4 + rowHeight * drawn);

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
                    facts.push("Spawned at " + row.at + (row.parent ? " by " + row.parent : "") +
                        (row.spawned !== null ? " at " + seconds(row.spawned) : "") + ".");
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
                item.textContent = row.name + " " + what + "." +
                    (what === "is waiting" ? (" " + waited(row, t)).trimEnd() : "");
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
            return new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
        }

        function follow(event) {
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
        }
        // A finger moves the cursor too: a tap is a pointerdown with no
        // move, and a drag sideways stays on the chart (timeline.css), but
        // one that starts on the labels scrolls the frame.
        let panned = null;
        svg.addEventListener("pointerdown", function (event) {
            const point = chartPoint(event);
            const onLabels = event.pointerType === "touch" && point && point.x < x0 - SNAP;
            panned = onLabels ? event.clientX : null;
            follow(event);
        });
        svg.addEventListener("pointermove", function (event) {
            if (panned === null || event.pointerType !== "touch") return follow(event);
            frame.scrollLeft += panned - event.clientX;
            panned = event.clientX;
        });
        // mdBook opens and closes its sidebar on a swipe.
        svg.addEventListener("touchstart", function (event) {
            event.stopPropagation();
        }, { passive: true });
        // A finger leaves when it is lifted: the row it tapped stays picked.
        svg.addEventListener("pointerleave", function (event) {
            if (event.pointerType === "touch") return;
            if (hovered) hovered.group.classList.remove("hovered");
            hovered = null;
            render();
        });
        svg.addEventListener("keydown", function (event) {
            if (event.altKey || event.ctrlKey || event.metaKey ||
                !["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) {
                return;
            }
            // The book turns the page on the arrow keys; on a focused chart
            // they move the cursor, and stop at either end.
            event.preventDefault();
            event.stopPropagation();
            let next;
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
            if (next !== undefined) {
                moveTo(next);
                cursor.scrollIntoView({ block: "nearest", inline: "nearest" });
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
