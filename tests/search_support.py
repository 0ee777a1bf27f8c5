"""Helpers for the search tests: the example papers, and lunr.js run in Node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from sitegen import search, urls
from sitegen.config import Config
from sitegen.model import Paper, Site, Tag, slugify

REPO = Path(__file__).resolve().parent.parent
JS = REPO / "tests" / "js"
sys.path.insert(0, str(REPO / "bench"))

import bench_search  # noqa: E402, F401  (bench/bench_search.py: plain lunr.py baseline)
import synth  # noqa: E402  (bench/synth.py: example papers, synthetic papers)


@lru_cache(maxsize=1)
def example_site() -> Site:
    """The example dumps imported by sitegen's importer, loaded as the build loads them."""
    return synth.example_site()


def example_papers() -> tuple[Paper, ...]:
    return example_site().papers


def site_of(papers: tuple[Paper, ...] | list[Paper]) -> Site:
    """A Site of these papers, tagged as sitegen.site tags them."""
    slugs = sorted({slugify(t) for p in papers for t in p.tags})
    tags = tuple(Tag(slug=s, name=s.replace("-", " ").capitalize(),
                     papers=tuple(p for p in papers if s in map(slugify, p.tags))) for s in slugs)
    return Site(papers=tuple(papers), tags=tags, pages=())


def _missing(message: str) -> None:
    if os.environ.get("CI") or os.environ.get("SITEGEN_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def node(script: str, request: dict) -> dict:
    """Run tests/js/<script> with `request` as JSON on stdin; its JSON answer."""
    if not shutil.which("node"):
        _missing("node not found (apt-get install nodejs npm)")
    if not (REPO / "node_modules" / "lunr").is_dir():
        _missing("node_modules/lunr not found (run npm ci)")
    done = subprocess.run(["node", str(JS / script)], input=json.dumps(request),
                          capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def write_search(site, folder: Path) -> search.SearchFiles:
    """The search files as the build writes them: the data files and search/manifest.json."""
    files = search.search_files(site, Config(root=REPO))
    for path, data in files.shards.paths().items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    (folder / "search").mkdir(exist_ok=True)
    (folder / urls.SEARCH_MANIFEST).write_bytes(
        files.manifest({search.ENGINE: "assets/search-index.js"}))
    return files
