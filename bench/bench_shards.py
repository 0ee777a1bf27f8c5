"""Sharded search index benchmark: bytes, time to first result, heap, per query, in Chromium.

    .venv/bin/python bench/bench_shards.py                  # 5k and 50k synthetic papers
    .venv/bin/python bench/bench_shards.py --sizes 5000 --queries "double descent" grokking

For each size: the time search_files() takes (the whole index, records and table, best of
--repeat), the files' count and gzip bytes; then per query, each on a cold cache (a new
browser context) with the search box focused and its scripts loaded: the query typed into the
box at once (one input event), then

- data KB: gzip bytes of the index files fetched for it (shards, word lists, records), as a
  static host serves them compressed; +start KB: what focusing fetched before (manifest,
  lunr.js, the worker and search-index.js), once per visit;
- first ms: from the input event to the results on screen, through the box's 120 ms debounce;
- worker MB: the worker's JS heap after the query (CDP Runtime.getHeapUsage);
- long ms: the page's longest task meanwhile (0: none over 50 ms).

`measure(folder, queries)` does the browser part on any folder holding a built site's search
files and a page with the search box at its root (bench_search.py may call it).
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from synth import synthetic_papers  # noqa: E402

from sitegen import search, urls  # noqa: E402
from sitegen.config import Config  # noqa: E402
from sitegen.model import Site, Tag  # noqa: E402

ASSETS = REPO / "themes" / "default" / "assets"
CHROMIUM = "/usr/bin/chromium"
QUERIES = ["in-context learning", "double descent", "memorization vs generalization",
           "grokking", "diffusion models", "reinforcement learning from human feedback",
           "chain of thought reasoning", "vision transformer", "scaling laws",
           "mixture of experts", "catastrophic forgetting", "information bottleneck"]
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<link rel="stylesheet" href="assets/search.css"></head><body>
<form class="search-box" role="search" action="search/" method="get" data-search-box
      data-root="./" data-worker="assets/search-worker.js" data-lunr="assets/lunr.js"
      data-manifest="search/manifest.json">
  <input id="search-box-q" type="search" name="q" autocomplete="off">
  <div class="search-panel" id="search-box-panel" hidden>
    <p class="search-status" role="status"></p><ul class="search-results"></ul></div>
</form>
<script src="assets/search.js" defer></script></body></html>
"""


def synthetic_site(n: int) -> Site:
    papers = synthetic_papers(n)
    slugs = sorted({t for p in papers for t in p.tags})
    tags = tuple(Tag(slug=s, name=s.replace("-", " ").capitalize()) for s in slugs)
    return Site(papers=tuple(papers), tags=tags, pages=())


def write_site(site: Site, folder: Path, repeat: int = 1) -> dict:
    """The search files of `site` and a page with the box, in `folder`; build figures."""
    config = Config(root=REPO)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        files = search.search_files(site, config)
        best = min(best, time.perf_counter() - start)
    data = files.shards.paths()
    for path, content in data.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(content)
    for name in ("search.js", "search.css", "search-worker.js", search.ENGINE):
        (folder / "assets" / name).write_bytes((ASSETS / name).read_bytes())
    (folder / "assets" / "lunr.js").write_bytes(files.assets["lunr.js"])
    (folder / "search").mkdir(exist_ok=True)
    (folder / urls.SEARCH_MANIFEST).write_bytes(
        files.manifest({search.ENGINE: f"assets/{search.ENGINE}"}))
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    shard_sizes = [len(gzip.compress(b, 6)) for p, b in data.items() if "/t" in p]
    return {"seconds": best, "files": len(data), "terms": len(files.shards.firsts),
            "gzip": sum(len(gzip.compress(b, 6)) for b in data.values()),
            "shard_max": max(shard_sizes, default=0),
            "shard_median": statistics.median(shard_sizes) if shard_sizes else 0}


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _gzip_size(folder: Path, url: str, root: str) -> int:
    path = folder / url[len(root):].split("?", 1)[0]
    return len(gzip.compress(path.read_bytes(), 6)) if path.is_file() else 0


_TIMER = """q => new Promise(resolve => {
  const input = document.querySelector('#search-box-q');
  const list = document.querySelector('.search-results');
  window.__long = window.__long || 0;
  new PerformanceObserver(l => l.getEntries().forEach(e => {
    window.__long = Math.max(window.__long, e.duration); })).observe({type: 'longtask'});
  new MutationObserver((_, observer) => {
    if (list.getAttribute('data-query') !== q) return;
    observer.disconnect();
    resolve(performance.now() - t0);
  }).observe(list, {attributes: true});
  input.value = q;
  const t0 = performance.now();
  input.dispatchEvent(new Event('input', {bubbles: true}));
})"""


