"""End-to-end: build real sites and check what a visitor, a crawler and Pages would see."""

from __future__ import annotations

import datetime as dt
import json
import logging
import multiprocessing
import os
import re
import shutil
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from sitegen import mathtext
from sitegen.build import build_site
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.errors import SourceError
from sitegen.model import Paper
from sitegen.paper_files import new_page, read_page
from tests.conftest import copy_example

REPO = Path(__file__).resolve().parent.parent
ATOM = "{http://www.w3.org/2005/Atom}"
EVIL_TITLE = '<script>alert("t")</script> "><img src=x onerror=alert(1)> **not bold**'
EVIL_ABSTRACT = ('Abstract <script>alert("a")</script> and "><img src=x onerror=alert(2)>.\n\n'
                 "[link](javascript:alert(3)) <a href=\"javascript:alert(4)\">x</a> `code`")




def build(root: Path, **overrides) -> Path:
    config = load_config(root / "config.yml", **overrides)
    assert build_site(config) == 0
    return config.root / config.output_dir


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page_url(rel: str) -> str:
    """URL path of an output file: 'papers/x/index.html' -> 'papers/x/'."""
    return rel[: -len("index.html")] if rel.endswith("index.html") else rel


def shown(text: str) -> str:
    """The text a page shows for dump text: itself, with its LaTeX as MathML (the few example
    papers with math; test_mathtext checks that reading)."""
    return BeautifulSoup(mathtext.render(text), "html.parser").get_text()


def visible_papers(root: Path) -> list[Paper]:
    papers = [read_page(p)[0] for p in sorted((root / "content" / "papers").glob("*.md"))]
    return [p for p in papers if not p.hidden]


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The example project, imported from its real dumps and built once for this module."""
    root = copy_example(tmp_path_factory.mktemp("example"))
    build(root)
    return root


@pytest.fixture(scope="module")
def pages(example) -> dict[str, BeautifulSoup]:
    """Every HTML page of the example site, parsed once: output path -> soup."""
    site = example / "_site"
    return {p.relative_to(site).as_posix(): html(p) for p in sorted(site.rglob("*.html"))}


@pytest.fixture(autouse=True)
def _keep_logging():
    """cli.main() installs its own log handler; give the next test the logging it had."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


@pytest.fixture
def tiny(project: Path) -> Path:
    """The example project without dumps; tests write the papers they need."""
    for dump in (project / "content" / "dumps").iterdir():
        dump.unlink()
    return project


