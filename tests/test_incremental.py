"""Incremental builds: after every kind of change, the output equals a clean full build."""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from sitegen import paper_files
from sitegen.build import build_site
from sitegen.cli import main
from sitegen.config import load_config

NEW_DUMP = """Daily Papers

Grokking Beyond the Edge: A Fresh Look at Delayed Generalization

We revisit grokking, the delayed generalization of networks trained long past overfitting,
and show when it appears on modular arithmetic. Experiments cover many settings and seeds.

  • 3 authors
·
Mar 3, 2025 12
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def clean_build(project: Path, scratch: Path) -> dict[str, bytes]:
    """The same review built from scratch elsewhere: no cache, no previous output."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(project, scratch, symlinks=True,
                    ignore=shutil.ignore_patterns("_site", ".sitegen-cache"))
    assert build_site(load_config(scratch / "config.yml")) == 0
    return tree(scratch / "_site")


def edit_front_matter(path: Path, **changes) -> None:
    import yaml

    meta, body, _ = paper_files.split_front_matter(path.read_text(encoding="utf-8"), path)
    meta.update(changes)
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
                    + "---\n" + body, encoding="utf-8")


def test_incremental_builds_equal_clean_builds_across_changes(imported, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    config_path = imported / "config.yml"
    papers = imported / "content" / "papers"
    rare = "federated-learning"  # two example papers: removing it removes its tag page

    # The site overrides tag.html from the start; the "changed template" step edits it.
    overrides = imported / "overrides" / "templates"
    overrides.mkdir(parents=True)
    tag_html = (Path(__file__).resolve().parent.parent / "themes" / "default" / "templates"
                / "tag.html").read_text(encoding="utf-8")
    (overrides / "tag.html").write_text(tag_html)
    item_html = (Path(__file__).resolve().parent.parent / "themes" / "default" / "templates"
                 / "partials" / "paper_item.html").read_text(encoding="utf-8")
    config_path.write_text(config_path.read_text() + "\ntheme_overrides: overrides\n")

    def change_template():
        (overrides / "tag.html").write_text(tag_html.replace(
            "{% block content %}", "{% block content %}<!-- v2 -->", 1))

    def remove_tag():
        for path in papers.glob("*.md"):
            paper, _ = paper_files.read_page(path)
            if rare in paper.tags:
                edit_front_matter(path, tags=[t for t in paper.tags if t != rare])

    steps = [
        ("nothing", lambda: None),
        ("new dump", lambda: (imported / "content" / "dumps" / "004_new.txt").write_text(
            NEW_DUMP, encoding="utf-8")),
        ("edited page", lambda: edit_front_matter(
            next(iter(sorted(papers.glob("*.md")))), title="A Corrected Title", status="read")),
        ("removed tag", remove_tag),
        # Paper pages show tag names: a new label must reach every page of the tag.
        ("renamed tag", lambda: config_path.write_text(config_path.read_text().replace(
            "learning-theory: Learning theory", "learning-theory: Theory of Learning"))),
        ("changed template", change_template),
        ("changed list item", lambda: (overrides / "partials").mkdir() or (
            overrides / "partials" / "paper_item.html").write_text(
                item_html.replace('class="paper-item"', 'class="paper-item v2"'))),
        ("changed config", lambda: config_path.write_text(
            config_path.read_text().replace("title: Generalization in Deep Learning",
                                            "title: Generalization, Revisited"))),
        ("deleted output file", lambda: next((imported / "_site" / "papers").rglob(
            "index.html")).unlink()),
        # CI restores the cache but never the output: every page comes from the cache.
        ("output folder gone", lambda: shutil.rmtree(imported / "_site")),
    ]
    assert build_site(load_config(config_path)) == 0
    for name, change in steps:
        change()
        caplog.clear()
        assert build_site(load_config(config_path)) == 0, name
        assert tree(imported / "_site") == clean_build(imported, tmp_path / "clean"), name
        if name == "nothing":
            assert "is up to date" in caplog.text
        elif name == "output folder gone":
            assert re.search(r"(\d+) pages \(.*; \1 pages unchanged", caplog.text)
        elif name in ("new dump", "edited page", "removed tag", "changed template"):
            reused = int(re.search(r"(\d+) pages unchanged", caplog.text).group(1))
            assert reused > 150, f"{name}: only {reused} pages reused"
    assert not (imported / "_site" / "tags" / rare).exists()
    tagged = [p.read_text() for p in (imported / "_site" / "papers").rglob("index.html")
              if "tags/learning-theory/" in p.read_text()]
    assert tagged and all(">Theory of Learning<" in page for page in tagged)
    assert 'class="paper-item v2"' in (imported / "_site" / "index.html").read_text()
    assert "<!-- v2 -->" in (imported / "_site" / "tags" / "learning-theory" /
                             "index.html").read_text()


def test_an_up_to_date_build_repeats_the_import_warnings_and_strict_still_fails(
        imported, capsys):
    dump = imported / "content" / "dumps" / "005_bad.txt"
    dump.write_text(NEW_DUMP + "\nA lone line of text without its abstract\n", encoding="utf-8")
    config = imported / "config.yml"
    assert main(["build", "-c", str(config)]) == 0
    first = capsys.readouterr().err
    warnings = [line for line in first.splitlines() if line.startswith("warning: 005_bad")]
    assert warnings
    assert main(["build", "-c", str(config), "--strict"]) == 1
    again = capsys.readouterr().err
    assert "is up to date" in again
    assert [line for line in again.splitlines() if line.startswith("warning: 005_bad")] \
        == warnings


def test_an_edit_keeping_size_and_mtime_is_still_seen_when_made_right_after_a_build(
        imported, caplog):
    """Files modified within the clock's resolution of being hashed are hashed again next
    time; only older files are trusted by size and mtime."""
    caplog.set_level(logging.INFO)
    config = load_config(imported / "config.yml")
    page = next(iter(sorted((imported / "content" / "papers").glob("*.md"))))
    page.write_text(page.read_text(encoding="utf-8") + "\nNotes: v1\n", encoding="utf-8")
    assert build_site(config) == 0
    stamp = page.stat().st_mtime_ns
    page.write_text(page.read_text(encoding="utf-8").replace("v1", "v2"), encoding="utf-8")
    os.utime(page, ns=(stamp, stamp))  # same size, same mtime: a change in the same tick
    caplog.clear()
    assert build_site(config) == 0
    assert "is up to date" not in caplog.text
    slug = page.stem
    assert "Notes: v2" in (imported / "_site" / "papers" / slug / "index.html").read_text()


def test_related_papers_are_computed_again_only_when_a_paper_changes(imported, monkeypatch):
    from sitegen import related

    calls = []
    compute = related.related_papers
    monkeypatch.setattr(related, "related_papers",
                        lambda site, **kw: calls.append(1) or compute(site, **kw))
    config_path = imported / "config.yml"
    assert build_site(load_config(config_path)) == 0
    assert len(calls) == 1
    config_path.write_text(config_path.read_text().replace(
        "title: Generalization in Deep Learning", "title: Another Title"))
    assert build_site(load_config(config_path)) == 0
    assert len(calls) == 1  # a config edit: the lists of the last build
    page = next(iter(sorted((imported / "content" / "papers").glob("*.md"))))
    edit_front_matter(page, abstract="A different abstract about grokking.")
    assert build_site(load_config(config_path)) == 0
    assert len(calls) == 2


def test_the_cache_is_one_build_record_and_one_memo_beside_the_pages(imported):
    """Every stage's reused work lives in one memo file, written once per build."""
    import pickle

    config = load_config(imported / "config.yml")
    assert build_site(config) == 0
    cache = imported / ".sitegen-cache"
    assert sorted(p.name for p in cache.iterdir()) == [
        "build.lock", "build.pickle", "html", "memo.pickle", "templates"]
    with open(cache / "memo.pickle", "rb") as file:
        pickle.load(file)  # the stamp of the code that wrote it
        memos = pickle.load(file)
    assert sorted(memos) == ["dumps", "html", "import", "items", "pages", "related", "search",
                             "terms", "views"]
    assert len(memos["views"]) == len(memos["terms"]) == 237
    assert len(list((cache / "html").iterdir())) == len(memos["html"])
