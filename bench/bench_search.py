"""Search benchmark: sitegen's search and Pagefind's on the same built site, in Chromium.

    .venv/bin/pip install -e '.[bench]'            # Pagefind, from PyPI
    .venv/bin/python bench/bench_search.py          # 5,000 papers
    .venv/bin/python bench/bench_search.py 5000 20000 --runs 3
    .venv/bin/python bench/bench_search.py 50000    # opt-in: several minutes to build

For each size, a synthetic review (bench/synth.py: the example papers recombined) is written
as pages and built by `sitegen build` under a sub-path, as a project site is served; then
Pagefind indexes the paper pages of that same built site (`main` minus the aside, citation,
related papers and sources, which leaves what sitegen indexes: title, tags, abstract, notes).
Both are served from one local HTTP server that gzips every response gzip makes smaller, as a
static host does for text (Pagefind's own files are gzipped already and go as they are).

Every query runs in a new browser context (cold HTTP cache) on the same paper page, both
engines typed into the same way (a key every --key-delay ms) and rendered the same way:
- sitegen: the header search box as a reader uses it (search.js: nothing before the focus,
  the worker starts on focus, queries as you type after 120 ms without a key);
- Pagefind: its JS API as its UI uses it: pagefind.js imported and init() on focus;
  on each input event preload(text), then debouncedSearch(text, {}, 120), then data() of the
  first result, whose title is put on the page.

Measured per query (median of --runs):
- KB: bytes of response bodies, as sent (gzip), from the focus until the network is quiet
  after the first result, counted by the server, so whatever files the site ships count
  (the page itself and what it loads before the focus are not counted: the same for both);
- first result: ms from the last keydown to the first animation frame that has the results
  of the whole query on the page (or says there are none); "from focus" also counts typing;
- heap: MB of JavaScript heap used after searching, page plus workers, after a garbage
  collection (Chrome DevTools Protocol);
- longest task: the longest main-thread task after the focus (Long Tasks API: over 50 ms).
And per size: seconds each takes to build its index (sitegen's "search" stage of the build,
Pagefind's whole run), and each index's files on disk.

Figures, not assertions: they depend on the machine (2 shared cores here).
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import mimetypes
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from lunr.builder import Builder  # noqa: E402
from lunr.pipeline import Pipeline  # noqa: E402
from lunr.stemmer import stemmer as lunrpy_stemmer  # noqa: E402

from sitegen import lunrjs  # noqa: E402

CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")
PREFIX = "/bench/review/"  # served under a sub-path, as a project site is
# The examples: a phrase, two words, a long query, a rare word, a common word, an
# unfinished word and a misspelling (one letter missing).
QUERIES = ("in-context learning", "double descent", "memorization vs generalization",
           "grokking", "model", "generaliz", "tranformer")
# Pagefind reads the paper pages' main content, less what sitegen does not index either.
PAGEFIND_ARGS = ("--glob", "papers/*/index.html", "--root-selector", "main",
                 "--exclude-selectors", ".paper-aside, .cite, .related, .provenance")


# ---------------------------------------------------------------- plain lunr.py baseline
# (tests/test_search_equivalence.py checks sitegen's index against it)

@cache
def _lunrpy_function(name: str):
    """A lunr.js pipeline function (sitegen.lunrjs) in lunr.py's calling convention."""
    fn = lunrjs.FUNCTIONS[name]

    def step(token, i=None, tokens=None):
        out = fn(str(token))
        if out is None:
            return None
        token.string = out
        return token

    Pipeline.register_function(step, f"lunrjs-{name}")
    return step


def lunrpy_index(docs, fields, pipeline_names) -> dict:
    """The index plain lunr.py builds: lunr.Builder, one pipeline call per token occurrence."""
    builder = Builder()
    builder.pipeline.add(*(_lunrpy_function(n) for n in pipeline_names))
    builder.search_pipeline.add(lunrpy_stemmer)
    builder.ref("ref")
    names = [f.name for f in fields]
    for f in fields:
        builder.field(f.name, boost=f.boost)
    for ref, texts in docs:
        builder.add({"ref": ref, **dict(zip(names, texts, strict=True))})
    data = builder.build().serialize()
    # The same two choices sitegen makes when writing (see lunrjs.build_index): JavaScript's
    # term order and no empty field vectors but the first field's.
    data["invertedIndex"].sort(key=lambda pair: lunrjs.js_sort_key(pair[0]))
    data["fieldVectors"] = [v for v in data["fieldVectors"]
                            if v[1] or v[0].startswith(names[0] + "/")]
    return data


# ---------------------------------------------------------------- the two sites

