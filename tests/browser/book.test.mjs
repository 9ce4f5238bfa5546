// The built book (docs/book) as a reader's browser shows it: every page loads
// cleanly, every relative link and #anchor lands, every chart is drawn
// inline and answers the pointer, the keys and a finger, reads on a phone,
// a laptop and a wide screen in every theme, and the search finds an
// asyncio API.
// CHROMIUM names the browser (default /usr/bin/chromium), BOOK the book.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const BOOK = path.resolve(process.env.BOOK ?? path.join(here, "../../docs/book"));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
// Every wait has a deadline, which catches a hang, not a busy machine: a
// test's, a page's, an action's, the browser's start. Alone, the whole book
// loads in under a minute and print.html, the book on one page, in about six
// seconds; beside CI's other lanes on two cores, each takes two or three
// times as long.
const TEST = { timeout: 300_000 };
const PAGE = { timeout: 120_000 };
const AXE = path.join(here, "node_modules/axe-core/axe.min.js");

// The line of an example's file that holds `text`: the chart names source
// lines, and a header that grows or shrinks moves them.
async function sourceLine(file, text) {
    const source = await readFile(path.join(here, "../../crates", file), "utf8");
    const index = source.split("\n").findIndex((line) => line.includes(text));
    assert.notEqual(index, -1, `${file} no longer holds ${text}`);
    return index + 1;
}

function taskGroupLine(text) {
    return sourceLine("concurrency/src/task_group.rs", text);
}

// What the readout says of a wait that leaves no frame in a dump, which the
// dump reads from the code: a sentence, as every other.
const READ_FROM_CODE = "That line is read from the code: a wait in a JoinSet leaves no frame in a dump.";

// What it says of a wait no frame shows at all: task-dump's sentence, read
// from its source.
async function cantSee() {
    const source = await readFile(path.join(here, "../../crates/infra/task-dump/src/render.rs"), "utf8");
    const found = source.match(/const UNSEEN: &str = "((?:[^"\\]|\\.)*)";/s);
    assert.ok(found, "render.rs no longer holds `const UNSEEN: &str`");
    return `It ${found[1].replace(/\\\n\s*/g, "")}.`;
}

const TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".txt": "text/plain",
};

let server;
let origin;
let browser;

