"""Saved Hugging Face Papers pages as dumps: read through sitegen.hfpages, never as text; the
same paper from a saved page and a text dump is one page, which gains the id and names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sitegen import paper_files
from sitegen.config import load_config
from sitegen.dumps import read_dump
from sitegen.importer import import_dumps
from sitegen.model import title_key
from tests.hf_support import hydrater, item, listing, page

EXAMPLE = Path(__file__).resolve().parent.parent / "content" / "dumps"
OGEN = "overcoming-the-pitfalls-of-vision-language-model-finetuning-for-ood"
SHARPNESS = "a-modern-look-at-the-relationship-between-sharpness-and-generalization"
NEW_TITLE = "Grokking at the Edge of Stability"


def run(root: Path):
    return import_dumps(load_config(root / "config.yml"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def example_paper(slug_start: str):
    """A paper of the real example dumps, as the text dump shows it."""
    for path in sorted(EXAMPLE.iterdir()):
        for paper in read_dump(path).papers:
            if title_key(paper.title).replace(" ", "-").startswith(slug_start[:60]):
                return paper
    raise LookupError(slug_start)


def wrapped(text: str, width: int = 70) -> str:
    """An abstract with the hard line breaks a saved page's `summary` has."""
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) > width:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def saved_listing() -> str:
    """Two papers of the example dumps (ids, names, hard-wrapped summaries) and a new one."""
    ogen, sharp = example_paper(OGEN), example_paper(SHARPNESS)
    return listing(
        item("2401.15914", ogen.title, summary=wrapped(ogen.abstract),
             authors=("Yuhang Zang", "Hanlin Goh", "Josh Susskind", "Chen Huang"),
             published="2024-01-29T09:00:00.000Z", upvotes=1),
        item("2302.07011", sharp.title, summary=wrapped(sharp.abstract),
             authors=("Maksym Andriushchenko", "Francesco Croce"),
             published="2023-02-14T09:00:00.000Z", upvotes=1,
             githubRepo="https://github.com/tml-epfl/sharpness-vs-generalization"),
        item("2509.12345", NEW_TITLE, authors=("Ada Lovelace", "Alan Turing")),
        date="2025-09-16")


def test_a_saved_page_and_the_text_dumps_give_one_page_per_paper(project):
    papers = project / "content" / "papers"
    run(project)
    before = snapshot(papers)
    (project / "content" / "dumps" / "005_daily.html").write_text(saved_listing(),
                                                                  encoding="utf-8")
    report = run(project)
    assert report.problems == []
    assert report.papers == 238 and len(before) + 1 == len(list(papers.iterdir()))
    ogen, meta = paper_files.read_page(papers / f"{OGEN}.md")
    assert ogen.arxiv == "2401.15914"
    assert ogen.authors == ("Yuhang Zang", "Hanlin Goh", "Josh Susskind", "Chen Huang")
    assert ogen.sources[-1] == "005_daily.html" and ogen.notes == ""
    sharp, _ = paper_files.read_page(papers / f"{SHARPNESS}.md")
    assert (sharp.arxiv, sharp.author_count) == ("2302.07011", 2)
    assert sharp.links == ("https://github.com/tml-epfl/sharpness-vs-generalization",)
    # the hard-wrapped summary is the same abstract: the text dump's stays as it was
    assert ogen.abstract == example_paper(OGEN).abstract
    new, _ = paper_files.read_page(papers / "grokking-at-the-edge-of-stability.md")
    assert (new.arxiv, new.authors) == ("2509.12345", ("Ada Lovelace", "Alan Turing"))
    # only those three pages were written; a re-import changes no byte
    changed = {n for n, b in snapshot(papers).items() if before.get(n) != b}
    assert changed == {f"{OGEN}.md", f"{SHARPNESS}.md", "grokking-at-the-edge-of-stability.md"}
    after = snapshot(papers)
    assert run(project).written == 0 and snapshot(papers) == after


def test_saved_page_and_text_dumps_imported_together_give_the_same_pages(project, tmp_path):
    import shutil

    other = tmp_path / "other"
    shutil.copytree(project, other, symlinks=True)
    run(project)  # the text dumps first, then the saved page
    (project / "content" / "dumps" / "005_daily.html").write_text(saved_listing())
    run(project)
    (other / "content" / "dumps" / "005_daily.html").write_text(saved_listing())
    run(other)  # all at once
    ours, theirs = snapshot(project / "content" / "papers"), snapshot(other / "content/papers")
    assert ours.keys() == theirs.keys()
    for name in ours:  # the same values; only `sources` order may tell the runs apart
        assert paper_files.read_page(project / "content/papers" / name)[0].arxiv == \
            paper_files.read_page(other / "content/papers" / name)[0].arxiv


