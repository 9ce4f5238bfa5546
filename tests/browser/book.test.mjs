// The built book (docs/book) as a reader's browser shows it: every page loads
// cleanly, every relative link and #anchor lands, every chart is drawn
// inline and answers the pointer, and the search finds an asyncio API.
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
// Every wait has a deadline: a test's, a page's, the browser's start.
const MINUTE = { timeout: 60_000 };

// The line of task_group.rs that holds `text`: the chart names source lines,
// and a header that grows or shrinks moves them.
async function taskGroupLine(text) {
    const source = await readFile(
        path.join(here, "../../crates/concurrency/src/task_group.rs"),
        "utf8",
    );
    const index = source.split("\n").findIndex((line) => line.includes(text));
    assert.notEqual(index, -1, `task_group.rs no longer holds ${text}`);
    return index + 1;
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
            // Cached, as a web server would let it be: the search index
            // alone is megabytes of script, which every page loads.
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
        timeout: 60_000,
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
}, MINUTE);

after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve) ?? resolve());
}, MINUTE);

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
async function watchedPage() {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
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
    timeout: 180_000,
}, async (t) => {
    const all = await files();
    const html = all.filter((file) => file.endsWith(".html"));
    assert.ok(html.length > 100, `only ${html.length} pages in ${BOOK}: is the book built?`);
    const seen = new Map();
    const failures = [];
    // Two pages at a time: most of a page's load is the browser's work.
    const queue = [...html];
    await Promise.all(
        [1, 2].map(async () => {
            const { page, problems } = await watchedPage();
            for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
                problems.length = 0;
                await page.goto(`${origin}/${file}`, { waitUntil: "load", timeout: 30_000 });
                const found = await page.evaluate(inPage);
                seen.set(file, { ...found, ids: new Set(found.ids) });
                if (problems.length) failures.push(`${file}:\n  ${problems.join("\n  ")}`);
            }
            await page.close();
        }),
    );
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
        const page = chart.replace(/\.svg$/, ".html");
        if (text.startsWith("<!-- Generated") && !seen.get(page)?.chart) {
            failures.push(`${page}: its chart is not inline: does docs/book.toml run "charts"?`);
        }
    }
    assert.ok(failures.length === 0, failures.join("\n"));
    t.diagnostic(`${html.length} pages load; their ${links} links and anchors lead somewhere`);
});

/// Moves the mouse to the chart's point (x, y), in the SVG's own units.
async function pointAt(page, svg, x, y) {
    await svg.scrollIntoViewIfNeeded();
    const screen = await svg.evaluate(
        (element, [x, y]) => {
            const point = new DOMPoint(x, y).matrixTransform(element.getScreenCTM());
            return [point.x, point.y];
        },
        [x, y],
    );
    await page.mouse.move(screen[0], screen[1]);
}

/// The chart's x for `micros`, from its own data- attributes.
async function xOf(svg, micros) {
    return svg.evaluate((element, micros) => {
        const [x0, x1] = element.dataset.track.split(" ").map(Number);
        return x0 + (micros / Number(element.dataset.span)) * (x1 - x0);
    }, micros);
}

async function rowY(svg, index) {
    return svg.evaluate((element, index) => {
        const [top, row] = element.dataset.rows.split(" ").map(Number);
        return top - 4 + row * index + row / 2;
    }, index);
}

test("a timeline says what each task was doing under the cursor, and whose row is hovered", MINUTE, async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${origin}/concurrency/task_group.html`, { waitUntil: "load" });
    const svg = page.locator("svg.timeline");
    const readout = page.locator(".timeline-readout");
    await readout.waitFor();
    assert.match(await readout.innerText(), /Move the pointer along the chart/);

    // One second in: the first three workers end, the next three start.
    await pointAt(page, svg, (await xOf(svg, 1_000_000)) + 1, await rowY(svg, 5));
    const text = await readout.innerText();
    assert.match(text, /At 1\.0s:/, text);
    assert.equal(await svg.getAttribute("data-cursor"), "1000000");
    const cursor = page.locator("svg.timeline line.cursor");
    assert.equal(
        Number(await cursor.getAttribute("x1")).toFixed(1),
        (await xOf(svg, 1_000_000)).toFixed(1),
    );
    const item = (row) => readout.locator(`li[data-row="${row}"]`).innerText();
    assert.equal(await item(5), "#5: polled");
    assert.equal(await item(7), "#7: not spawned yet");
    // Rows of one spawn line are told apart, and the hovered one is named
    // with where and when its task was spawned.
    const spawned = await taskGroupLine("tasks.spawn(worker_with_potential_failure(");
    assert.ok(text.includes(`#5 line ${spawned} (5 of 8)`), text);
    assert.ok(text.includes(`spawned at task_group.rs:${spawned} by main at 1.0s`), text);

    // A quarter of a second later, between polls, the running workers wait,
    // in what the task dump at the end of 1.0 s showed.
    const sleeps = `sleep in worker_with_potential_failure at task_group.rs:${await taskGroupLine("sleep(delay).await")}`;
    await pointAt(page, svg, await xOf(svg, 1_250_000), await rowY(svg, 5));
    assert.equal(await item(5), `#5: waiting in ${sleeps}`);
    assert.equal(await item(1), "#1: ended");

    // The arrow keys step from one instant something happened at to the next.
    await svg.focus();
    await page.keyboard.press("Home");
    assert.equal(await item(1), "#1: polled");
    await page.keyboard.press("ArrowRight");
    assert.equal(await svg.getAttribute("data-cursor"), "1000000");
    await page.close();
    assert.deepEqual(problems, []);
});

test("a timeline says what each task waited in, and draws who woke whom", MINUTE, async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${origin}/pitfalls/deadlock.html`, { waitUntil: "load" });
    let svg = page.locator("svg.timeline");
    await pointAt(page, svg, await xOf(svg, 1_000_000), await rowY(svg, 1));
    const first = await page.locator('.timeline-readout li[data-row="1"]').innerText();
    assert.match(first, /^#1: waiting in Mutex::lock in transfer at deadlock\.rs:\d+$/, first);
    // The futurelock: at 1 s the task that held the lock wakes main, whose
    // poll moves nothing.
    await page.goto(`${origin}/pitfalls/futurelock.html`, { waitUntil: "load" });
    svg = page.locator("svg.timeline");
    assert.equal(await svg.locator("path.wake title", { hasText: "#1 woke main at 1s" }).count(), 1);
    await page.close();
    assert.deepEqual(problems, []);
});

test("the search finds an asyncio API by its name", MINUTE, async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${origin}/index.html`, { waitUntil: "load" });
    await page.locator("#mdbook-search-toggle").click();
    // Typed key by key: the book searches as keys are released.
    await page.locator("#mdbook-searchbar").pressSequentially("asyncio.gather");
    const results = page.locator('#mdbook-searchresults li a[href*="highlight=asyncio.gather"]');
    await results.first().waitFor({ timeout: 10_000 });
    const links = await results.evaluateAll((anchors) => anchors.map((a) => a.getAttribute("href")));
    assert.ok(
        links.some((href) => href.startsWith("concurrency/gather.html")),
        `no result for "asyncio.gather" leads to the gather example: ${links}`,
    );
    await page.close();
    assert.deepEqual(problems, []);
});