before(async () => {
    assert.ok(
        existsSync(CHROMIUM),
        `no browser at ${CHROMIUM}: install Debian's chromium, or name one in CHROMIUM`,
    );
    server = createServer(async (request, response) => {
        const url = new URL(request.url, "http://localhost");
        let file = path.join(BOOK, decodeURIComponent(url.pathname));
        if (!file.startsWith(BOOK)) {
            response.writeHead(403).end();
            return;
        }
        if (url.pathname.endsWith("/")) file = path.join(file, "index.html");
        // Chromium asks for /favicon.ico on its own now and then, whatever
        // icon the page names; the book has none there, and needs none.
        if (url.pathname === "/favicon.ico") {
            response.writeHead(204).end();
            return;
        }
        try {
            const body = await readFile(file);
            const type = TYPES[path.extname(file)] ?? "application/octet-stream";
            // Cached, as a web server would let it be: every page loads the
            // same scripts, stylesheets and fonts.
            response
                .writeHead(200, { "content-type": type, "cache-control": "max-age=600" })
                .end(body);
        } catch {
            response.writeHead(404).end();
        }
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${server.address().port}`;
    browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        ...PAGE,
        args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    });
}, TEST);

after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve) ?? resolve());
}, TEST);

// Every file of the built book, relative to it.
async function files(dir = BOOK) {
    const found = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) found.push(...(await files(full)));
        else found.push(path.relative(BOOK, full));
    }
    return found.sort();
}

// A page that records console errors, uncaught exceptions, failed requests
// and any request that leaves the book.
async function watchedPage(options) {
    const page = await browser.newPage(options);
    page.setDefaultTimeout(PAGE.timeout);
    const problems = [];
    page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
    page.on("requestfailed", (request) => {
        // Aborted: the page moved on before it came (a favicon, when the
        // next page is opened at once), which is no fault of the book.
        const why = request.failure()?.errorText;
        if (why !== "net::ERR_ABORTED") problems.push(`request failed: ${request.url()} (${why})`);
    });
    page.on("response", (response) => {
        if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
    });
    page.on("request", (request) => {
        const url = request.url();
        if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("about:")) {
            problems.push(`fetched from outside the book: ${url}`);
        }
    });
    return { page, problems };
}

// What a loaded page offers: its ids, the links it holds (made absolute
// as the browser resolves them) and whether a chart is drawn in it.
const inPage = () => ({
    ids: [...document.querySelectorAll("[id]")]
        .map((element) => element.id)
        .concat([...document.querySelectorAll("a[name]")].map((a) => a.name)),
    links: [...document.querySelectorAll("[href]:not(base), [src]")].flatMap((element) =>
        ["href", "src"]
            .map((name) => element.getAttribute(name))
            .filter((link) => link !== null)
            .map((link) => new URL(link, document.baseURI).href),
    ),
    chart: document.querySelector("svg.timeline") !== null,
});

test("every page loads cleanly, its links and anchors land, its chart is inline", {
    timeout: 900_000,
}, async (t) => {
    const all = await files();
    const html = all.filter((file) => file.endsWith(".html"));
    assert.ok(html.length > 100, `only ${html.length} pages in ${BOOK}: is the book built?`);
    const seen = new Map();
    const failures = [];
    const { page, problems } = await watchedPage();
    for (const file of html) {
        problems.length = 0;
        await page.goto(`${origin}/${file}`, { waitUntil: "load", ...PAGE });
        const found = await page.evaluate(inPage);
        seen.set(file, { ...found, ids: new Set(found.ids) });
        if (problems.length) failures.push(`${file}:\n  ${problems.join("\n  ")}`);
    }
    await page.close();
    const exists = new Set(all);
    let links = 0;
    for (const [file, { links: hrefs }] of seen) {
        for (const href of new Set(hrefs)) {
            const url = new URL(href);
            if (url.origin !== origin) continue;
            links += 1;
            const link = href.slice(origin.length);
            let target = decodeURIComponent(url.pathname).slice(1);
            if (target === "" || target.endsWith("/")) target += "index.html";
            const anchor = decodeURIComponent(url.hash.slice(1));
            // mdBook builds a README.md as index.html, but a link to it as README.html.
            const hint = target.endsWith("README.html") ? ": name the page index.md" : "";
            if (!exists.has(target)) failures.push(`${file}: ${link} leads to no file${hint}`);
            else if (anchor && !seen.get(target)?.ids.has(anchor)) {
                failures.push(`${file}: ${link}: ${target} has no element with id "${anchor}"`);
            }
        }
    }
    for (const chart of all.filter((file) => file.endsWith(".svg"))) {
        const text = await readFile(path.join(BOOK, chart), "utf8");
        const page = chart.replace(/(\.asyncio)?\.svg$/, ".html");
        if (text.startsWith("<!-- Generated") && !seen.get(page)?.chart) {
            failures.push(`${page}: its chart is not inline: does docs/book.toml run "charts"?`);
        }
    }
    assert.ok(failures.length === 0, failures.join("\n"));
    t.diagnostic(`${html.length} pages load; their ${links} links and anchors lead somewhere`);
});

/// Where on the screen the chart shows `micros` in row `row`, from its own
/// data- attributes (x, y), and the chart's own x for it (chartX).
async function at(svg, micros, row) {
    await svg.scrollIntoViewIfNeeded();
    return svg.evaluate((element, [micros, row]) => {
        const [x0, x1] = element.dataset.track.split(" ").map(Number);
        const [top, height] = element.dataset.rows.split(" ").map(Number);
        const chartX = x0 + (micros / Number(element.dataset.span)) * (x1 - x0);
        const y = top - 4 + height * row + height / 2;
        const point = new DOMPoint(chartX, y).matrixTransform(element.getScreenCTM());
        return { x: point.x, y: point.y, chartX };
    }, [micros, row]);
}

test("a timeline says what each task was doing under the cursor, and whose row is hovered", TEST, async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${origin}/concurrency/task_group.html`, { waitUntil: "load" });
    // The first chart is Tokio's; its asyncio version's, under it, shares its axis.
    const svg = page.locator("svg.timeline").first();
    const readout = page.locator(".timeline-readout").first();
    await readout.waitFor();
    const asyncio = page.locator("svg.timeline").nth(1);
    assert.equal(await asyncio.getAttribute("data-span"), await svg.getAttribute("data-span"));
    assert.match(await readout.innerText(), /Move the pointer or a finger along the chart.*drag its row labels to scroll it/s);

    // One second in: the first three workers end, the next three start.
    const second = await at(svg, 1_000_000, 5);
    await page.mouse.move(second.x + 1, second.y);
    const text = await readout.innerText();
    assert.match(text, /At 1\.0s:/, text);
    assert.equal(await svg.getAttribute("data-cursor"), "1000000");
    const cursor = svg.locator("line.cursor");
    assert.equal(
        Number(await cursor.getAttribute("x1")).toFixed(1),
        second.chartX.toFixed(1),
    );
    const item = (row) => readout.locator(`li[data-row="${row}"]`).innerText();
    assert.equal(await item(5), "#5 is being polled.");
    assert.equal(await item(7), "#7 is not spawned yet.");
    // Rows of one spawn line are told apart, and the hovered one is named
    // with where and when its task was spawned.
    const spawned = await taskGroupLine("tasks.spawn(worker_with_potential_failure(");
    assert.ok(text.includes(`#5 line ${spawned} (5 of 8)`), text);
    assert.ok(text.includes(`Spawned at task_group.rs:${spawned} by main at 1.0s.`), text);

    // A quarter of a second later, between polls, the running workers wait,
    // in what the task dump at the end of 1.0 s showed.
    const sleep = await taskGroupLine("sleep(delay).await");
    const sleeps = "It waits in sleep, called from worker_with_potential_failure " +
        `(task_group.rs:${sleep}). Its sleep, from task_group.rs:${sleep}, was made at 1.0s ` +
        "and ends at 2.0s.";
    const later = await at(svg, 1_250_000, 5);
    await page.mouse.move(later.x, later.y);
    assert.equal(await item(5), `#5 is waiting. ${sleeps}`);
    assert.equal(await item(1), "#1 has ended.");
    // main waits in its JoinSet's join_next or in its shutdown, neither of
    // which leaves a frame: the code leaves two places, so none is named.
    assert.equal(await item(0), `main is waiting. ${await cantSee()} It is woken by #4 at 1.5s and #6 at 1.5s.`);

    // The arrow keys step from one instant something happened at to the next.
    await svg.focus();
    await page.keyboard.press("Home");
    assert.equal(await item(1), "#1 is being polled.");
    await page.keyboard.press("ArrowRight");
    assert.equal(await svg.getAttribute("data-cursor"), "1000000");
    await page.close();
    assert.deepEqual(problems, []);
});

test("a timeline says what each task waited in, and draws who woke whom", TEST, async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${origin}/pitfalls/deadlock.html`, { waitUntil: "load" });
    let svg = page.locator("svg.timeline");
    const dump = await at(svg, 1_000_000, 1);
    await page.mouse.move(dump.x, dump.y);
    const first = await page.locator('.timeline-readout li[data-row="1"]').innerText();
    assert.equal(
        first.replace(/\d+/g, "N"),
        "#N is waiting. It waits in Mutex::lock, called from transfer (deadlock.rs:N). " +
            "It holds the Nst Mutex made at deadlock.rs:N, since N.Ns. " +
            "It waits for the Nnd Mutex made at deadlock.rs:N, held by #N.",
    );
    // semaphore's main waits in its JoinSet, the one place its code leaves,
    // until the first worker ends.
    await page.goto(`${origin}/synchronization/semaphore.html`, { waitUntil: "load" });
    svg = page.locator("svg.timeline").first();
    const second = await at(svg, 1_000_000, 0);
    await page.mouse.move(second.x, second.y);
    const joins = await sourceLine("synchronization/src/semaphore.rs", "workers.join_next().await");
    assert.equal(
        await page.locator('.timeline-readout li[data-row="0"]').first().innerText(),
        "main is waiting. It waits in workers.join_next(), called from semaphore_example " +
            `(semaphore.rs:${joins}). ${READ_FROM_CODE} It is woken by #1 at 2s.`,
    );
    // The futurelock: at 1 s the task that held the lock wakes main, whose
    // poll moves nothing.
    await page.goto(`${origin}/pitfalls/futurelock.html`, { waitUntil: "load" });
    svg = page.locator("svg.timeline");
    assert.equal(await svg.locator("path.wake title", { hasText: "#1 woke main at 1s" }).count(), 1);
    await page.close();
    assert.deepEqual(problems, []);
});

