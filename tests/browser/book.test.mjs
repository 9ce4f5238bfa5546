// The built book (docs/book, from `cargo xtask docs --build`) in a real
// browser: headless Chromium, driven by playwright-core over the book served
// from 127.0.0.1. Every page loads with no console error, no failed request
// and nothing fetched from anywhere else; an example page's timeline
// answers the pointer, the arrow keys and, where a task dump was recorded,
// says where each task waited; the search finds an asyncio API by name.
//
// CHROMIUM names the browser (default /usr/bin/chromium); BOOK the built
// book (default docs/book). `.ci/run` runs this with `node --test`.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const BOOK = path.resolve(process.env.BOOK ?? path.join(here, "../../docs/book"));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

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
    // playwright-core starts the browser with a fresh profile of its own,
    // in a temporary directory it removes afterwards.
    browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
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
});

after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve) ?? resolve());
});

async function pages(dir = BOOK) {
    const found = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) found.push(...(await pages(full)));
        else if (entry.name.endsWith(".html")) found.push(path.relative(BOOK, full));
    }
    return found.sort();
}

/// A page that records what went wrong on it: console errors, uncaught
/// exceptions, failed or refused requests, and any request that leaves
/// the book's own origin.
async function watchedPage() {
    const page = await browser.newPage();
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

test("every page of the book loads with no console error and fetches nothing from outside", async () => {
    const all = await pages();
    assert.ok(all.length > 100, `only ${all.length} pages in ${BOOK}: is the book built?`);
    // Two pages at a time: most of a page's load is the browser's work.
    const queue = [...all];
    const failures = [];
    await Promise.all(
        [1, 2].map(async () => {
            const { page, problems } = await watchedPage();
            for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
                problems.length = 0;
                await page.goto(`${origin}/${file}`, { waitUntil: "load" });
                if (problems.length) failures.push(`${file}:\n  ${problems.join("\n  ")}`);
            }
            await page.close();
        }),
    );
    assert.deepEqual(failures, [], failures.join("\n"));
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

test("a timeline says what each task was doing under the cursor, and whose row is hovered", async () => {
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

    // Half a second later, between polls, the running workers wait.
    await pointAt(page, svg, await xOf(svg, 1_250_000), await rowY(svg, 5));
    assert.equal(await item(5), "#5: waiting");
    assert.equal(await item(1), "#1: ended");

    // The arrow keys step from one instant something happened at to the next.
    await svg.focus();
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowRight");
    assert.equal(await svg.getAttribute("data-cursor"), "250000");
    // 0.25 s is when the page's task dump was taken: where each task waited.
    assert.equal(
        await item(1),
        `#1: waiting, at worker_with_potential_failure at task_group.rs:${await taskGroupLine("sleep(delay).await")}; waits in sleep`,
    );
    await page.keyboard.press("ArrowRight");
    assert.equal(await svg.getAttribute("data-cursor"), "1000000");
    await page.close();
    assert.deepEqual(problems, []);
});

test("at the instant of a recorded dump, the timeline says where each task waited", async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${origin}/pitfalls/deadlock.html`, { waitUntil: "load" });
    const svg = page.locator("svg.timeline");
    assert.equal(await svg.getAttribute("data-dump-at"), "1000000");
    await pointAt(page, svg, await xOf(svg, 1_000_000), await rowY(svg, 1));
    const readout = page.locator(".timeline-readout");
    const first = await readout.locator('li[data-row="1"]').innerText();
    assert.match(first, /waiting, at transfer at deadlock\.rs:\d+; waits in Mutex::lock/, first);
    await page.close();
    assert.deepEqual(problems, []);
});

test("the search finds an asyncio API by its name", async () => {
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