def write_paper(root: Path, paper: Paper, notes: str = "") -> Path:
    path = root / "content" / "papers" / f"{paper.slug}.md"
    path.write_text(new_page(paper) + notes, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the example site

def test_every_paper_page_shows_its_title_abstract_and_provenance(example, pages):
    papers = visible_papers(example)
    dumps = sorted(p.name for p in (example / "content" / "dumps").iterdir())  # import order
    assert len(papers) > 50  # the example dumps hold a few hundred papers
    for paper in papers:
        page = pages[f"papers/{paper.slug}/index.html"]
        assert page.h1.get_text() == shown(paper.title)
        abstract = page.find(id="abstract").parent
        assert " ".join(p.get_text() for p in abstract.find_all("p")) == \
            " ".join(shown(paper.abstract).split()) or not paper.abstract
        sources = page.find(id="sources").parent.get_text()
        assert all(f"Import {dumps.index(source) + 1}" in sources for source in paper.sources)


def test_lists_show_each_papers_strongest_tags_and_its_authors_in_one_line(example, pages):
    from sitegen.tagging import Tagger

    config = load_config(example / "config.yml")
    tagger = Tagger(config.taxonomy)
    papers = {p.slug: p for p in visible_papers(example)}
    items = [item for name, page in pages.items() if name.startswith("timeline/")  # in pages
             for item in page.select("li.paper-item")]
    assert len(items) == len(papers)
    for item in items:
        paper = papers[item.select_one("a.paper-item-title")["href"].rstrip("/").split("/")[-1]]
        shown_tags = [a["href"].rstrip("/").split("/")[-1] for a in item.select("a.tag")]
        assert shown_tags == list(tagger.rank(paper.title, paper.abstract, paper.tag_slugs)[:3])
        line = item.select_one(".meta").get_text(" ", strip=True)
        if paper.author_count:
            assert f"{paper.author_count} authors" in line or paper.authors[0] in line
    # a paper's page shows all its tags, strongest first
    busiest = max(papers.values(), key=lambda p: len(p.tag_slugs))
    assert len(busiest.tag_slugs) == 4
    page = pages[f"papers/{busiest.slug}/index.html"]
    assert [a["href"].rstrip("/").split("/")[-1] for a in page.select(".paper-aside a.tag")] == \
        list(tagger.rank(busiest.title, busiest.abstract, busiest.tag_slugs))


def test_papers_json_is_every_visible_paper_with_working_urls(example):
    site = example / "_site"
    records = json.loads((site / "papers.json").read_text())
    papers = {p.slug: p for p in visible_papers(example)}
    assert sorted(r["slug"] for r in records) == sorted(papers)
    for record in records:
        assert record["title"] == papers[record["slug"]].title
        assert (site / record["url"] / "index.html").is_file()


def resolve_link(rel: str, href: str) -> str:
    """The output file a page-relative link from output file `rel` leads to."""
    url = urljoin("http://x/" + page_url(rel), href)
    return page_url(urlsplit(url).path[1:]) + ("index.html" if url.endswith("/") else "")


def test_every_tag_link_resolves_and_the_index_counts_are_right(example, pages):
    records = json.loads((example / "_site" / "papers.json").read_text())
    expected = Counter(tag for r in records for tag in r["tags"])
    listed = {}
    for item in pages["tags/index.html"].select("ul.tag-index li"):
        target = pages[resolve_link("tags/index.html", item.a["href"])]
        name = target.h1.get_text()
        listed[name] = int(item.select_one(".count").get_text().split()[0])
        assert len(target.select(".paper-list > li")) == listed[name]
    assert listed == dict(expected)
    links = [(rel, a["href"]) for rel, page in pages.items() for a in page.select("a.tag")]
    assert len(links) > len(records)
    assert [link for link in links if resolve_link(*link) not in pages] == []


def test_tag_pages_list_newest_first_with_date_and_tags(pages):
    tag_pages = [p for rel, p in pages.items() if re.fullmatch(r"tags/[^/]+/index.html", rel)]
    assert tag_pages
    for page in tag_pages:
        items = page.select(".paper-list > li")
        dates = [li.time["datetime"] for li in items if li.time]
        assert dates == sorted(dates, reverse=True)
        assert all(li.select("ul.tags a.tag") for li in items)


def test_home_timeline_and_pages(example, pages):
    site = example / "_site"
    config = load_config(example / "config.yml")
    papers = sorted(visible_papers(example),
                    key=lambda p: (p.date is None, -(p.date or dt.date.min).toordinal(),
                                   p.title.casefold()))
    home = pages["index.html"]
    newest = [a.get_text() for a in home.select("#newest ~ ol .paper-item-title")]
    assert newest == [shown(p.title) for p in papers[: config.newest_on_home]]
    assert home.h1.get_text() == "Generalization in Deep Learning"
    timeline = [page for name, page in pages.items() if name.startswith("timeline/")]
    titles = [a.get_text() for page in timeline for a in page.select(".paper-item-title")]
    assert sorted(titles) == sorted(shown(p.title) for p in papers)
    undated = [page.find(id="undated") for page in timeline if page.find(id="undated")]
    assert bool(undated) == any(p.date is None for p in papers)
    about = pages["about/index.html"]
    assert about.h1.get_text() == "About" and about.find("h2")
    assert (site / "404.html").is_file() and (site / ".nojekyll").is_file()


def test_no_published_name_starts_with_underscore_or_dot(example):
    names = files(example / "_site")
    hidden = [n for n in names if any(part[0] in "._" for part in n.split("/"))]
    assert hidden == [".nojekyll"]
    assert any(re.fullmatch(r"assets/style\.[0-9a-f]{10}\.css", n) for n in names)


def test_feed_has_the_newest_entries_and_the_sitemap_every_page(example):
    site = example / "_site"
    config = load_config(example / "config.yml")
    feed = ET.parse(site / "feed.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == min(config.feed_entries, len(visible_papers(example)))
    newest = max(p.date for p in visible_papers(example) if p.date)
    assert feed.findtext(f"{ATOM}updated") == f"{newest.isoformat()}T00:00:00Z"
    locs = [e.text for e in ET.parse(site / "sitemap.xml").getroot().iter()
            if e.tag.endswith("loc")]
    pages = [page_url(n) for n in files(site) if n.endswith(".html") and n != "404.html"]
    assert sorted(locs) == sorted("/" + p for p in pages)


# ---------------------------------------------------------------- links over HTTP

def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def broken_links(site: Path, base: str) -> list[str]:
    """Every internal href/src/action of every page, the dataset's and the sitemap's URLs,
    fetched from the server; fragments must name an element of the target page."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
    wanted: dict[str, set[tuple[str, str]]] = {}  # url -> {(fragment, from page)}
    pages = [n for n in files(site) if n.endswith(".html")]
    for rel in pages:
        here = base + page_url(rel)
        if rel == "404.html":  # Pages serves it at any missing address
            here = base + "no/such/paper/"
        status, body = fetch(base + page_url(rel))
        assert status == 200, rel
        soup = BeautifulSoup(body, "html.parser")
        ids = {t["id"] for t in soup.find_all(id=True)}
        for tag in soup.find_all(["a", "link", "script", "img", "form", "source"]):
            ref = tag.get("href") or tag.get("src") or tag.get("action")
            if ref is None:
                continue
            if ref.startswith("#"):  # within this page
                wanted_here = ref[1:]
                if wanted_here not in ids:
                    wanted.setdefault(f"{here}#{wanted_here}", set()).add(("missing", rel))
                continue
            url, fragment = urldefrag(urljoin(here, ref))
            if url.startswith(origin):
                wanted.setdefault(url, set()).add((fragment, rel))
    for record in json.loads((site / "papers.json").read_text()):
        wanted.setdefault(urljoin(base, record["url"]), set()).add(("", "papers.json"))
    for loc in ET.parse(site / "sitemap.xml").getroot().iter():
        if loc.tag.endswith("loc"):
            wanted.setdefault(loc.text, set()).add(("", "sitemap.xml"))
    broken = []
    for url, uses in sorted(wanted.items()):
        status, body = fetch(url)
        if status != 200 or not url.startswith(base):
            broken.append(f"{url} ({status}) from {sorted(u[1] for u in uses)[:3]}")
            continue
        fragments = {f for f, _ in uses if f}
        if fragments:
            ids = {t["id"] for t in BeautifulSoup(body, "html.parser").find_all(id=True)}
            broken += [f"{url}#{f}" for f in sorted(fragments - ids)]
    return broken


@pytest.mark.parametrize("prefix", ["/", "/sub/path/"])
def test_no_broken_internal_link_or_asset_under_any_base_path(project, serve, prefix):
    site = project / "_site"
    base = serve(site, prefix)  # the server reads the folder per request: build after
    build(project, base_url=prefix, site_url=base)
    assert broken_links(site, base) == []


def test_one_build_works_under_any_prefix_except_its_404_page(tiny):
    """Pages and assets link page-relatively, so moving the site needs no rebuild."""
    write_paper(tiny, Paper("a", "A", "Abstract.", dt.date(2024, 1, 1), tags=("theory",)))
    write_paper(tiny, Paper("b", "B", tags=("theory", "ood")))
    site = build(tiny)
    first = files(site)
    build(tiny, base_url="/elsewhere/")
    changed = {n for n, data in files(site).items() if first[n] != data}
    assert changed == {"404.html", "sitemap.xml"}


# ---------------------------------------------------------------- guarantees

def test_two_builds_of_the_same_input_are_byte_identical(example, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = files(example / "_site")
    second = copy_example(tmp_path / "elsewhere")  # another folder, same input
    shutil.rmtree(second / "content" / "papers")
    shutil.copytree(example / "content" / "papers", second / "content" / "papers")
    assert files(build(second)) == first
    assert files(build(second)) == first


def test_building_in_one_process_gives_the_same_bytes_as_in_several(example, tmp_path,
                                                                  monkeypatch):
    """Related papers and the pages in forked processes, or all in this one."""
    from sitegen import build as build_module
    from sitegen import render

    built = files(example / "_site")
    retitled = {}
    for name, threshold in (("forked", 0), ("serial", 10**9)):
        root = copy_example(tmp_path / name)
        shutil.rmtree(root / "content" / "papers")
        shutil.copytree(example / "content" / "papers", root / "content" / "papers")
        monkeypatch.setattr(build_module, "PARALLEL_FROM", threshold)
        monkeypatch.setattr(render, "PARALLEL_PAGES", threshold)
        assert files(build(root)) == built, name
        retitled[name] = files(build(root, title="Another title"))  # from the cache
        monkeypatch.undo()
    assert retitled["forked"] == retitled["serial"] != built


def test_pages_a_dead_worker_took_are_rendered_by_the_build(example, tmp_path, monkeypatch):
    """The worker takes pages as it goes; killed halfway, its pages are still written, the
    same bytes as ever."""
    from sitegen import render

    parallel = files(example / "_site")
    root = copy_example(tmp_path / "dead")
    shutil.rmtree(root / "content" / "papers")
    shutil.copytree(example / "content" / "papers", root / "content" / "papers")
    build_pid, work = os.getpid(), render.Work.__call__

    def dies_in_the_worker(self, chunks, progress=None, also=None):
        if os.getpid() == build_pid:
            return work(self, chunks, progress, also)
        taken = iter(chunks)
        work(self, [next(taken), next(taken)])  # writes a few pages, then is killed
        os._exit(9)

    monkeypatch.setattr(render.Work, "__call__", dies_in_the_worker)
    assert files(build(root)) == parallel


def test_a_template_error_in_the_worker_process_is_reported_in_one_line(example, tmp_path):
    root = copy_example(tmp_path / "broken")
    shutil.rmtree(root / "content" / "papers")
    shutil.copytree(example / "content" / "papers", root / "content" / "papers")
    last = visible_papers(root)[-1].slug  # rendered late, by either process
    overrides = root / "overrides" / "templates"
    overrides.mkdir(parents=True)
    paper_html = (Path(__file__).resolve().parent.parent / "themes" / "default" / "templates"
                  / "paper.html").read_text(encoding="utf-8")
    (overrides / "paper.html").write_text(paper_html.replace(
        "{% block content %}",
        f"{{% block content %}}{{% if paper.slug == '{last}' %}}{{{{ oops }}}}{{% endif %}}", 1))
    line = paper_html.splitlines().index("{% block content %}") + 1
    with pytest.raises(SourceError, match=rf"paper\.html:{line}: 'oops' is undefined"):
        build(root, theme_overrides="overrides")
    assert not (root / "_site").exists()
    # Whichever process met the error, no child is left behind (one blocked on sending
    # its result would hold inherited files open as long as this process lives).
    assert multiprocessing.active_children() == []


def test_a_broken_template_no_page_uses_does_not_stop_the_build(tiny):
    """Templates are compiled ahead, before the worker forks; a broken one that no page
    uses is only reported when a page uses it."""
    write_paper(tiny, Paper("one", "One", date=dt.date(2024, 1, 1)))
    overrides = tiny / "overrides" / "templates" / "partials"
    overrides.mkdir(parents=True)
    (overrides / "unused.html").write_text("{% if %}", encoding="utf-8")
    site = build(tiny, theme_overrides="overrides")
    assert (site / "papers" / "one" / "index.html").is_file()
    assert list((tiny / ".sitegen-cache" / "templates").iterdir())  # compiled, kept
    (overrides.parent / "paper.html").write_text(
        '{% extends "base.html" %}{% block content %}{% include "partials/unused.html" %}'
        "{% endblock %}", encoding="utf-8")
    with pytest.raises(SourceError, match=r"unused\.html:1: .*\(fix the template\)"):
        build(tiny, theme_overrides="overrides")


def test_a_removed_paper_or_tag_leaves_no_stale_file(tiny):
    write_paper(tiny, Paper("keep", "Keep", date=dt.date(2024, 1, 1), tags=("theory",)))
    gone = write_paper(tiny, Paper("gone", "Gone", date=dt.date(2024, 2, 1), tags=("grokking",)))
    site = build(tiny)
    assert (site / "papers" / "gone" / "index.html").is_file()
    assert (site / "tags" / "grokking" / "index.html").is_file()
    gone.unlink()
    build(tiny)
    names = files(site)
    assert not any("gone" in n or "grokking" in n for n in names)
    assert b"Gone" not in names["papers.json"] and b"grokking" not in names["sitemap.xml"]
    assert sorted(p.name for p in tiny.iterdir() if p.name.startswith("_site")) == ["_site"]


def test_a_hidden_paper_appears_nowhere(example, tmp_path):
    root = copy_example(tmp_path / "hidden")
    shutil.rmtree(root / "content" / "papers")
    shutil.copytree(example / "content" / "papers", root / "content" / "papers")
    paper = max(visible_papers(root), key=lambda p: len(p.title))
    path = root / "content" / "papers" / f"{paper.slug}.md"
    path.write_text(path.read_text().replace("---\n", "---\nhidden: true\n", 1))
    site = build(root)
    assert not (site / "papers" / paper.slug).exists()
    for name, data in files(site).items():
        text = data.decode("utf-8", "replace")
        assert f"papers/{paper.slug}/" not in text, name
        assert paper.title not in text, name


def test_a_bad_page_stops_the_build_and_keeps_the_previous_site(tiny):
    write_paper(tiny, Paper("a", "A", date=dt.date(2024, 1, 1)))
    site = build(tiny)
    before = files(site)
    bad = write_paper(tiny, Paper("b", "B", upvotes=1))
    bad.write_text(bad.read_text().replace("upvotes: 1", "upvotes: many"))
    with pytest.raises(SourceError, match=r"b\.md:\d+: upvotes"):
        build(tiny)
    assert files(site) == before


def test_a_template_error_midway_keeps_the_previous_site(tiny):
    write_paper(tiny, Paper("a", "A", date=dt.date(2024, 1, 1)))
    site = build(tiny)
    before = files(site)
    overrides = tiny / "overrides" / "templates"
    overrides.mkdir(parents=True)
    (overrides / "404.html").write_text("{{ no_such_thing }}")  # the last page rendered
    with pytest.raises(SourceError, match=r"404\.html:1: 'no_such_thing' is undefined"):
        build(tiny, theme_overrides="overrides")
    assert files(site) == before
    assert sorted(p.name for p in tiny.iterdir() if p.name.startswith("_site")) == ["_site"]


def test_dump_text_never_becomes_markup_on_any_page_or_in_the_feed(tiny):
    write_paper(tiny, Paper("evil", EVIL_TITLE, EVIL_ABSTRACT, dt.date(2024, 1, 1), 3,
                            ('<b onmouseover="x">Eve</b>',), "<i>Org</i>",
                            ("javascript:alert(5)", "https://ok.example/code"),
                            tags=("<script>x</script>", "theory")),
                notes="\n<script>alert(6)</script> [x](javascript:alert(7))\n")
    site = build(tiny)
    pages = [p for p in site.rglob("*.html")]
    seen_title = 0
    for path in pages:
        page = html(path)
        for script in page.find_all("script"):
            assert script.get("src", "").startswith(("../", "assets/", "/")), path
        assert not page.find_all("img"), path
        for tag in page.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], path
            for attr in ("href", "src", "action"):
                assert not str(tag.get(attr, "")).strip().lower().startswith("javascript:")
        seen_title += EVIL_TITLE in page.get_text()
    assert seen_title >= 4  # paper, home, tag pages, timeline
    paper = html(site / "papers" / "evil" / "index.html")
    assert paper.h1.get_text() == EVIL_TITLE
    assert "<script>alert(6)</script>" in paper.find(id="notes").parent.get_text()
    hrefs = {a["href"]: a["class"] for a in paper.select(".links a")}
    outbound = [h for h, kind in hrefs.items() if kind not in (["link-search"], ["link-cite"])]
    assert outbound == ["https://ok.example/code"]
    searches = [h for h, kind in hrefs.items() if kind == ["link-search"]]
    assert len(searches) == 3  # the title searched for, quoted: no markup, no javascript:
    assert all(h.startswith("https://") and "<" not in h and " " not in h for h in searches)
    feed = ET.parse(site / "feed.xml").getroot()
    entry = feed.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == EVIL_TITLE
    assert entry.findtext(f"{ATOM}summary") == EVIL_ABSTRACT


def test_cli_build_honours_output_and_base_url_and_summarises(tiny, capsys):
    write_paper(tiny, Paper("a", "A", date=dt.date(2024, 1, 1), tags=("theory",)))
    out = tiny / "public"
    code = main(["build", "-c", str(tiny / "config.yml"), "--output", str(out),
                 "--base-url", "/my-review/"])
    assert code == 0
    assert 'href="/my-review/tags/"' in (out / "404.html").read_text()
    messages = capsys.readouterr().err
    assert re.search(r"\d+ pages \(1 home, 1 paper, 1 papers, 1 new, 1 top, 1 tags, 1 tag, "
                     r"1 timeline, 1 page, 1 search, 1 404\)", messages)
    assert re.search(r"time: check [\d.]+s, import [\d.]+s, load [\d.]+s, "
                     r".*render [\d.]+s.*\(total", messages)


def test_cli_reports_a_bad_page_in_one_line_and_exits_2(tiny, capsys):
    bad = write_paper(tiny, Paper("b", "B"))
    bad.write_text("---\ntitle: B\ndate: last tuesday\n---\n")
    code = main(["build", "-c", str(tiny / "config.yml")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert re.fullmatch(r"error: \S*b\.md:3: date: expected YYYY-MM-DD, got 'last tuesday'",
                        err.strip().splitlines()[-1])
    assert not (tiny / "_site").exists()


def test_the_config_title_heads_the_home_page_unless_index_md_gives_one(tiny):
    write_paper(tiny, Paper("one", "One", date=dt.date(2024, 1, 1)))
    config = tiny / "config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "title: Generalization in Deep Learning", "title: Flat Minima Review"), encoding="utf-8")
    home = html(build(tiny) / "index.html")
    assert home.h1.get_text() == "Flat Minima Review" and home.title.get_text() == \
        "Flat Minima Review"
    index = tiny / "content" / "index.md"
    index.write_text("---\ntitle: Our Reading List\n---\n" + index.read_text(encoding="utf-8"),
                     encoding="utf-8")
    home = html(build(tiny) / "index.html")
    assert home.h1.get_text() == "Our Reading List"
    assert home.select_one(".site-title").get_text() == "Flat Minima Review"


def test_a_tag_is_named_by_one_rule_everywhere(tiny, caplog):
    write_paper(tiny, Paper("one", "One", date=dt.date(2024, 1, 1), tags=("llm", "graph-nn")))
    write_paper(tiny, Paper("two", "Two", date=dt.date(2024, 2, 1), tags=("LLM",)))
    config = tiny / "config.yml"
    config.write_text(config.read_text(encoding="utf-8").split("tag_labels:")[0]
                      + "tag_labels:\n  LLM: Language models\n", encoding="utf-8")
    (tiny / "content" / "tags" / "llm.md").write_text("---\ntitle: Large LMs\n---\nIntro.\n")
    with caplog.at_level("WARNING"):
        site = build(tiny)
    assert any("title: 'Large LMs' is not the tag's name 'Language models'" in r.message
               for r in caplog.records)
    # the label, on the tag's page, the tag index, lists and the paper's page alike
    assert html(site / "tags" / "llm" / "index.html").h1.get_text() == "Language models"
    index = {a.get_text() for a in html(site / "tags" / "index.html").select(".tag-index a")}
    assert {"Language models", "graph-nn"} <= index
    for page in (site / "index.html", site / "papers" / "one" / "index.html",
                 site / "timeline" / "index.html"):
        names = {a.get_text() for a in html(page).select("a.tag")}
        assert "Language models" in names and "llm" not in names and "LLM" not in names, page