def make_review(root: Path, n: int) -> None:
    """n synthetic papers as pages, with the example's other content and settings."""
    from synth import synthetic_papers, write_pages

    shutil.copytree(REPO / "content", root / "content",
                    ignore=shutil.ignore_patterns("papers", "dumps"))
    (root / "content" / "dumps").mkdir()
    write_pages(root / "content" / "papers", synthetic_papers(n, seed=0))
    # The example's settings, under a sub-path; tag_labels name tags the papers may lack.
    config = (REPO / "config.yml").read_text(encoding="utf-8").split("\ntag_labels:")[0]
    config = re.sub(r"(?m)^base_url:.*$", f"base_url: {PREFIX}", config)
    (root / "config.yml").write_text(config + "\n", encoding="utf-8")
    (root / "node_modules").symlink_to(REPO / "node_modules")


def build_sitegen(root: Path) -> tuple[float, float]:
    """(wall seconds of `sitegen build`, seconds of its search stage)."""
    from bench_build import build

    wall, _, stages, _ = build(root)
    return wall, stages.get("search", float("nan"))


def build_pagefind(site: Path) -> float:
    """Seconds of one Pagefind run over the built site's paper pages."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site), "--quiet",
                           *PAGEFIND_ARGS], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pagefind failed (pip install -e '.[bench]'?):\n{done.stderr[-2000:]}"
                         f"{done.stdout[-2000:]}")
    return time.perf_counter() - start


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# ---------------------------------------------------------------- a counting gzip server

@dataclass
class Traffic:
    """Bytes sent, request by request, and when the network was last busy."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: list[tuple[str, int]] = field(default_factory=list)
    in_flight: int = 0
    last: float = 0.0

    def mark(self) -> int:
        with self.lock:
            return len(self.sent)

    def since(self, mark: int) -> list[tuple[str, int]]:
        with self.lock:
            return self.sent[mark:]

    def wait_quiet(self, quiet: float = 0.4, limit: float = 30.0) -> None:
        """Until nothing was requested or sent for `quiet` seconds (a benchmark may poll)."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            with self.lock:
                if not self.in_flight and time.monotonic() - self.last >= quiet:
                    return
            time.sleep(0.05)


class _GzipHandler(http.server.BaseHTTPRequestHandler):
    """GET of files under PREFIX; gzip when it makes the body smaller, as static hosts do."""

    folder: Path
    traffic: Traffic
    gzipped: dict[Path, bytes]

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        traffic = self.traffic
        with traffic.lock:
            traffic.in_flight += 1
            traffic.last = time.monotonic()
        try:
            self._send()
        finally:
            with traffic.lock:
                traffic.in_flight -= 1
                traffic.last = time.monotonic()

    def _send(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if not path.startswith(PREFIX):
            self.send_error(404)
            return
        file = (self.folder / path[len(PREFIX):]).resolve()
        if file.is_dir():
            file = file / "index.html"
        if self.folder not in file.parents or not file.is_file():
            self.send_error(404)
            return
        body = file.read_bytes()
        packed = self.gzipped.get(file)
        if packed is None:
            packed = self.gzipped[file] = gzip.compress(body, 6, mtime=0)
        self.send_response(200)
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self.send_header("Content-Type", kind)
        self.send_header("Cache-Control", "max-age=600")  # GitHub Pages' lifetime
        if "gzip" in self.headers.get("Accept-Encoding", "") and len(packed) < len(body):
            body = packed
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with self.traffic.lock:
            self.traffic.sent.append((path, len(body)))

    def log_message(self, *args) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, Traffic, str]:
    traffic = Traffic()
    handler = type("Handler", (_GzipHandler,), {
        "folder": folder.resolve(), "traffic": traffic, "gzipped": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, traffic, f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"


# ---------------------------------------------------------------- in the browser

# Before any page script: keystroke and focus times, long tasks, and a per-frame check for
# the results of a given query (set by watch()).
RECORDER = """
window.__bench = {keys: [], focus: null, shown: null, total: null, tasks: []};
document.addEventListener('keydown', () => __bench.keys.push(performance.now()), true);
document.addEventListener('focusin', () => {
  if (__bench.focus === null) __bench.focus = performance.now(); }, true);
new PerformanceObserver(list => list.getEntries().forEach(
  e => __bench.tasks.push([e.startTime, e.duration]))).observe({type: 'longtask'});
