// The book's tables, narrow screens and long names. A name in a table's code
// (`tokio::runtime::Handle::current()`, `concurrent.futures.ThreadPoolExecutor`)
// may break after each `::` or `.` of its path, as rustdoc lets its paths
// break, and never inside a word (wide.css): a column is then as wide as its
// longest word, not its longest path. And each cell of a cheat-sheet table
// carries its column's name, which wide.css shows above it where the table
// is laid out as one card per row. Without this script the names don't
// break and the tables scroll sideways instead.
(function () {
    "use strict";

    function breakPaths(code) {
        const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
        const texts = [];
        while (walker.nextNode()) texts.push(walker.currentNode);
        for (const text of texts) {
            const parts = text.data.split(/(?<=::|\.)(?=\w)/);
            if (parts.length < 2) continue;
            const pieces = document.createDocumentFragment();
            parts.forEach(function (part, index) {
                if (index > 0) pieces.appendChild(document.createElement("wbr"));
                pieces.appendChild(document.createTextNode(part));
            });
            text.replaceWith(pieces);
        }
    }

    function labelCells(table) {
        const names = Array.from(table.querySelectorAll("thead th")).map(function (th) {
            return th.textContent.trim();
        });
        table.querySelectorAll("tbody tr").forEach(function (row) {
            Array.from(row.children).forEach(function (cell, index) {
                if (names[index]) cell.dataset.column = names[index];
            });
        });
    }

    function start() {
        document.querySelectorAll("table code").forEach(breakPaths);
        document.querySelectorAll(".cheatsheet table").forEach(labelCells);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
