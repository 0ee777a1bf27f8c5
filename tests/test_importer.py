"""`sitegen import` on real example dumps: counts, merging, stability and curator edits."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
import yaml

from sitegen import paper_files
from sitegen.config import load_config
from sitegen.importer import import_dumps
from sitegen.model import UNTAGGED

OGEN = "overcoming-the-pitfalls-of-vision-language-model-finetuning-for-ood"  # 80-char cut
SHARPNESS = "a-modern-look-at-the-relationship-between-sharpness-and-generalization"


def run(root: Path):
    return import_dumps(load_config(root / "config.yml"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def front(path: Path) -> dict:
    return paper_files.split_front_matter(path.read_text(encoding="utf-8"), path)[0]


def edit(path: Path, **changes) -> None:
    """Change front matter keys like a curator would, by rewriting the YAML by hand."""
    text = path.read_text(encoding="utf-8")
    meta, body, _ = paper_files.split_front_matter(text, path)
    for key, value in changes.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
                    + "---\n" + body, encoding="utf-8")


def test_example_import_counts_and_summary(project):
    report = run(project)
    files = sorted((project / "content" / "papers").glob("*.md"))
    assert report.papers == len(files) == 237
    assert [(d.name[:3], d.layout, d.found, d.new, d.merged) for d in report.dumps] == [
        ("000", "flat", 145, 145, 0), ("001", "cards", 77, 71, 6), ("003", "cards", 39, 21, 18)]
    assert report.problems == []
    assert "237 unique papers" in report.lines()[-1]


def test_paper_in_two_dumps_gets_the_richest_record(imported):
    paper, _ = paper_files.read_page(imported / "content" / "papers" / f"{OGEN}.md")
    assert paper.sources == ("001_656ca8ac3a07a669.txt", "003_2e1a8a6ed9af9c8c.txt")
    assert (paper.date, paper.upvotes, paper.author_count) == (dt.date(2024, 1, 29), 1, 4)
    sharp, _ = paper_files.read_page(imported / "content" / "papers" / f"{SHARPNESS}.md")
    assert sharp.links == ("https://github.com/tml-epfl/sharpness-vs-generalization",)


def test_every_page_is_valid_and_verbatim(imported):
    from sitegen.dumps import read_dump

    dumped = {p.title: p.abstract for d in sorted((imported / "content/dumps").iterdir())
              for p in read_dump(d).papers}
    for path in (imported / "content" / "papers").glob("*.md"):
        paper, _ = paper_files.read_page(path)
        assert dumped[paper.title] == paper.abstract
        assert paper.slug.isascii() and paper.slug == path.stem
        assert paper.tags


def test_default_taxonomy_tags_most_papers_and_no_tag_dominates(imported):
    papers = [paper_files.read_page(p)[0] for p in (imported / "content" / "papers").glob("*.md")]
    untagged = sum(1 for p in papers if p.tags == (UNTAGGED,))
    assert untagged <= 0.1 * len(papers)
    counts: dict[str, int] = {}
    for paper in papers:
        for tag in paper.tags:
            counts[tag] = counts.get(tag, 0) + 1
    assert max(counts.values()) <= len(papers) / 2


def test_reimport_with_nothing_new_changes_no_byte(imported):
    folder = imported / "content" / "papers"
    before = snapshot(folder)
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    report = run(imported)
    assert snapshot(folder) == before
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes
    assert (report.written, report.unchanged) == (0, 237)


def test_import_is_deterministic_across_fresh_runs(project, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(project, other, symlinks=True)
    run(project)
    run(other)
    assert snapshot(project / "content/papers") == snapshot(other / "content/papers")


def add_dump(project: Path, name: str, text: str) -> None:
    (project / "content" / "dumps" / name).write_text(text, encoding="utf-8")


OGEN_TITLE = "Overcoming the Pitfalls of Vision-Language Model Finetuning for OOD Generalization"


def newer_ogen_dump(upvotes: int) -> str:
    source = (Path(__file__).resolve().parent.parent / "content" / "dumps" /
              "003_2e1a8a6ed9af9c8c.txt").read_text(encoding="utf-8")
    block = source[source.index(OGEN_TITLE): source.index("Ariadne:")]
    return "Daily Papers\n\n" + block.replace("Jan 29, 2024 1", f"Jan 29, 2024 {upvotes}")


@pytest.mark.parametrize("kind", ["notes", "tag_added", "tag_removed", "title", "abstract",
                                  "status", "hidden", "unknown_key", "rating"])
def test_curator_edits_survive_reimport_while_new_data_arrives(imported, kind):
    path = imported / "content" / "papers" / f"{OGEN}.md"
    original, _ = paper_files.read_page(path)
    if kind == "notes":
        path.write_text(path.read_text(encoding="utf-8") + "\n## My notes\n\nKey *baseline*.\n",
                        encoding="utf-8")
    elif kind == "tag_added":
        edit(path, tags=[*original.tags, "must-read"])
    elif kind == "tag_removed":
        edit(path, tags=list(original.tags[1:]))
    elif kind == "title":
        edit(path, title="Overcoming the Pitfalls of VLM Fine-tuning for OOD Generalization")
    elif kind == "abstract":
        edit(path, abstract="Corrected abstract.")
    elif kind == "status":
        edit(path, status="read")
    elif kind == "hidden":
        edit(path, hidden=True)
    elif kind == "unknown_key":
        edit(path, venue="ICLR 2024", reviewers={"me": "accept"})
    elif kind == "rating":
        edit(path, rating=5)
    edited_text = path.read_text(encoding="utf-8")
    edited, edited_meta = paper_files.read_page(path)

    run(imported)  # nothing new: the edit is untouched, byte for byte
    assert path.read_text(encoding="utf-8") == edited_text

    add_dump(imported, "004_newer.txt", newer_ogen_dump(upvotes=57))
    report = run(imported)
    assert report.problems == []
    after, after_meta = paper_files.read_page(path)
    assert after.upvotes == 57  # the importer still updates what the curator left alone
    assert after.sources[-1] == "004_newer.txt"
    for field in ("title", "abstract", "notes", "status", "hidden", "extra", "rating", "tags"):
        assert getattr(after, field) == getattr(edited, field), field
    assert sorted((imported / "content" / "papers").glob("*.md")) == sorted(
        (imported / "content" / "papers").glob("*.md"))
    assert len(list((imported / "content" / "papers").glob("*.md"))) == 237  # no duplicate page


def test_new_taxonomy_tags_arrive_but_curator_removals_stay(imported):
    path = imported / "content" / "papers" / f"{OGEN}.md"
    original, _ = paper_files.read_page(path)
    removed = original.tags[0]
    edit(path, tags=[*original.tags[1:], "favourite"])
    config = (imported / "config.yml").read_text(encoding="utf-8")
    # strong enough to be among the paper's four strongest: "OOD" is in its title
    config = config.replace("taxonomy:\n", "taxonomy:\n  ogen-family: [OGEN, OOD]\n", 1)
    (imported / "config.yml").write_text(config, encoding="utf-8")
    run(imported)
    after, _ = paper_files.read_page(path)
    assert "ogen-family" in after.tags and "favourite" in after.tags
    assert removed not in after.tags


def test_slug_is_stable_when_title_is_edited_and_similar_titles_arrive(imported):
    path = imported / "content" / "papers" / f"{OGEN}.md"
    edit(path, title="A Completely Different Title")
    add_dump(imported, "004_similar.txt", "Overcoming the Pitfalls of Vision-Language Model "
             "Finetuning for OOD Generalization!\nA different paper that happens to share the "
             "title; its abstract has nothing in common with the first one at all. Really.\n")
    run(imported)
    assert path.exists() and paper_files.read_page(path)[0].title == "A Completely Different Title"
    twin = imported / "content" / "papers" / f"{OGEN}-2.md"
    assert twin.exists()
    assert paper_files.read_page(twin)[0].sources == ("004_similar.txt",)
    before = snapshot(imported / "content" / "papers")
    run(imported)
    assert snapshot(imported / "content" / "papers") == before


def test_one_bad_dump_never_stops_the_others(project, caplog):
    dumps = project / "content" / "dumps"
    (dumps / "002_binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (dumps / "002_empty.txt").write_bytes(b"")
    report = run(project)
    assert report.papers == 237
    messages = [str(p) for p in report.problems]
    assert any(m.startswith("002_binary.txt: binary data") for m in messages)
    assert any(m.startswith("002_empty.txt: empty file") for m in messages)


def test_unreadable_page_is_reported_and_never_overwritten_or_duplicated(imported):
    path = imported / "content" / "papers" / f"{OGEN}.md"
    broken = path.read_text(encoding="utf-8").replace("title:", "title: [unclosed", 1)
    path.write_text(broken, encoding="utf-8")
    report = run(imported)
    assert path.read_text(encoding="utf-8") == broken
    assert not (imported / "content" / "papers" / f"{OGEN}-2.md").exists()
    assert any(str(p).startswith(str(path)) and "not updated" in str(p)
               for p in report.problems)


def test_crash_mid_import_leaves_each_page_old_or_new(imported, monkeypatch):
    folder = imported / "content" / "papers"
    before = snapshot(folder)
    add_dump(imported, "004_newer.txt", newer_ogen_dump(upvotes=99))
    calls = {"n": 0}
    real_replace = os.replace

    def crash_on_first_page_write(src, dst):
        if str(dst).endswith(".md"):
            calls["n"] += 1
            if calls["n"] == 1:
                raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(paper_files.os, "replace", crash_on_first_page_write)
    with pytest.raises(OSError):
        run(imported)
    assert snapshot(folder) == before  # no half-written page, no temp file left


def test_cached_import_equals_a_full_import_across_changes(imported, tmp_path):
    """The build cache skips unchanged papers; the pages must be what a full import gives."""
    papers = imported / "content" / "papers"
    cache = imported / ".sitegen-cache"

    def both_ways(change):
        change()
        run(imported)  # with the cache from the previous step
        cached = snapshot(papers)
        shutil.rmtree(cache)
        shutil.copytree(papers, tmp_path / "before-full", dirs_exist_ok=True)
        run(imported)  # from scratch
        assert snapshot(papers) == cached
        assert cache.exists()

    run(imported)
    path = papers / f"{OGEN}.md"
    both_ways(lambda: add_dump(imported, "004_newer.txt", newer_ogen_dump(upvotes=7)))
    both_ways(lambda: edit(path, tags=["hand-picked"], upvotes=None))
    both_ways(lambda: add_dump(imported, "004_newer.txt", newer_ogen_dump(upvotes=8)))
    both_ways(lambda: path.unlink())
    both_ways(lambda: (imported / "config.yml").write_text(
        (imported / "config.yml").read_text(encoding="utf-8").replace(
            "taxonomy:\n", "taxonomy:\n  ogen: [OGEN, OOD]\n", 1), encoding="utf-8"))
    assert "ogen" in paper_files.read_page(path)[0].tags


def test_no_change_import_uses_the_cache(imported, monkeypatch):
    run(imported)
    import sitegen.importer as importer

    def no_parsing(*args, **kwargs):
        raise AssertionError("a dump was parsed although nothing changed")

    monkeypatch.setattr(importer, "read_dump", no_parsing)
    report = run(imported)
    assert (report.papers, report.written, report.unchanged) == (237, 0, 237)


def test_rewritten_pages_keep_their_layout_and_read_as_pyyaml_reads_them(imported):
    add_dump(imported, "004_newer.txt", newer_ogen_dump(upvotes=12))
    assert run(imported).written == 1
    text = (imported / "content" / "papers" / f"{OGEN}.md").read_text(encoding="utf-8")
    head = paper_files.front_matter(text)[0]
    assert "\nsources: [" in head and "\n  tags: [" in head  # flow lists stay flow lists
    meta = yaml.load(head, Loader=yaml.SafeLoader)
    assert paper_files.read_page(imported / "content" / "papers" / f"{OGEN}.md")[1] == meta
    assert meta["sources"][-1] == "004_newer.txt" and meta["upvotes"] == 12


def test_a_hand_added_tag_like_an_existing_one_is_reported(imported):
    path = imported / "content" / "papers" / f"{OGEN}.md"
    original, _ = paper_files.read_page(path)
    edit(path, tags=[*original.tags, "Finetuning"])  # the example's tag is fine-tuning
    problems = [str(p) for p in run(imported).problems]
    assert len(problems) == 1 and problems[0].startswith(str(path)), problems
    assert "tag 'finetuning' looks like 'fine-tuning'" in problems[0]
    assert "rename it in the 1 page(s)" in problems[0]


def test_a_deleted_dump_takes_its_unedited_papers_with_it(imported, caplog):
    papers = imported / "content" / "papers"
    gone = "003_2e1a8a6ed9af9c8c.txt"
    pages_of = {p.name: paper_files.read_page(p)[0] for p in papers.iterdir()}
    only_there = sorted(n for n, p in pages_of.items() if p.sources == (gone,))
    elsewhere_too = sorted(n for n, p in pages_of.items() if gone in p.sources
                           and len(p.sources) > 1)
    assert len(only_there) > 5 and elsewhere_too
    edited = papers / only_there[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nMy notes.\n", encoding="utf-8")
    (imported / "content" / "dumps" / gone).unlink()
    with caplog.at_level("INFO"):
        report = run(imported)
    assert sorted(p.name for p in report.removed) == only_there[1:]
    assert [p.name for p in report.kept] == [only_there[0]]
    assert sorted(p.name for p in papers.iterdir()) == sorted(set(pages_of) - set(only_there[1:]))
    assert f"{only_there[1]}: removed: every dump it came from is gone" in caplog.text
    assert f"{only_there[0]}: kept, although every dump it came from is gone" in caplog.text
    caplog.clear()
    with caplog.at_level("INFO"):
        again = run(imported)  # nothing more to remove, and nothing said again
    assert again.removed == [] and "removed:" not in caplog.text


def test_an_emptied_dumps_folder_removes_no_page(imported):
    papers = imported / "content" / "papers"
    before = snapshot(papers)
    for dump in (imported / "content" / "dumps").iterdir():
        dump.unlink()
    report = run(imported)
    assert report.removed == [] and snapshot(papers) == before
