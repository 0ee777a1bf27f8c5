"""Themes, the template lookup chain, assets, and Markdown that never becomes script."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from markupsafe import Markup

from sitegen import search
from sitegen.build import build_site
from sitegen.config import load_config
from sitegen.errors import ConfigError, SourceError
from sitegen.markup import MarkdownRenderer
from sitegen.model import Paper
from sitegen.paper_files import new_page
from sitegen.theme import AssetError, Assets
from sitegen.views import PaperView, timeline


@pytest.fixture
def tiny(project: Path) -> Path:
    """The example project without its dumps, plus two hand-written papers."""
    for dump in (project / "content" / "dumps").iterdir():
        dump.unlink()
    papers = project / "content" / "papers"
    papers.joinpath("a.md").write_text(new_page(Paper(
        "a", "Alpha paper", "Alpha abstract.", dt.date(2024, 5, 2), tags=("theory",))))
    papers.joinpath("b.md").write_text(new_page(Paper("b", "Beta paper", "Beta abstract.")))
    return project


def run(root: Path, **overrides) -> Path:
    assert build_site(load_config(root / "config.yml", **overrides)) == 0
    return root / "_site"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# ---------------------------------------------------------------- Markdown

def test_raw_html_in_notes_shows_as_text():
    html = MarkdownRenderer()("<script>alert(1)</script>\n\nA <b onclick=x>bold</b> claim.\n\n"
                              "<div>\nblock\n</div>")
    page = BeautifulSoup(html, "html.parser")
    assert not page.find_all(["script", "b", "div"])
    assert "<script>alert(1)</script>" in page.get_text()
    assert "<b onclick=x>bold</b>" in page.get_text()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)",
                                 "&#106;avascript:alert(1)", "java&#x09;script:x",
                                 "data:text/html;base64,PHNjcmlwdD4=", "vbscript:x"])
def test_script_urls_in_notes_lose_their_link(url):
    html = MarkdownRenderer()(f"[click]({url}) and ![img]({url})")
    page = BeautifulSoup(html, "html.parser")
    assert page.a is not None and page.a.get("href") is None
    assert page.img is not None and page.img.get("src") is None


def test_ordinary_links_in_notes_are_kept():
    html = MarkdownRenderer()("[code](https://github.com/x/y), [other](../b/), "
                              "<https://arxiv.org/abs/1>, [mail](mailto:a@b.org)")
    hrefs = [a["href"] for a in BeautifulSoup(html, "html.parser").find_all("a")]
    assert hrefs == ["https://github.com/x/y", "../b/", "https://arxiv.org/abs/1",
                     "mailto:a@b.org"]


def test_note_headings_nest_under_the_page_heading_without_skipping_levels():
    md = MarkdownRenderer()
    assert re.findall(r"<(h\d)>", md("# Top\n\n### Deeper\n", 3)) == ["h3", "h5"]
    assert re.findall(r"<(h\d)>", md("## Section\n\n### Sub\n")) == ["h2", "h3"]


# ---------------------------------------------------------------- view data

def _view(slug: str, date: str) -> PaperView:
    return PaperView(
        key=slug, slug=slug, title=slug, path=f"papers/{slug}/", date=date, date_label=date,
        upvotes=None, authors="", authors_short="", author_links=(), organization="",
        organization_path="", tags=(), links=(), abstract=(), sources=(),
        notes_html=MarkdownRenderer()(""), status="")


def test_timeline_groups_by_year_and_month_with_undated_apart():
    papers = (_view("c", "2025-04-30"), _view("b", "2025-04-01"), _view("a", "2024-12-31"),
              _view("x", ""))
    years, undated = timeline(papers)
    assert [(y.year, [(m.label, [p.slug for p in m.papers]) for m in y.months])
            for y in years] == [(2025, [("April 2025", ["c", "b"])]),
                                (2024, [("December 2024", ["a"])])]
    assert [p.slug for p in undated] == ["x"]


# ---------------------------------------------------------------- themes and assets

def test_asset_names_carry_a_hash_of_their_content():
    one, two = Assets({"style.css": b"a{}"}), Assets({"style.css": b"b{}"})
    assert re.fullmatch(r"assets/style\.[0-9a-f]{10}\.css", one.path("style.css"))
    assert one.path("style.css") != two.path("style.css")
    with pytest.raises(AssetError, match="'nope.js' not found"):
        one.path("nope.js")


def test_a_site_overrides_one_template_and_one_asset_by_dropping_a_file(tiny):
    overrides = tiny / "overrides"
    (overrides / "templates" / "partials").mkdir(parents=True)
    (overrides / "assets").mkdir()
    (overrides / "templates" / "partials" / "paper_item.html").write_text(
        '<li class="mine"><a href="{{ url(paper.path) }}">{{ paper.title }}</a></li>\n')
    (overrides / "assets" / "style.css").write_text("body { color: rebeccapurple; }\n")
    site = run(tiny, theme_overrides="overrides")
    home = soup(site / "index.html")
    assert [li.get_text() for li in home.select("li.mine")] == ["Alpha paper", "Beta paper"]
    assert home.select_one("h1") is not None  # every other template still the default's
    css = home.select_one('link[rel="stylesheet"]')["href"]
    assert (site / css).read_text() == "body { color: rebeccapurple; }\n"
    assert (site / "assets").joinpath(Path(soup(site / "index.html").select_one(
        'link[rel="icon"]')["href"]).name).exists()  # other assets still the theme's


def test_a_theme_in_the_project_may_ship_only_the_templates_it_changes(tiny):
    mine = tiny / "themes" / "mine" / "templates"
    mine.mkdir(parents=True)
    (mine / "paper.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1 class="mine">{{ paper.title }}</h1>'
        "{% endblock %}")
    site = run(tiny, theme="mine")
    assert soup(site / "papers" / "a" / "index.html").select_one("h1.mine").get_text() == \
        "Alpha paper"


def test_an_unknown_theme_is_a_config_error_naming_the_shipped_ones(tiny):
    with pytest.raises(ConfigError, match=r"theme: no theme 'fancy'.*use one of default"):
        run(tiny, theme="fancy")
    assert not (tiny / "_site").exists()


def _override(root: Path, name: str, text: str) -> None:
    path = root / "overrides" / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_missing_asset_names_the_template_line_and_the_fix(tiny):
    _override(tiny, "page.html", '{% extends "base.html" %}\n{% block content %}\n'
              '<img src="{{ asset(\'logo.png\') }}" alt="">\n{% endblock %}\n')
    with pytest.raises(SourceError) as caught:
        run(tiny, theme_overrides="overrides")
    message = str(caught.value)
    assert re.search(r"page\.html:3: asset 'logo\.png' not found .*add it to", message)


def test_an_undefined_variable_is_an_error_not_an_empty_string(tiny):
    _override(tiny, "tag.html", '{% extends "base.html" %}\n{% block content %}'
              "{{ tag.ref.nmae }}{% endblock %}\n")
    with pytest.raises(SourceError, match=r"tag\.html:2: .*nmae"):
        run(tiny, theme_overrides="overrides")


def test_a_template_syntax_error_names_file_and_line(tiny):
    _override(tiny, "tags.html", '{% extends "base.html" %}\n\n{% block content %}{% if %}\n')
    with pytest.raises(SourceError, match=r"tags\.html:3: .*fix the template"):
        run(tiny, theme_overrides="overrides")


def test_generated_files_are_assets_templates_reach_by_name(tiny, monkeypatch):
    real = search.search_files

    def with_extra(site, config, **kw):
        files = real(site, config, **kw)
        return replace(files, assets={**files.assets, "extra.json": b'{"n": 2}'})

    monkeypatch.setattr(search, "search_files", with_extra)
    _override(tiny, "page.html", '{% extends "base.html" %}{% block scripts %}'
              '<script src="{{ asset(\'extra.json\') }}" type="application/json" '
              'id="extra"></script>{% endblock %}')
    site = run(tiny, theme_overrides="overrides")
    src = soup(site / "about" / "index.html").select_one("#extra")["src"]
    assert re.fullmatch(r"\.\./assets/extra\.[0-9a-f]{10}\.json", src)
    assert (site / "about" / src).read_bytes() == b'{"n": 2}'


def test_autoescape_is_on_in_every_template_including_overrides(tiny):
    path = tiny / "content" / "papers" / "a.md"
    path.write_text(path.read_text().replace("title: Alpha paper", "title: A <i>x</i>"))
    _override(tiny, "paper.html", '{% extends "base.html" %}{% block content %}'
              '<p id="t">{{ paper.title }}</p>{% endblock %}')
    page = soup(run(tiny, theme_overrides="overrides") / "papers" / "a" / "index.html")
    assert page.select_one("#t").get_text() == "A <i>x</i>"
    assert page.select_one("#t i") is None


def test_a_missing_include_names_the_including_template(tiny):
    _override(tiny, "tags.html", '{% extends "base.html" %}\n{% block content %}\n'
              '{% include "partials/nope.html" %}{% endblock %}\n')
    with pytest.raises(SourceError, match=r"tags\.html:3: template 'partials/nope\.html' "
                       r"not found in .*theme_overrides/templates/"):
        run(tiny, theme_overrides="overrides")


def test_page_keys_follow_values_not_how_objects_are_shared():
    """A page read from the cache shares strings differently from one parsed again; equal
    values must give equal keys, or unchanged pages would be rendered again."""
    from sitegen import render, routes
    from sitegen import views as views_module
    from sitegen.model import Site, Tag

    name = "".join(["learning-", "theory"])  # equal to, but not the same object as, below
    shared = Paper("a", "A title", "An abstract.", tags=(name, name))
    separate = Paper("a", "A title", "An abstract.", tags=(name, "learning-theory"))
    assert shared == separate
    site = Site((shared,), (Tag("learning-theory", "learning-theory", (shared,)),), ())
    config = load_config(Path("/nonexistent/config.yml"))
    views = views_module.ViewData(site, config, MarkdownRenderer())
    assert views._key(shared, config) == views._key(separate, config)
    label = "".join(["same ", "text"])
    job = routes.Job("page", "page.html", "x/", "T", "D", {"a": label, "b": label})
    again = routes.Job("page", "page.html", "x/", "T", "D", {"a": label, "b": "same text"})
    assert render.page_key(job, "") == render.page_key(again, "")


def test_paper_views_survive_pickling_as_the_cache_and_worker_use_them():
    """Views are kept in the cache as pickles; they must come back equal, with their HTML
    still marked safe (else every title would be escaped twice)."""
    import pickle

    from markupsafe import Markup

    from sitegen import views as views_module
    from sitegen.model import Site, Tag

    paper = Paper("a", "On $x^2$ <b>", "First.\n\nSecond $y$.", tags=("theory",),
                  links=("https://github.com/a/b",), sources=("d.txt",), notes="*Note*")
    site = Site((paper,), (Tag("theory", "theory", (paper,)),), ())
    config = load_config(Path("/nonexistent/config.yml"))
    view = views_module.ViewData(site, config, MarkdownRenderer()).papers["a"]
    back = pickle.loads(pickle.dumps(view, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == view and back is not view
    assert type(back.title_html) is Markup and type(back.notes_html) is Markup
    assert all(type(p) is Markup for p in back.abstract_html) and len(back.abstract_html) == 2
    assert back.links == view.links and type(back.links[0]) is views_module.Link


def test_math_in_notes_renders_as_in_abstracts():
    md = MarkdownRenderer()
    html = md(r"Sharpness $\nabla L$, $$\frac{a}{b}$$ and \(\alpha_t\); costs $5 and $10.")
    assert html.count("<math>") == 3
    assert "<mi>∇</mi><mi>L</mi>" in html and "<mfrac>" in html and "<mi>α</mi>" in html
    assert "$nabla" not in html and "costs $5 and $10." in html
    # code keeps its dollars; markup stays text around math; math is not a way in for HTML
    assert md(r"`$\nabla$`") == Markup(r"<p><code>$\nabla$</code></p>")
    assert md("<b>$x$</b>") == Markup("<p>&lt;b&gt;<math><mi>x</mi></math>&lt;/b&gt;</p>")
    assert "<script" not in md(r"$\text{<script>alert(1)</script>}$")
