"""content/ -> Site: visible papers newest first, tags by slug, pages; bad pages stop early."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.errors import SourceError
from sitegen.model import Paper
from sitegen.paper_files import new_page
from sitegen.site import load_site


def write_paper(root: Path, paper: Paper, notes: str = "") -> Path:
    path = root / "content" / "papers" / f"{paper.slug}.md"
    path.write_text(new_page(paper) + notes, encoding="utf-8")
    return path


def load(root: Path):
    return load_site(load_config(root / "config.yml"))


def test_hidden_papers_are_left_out_and_the_rest_are_newest_first(project):
    write_paper(project, Paper("old", "Old", date=dt.date(2020, 1, 1)))
    write_paper(project, Paper("new", "New", date=dt.date(2024, 5, 1)))
    write_paper(project, Paper("undated-b", "B undated"))
    write_paper(project, Paper("undated-a", "A undated"))
    write_paper(project, Paper("secret", "Secret", date=dt.date(2025, 1, 1), hidden=True,
                               tags=("only-hidden",)))
    site = load(project)
    assert [p.slug for p in site.papers] == ["new", "old", "undated-a", "undated-b"]
    assert "only-hidden" not in {t.slug for t in site.tags}


def test_a_tag_is_its_slug_whatever_the_spelling(project):
    write_paper(project, Paper("a", "A", date=dt.date(2024, 1, 1), tags=("Graph NN",)))
    write_paper(project, Paper("b", "B", date=dt.date(2024, 2, 1), tags=("graph-nn",)))
    write_paper(project, Paper("c", "C", date=dt.date(2024, 3, 1), tags=("Graph NN", "theory")))
    site = load(project)
    tags = {t.slug: t for t in site.tags}
    assert sorted(tags) == ["graph-nn", "theory"]
    assert tags["graph-nn"].name == "Graph NN"  # the commonest spelling
    assert [p.slug for p in tags["graph-nn"].papers] == ["c", "b", "a"]


def test_a_tag_intro_gives_its_text_and_the_config_its_name(project, caplog):
    write_paper(project, Paper("a", "A", tags=("ood",)))
    (project / "content" / "tags" / "ood.md").write_text("Shifts *between* train and test.\n")
    tag = load(project).tags[0]
    assert (tag.slug, tag.name) == ("ood", "ood")  # as written in the pages
    assert tag.intro == "Shifts *between* train and test."
    config = project / "config.yml"
    config.write_text(config.read_text().split("tag_labels:")[0]
                      + "tag_labels:\n  OOD: Out-of-distribution\n")
    assert load(project).tags[0].name == "Out-of-distribution"  # matched by slug


def test_an_intro_heading_is_not_repeated_in_the_text_nor_a_name(project, caplog):
    write_paper(project, Paper("a", "A", tags=("gnn",)))
    (project / "content" / "tags" / "gnn.md").write_text("# Graph neural networks\n\nMessages.\n")
    with caplog.at_level(logging.WARNING):
        tag = load(project).tags[0]
    assert (tag.name, tag.intro) == ("gnn", "Messages.")
    assert any("gnn.md: title: 'Graph neural networks' is not the tag's name 'gnn'"
               in r.getMessage() for r in caplog.records)


def test_an_intro_for_a_tag_no_paper_has_is_reported(project, caplog):
    write_paper(project, Paper("a", "A", tags=("theory",)))
    (project / "content" / "tags" / "theroy.md").write_text("Typo in the file name.\n")
    with caplog.at_level(logging.WARNING):
        load(project)
    assert any("theroy.md" in r.getMessage() and "no visible paper" in r.getMessage()
               for r in caplog.records)


def test_pages_take_their_title_from_front_matter_or_first_heading(project):
    (project / "content" / "method.md").write_text("# How we read\n\nSlowly.\n")
    site = load(project)
    pages = {p.slug: p for p in site.pages}
    assert pages["about"].title == "About"
    assert (pages["method"].title, pages["method"].body) == ("How we read", "Slowly.")
    # index.md gives no title: the home page's heading is config.yml's title (routes.py)
    assert site.home is not None and site.home.meta["title"] is None
    assert "index" not in pages


def test_a_page_may_not_take_a_name_the_site_uses(project):
    (project / "content" / "tags.md").write_text("# Tags\n")
    with pytest.raises(SourceError, match=r"tags\.md: the site uses /tags/ itself"):
        load(project)


def test_a_bad_value_names_the_file_and_line(project):
    path = write_paper(project, Paper("a", "A", upvotes=3))
    text = path.read_text().replace("upvotes: 3", "upvotes: lots")
    path.write_text(text)
    line = text.splitlines().index("upvotes: lots") + 1
    with pytest.raises(SourceError) as caught:
        load(project)
    assert str(caught.value).endswith(f"a.md:{line}: upvotes: expected a whole number, "
                                      "got 'lots'")


def test_a_key_given_twice_is_reported_with_its_lines_and_the_last_value_kept(project, caplog):
    """YAML keeps a repeated key's last value without a word; the curator hears of it."""
    path = write_paper(project, Paper("a", "A", upvotes=3, tags=("x",)))
    text = path.read_text().replace("upvotes: 3\n", "upvotes: 3\nstatus: unread\n  # note\n"
                                    "notes_key: |\n  status: inside a block\nstatus: read\n")
    path.write_text("\ufeff" + text.replace("\n", "\r\n"))
    lines = text.splitlines()
    first, last = lines.index("status: unread") + 1, lines.index("status: read") + 1
    with caplog.at_level(logging.WARNING):
        site = load(project)
    assert site.papers[0].status == "read"
    reported = [r.getMessage() for r in caplog.records if " times (lines " in r.getMessage()]
    assert len(reported) == 1 and reported[0].endswith(
        f"a.md:{last}: status: given 2 times (lines {first}, {last}); the last value is used "
        "(remove the others)")


def test_broken_yaml_names_the_file_and_line(project):
    (project / "content" / "papers" / "a.md").write_text("---\ntitle: A\ntags: [x\n---\n")
    with pytest.raises(SourceError, match=r"a\.md:\d+: front matter"):
        load(project)


def test_a_file_name_that_cannot_be_a_url_says_how_to_rename_it(project):
    write_paper(project, Paper("My Paper", "My paper"))
    with pytest.raises(SourceError, match=r"rename it to my-paper\.md"):
        load(project)


def test_a_tag_without_letters_cannot_become_a_page(project):
    path = write_paper(project, Paper("a", "A", tags=("???",)))
    with pytest.raises(SourceError, match=rf"{path.name}:\d+: tags: '\?\?\?'"):
        load(project)