def test_curator_values_of_arxiv_and_authors_are_never_overwritten(project):
    papers = project / "content" / "papers"
    run(project)
    path = papers / f"{OGEN}.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("\nauthors: 4\n", "\nauthors: [Me Myself]\narxiv: '2401.99999'\n")
    path.write_text(text, encoding="utf-8")
    (project / "content" / "dumps" / "005_daily.html").write_text(saved_listing())
    run(project)
    paper, _ = paper_files.read_page(path)
    assert (paper.arxiv, paper.authors) == ("2401.99999", ("Me Myself",))
    assert paper.sources[-1] == "005_daily.html"


def test_ids_tell_papers_of_one_title_apart(project):
    dumps = project / "content" / "dumps"
    for old in dumps.iterdir():
        old.unlink()
    (dumps / "a.html").write_text(listing(item("2509.00001", "Same Title", summary="One."),
                                          item("2509.00002", "Same Title", summary="One.")))
    (dumps / "b.html").write_text(listing(item("2509.00002v2", "Same Title Revised")))
    report = run(project)
    assert report.papers == 2
    found = sorted(paper_files.read_page(p)[0].arxiv
                   for p in (project / "content/papers").iterdir())
    assert found == ["2509.00001", "2509.00002v2"]  # the newest dump says v2


def test_html_files_are_never_read_as_text(project):
    dumps = project / "content" / "dumps"
    (dumps / "004_saved.htm").write_text(page(hydrater("Footer", {"links": []})))
    (dumps / "004_saved-as-text.txt").write_text(listing(item("2509.12345", NEW_TITLE)))
    files = dumps / "004_saved_files"  # a "complete" save keeps scripts and styles here
    files.mkdir()
    (files / "saved.html").write_text(listing(item("2509.00009", "Junk From Assets")))
    (files / "app.js").write_text("main class flex flex 1 flex col")
    report = run(project)
    assert report.papers == 238  # the example's and the one in the .txt saved page
    lines = [str(p) for p in report.problems]
    assert lines == ["004_saved.htm: an HTML page without Hugging Face Papers data (no "
                     "DailyPapers or PaperContent element); nothing imported"]
    names = {p.stem for p in (project / "content" / "papers").iterdir()}
    assert "grokking-at-the-edge-of-stability" in names
    assert not any(n.startswith(("main-class", "junk")) for n in names)
    summary = {d.name: (d.layout, d.found) for d in report.dumps}
    assert summary["004_saved.htm"] == ("html", 0)
    assert summary["004_saved-as-text.txt"] == ("html", 1)


def test_problems_in_a_saved_page_name_file_and_line(project):
    broken = listing(item("2509.12345", NEW_TITLE)).replace(
        hydrater("Footer", {"links": ["https://huggingface.co/terms"]}),
        hydrater("DailyPapers", "{not json"))
    (project / "content" / "dumps" / "004_saved.html").write_text(broken)
    report = run(project)
    assert report.papers == 238
    [problem] = report.problems
    line = broken.splitlines().index(next(ln for ln in broken.splitlines() if "{not json" in ln))
    assert str(problem) == (f"004_saved.html:{line + 1}: DailyPapers data is not valid JSON "
                            "(Expecting property name enclosed in double quotes); skipped")


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_saved_pages_in_other_encodings(project, encoding):
    saved = page(hydrater("DailyPapers", {"dailyPapers": [
        item("2509.12345", "Grokking à la Stabilité")]}), charset=encoding)
    (project / "content" / "dumps" / "004_saved.html").write_bytes(saved.encode(encoding))
    run(project)
    path = project / "content" / "papers" / "grokking-a-la-stabilite.md"
    assert yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])["title"] == \
        "Grokking à la Stabilité"


def test_withdrawn_papers_are_imported_and_reported(project):
    withdrawn = item("2509.12345", NEW_TITLE, withdrawnAt="2025-09-20T00:00:00.000Z")
    (project / "content" / "dumps" / "004_saved.html").write_text(listing(withdrawn))
    report = run(project)
    [problem] = report.problems
    assert str(problem).startswith("004_saved.html:")
    assert problem.message == (f"{NEW_TITLE!r} is withdrawn from arXiv; imported (set "
                               "`hidden: true` in its page to leave it out)")
    assert (project / "content" / "papers" / "grokking-at-the-edge-of-stability.md").exists()


