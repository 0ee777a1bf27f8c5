"""Related papers: TF-IDF over title and abstract, shared tags then slug breaking ties;
blocked, deterministic, and shown on every paper page of a site built under a sub-path."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from sitegen import related
from sitegen.config import load_config
from sitegen.model import Paper, Site, Tag
from sitegen.related import related_papers, tokens
from sitegen.site import load_site

REPO = Path(__file__).resolve().parent.parent
BASE = "/sub/path/"


@pytest.fixture(scope="module")
def example(built_example: Path) -> Path:
    return built_example


@pytest.fixture(scope="module")
def site(example) -> Site:
    return load_site(load_config(example / "config.yml"))


def shown_related(example: Path, slug: str) -> list[str]:
    """Slugs of the papers a paper's page lists as related, in order, from its links."""
    page_url = f"http://x{BASE}papers/{slug}/"
    page = BeautifulSoup((example / "_site" / "papers" / slug / "index.html").read_text(),
                         "html.parser")
    section = page.find(id="related")
    if section is None:
        return []
    out = []
    for a in section.parent.select("a.paper-item-title"):
        url = urljoin(page_url, a["href"])
        assert url.startswith(f"http://x{BASE}papers/"), url
        out.append(url[len(f"http://x{BASE}papers/"):].strip("/"))
    return out


# ---------------------------------------------------------------- on the example data

def test_papers_about_grokking_list_each_other(example, site):
    grokking = {p.slug for p in site.papers if "grok" in p.title.lower()}
    assert len(grokking) >= 5  # the example dumps hold a handful
    listed = {slug: shown_related(example, slug) for slug in grokking}
    for slug, others in listed.items():
        assert len(others) == related.RELATED
        assert grokking & set(others), f"{slug} lists no other grokking paper: {others}"
    # most of what they list is about grokking too, though every paper here is about
    # generalization...
    hits = sum(len(grokking & set(others)) for others in listed.values())
    assert hits >= len(grokking) * related.RELATED // 2
    # ...and the two most on topic list each other
    assert "deep-networks-always-grok-and-here-is-why" in listed[
        "grokking-at-the-edge-of-numerical-stability"]
    assert "grokking-at-the-edge-of-numerical-stability" in listed[
        "deep-networks-always-grok-and-here-is-why"]


def test_every_paper_page_lists_five_related_papers_that_exist(example, site):
    slugs = {p.slug for p in site.papers}
    computed = related_papers(site)
    for paper in site.papers:
        shown = shown_related(example, paper.slug)
        assert len(shown) == related.RELATED, paper.slug
        assert paper.slug not in shown and len(set(shown)) == len(shown)
        assert set(shown) <= slugs
        assert shown == list(computed[paper.slug])


def test_the_same_papers_in_any_order_give_the_same_related_papers(site):
    first = related_papers(site)
    shuffled = list(site.papers)
    random.Random(7).shuffle(shuffled)
    assert related_papers(Site(tuple(shuffled), site.tags, site.pages, dumps=site.dumps)) \
        == first


def test_blocked_computation_gives_what_one_block_gives(site, monkeypatch):
    whole = related_papers(site)
    monkeypatch.setattr(related, "BLOCK_CELLS", len(site.papers) * 7 + 3)  # 7 rows a block
    assert related_papers(site) == whole
    monkeypatch.setattr(related, "BLOCK_CELLS", 1)  # one row a block
    assert related_papers(site) == whole


# ---------------------------------------------------------------- ranking rules

def _site(*papers: Paper) -> Site:
    tags: dict[str, list[Paper]] = {}
    for paper in papers:
        for tag in paper.tags:
            tags.setdefault(tag, []).append(paper)
    return Site(tuple(papers), tuple(Tag(t, t, tuple(ps)) for t, ps in sorted(tags.items())),
                ())


FILLER = [Paper(f"filler-{i}", f"Unrelated topic number {w}", f"Words about {w} only.")
          for i, w in enumerate(["cooking", "sailing", "opera", "chess", "gardening"])]


def test_words_in_common_rank_first_then_shared_tags_then_slug():
    text = "Grokking and delayed generalization in transformers trained on modular arithmetic."
    papers = [
        Paper("a", "Grokking in transformers", text, tags=("x", "y")),
        Paper("d-same-text-no-tags", "Grokking in transformers", text),
        Paper("c-same-text-one-tag", "Grokking in transformers", text, tags=("x",)),
        Paper("b-same-text-two-tags", "Grokking in transformers", text, tags=("x", "y")),
        Paper("e-same-text-two-tags", "Grokking in transformers", text, tags=("y", "x")),
        Paper("f-tags-only", "Sailing ships", "Nothing in common at all.", tags=("x", "y")),
        *FILLER,
    ]
    assert related_papers(_site(*papers))["a"] == (
        "b-same-text-two-tags", "e-same-text-two-tags", "c-same-text-one-tag",
        "d-same-text-no-tags", "f-tags-only")


def test_a_paper_with_nothing_in_common_has_no_related_papers():
    papers = [Paper("lonely", "Zymurgy of xylophones", "Quokka quorum."),
              Paper("p1", "Grokking in networks", "Grokking happens late in networks."),
              Paper("p2", "Grokking in transformers", "Grokking happens late in transformers."),
              *FILLER]
    found = related_papers(_site(*papers))
    assert found["lonely"] == ()
    assert found["p1"][0] == "p2" and "lonely" not in found["p1"]


def test_fewer_papers_than_five_and_an_empty_site():
    papers = [Paper("p1", "Grokking", "Grokking late."), Paper("p2", "Grokking", "Grokking."),
              Paper("p3", "Cooking", "Soup.")]
    assert related_papers(_site(*papers)) == {"p1": ("p2",), "p2": ("p1",), "p3": ()}
    assert related_papers(_site()) == {}


def test_terms_are_stemmed_and_latex_read_as_text():
    assert tokens("Grokking: networks grok! The models' d_{data}") == \
        ["grok", "network", "grok", "model", "data"]
    assert tokens(r"Schr\"odinger") == tokens("Schrödinger")


def test_thousands_of_synthetic_papers_each_get_their_related_papers():
    """bench/synth.py's papers (the README gives the time at 10,000); no timing asserted:
    the blocked product over many blocks must be complete."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from synth import synthetic_papers
    finally:
        sys.path.remove(str(REPO / "bench"))
    papers = synthetic_papers(3_000)
    found = related_papers(_site(*papers))
    assert len(found) == 3_000
    assert all(len(v) == related.RELATED for v in found.values())
