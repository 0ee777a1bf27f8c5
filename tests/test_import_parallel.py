"""The import on two processes gives what it gives on one: pages, report, store, cache."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from sitegen import importer
from sitegen.cache import BuildCache, PageStore
from sitegen.config import load_config
from sitegen.errors import SourceError

from .test_importer import OGEN, add_dump, edit, front, newer_ogen_dump, snapshot


def outcome(root: Path, parallel: bool, monkeypatch) -> dict:
    """Everything an import leaves behind, and which processes parsed dumps and rewrote
    pages (a child shows up as another pid)."""
    monkeypatch.setattr(importer, "PARALLEL_FROM", 0 if parallel else 10**9)
    monkeypatch.setattr(importer, "REWRITE_PARALLEL_FROM", 2 if parallel else 10**9)
    pids = root / "pids"
    pids.write_text("")

    def noting(fn, what):
        def wrapper(*args):
            with pids.open("a") as f:
                f.write(f"{what} {os.getpid()}\n")
            return fn(*args)
        return wrapper

    monkeypatch.setattr(importer, "_parse_dumps", noting(importer._parse_dumps, "dumps"))
    monkeypatch.setattr(importer, "_rewrite", noting(importer._rewrite, "rewrite"))
    store = PageStore(BuildCache(root / ".sitegen-cache"))
    report = importer.import_dumps(load_config(root / "config.yml"), store)
    cache = root / ".sitegen-cache"
    return {
        "report": (report.lines(), report.problems, report.dumps, report.papers,
                   report.written, report.unchanged),
        "pages": snapshot(root / "content" / "papers"),
        "seen": list(store.seen.items()),
        # Values, not bytes: a pickle shares a string it meets twice, and strings from the
        # child are other objects than equal ones of the parent.
        "cache": {p.name: pickle.loads(p.read_bytes()) for p in sorted(cache.glob("*.pickle"))},
        "others": {line.split()[0] for line in pids.read_text().splitlines()
                   if int(line.split()[1]) != os.getpid()},
    }


def both_ways(root: Path, monkeypatch, tmp_path: Path) -> tuple[dict, dict]:
    """The same import from the same files, on one process and on two."""
    saved = tmp_path / "saved"
    shutil.copytree(root, saved, symlinks=True)
    serial = outcome(root, False, monkeypatch)
    shutil.rmtree(root)
    shutil.copytree(saved, root, symlinks=True)
    shutil.rmtree(saved)
    return serial, outcome(root, True, monkeypatch)


def same(serial: dict, parallel: dict, children: set[str]) -> None:
    assert serial["others"] == set()
    assert parallel["others"] == children  # the work did go to a second process
    for key in ("report", "pages", "seen", "cache"):
        assert parallel[key] == serial[key], key


def test_full_import_on_two_processes_gives_the_same_pages_report_and_store(
        imported, monkeypatch, tmp_path):
    # A review whose pages exist but whose cache does not (a fresh CI clone), with new
    # papers, changed papers (a dump seen before under another name, a newer upvote count),
    # a curator's edit, and the order of warnings to keep.
    dumps = imported / "content" / "dumps"
    add_dump(imported, "004_again.txt",
             (dumps / "003_2e1a8a6ed9af9c8c.txt").read_text(encoding="utf-8"))
    add_dump(imported, "005_newer.txt", newer_ogen_dump(upvotes=42))
    (dumps / "002_binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    papers = imported / "content" / "papers"
    edit(papers / f"{OGEN}.md", tags=["hand-picked"])
    for path in sorted(papers.glob("*.md"))[:20]:
        path.unlink()  # imported again as new pages
    broken = sorted(papers.glob("*.md"))[5]
    broken.write_text(broken.read_text(encoding="utf-8").replace("title:", "title: [x", 1),
                      encoding="utf-8")
    keys = {path.name: front(path)["imported"]["key"] for path in papers.glob("*.md")
            if path != broken}
    serial, parallel = both_ways(imported, monkeypatch, tmp_path)
    same(serial, parallel, {"dumps", "rewrite"})
    # Each rewritten page is still its own paper's (the halves were put back in order).
    assert {name: front(papers / name)["imported"]["key"] for name in keys} == keys
    report = parallel["report"]
    # New pages and rewritten ones, so both kinds of writes are exercised.
    assert sum(d.new for d in report[2]) == 20 and sum(d.updated for d in report[2]) > 30
    messages = [str(p) for p in report[1]]
    assert messages[0].startswith("002_binary.txt: binary data")  # from the child, first
    assert any(m.startswith(f"{broken}:") and "not updated" in m for m in messages)
    assert all("\n" not in m for m in messages)


def test_fresh_clone_with_nothing_to_change_saves_the_same_store(imported, monkeypatch,
                                                                  tmp_path):
    # Nothing is written: the store saved while the child works is the one kept.
    serial, parallel = both_ways(imported, monkeypatch, tmp_path)
    same(serial, parallel, {"dumps"})
    assert parallel["report"][4:] == (0, 237)
    assert len(parallel["cache"]["pages.pickle"][1]) == 237


def test_dump_import_with_the_cache_gives_the_same_pages(imported, monkeypatch, tmp_path):
    importer.import_dumps(load_config(imported / "config.yml"))  # the cache
    dumps = imported / "content" / "dumps"
    add_dump(imported, "004_again.txt",
             (dumps / "001_656ca8ac3a07a669.txt").read_text(encoding="utf-8"))
    serial, parallel = both_ways(imported, monkeypatch, tmp_path)
    same(serial, parallel, {"rewrite"})  # the dumps' side is small: read here
    assert parallel["report"][4] == 77


def test_an_error_in_the_child_is_raised_here_in_one_line_naming_the_file(
        imported, monkeypatch):
    monkeypatch.setattr(importer, "PARALLEL_FROM", 0)
    tried = imported / "tried"
    tried.write_text("")

    def failing(path, captured=None, raw=None):
        with tried.open("a") as f:
            f.write(f"{os.getpid()}\n")
        raise SourceError(path, "cannot parse", 3)

    monkeypatch.setattr(importer, "read_dump", failing)
    with pytest.raises(SourceError) as caught:
        importer.import_dumps(load_config(imported / "config.yml"))
    # The child failed; this process ran it again to raise the error with its type.
    assert [int(pid) == os.getpid() for pid in tried.read_text().split()] == [False, True]
    dump = imported / "content" / "dumps" / "000_58fe2e8e9ad99316.txt"
    assert str(caught.value) == f"{dump}:3: cannot parse"