def test_the_built_site_links_names_and_cites_every_saved_paper(project):
    """The example dumps plus a saved page, built: each saved paper's page has its id,
    names, links and Highwire tags; a text-only paper gets title searches instead."""
    from bs4 import BeautifulSoup

    from sitegen.build import build_site

    (project / "content" / "dumps" / "005_daily.html").write_text(saved_listing())
    assert build_site(load_config(project / "config.yml")) == 0
    site = project / "_site"
    records = {r["slug"]: r for r in __import__("json").loads((site / "papers.json").read_text())}
    assert len(records) == 238  # no duplicate
    saved = {OGEN: ("2401.15914", ["Yuhang Zang", "Hanlin Goh", "Josh Susskind", "Chen Huang"]),
             SHARPNESS: ("2302.07011", ["Maksym Andriushchenko", "Francesco Croce"]),
             "grokking-at-the-edge-of-stability": ("2509.12345", ["Ada Lovelace", "Alan Turing"])}
    for slug, (arxiv, names) in saved.items():
        page = BeautifulSoup((site / "papers" / slug / "index.html").read_text(), "html.parser")
        meta = [(m["name"], m["content"]) for m in page.select("meta[name^=citation_]")]
        assert ("citation_arxiv_id", arxiv) in meta
        assert ("citation_pdf_url", f"https://arxiv.org/pdf/{arxiv}") in meta
        assert [c for n, c in meta if n == "citation_author"] == names
        assert any(n == "citation_date" and re.fullmatch(r"\d{4}/\d\d/\d\d", c) for n, c in meta)
        links = {a.get_text(): a["href"] for a in page.select(".links a")}
        assert links["arXiv"] == f"https://arxiv.org/abs/{arxiv}"
        assert links["PDF"] == f"https://arxiv.org/pdf/{arxiv}"
        assert links["Hugging Face"] == f"https://huggingface.co/papers/{arxiv}"
        assert not page.select(".links a.link-search")
        assert page.select_one(".byline .authors").get_text() == ", ".join(names)
        entry = page.select_one("pre#bibtex-entry").get_text()
        assert f"eprint = {{{arxiv}}}" in entry and " and ".join(names) in entry
        assert records[slug]["arxiv"] == arxiv and records[slug]["authors"] == names
    sharp = BeautifulSoup((site / "papers" / SHARPNESS / "index.html").read_text(), "html.parser")
    assert sharp.select_one(".links a.link-code")["href"] == \
        "https://github.com/tml-epfl/sharpness-vs-generalization"
    text_only = next(s for s, r in records.items() if not r["arxiv"])
    page = BeautifulSoup((site / "papers" / text_only / "index.html").read_text(), "html.parser")
    assert [a.get_text() for a in page.select(".links a.link-search")] == [
        "Search Hugging Face Papers", "Search arXiv", "Search Semantic Scholar"]
    assert not page.select("meta[name=citation_arxiv_id]")


def test_authors_and_organisations_with_two_papers_have_pages(project):
    from bs4 import BeautifulSoup

    from sitegen.build import build_site

    lab = {"name": "lab", "fullname": "Analytical Engines Lab"}
    (project / "content" / "dumps" / "005_daily.html").write_text(listing(
        item("2509.12345", NEW_TITLE, authors=("Ada Lovelace", "Alan Turing"), org=lab),
        item("2509.22222", "Notes on the Analytical Engine", authors=("Ada Lovelace",),
             org=lab, published="2025-09-10T00:00:00.000Z"),
        item("2509.33333", "Computing Machinery", authors=("Alan Turing ", "Grace Hopper"))))
    assert build_site(load_config(project / "config.yml")) == 0
    site = project / "_site"

    def soup(path: str) -> BeautifulSoup:
        return BeautifulSoup((site / path / "index.html").read_text(), "html.parser")

    ada = soup("authors/ada-lovelace")
    assert ada.h1.get_text() == "Ada Lovelace"
    assert [a.get_text() for a in ada.select("a.paper-item-title")] == [
        NEW_TITLE, "Notes on the Analytical Engine"]  # newest first
    assert [a.get_text() for a in soup("authors/alan-turing").select("a.paper-item-title")] \
        == ["Computing Machinery", NEW_TITLE]  # the same day: by title
    assert not (site / "authors" / "grace-hopper").exists()  # one paper: no page of its own
    assert len(soup("organizations/analytical-engines-lab").select("li.paper-item")) == 2
    byline = soup("papers/computing-machinery").select_one(".byline")
    assert {a.get_text(): a["href"] for a in byline.select("a")} == {
        "Alan Turing": "../../authors/alan-turing/"}
    assert "Grace Hopper" in byline.get_text()
    org = soup("papers/notes-on-the-analytical-engine").select_one(".byline .organization a")
    assert org["href"] == "../../organizations/analytical-engines-lab/"