// In the page: how large the chart's text is drawn, whether the page scrolls
// sideways, and what of mdBook's (previous and next arrows) sits over the text.
const looks = () => {
    const svg = document.querySelector("svg.timeline");
    const main = document.querySelector("main").getBoundingClientRect();
    return {
        text: parseFloat(getComputedStyle(svg.querySelector("text")).fontSize) * svg.getScreenCTM().a,
        sideways: [document.documentElement, document.querySelector(".content")].some(
            (box) => box.scrollWidth > box.clientWidth,
        ),
        over: [...document.querySelectorAll(".nav-chapters")]
            .map((arrow) => arrow.getBoundingClientRect())
            .filter((arrow) => arrow.width && arrow.left < main.right && arrow.right > main.left)
            .map((arrow) => `an arrow at ${arrow.left}-${arrow.right}px, the text at ${main.left}-${main.right}px`),
    };
};

// In the page, with axe-core loaded, in each of mdBook's themes as its menu
// picks them: the contrast of the "waiting" line with the chart's paper, and
// axe's verdict on the readout's text. (The chart's text is the page's, in
// the page's colours, and axe can't judge text in an SVG.)
const contrast = async () => {
    const { Color, flattenColors, getContrast } = axe.commons.color;
    const colour = (css, opacity = 1) => {
        const parsed = new Color();
        parsed.parseString(css);
        parsed.alpha *= opacity;
        return parsed;
    };
    const failures = [];
    for (const theme of ["light", "rust", "coal", "navy", "ayu"]) {
        document.getElementById(`mdbook-theme-${theme}`).click();
        const wait = getComputedStyle(document.querySelector("svg.timeline .wait"));
        const paper = colour(getComputedStyle(document.querySelector("svg.timeline > rect")).fill);
        const line = getContrast(paper, flattenColors(colour(wait.stroke, wait.strokeOpacity), paper));
        if (line < 3) failures.push(`${theme}: the "waiting" line has a contrast of ${line.toFixed(2)}`);
        const { violations } = await axe.run(".timeline-readout", {
            runOnly: ["color-contrast"],
            resultTypes: ["violations"],
        });
        for (const node of violations.flatMap((violation) => violation.nodes)) {
            failures.push(`${theme}: ${node.target}: ${node.failureSummary}`);
        }
    }
    return failures;
};