"""
WATCH = """([list, query]) => {
  const tick = () => {
    const node = document.querySelector(list);
    if (node && node.getAttribute('data-query') === query) {
      __bench.shown = performance.now();
      __bench.total = node.getAttribute('data-total');
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
# Pagefind's search as its UI runs it, with the first result's title put on the page.
PAGEFIND_BOX = """(bundle) => {
  const wrap = document.createElement('div');
  wrap.style = 'position:fixed;top:0;left:0;z-index:999;background:#fff;padding:4px';
  const input = document.createElement('input');
  input.id = 'pagefind-q';
  const list = document.createElement('ul');
  list.id = 'pagefind-results';
  wrap.append(input, list);
  document.body.prepend(wrap);
  let loading = null;
  input.addEventListener('focus', () => {
    loading = loading || import(bundle + 'pagefind.js').then(async pf => {
      await pf.init();
      return pf;
    });
  });
  input.addEventListener('input', async () => {
    const text = input.value;
    const pf = await loading;
    pf.preload(text);
    const found = await pf.debouncedSearch(text, {}, 120);
    if (found === null) return;  // a later keystroke took over
    const first = found.results.length ? await found.results[0].data() : null;
    if (input.value !== text) return;
    list.textContent = '';
    if (first) {
      const item = document.createElement('li');
      item.textContent = first.meta.title;
      list.append(item);
    }
    list.setAttribute('data-total', String(found.results.length));
    list.setAttribute('data-query', text);
  });
}"""


@dataclass(frozen=True)
class Engine:
    name: str
    box: str  # the input typed into
    results: str  # the element whose data-query names the query its results answer
    setup: str | None = None  # script run on the page first, given the Pagefind bundle URL


SITEGEN = Engine("sitegen", "#search-box-q", ".search-results")
PAGEFIND = Engine("Pagefind", "#pagefind-q", "#pagefind-results", PAGEFIND_BOX)


@dataclass(frozen=True)
class Sample:
    hits: int | None
    kb: float
    first_ms: float
    focus_ms: float
    heap_mb: float
    task_ms: float


def heap_bytes(context, page) -> int:
    """JS heap used by the page and its workers, after a garbage collection in each."""
    cdp = context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    total = cdp.send("Runtime.getHeapUsage")["usedSize"]
    workers, replies = [], {}
    cdp.on("Target.attachedToTarget", lambda e: workers.append(e["sessionId"]))
    cdp.on("Target.receivedMessageFromTarget",
           lambda e: replies.setdefault(e["sessionId"], []).append(json.loads(e["message"])))
    cdp.send("Target.setAutoAttach",
             {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": False})
    expected = len(page.workers)
    deadline = time.monotonic() + 10
    while len(workers) < expected and time.monotonic() < deadline:
        page.wait_for_timeout(20)
    for session in workers:
        for i, method in enumerate(("HeapProfiler.collectGarbage", "Runtime.getHeapUsage")):
            cdp.send("Target.sendMessageToTarget", {
                "sessionId": session, "message": json.dumps({"id": i + 1, "method": method})})
    for session in workers:
        while time.monotonic() < deadline:
            usage = [r for r in replies.get(session, []) if r.get("id") == 2]
            if usage:
                total += usage[0]["result"]["usedSize"]
                break
            page.wait_for_timeout(20)
    cdp.detach()
    return total


def one_query(browser, base: str, path: str, traffic: Traffic, engine: Engine, query: str,
              key_delay: int) -> Sample:
    context = browser.new_context()
    try:
        context.add_init_script(RECORDER)
        page = context.new_page()
        page.goto(base + path)
        page.wait_for_load_state("load")
        if engine.setup:
            page.evaluate(engine.setup, base + "pagefind/")
        traffic.wait_quiet(0.2)
        mark = traffic.mark()
        page.evaluate(WATCH, [engine.results, query])
        box = page.locator(engine.box)
        box.click()
        box.press_sequentially(query, delay=key_delay)
        try:
            page.wait_for_function("() => __bench.shown !== null", timeout=120_000)
        except Exception as error:  # say which query, and what the page showed
            shown = page.locator(engine.results).evaluate("n => n.outerHTML")[:300]
            raise SystemExit(f"{engine.name}, {query!r}: no answer ({error}); {shown}") from None
        traffic.wait_quiet()
        sent = sum(size for _, size in traffic.since(mark))
        bench = page.evaluate("__bench")
        if engine is SITEGEN:  # "12 results", "No results for …"
            status = page.locator(".search-status").inner_text()
            found = re.search(r"([\d,]+) results?\b", status)
            hits = int(found.group(1).replace(",", "")) if found else 0
        else:
            hits = int(bench["total"])
        tasks = [d for start, d in bench["tasks"] if start + d >= bench["focus"]]
        return Sample(hits=hits, kb=sent / 1024, first_ms=bench["shown"] - bench["keys"][-1],
                      focus_ms=bench["shown"] - bench["focus"],
                      heap_mb=heap_bytes(context, page) / 2**20,
                      task_ms=max(tasks, default=0.0))
    finally:
        context.close()


def measure(site: Path, queries: tuple[str, ...], runs: int, key_delay: int
            ) -> dict[tuple[str, str], list[Sample]]:
    from playwright.sync_api import sync_playwright

    page_path = "papers/" + sorted(p.name for p in (site / "papers").iterdir()
                                   if (p / "index.html").is_file())[0] + "/"
    server, traffic, base = serve(site)
    samples: dict[tuple[str, str], list[Sample]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update",
                      "--disable-sync"])
            for _ in range(runs):  # runs interleaved: both engines see the same load
                for query in queries:
                    for engine in (SITEGEN, PAGEFIND):
                        samples.setdefault((query, engine.name), []).append(one_query(
                            browser, base, page_path, traffic, engine, query, key_delay))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return samples


# ---------------------------------------------------------------- the whole run

def bench_size(n: int, queries: tuple[str, ...], runs: int, key_delay: int) -> dict:
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=scratch, prefix="bench-search-") as tmp:
        root = Path(tmp) / "review"
        make_review(root, n)
        wall, search_s = build_sitegen(root)
        site = root / "_site"
        sitegen_bytes = folder_bytes(site)  # before Pagefind adds its folder
        pagefind_s = build_pagefind(site)
        print(f"{n:,} papers built", file=sys.stderr)
        samples = measure(site, queries, runs, key_delay)
        return {"papers": n, "build": wall, "search": search_s, "site": sitegen_bytes,
                "pagefind": pagefind_s,
                "pagefind_files": folder_bytes(site / "pagefind"), "samples": samples}


def _mb(size: float) -> str:
    return f"{size / 2**20:,.1f} MB"


def _pair(values: list[float | None], fmt: str) -> str:
    return " / ".join("–" if v is None else format(v, fmt) for v in values)


def _task(ms: float) -> str:
    return f"{ms:.0f}" if ms else "<50"  # the Long Tasks API reports 50 ms and more


def report(rows: list[dict], queries: tuple[str, ...], runs: int) -> str:
    lines = [f"Median of {runs} cold run(s) per cell; each cell: sitegen / Pagefind.", "",
             "| papers | query | hits | KB gzip | first result (ms) | from focus (ms)"
             " | heap (MB) | longest task (ms) |", "|" + "---|" * 8]
    for row in rows:
        columns = {name: [] for name in ("kb", "first_ms", "heap_mb")}
        for query in queries:
            cells = []
            for engine in ("sitegen", "Pagefind"):
                got = row["samples"][(query, engine)]
                cells.append({key: statistics.median(getattr(s, key) for s in got)
                              for key in ("kb", "first_ms", "focus_ms", "heap_mb", "task_ms")}
                             | {"hits": got[0].hits})
            for key in columns:
                columns[key].append([c[key] for c in cells])
            lines.append(
                f"| {row['papers']:,} | {query} | {_pair([c['hits'] for c in cells], ',')}"
                f" | {_pair([c['kb'] for c in cells], ',.0f')}"
                f" | {_pair([c['first_ms'] for c in cells], ',.0f')}"
                f" | {_pair([c['focus_ms'] for c in cells], ',.0f')}"
                f" | {_pair([c['heap_mb'] for c in cells], '.1f')}"
                f" | {' / '.join(_task(c['task_ms']) for c in cells)} |")
        medians = {key: [statistics.median(v[i] for v in values) for i in (0, 1)]
                   for key, values in columns.items()}
        lines.append(f"| {row['papers']:,} | **median** | | {_pair(medians['kb'], ',.0f')}"
                     f" | {_pair(medians['first_ms'], ',.0f')} | |"
                     f" {_pair(medians['heap_mb'], '.1f')} | |")
    lines += ["", "| papers | sitegen build | its search stage | site | Pagefind index"
              " | its files |", "|" + "---|" * 6]
    for row in rows:
        lines.append(f"| {row['papers']:,} | {row['build']:.1f} s | {row['search']:.2f} s"
                     f" | {_mb(row['site'])} | {row['pagefind']:.2f} s"
                     f" | {_mb(row['pagefind_files'])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[5000],
                        help="papers per synthetic review (default: 5000; 50000 takes long)")
    parser.add_argument("--runs", type=int, default=3,
                        help="cold runs per query and engine, median kept (default: 3)")
    parser.add_argument("--key-delay", type=int, default=60,
                        help="ms between keystrokes (default: 60)")
    parser.add_argument("--query", action="append", dest="queries",
                        help="a query to time (repeatable; default: the issue's seven)")
    args = parser.parse_args(argv)
    queries = tuple(args.queries or QUERIES)
    rows = [bench_size(n, queries, args.runs, args.key_delay) for n in args.sizes]
    print(report(rows, queries, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
