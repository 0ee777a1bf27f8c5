"""`sitegen enrich` against a local stand-in for Hugging Face's paper search API: exact
title matches only, curator values kept, answers cached, 429 backed off, network errors
reported in one line with nothing written, and never run by `build`."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from sitegen import enrich as enrich_module
from sitegen import paper_files
from sitegen.config import load_config
from sitegen.enrich import Searcher, enrich
from sitegen.errors import SitegenError
from sitegen.importer import import_dumps
from sitegen.model import Paper

OGEN = "overcoming-the-pitfalls-of-vision-language-model-finetuning-for-ood"
OGEN_TITLE = "Overcoming the Pitfalls of Vision-Language Model Finetuning for OOD Generalization"
SHARPNESS = "a-modern-look-at-the-relationship-between-sharpness-and-generalization"
SHARP_TITLE = "A Modern Look at the Relationship between Sharpness and Generalization"
OGEN_NAMES = ["Yuhang Zang", "Hanlin Goh", "Josh Susskind", "Chen Huang"]


def result(arxiv: str, title: str, names=("Ada Lovelace",)) -> dict:
    """One search result, shaped as the API answers: the hydration data's `paper` object."""
    return {"paper": {"id": arxiv, "title": title, "summary": "An abstract.\nWrapped.",
                      "authors": [{"_id": str(i), "name": n, "hidden": False}
                                  for i, n in enumerate(names)],
                      "publishedAt": "2024-01-29T09:00:00.000Z", "upvotes": 3},
            "title": title, "numComments": 0, "isAuthorParticipating": False}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        parts = urlsplit(self.path)
        query = parse_qs(parts.query).get("q", [""])[0]
        self.server.hits.append(query)
        queue = self.server.routes.get(query) if parts.path == "/api/papers/search" else None
        status, headers, body = queue.pop(0) if queue else (200, {}, [])
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def hub():
    """A local search API: `hub.routes[q]` is a queue of (status, headers, body) answers
    (default: an empty list of results); `hub.hits` the queries asked, in order."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.routes, server.hits = {}, []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(enrich_module, "PAUSE", 0)


def run(root: Path, hub, waits: list | None = None, **options):
    config = load_config(root / "config.yml")
    waits = [] if waits is None else waits
    searcher = Searcher(hub.url, root / ".sitegen-cache" / "enrich.json", sleep=waits.append)
    return enrich(config, searcher=searcher, **options)


def test_exact_title_matches_gain_id_and_names_and_nothing_else_changes(imported, hub, quick):
    papers = imported / "content" / "papers"
    hub.routes[OGEN_TITLE] = [(200, {}, [
        result("2401.00001", "Overcoming the Pitfalls of Vision Language Models"),
        result("2401.15914", OGEN_TITLE.upper() + ".", OGEN_NAMES)])]
    hub.routes[SHARP_TITLE] = [(429, {"Retry-After": "2"}, {"error": "slow down"}),
                               (200, {}, [result("2302.07011", SHARP_TITLE,
                                                 ["Maksym Andriushchenko"])])]
    before = snapshot(papers)
    waits: list[float] = []
    report = run(imported, hub, waits)
    assert waits == [2.0]  # the Retry-After, once
    assert report.looked_up == 237 and report.asked == 237
    assert sorted(p.name for p, _, _ in report.matched) == sorted([f"{OGEN}.md",
                                                                   f"{SHARPNESS}.md"])
    assert report.written == 2 and len(report.unmatched) == 235
    after = snapshot(papers)
    assert {n for n in after if after[n] != before[n]} == {f"{OGEN}.md", f"{SHARPNESS}.md"}
    old, new = before[f"{OGEN}.md"].decode(), after[f"{OGEN}.md"].decode()
    assert new == old.replace("\nauthors: 4\n", "\nauthors: [Yuhang Zang, Hanlin Goh, "
                              "Josh Susskind, Chen Huang]\n").replace(
        "\nimported:\n", "\narxiv: '2401.15914'\nimported:\n")  # what git diff shows
    paper, _ = paper_files.read_page(papers / f"{OGEN}.md")
    assert (paper.arxiv, list(paper.authors)) == ("2401.15914", OGEN_NAMES)

    asked = len(hub.hits)
    again = run(imported, hub)  # every answer is cached: nothing is asked again
    assert (again.looked_up, again.asked, again.written, len(hub.hits)) == (235, 0, 0, asked)
    assert snapshot(papers) == after
    import_dumps(load_config(imported / "config.yml"))  # the importer keeps what enrich wrote
    assert snapshot(papers) == after


def test_curator_values_are_never_replaced(imported, hub, quick):
    path = imported / "content" / "papers" / f"{OGEN}.md"
    path.write_text(path.read_text().replace("\nauthors: 4\n", "\nauthors: [Me Myself]\n"))
    hub.routes[OGEN_TITLE] = [(200, {}, [result("2401.15914", OGEN_TITLE, OGEN_NAMES)])]
    run(imported, hub)
    paper, _ = paper_files.read_page(path)
    assert (paper.arxiv, paper.authors) == ("2401.15914", ("Me Myself",))


def test_ambiguous_and_dry_runs_write_nothing(imported, hub, quick):
    papers = imported / "content" / "papers"
    hub.routes[OGEN_TITLE] = [(200, {}, [result("2401.15914", OGEN_TITLE),
                                         result("2402.00002", OGEN_TITLE)])]
    hub.routes[SHARP_TITLE] = [(200, {}, [result("2302.07011", SHARP_TITLE)])]
    before = snapshot(papers)
    report = run(imported, hub, dry_run=True)
    assert snapshot(papers) == before and report.written == 0
    assert [p.name for p, _, _ in report.matched] == [f"{SHARPNESS}.md"]
    why = dict(report.unmatched)[papers / f"{OGEN}.md"]
    assert why.startswith("2 papers have this title (2401.15914, 2402.00002)")


def test_busy_server_is_retried_a_bounded_number_of_times(tmp_path, hub):
    hub.routes["T"] = [(429, {}, {})] * 10
    waits: list[float] = []
    searcher = Searcher(hub.url, tmp_path / "enrich.json", sleep=waits.append)
    with pytest.raises(SitegenError, match=r"HTTP 429 .*nothing written"):
        searcher.search("T")
    assert waits == [2.0, 4.0, 8.0] and len(hub.hits) == 4
    hub.routes["U"] = [(429, {"Retry-After": "3600"}, {})]
    with pytest.raises(SitegenError, match="rate limited for 3600 s"):
        searcher.search("U")


def small_review(project: Path) -> Path:
    """The example project with two hand-made pages and no dumps."""
    for dump in (project / "content" / "dumps").iterdir():
        dump.unlink()
    for slug, title in (("ogen", OGEN_TITLE), ("other", "A Paper Nobody Indexed")):
        (project / "content" / "papers" / f"{slug}.md").write_text(
            paper_files.new_page(Paper(slug, title, "Abstract.", author_count=4, tags=("t",))))
    return project


def sitegen(root: Path, *args, env=None):
    import os

    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=root, text=True,
                          capture_output=True, timeout=120, env={**os.environ, **(env or {})})


def test_command_writes_matches_and_reports_the_rest(project, hub):
    root = small_review(project)
    hub.routes[OGEN_TITLE] = [(200, {}, [result("2401.15914", OGEN_TITLE, OGEN_NAMES)])]
    done = sitegen(root, "enrich", "--api-url", hub.url)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "content/papers/ogen.md: arXiv 2401.15914, 4 author names" in lines
    assert any(ln.startswith("warning: content/papers/other.md: no result with this exact "
                             "title among 0") for ln in lines)
    assert lines[-1].startswith("2 papers without an id looked up (2 asked, 0 from the cache)")
    assert paper_files.read_page(root / "content/papers/ogen.md")[0].arxiv == "2401.15914"


def test_network_error_is_one_line_exit_2_and_nothing_written(project):
    root = small_review(project)
    before = snapshot(root / "content" / "papers")
    done = sitegen(root, "enrich", env={"SITEGEN_HF_URL": "http://127.0.0.1:9"})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: http://127.0.0.1:9/api/papers/search?q=")
    assert "cannot reach Hugging Face" in done.stderr and "nothing written" in done.stderr
    assert snapshot(root / "content" / "papers") == before


def test_build_never_asks_the_network(project, hub):
    from sitegen.build import build_site

    root = small_review(project)
    import os

    os.environ["SITEGEN_HF_URL"] = hub.url
    try:
        assert build_site(load_config(root / "config.yml")) == 0
    finally:
        del os.environ["SITEGEN_HF_URL"]
    assert hub.hits == []