def measure(folder: Path, queries: list[str]) -> list[dict]:
    """Per query, on a cold cache: data and start-up gzip bytes, ms to the results, the
    worker's heap, the page's longest task. A last row, "all, one visit": the queries one
    after another on one page (its cache warm), the worker's heap after the last."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_Files, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/"
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context()
            page = context.new_page()
            page.goto(root)
            page.locator("#search-box-q").focus()
            times = [page.evaluate(_TIMER, query) for query in queries]
            one_visit = {"query": "all, one visit", "ms": statistics.median(times), "data": 0,
                         "files": 0, "start": 0, "heap": _worker_heap(browser, page),
                         "long": page.evaluate("window.__long")}
            context.close()
            for query in queries:
                context = browser.new_context()
                page = context.new_page()
                fetched: list[str] = []
                page.context.on("request", lambda r, f=fetched: f.append(r.url))
                page.goto(root)
                page.wait_for_load_state("load")
                page.locator("#search-box-q").focus()
                page.wait_for_load_state("networkidle")
                started = len(fetched)
                ms = page.evaluate(_TIMER, query)
                data = [u for u in fetched[started:] if "/assets/search-" in u]
                start = [u for u in fetched[:started] if "/assets/" in u or "/search/" in u]
                rows.append({
                    "query": query, "ms": ms,
                    "data": sum(_gzip_size(folder, u, root) for u in data),
                    "files": len(data),
                    "start": sum(_gzip_size(folder, u, root) for u in start),
                    "heap": _worker_heap(browser, page),
                    "long": page.evaluate("window.__long")})
                context.close()
            rows.append(one_visit)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return rows


def _worker_heap(browser, page) -> float:
    """MB of JS heap the page's search worker uses, through the DevTools protocol."""
    cdp = browser.new_browser_cdp_session()
    answers: list[dict] = []
    cdp.on("Target.receivedMessageFromTarget", lambda e: answers.append(json.loads(e["message"])))
    used = float("nan")
    for target in cdp.send("Target.getTargets")["targetInfos"]:
        if target["type"] == "worker" and "search-worker" in target["url"]:
            session = cdp.send("Target.attachToTarget",
                               {"targetId": target["targetId"], "flatten": False})["sessionId"]
            cdp.send("Target.sendMessageToTarget", {"sessionId": session, "message": json.dumps(
                {"id": 1, "method": "Runtime.getHeapUsage"})})
            deadline = time.monotonic() + 5
            while not any(a.get("id") == 1 for a in answers) and time.monotonic() < deadline:
                page.wait_for_timeout(20)
            used = next((a["result"]["usedSize"] / 1e6 for a in answers if a.get("id") == 1), used)
    cdp.detach()
    return used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--queries", nargs="+", default=QUERIES)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for n in args.sizes:
        site = synthetic_site(n)
        with tempfile.TemporaryDirectory() as tmp:
            built = write_site(site, Path(tmp), args.repeat)
            print(f"\n{n} papers: search_files {built['seconds']:.2f} s, {built['files']} files, "
                  f"{built['terms']} term shards (gzip median {built['shard_median'] / 1e3:.1f}"
                  f" KB, max {built['shard_max'] / 1e3:.1f} KB), {built['gzip'] / 1e6:.1f} MB "
                  "gzip in all")
            rows = measure(Path(tmp), args.queries)
        print(f"{'query':<45} {'data KB':>8} {'files':>5} {'+start KB':>9} {'first ms':>8} "
              f"{'worker MB':>9} {'long ms':>7}")
        *rows, one_visit = rows
        for r in rows:
            print(f"{r['query'][:45]:<45} {r['data'] / 1e3:8.1f} {r['files']:5d} "
                  f"{r['start'] / 1e3:9.1f} {r['ms']:8.0f} {r['heap']:9.1f} {r['long']:7.0f}")
        print(f"{'median':<45} {statistics.median(r['data'] for r in rows) / 1e3:8.1f} "
              f"{'':5} {statistics.median(r['start'] for r in rows) / 1e3:9.1f} "
              f"{statistics.median(r['ms'] for r in rows):8.0f} "
              f"{statistics.median(r['heap'] for r in rows):9.1f} "
              f"{max(r['long'] for r in rows):7.0f}")
        print(f"{'all the queries, one visit (median ms; heap after)':<45} {'':8} {'':5} {'':9} "
              f"{one_visit['ms']:8.0f} {one_visit['heap']:9.1f} {one_visit['long']:7.0f}")


if __name__ == "__main__":
    main()
