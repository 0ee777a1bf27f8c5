"""papers.json, the Atom feed, sitemap and robots.txt: contracts and determinism."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sitegen import feeds
from sitegen.config import load_config
from sitegen.errors import SitegenError
from sitegen.model import Paper, Site, Tag

A = "{http://www.w3.org/2005/Atom}"
EVIL = '<script>alert(1)</script> "><img src=x onerror=alert(1)> **bold**'


def make_site(*papers: Paper) -> Site:
    tags: dict[str, list[Paper]] = {}
    for paper in papers:
        for tag in paper.tags:
            tags.setdefault(tag, []).append(paper)
    return Site(papers=papers, tags=tuple(Tag(t, t, tuple(ps)) for t, ps in sorted(tags.items())),
                pages=())


@pytest.fixture
def config(tmp_path: Path):
    def make(**settings):
        return load_config(tmp_path / "config.yml", title="Review", author="Ada", **settings)
    return make


NEW = Paper("new", "New " + EVIL, "Abstract " + EVIL + "\x0b", dt.date(2025, 4, 30), 12,
            ("Ann", "Bo"), "Lab", ("https://github.com/x/y", "javascript:alert(1)"),
            ("000.txt", "001.txt"), ("theory",))
OLD = Paper("old", "Old", "Old abstract", dt.date(2023, 1, 2), author_count=3,
            arxiv="2301.00002", doi="10.1234/x", venue="ICLR", url="https://x.org/p",
            tags=("theory",))
UNDATED = Paper("undated", "Undated")


def test_papers_json_has_exactly_the_contract_fields(config):
    records = json.loads(feeds.papers_json(make_site(NEW, OLD, UNDATED)))
    assert [r["slug"] for r in records] == ["new", "old", "undated"]
    assert set(records[0]) == {"slug", "title", "abstract", "date", "upvotes", "authors",
                               "author_count", "arxiv", "doi", "venue", "paper_url",
                               "organization", "links", "tags", "sources", "url"}
    assert records[0] == {
        "slug": "new", "title": NEW.title, "abstract": NEW.abstract, "date": "2025-04-30",
        "upvotes": 12, "authors": ["Ann", "Bo"], "author_count": 2, "arxiv": None,
        "doi": None, "venue": None, "paper_url": None, "organization": "Lab",
        "links": ["https://github.com/x/y"], "tags": ["theory"],
        "sources": ["000.txt", "001.txt"], "url": "papers/new/"}
    assert (records[1]["authors"], records[1]["author_count"]) == ([], 3)
    assert (records[1]["arxiv"], records[1]["doi"], records[1]["venue"],
            records[1]["paper_url"]) == ("2301.00002", "10.1234/x", "ICLR", "https://x.org/p")
    assert records[2]["date"] is None


def test_feed_holds_the_newest_papers_with_text_that_stays_text(config):
    feed = ET.fromstring(feeds.atom_feed(make_site(NEW, OLD, UNDATED), config(feed_entries=2)))
    entries = feed.findall(f"{A}entry")
    assert [e.findtext(f"{A}title") for e in entries] == [NEW.title, "Old"]
    assert entries[0].findtext(f"{A}summary") == "Abstract " + EVIL  # \x0b dropped: not XML
    assert entries[0].find(f"{A}summary").get("type") == "text"
    assert feed.findtext(f"{A}updated") == "2025-04-30T00:00:00Z"
    assert [a.findtext(f"{A}name") for a in entries[0].findall(f"{A}author")] == ["Ann", "Bo"]
    assert entries[0].find(f"{A}link").get("href") == "papers/new/"  # relative to the feed


def test_with_site_url_feed_links_and_ids_are_absolute(config):
    feed = ET.fromstring(feeds.atom_feed(make_site(NEW), config(site_url="https://x.org/r")))
    entry = feed.find(f"{A}entry")
    assert entry.find(f"{A}link").get("href") == "https://x.org/r/papers/new/"
    assert entry.findtext(f"{A}id") == "https://x.org/r/papers/new/"


def test_feed_time_comes_from_input_or_source_date_epoch_never_the_clock(config, monkeypatch):
    site = make_site(UNDATED)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert b"<updated>1970-01-01T00:00:00Z</updated>" in feeds.atom_feed(site, config())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert b"<updated>2023-11-14T22:13:20Z</updated>" in feeds.atom_feed(site, config())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(SitegenError, match="SOURCE_DATE_EPOCH: expected whole seconds"):
        feeds.atom_feed(site, config())


def test_sitemap_uses_site_url_and_robots_points_to_it(config):
    conf = config(site_url="https://me.github.io/review/", base_url="/review/")
    urlset = ET.fromstring(feeds.sitemap(["", "papers/a/"], conf))
    assert [e.text for e in urlset.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")] \
        == ["https://me.github.io/review/", "https://me.github.io/review/papers/a/"]
    assert feeds.robots_txt(conf).decode().splitlines()[-1] == \
        "Sitemap: https://me.github.io/review/sitemap.xml"
    assert "Sitemap" not in feeds.robots_txt(config()).decode()
