"""Search benchmark: index build time, index size, time to first result in Chromium.

    .venv/bin/python bench/bench_search.py                 # 1k, 5k and 10k synthetic papers
    .venv/bin/python bench/bench_search.py 5000 --no-browser --baseline 5000

For each size it prints: the time search_assets() takes to write the index and the result
records (best of --repeat), and again with a memo an earlier build filled (only the scores and
the JSON left to do); plain lunr.py's time for the identical index (lunr.py's Builder running
the same lunr.js pipeline functions, unmemoised) and whether both indexes are byte-identical;
the bytes of the index and of the result records (raw and gzipped); and in Chromium the time
from focusing the search box to the first result on screen (worker start, fetches, index
load, query), then a second query once loaded. Figures, not assertions: timings depend on the
machine.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from functools import cache, partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from lunr.builder import Builder  # noqa: E402
from lunr.pipeline import Pipeline  # noqa: E402
from lunr.stemmer import stemmer as lunrpy_stemmer  # noqa: E402
from synth import synthetic_papers  # noqa: E402

from sitegen import lunrjs, search  # noqa: E402
from sitegen.config import Config  # noqa: E402
from sitegen.model import Site, Tag  # noqa: E402

ASSETS = REPO / "themes" / "default" / "assets"
PREFIX = "/bench/site/"  # served under a sub-path, as a project site is


# ---------------------------------------------------------------- plain lunr.py baseline

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


# ---------------------------------------------------------------- measurements

def synthetic_site(n: int) -> Site:
    papers = synthetic_papers(n)
    slugs = sorted({t for p in papers for t in p.tags})
    tags = tuple(Tag(slug=s, name=s.replace("-", " ").capitalize()) for s in slugs)
    return Site(papers=tuple(papers), tags=tags, pages=())


def timed(fn, *args, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def _kb(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size < 10 * 1024 * 1024 else f"{size / 2**20:,.1f} MB"


HARNESS = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<link rel="stylesheet" href="assets/search.css"></head><body>
<form class="search-box" role="search" action="search/" method="get" data-search-box
 data-root="./" data-lunr="assets/lunr.js" data-index="assets/search-index.json"
 data-docs="assets/search-docs.json" data-worker="assets/search-worker.js">
<input type="search" name="q" aria-label="Search papers" autocomplete="off">
<div class="search-panel" hidden><p class="search-status" role="status"></p>
<ul class="search-results"></ul></div></form>
<script src="assets/search.js" defer></script></body></html>"""


def write_harness(folder: Path, assets: dict[str, bytes]) -> None:
    (folder / "assets").mkdir(parents=True)
    for name, data in assets.items():
        (folder / "assets" / name).write_bytes(data)
    for name in ("search.js", "search-worker.js", "search.css"):
        shutil.copy(ASSETS / name, folder / "assets" / name)
    (folder / "index.html").write_text(HARNESS, encoding="utf-8")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        inner = path[len(PREFIX):] if path.startswith(PREFIX) else "__outside__"
        return super().translate_path("/" + inner)

    def log_message(self, *args) -> None:
        pass


def browser_times(folder: Path, queries: list[str], runs: int = 3) -> tuple[float, float]:
    """Median ms from focusing the box to the first result (cold), and for a further query."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    cold, warm = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--no-sandbox", "--disable-gpu"])
            for run in range(runs):
                page = browser.new_context().new_page()
                page.goto(url)
                page.wait_for_load_state("load")
                for label, query, out in (("cold", queries[run % len(queries)], cold),
                                          ("warm", queries[(run + 1) % len(queries)], warm)):
                    page.evaluate("window.__t0 = performance.now()")
                    box = page.locator("input[name=q]")
                    box.focus()
                    box.fill(query)
                    page.wait_for_function(
                        "q => { const s = document.querySelector('.search-status');"
                        " return s && s.textContent && !document.querySelector('.search-panel')"
                        ".hidden && document.querySelector('input[name=q]').value === q"
                        " && document.querySelector('.search-hit') }", arg=query, timeout=120000)
                    ms = page.evaluate("performance.now() - window.__t0")
                    out.append(ms)
                    if label == "cold":
                        box.fill("")
                        page.wait_for_timeout(300)
                page.context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return statistics.median(cold), statistics.median(warm)


def bench(n: int, baseline: bool, browser: bool, repeat: int) -> dict:
    site = synthetic_site(n)
    config = Config(root=REPO)
    row: dict = {"papers": n}
    row["files"], assets = timed(search.search_assets, site, config, repeat=repeat)
    memo: dict = {}
    search.search_assets(site, config, memo)
    row["memo"], again = timed(search.search_assets, site, config, memo, repeat=repeat)
    assert again == assets
    index_bytes, docs_bytes = assets["search-index.json"], assets["search-docs.json"]
    index = json.loads(index_bytes)
    row["index"] = (len(index_bytes), len(gzip.compress(index_bytes)))
    row["docs"] = (len(docs_bytes), len(gzip.compress(docs_bytes)))
    row["terms"] = len(index["invertedIndex"])
    if baseline:
        docs, _ = search.documents(site)
        plain_s, plain = timed(lambda: lunrpy_index(docs, search.FIELDS, search.PIPELINE),
                               repeat=repeat)
        row["lunrpy"] = plain_s
        row["identical"] = search.dumps(plain) == search.dumps(index)  # sorted: key order aside
    if browser:
        with tempfile.TemporaryDirectory() as tmp:
            write_harness(Path(tmp), assets)
            row["first_result"], row["next_result"] = browser_times(
                Path(tmp), ["generalization", "diffusion models", "grokking", "reasoning llm"])
    return row


def report(rows: list[dict]) -> str:
    lines = ["| papers | terms | search files | with memo | plain lunr.py | speed-up | identical"
             " | index raw / gzip | records raw / gzip | first result | next result |",
             "|" + "---|" * 11]
    for r in rows:
        plain = f"{r['lunrpy']:.2f} s" if "lunrpy" in r else "–"
        speed = f"{r['lunrpy'] / r['files']:.1f}×" if "lunrpy" in r else "–"
        same = {True: "yes", False: "NO"}.get(r.get("identical"), "–")
        first = f"{r['first_result']:.0f} ms" if "first_result" in r else "–"
        nxt = f"{r['next_result']:.0f} ms" if "next_result" in r else "–"
        lines.append(
            f"| {r['papers']:,} | {r['terms']:,} | {r['files']:.2f} s | {r['memo']:.2f} s"
            f" | {plain} | {speed} | {same} | {_kb(r['index'][0])} / {_kb(r['index'][1])}"
            f" | {_kb(r['docs'][0])} / {_kb(r['docs'][1])} | {first} | {nxt} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 5000, 10000])
    parser.add_argument("--baseline", nargs="*", type=int, default=None,
                        help="sizes to time plain lunr.py on (default: all)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    parser.add_argument("--repeat", type=int, default=2,
                        help="time each build this many times, keep the best (default: 2)")
    args = parser.parse_args(argv)
    baseline = set(args.sizes if args.baseline is None else args.baseline)
    rows = []
    for n in args.sizes:
        rows.append(bench(n, n in baseline, not args.no_browser, args.repeat))
        print(f"{n} papers done", file=sys.stderr)
    print(report(rows))
    return 0 if all(r.get("identical", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