// In the page: each word of a table's code (a run of letters, digits and
// `_`) that the browser drew on more than one line, broken mid-word (a
// path may break between its parts), and each table that neither fits its
// column nor scrolls as a unit with its first column kept in view.
const tables = () => {
    const broken = [];
    for (const code of document.querySelectorAll("table code")) {
        for (const text of code.childNodes) {
            if (text.nodeType !== Node.TEXT_NODE) continue;
            for (const word of text.data.matchAll(/\w+/g)) {
                const range = document.createRange();
                range.setStart(text, word.index);
                range.setEnd(text, word.index + word[0].length);
                const lines = new Set([...range.getClientRects()].map((box) => Math.round(box.top)));
                if (lines.size > 1) broken.push(word[0]);
            }
        }
    }
    const unfit = [];
    for (const [index, table] of [...document.querySelectorAll("table")].entries()) {
        const frame = table.parentElement;
        const fits = table.getBoundingClientRect().width <= frame.getBoundingClientRect().width + 1;
        const scrolls = ["auto", "scroll"].includes(getComputedStyle(frame).overflowX);
        const first = [...table.querySelectorAll("tr > :first-child")];
        const kept = first.every((cell) => getComputedStyle(cell).position === "sticky");
        if (!fits && !(scrolls && kept)) {
            unfit.push(`table ${index + 1}: ${Math.round(table.getBoundingClientRect().width)}px ` +
                `in ${Math.round(frame.getBoundingClientRect().width)}px, scrolls: ${scrolls}, ` +
                `first column kept: ${kept}`);
        }
    }
    // On a phone a cheat-sheet row is a card (wide.css), each of its cells
    // as wide as the card: no rule of the table's columns may narrow one.
    const cards = [...document.querySelectorAll(".cheatsheet td")].filter(
        (cell) => getComputedStyle(cell).display === "block",
    );
    const narrow = [];
    for (const cell of cards) {
        const card = cell.parentElement.getBoundingClientRect().width;
        const width = cell.getBoundingClientRect().width;
        if (width < card - 4) {
            narrow.push(`${cell.dataset.column}: ${Math.round(width)}px of a ${Math.round(card)}px card`);
        }
    }
    return {
        broken,
        unfit,
        cards: cards.length,
        narrow,
        sideways: [document.documentElement, document.querySelector(".content")].some(
            (box) => box.scrollWidth > box.clientWidth,
        ),
    };
};

