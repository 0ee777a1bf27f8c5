"""bench/bench_search.py runs end to end on a small review: both engines answer in Chromium,
through the network, and the table says so. Needs the bench extra (Pagefind)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import CHROMIUM

REPO = Path(__file__).resolve().parent.parent


def test_the_benchmark_measures_sitegen_and_pagefind_side_by_side():
    # Pagefind comes with the test extra and Chromium with ./dev.sh test: no skipping.
    assert importlib.util.find_spec("pagefind"), "pip install -e '.[test]' installs Pagefind"
    assert Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (./dev.sh test installs it)"
    # Its own process: Playwright's sync API runs once per thread, and the tests' browser
    # may be running.
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench_search.py"), "60",
                           "--runs", "1", "--query", "grokking", "--query", "zzyzxq"],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    table = done.stdout
    row = re.search(r"^\| 60 \| grokking \| (\d+) / (\d+) \| ([\d,]+) / ([\d,]+) \| (\d+) / (\d+)"
                    r" \| [\d,]+ / [\d,]+ \| ([\d.]+) / ([\d.]+) \|", table, re.M)
    assert row, table
    hits, kb, ms, heap = (tuple(map(lambda v: float(v.replace(",", "")), row.groups()[i:i + 2]))
                          for i in (0, 2, 4, 6))
    assert min(hits) > 0 and min(kb) > 10 and min(ms) > 0 and min(heap) > 0.5
    # A query nothing matches still gets its answer timed, with no hits.
    assert re.search(r"^\| 60 \| zzyzxq \| 0 / 0 \|", table, re.M), table
    assert re.search(r"^\| 60 \| [\d.]+ s \| [\d.]+ s \| [\d.]+ MB \| [\d.]+ s \| [\d.]+ MB \|",
                     table, re.M), table