// The time axis of a chart: how many of its ticks ("0s", "0.5s") are in
// view in the chart's frame, where the row labels left room for them.
const ticks = () => {
    const frame = document.querySelector(".timeline-frame").getBoundingClientRect();
    const all = [...document.querySelectorAll("svg.timeline")][0].querySelectorAll(
        ':scope > text[text-anchor="middle"]',
    );
    return [...all].filter((tick) => {
        const box = tick.getBoundingClientRect();
        return box.left >= frame.left && box.right <= frame.right;
    }).length;
};

for (const width of [400, 1280, 1600]) {
    test(`at ${width}px, with the sidebar open where it fits, the cheat sheet's tables fit or scroll with their first column kept, break no identifier, and on a phone lay each row out as a card its cells fill`, TEST, async () => {
        const viewport = { width, height: 800 };
        const { page, problems } = await watchedPage({ viewport });
        await page.goto(`${origin}/cheatsheet.html`, { waitUntil: "load" });
        // mdBook opens the sidebar by itself on a screen wide enough for it.
        const sidebar = await page.evaluate(() => document.documentElement.classList.contains("sidebar-visible"));
        assert.equal(sidebar, width >= 1080, "the sidebar");
        const seen = await page.evaluate(tables);
        assert.deepEqual(seen.broken, [], "identifiers broken across lines");
        assert.deepEqual(seen.unfit, []);
        assert.equal(seen.cards > 0, width === 400, `${seen.cards} cells laid out as cards`);
        assert.deepEqual(seen.narrow, [], "cells narrower than their card");
        assert.ok(!seen.sideways, "the page scrolls sideways");
        await page.close();
        assert.deepEqual(problems, []);
    });

    const title = `at ${width}px a chart reads in every theme, is covered by nothing, and keeps its keys and touches`;
    test(title, TEST, async () => {
        const viewport = { width, height: 800 };
        const { page, problems } = await watchedPage({ viewport, hasTouch: true });
        await page.goto(`${origin}/concurrency/task_group.html`, { waitUntil: "load" });
        const svg = page.locator("svg.timeline").first();
        await page.locator(".timeline-readout").first().waitFor();
        const seen = await page.evaluate(looks);
        assert.ok(seen.text >= 11, `the chart's text is drawn ${seen.text.toFixed(1)}px high`);
        // The row labels give way to the time axis: of its ticks, 0s to 2.5s,
        // 0s to 1.5s at least are in view (before, on a phone, only 0s).
        const shown = await page.evaluate(ticks);
        assert.ok(shown >= 4, `${shown} of the time axis's ticks are in view`);
        assert.ok(!seen.sideways, "the page scrolls sideways");
        assert.deepEqual(seen.over, []);

        // The arrow keys never reach mdBook, which turns the page on them:
        // not before the cursor is anywhere, nor at either end.
        await page.evaluate(() => {
            window.leaked = [];
            document.addEventListener("keydown", (event) => window.leaked.push(event.key));
        });
        await svg.focus();
        for (const key of ["ArrowLeft", "Home", "ArrowLeft", "End", "ArrowRight"]) {
            await page.keyboard.press(key);
        }
        assert.equal(await svg.getAttribute("data-cursor"), "2500000");
        assert.deepEqual(await page.evaluate(() => window.leaked), []);
        await page.evaluate(() => (document.querySelector(".timeline-frame").scrollLeft = 0));

        // A tap moves the cursor; a drag along the time axis, halfway back
        // to 0s, takes it along, and scrolls neither the page nor the chart.
        const zero = await at(svg, 0, 1);
        const tap = await at(svg, 250_000, 1);
        await page.touchscreen.tap(tap.x, tap.y);
        const tapped = Number(await svg.getAttribute("data-cursor"));
        assert.ok(Math.abs(tapped - 250_000) < 1_000, `a tap took the cursor to ${tapped / 1e6}s`);
        assert.equal(await svg.locator("g.row.hovered").count(), 1, "a tap picks its row, as a hover does");
        // Where the page and the chart's frame are scrolled to, once the
        // browser has drawn what a finger did.
        const scrolled = () =>
            page.evaluate(async () => {
                await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
                return [scrollX, scrollY, document.querySelector(".timeline-frame").scrollLeft];
            });
        const cdp = await page.context().newCDPSession(page);
        const drag = async (from, to) => {
            const moves = [["touchStart", from], ["touchMove", (from + to) / 2], ["touchMove", to]];
            for (const [type, x] of moves) {
                await cdp.send("Input.dispatchTouchEvent", { type, touchPoints: [{ x, y: tap.y }] });
            }
            await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
        };
        const before = await scrolled();
        await drag(tap.x, (zero.x + tap.x) / 2);
        const dragged = Number(await svg.getAttribute("data-cursor"));
        assert.ok(dragged < 150_000, `a drag took the cursor only to ${dragged / 1e6}s`);
        assert.deepEqual(await scrolled(), before, "a drag on the chart scrolled");
        // One that starts on the labels scrolls the chart, where it is wider
        // than the screen.
        await drag(zero.x - 20, zero.x - 60);
        assert.equal((await scrolled())[2] > 0, width === 400, "a drag on the labels");

        // No fading from one theme to the next.
        await page.addStyleTag({ content: "* { transition: none !important; }" });
        await page.addScriptTag({ path: AXE });
        assert.deepEqual(await page.evaluate(contrast), []);
        assert.ok(page.url().endsWith("/concurrency/task_group.html"), page.url());
        await page.close();
        assert.deepEqual(problems, []);
    });
}

test("the search finds an asyncio API by its name", TEST, async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${origin}/index.html`, { waitUntil: "load" });
    await page.locator("#mdbook-search-toggle").click();
    // Typed key by key: the book searches as keys are released.
    await page.locator("#mdbook-searchbar").pressSequentially("asyncio.gather");
    const results = page.locator('#mdbook-searchresults li a[href*="highlight=asyncio.gather"]');
    await results.first().waitFor();
    const links = await results.evaluateAll((anchors) => anchors.map((a) => a.getAttribute("href")));
    assert.ok(
        links.some((href) => href.startsWith("concurrency/gather.html")),
        `no result for "asyncio.gather" leads to the gather example: ${links}`,
    );
    await page.close();
    assert.deepEqual(problems, []);
});
