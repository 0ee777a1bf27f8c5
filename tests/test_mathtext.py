"""LaTeX in titles and abstracts: readable math on pages (MathML made at build time, no
script), readable text everywhere else, and never markup from the dump or a broken page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import warnings
import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import mathtext
from sitegen.build import build_site
from sitegen.config import load_config
from sitegen.model import Paper
from sitegen.paper_files import new_page, read_page
from tests.conftest import copy_example

REPO = Path(__file__).resolve().parent.parent
BASE = "/sub/path/"
ATOM = "{http://www.w3.org/2005/Atom}"
# Attributes the converter may write, with the values it may give them.
ALLOWED_ATTRS = {"mathvariant": {"normal"}, "accent": {"true"}, "linethickness": {"0"},
                 "width": set(mathtext.SPACES.values())}


def soup(html: str) -> BeautifulSoup:
    with warnings.catch_warnings():  # some texts look like a URL to bs4: they are text here
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(html, "html.parser")


def assert_only_generated_markup(html: str) -> None:
    """Every element is MathML from the whitelist, every attribute one the converter writes."""
    for tag in soup(html).find_all(True):
        assert tag.name in mathtext.TAGS, tag.name
        for name, value in tag.attrs.items():
            assert value in ALLOWED_ATTRS.get(name, ()), (name, value)


# ---------------------------------------------------------------- fragments from the dumps

@pytest.mark.parametrize(("source", "text"), [
    # math between dollars: the bold D of the example title
    (r"$\bf{D^3}$QE: Learning", "D³QE: Learning"),
    # math whose backslashes the copy lost
    ("intrinsic dimension (d_{data}) of", "intrinsic dimension (d_data) of"),
    ("variance sigma_{1:T}^2 and Sigma_{max}^2", "variance σ_(1:T)² and Σ_max²"),
    ("matrix D^{-1} exp", "matrix D⁻¹ exp"),
    ("error of 0.0562 ^{circ} on KITTI", "error of 0.0562 ° on KITTI"),
    ("Error (D^3QE) for", "Error (D³QE) for"),
    ("with respect to the L_1 loss", "with respect to the L₁ loss"),
    # text-mode escapes
    (r"masking 20\% non-error tokens", "masking 20% non-error tokens"),
    (r'Schr\"odinger Bridges and Z\"urich, na\"ive', "Schrödinger Bridges and Zürich, naïve"),
    (r"hyper-parameter delta ({\delta}) that", "hyper-parameter delta (δ) that"),
    (r"statistics (\eg, mean) and heads (\ie, classifiers)",
     "statistics (e.g., mean) and heads (i.e., classifiers)"),
    ("the ``tensor-type'' attention", "the “tensor-type” attention"),
    # ordinary LaTeX
    (r"$O(n \log n)$ time", "O(n log n) time"),
    (r"for $x \in \mathbb{R}^d$", "for x ∈ ℝ^d"),
    (r"$\frac{1}{2}$ and $\sqrt{n}$", "1/2 and √n"),
])
def test_latex_reads_as_text(source, text):
    assert mathtext.plain(source) == text
    assert_only_generated_markup(mathtext.render(source))


def test_math_becomes_mathml_with_its_structure():
    page = soup(mathtext.render(r"$\bf{D^3}$QE and d_{data}"))
    first, second = page.find_all("math")
    assert first.msup.mi.get_text() == "𝐃" and first.msup.mn.get_text() == "𝟑"  # bold
    assert [c.get_text() for c in second.msub.find_all(recursive=False)] == ["d", "data"]
    assert page.get_text() == "𝐃𝟑QE and ddata"


@pytest.mark.parametrize("text", [
    "It costs $5 and $10 million.",  # money, not math (a closing $ is never before a digit)
    "snake_case_names, file_v2.py, model_2b and Qwen2_5",
    "a face ^_^ and a caret ^ alone",
    "https://github.com/x_y/repo^{here}?a=$b$",  # URLs are left alone
    "Plain prose with {braces} and a backslash \\ in it.",
    r"An unknown command \cite{x} stays as written.",
])
def test_what_is_not_math_stays_exactly_as_written(text):
    assert mathtext.plain(text) == text
    html = str(mathtext.render(text))
    assert "<math" not in html and soup(html).get_text() == text
    assert not mathtext.has_math(text)


# ---------------------------------------------------------------- hostile input

@pytest.mark.parametrize("text", [
    "$<script>alert(1)</script>$",
    r"$\href{javascript:alert(1)}{click}$",
    r"$\text{<img src=x onerror=alert(1)>}$",
    r"$\style{background:url(javascript:x)}{y}$ $\class{a}{b}$ $\color{red}{x}$",
    r"$\url{javascript:alert(1)}$ and $\require{html}$",
    "unbalanced $x^2 and a lone $ dollar",
    r"$\frac{1}{2$ and $\sqrt[3{x}$ and $x^$ and ${}$",
    "$" + "{" * 200 + "x" + "}" * 200 + "$",  # deeper than any formula
    "$" + "x+" * 500 + "$",  # longer than any formula
    "d_{" + "a" * 1000,  # a brace that never closes
    '"><svg onload=alert(1)> d_{"><b>} x^{<i>}',
])
def test_hostile_latex_never_becomes_markup_and_never_raises(text):
    html = str(mathtext.render(text))
    assert_only_generated_markup(html)  # so no script, link, style or event handler
    assert isinstance(mathtext.plain(text), str)


def test_markup_inside_math_is_shown_as_the_characters_it_is_made_of():
    page = soup(mathtext.render("$<script>alert(1)</script>$"))
    assert page.math is not None and not page.find_all("script")
    assert page.get_text() == "<script>alert(1)</script>"
    page = soup(mathtext.render(r"$\text{<img src=x onerror=alert(1)>}$"))
    assert page.mtext.get_text() == "<img src=x onerror=alert(1)>" and not page.find_all("img")


def test_a_malformed_fragment_is_shown_exactly_as_written():
    text = r"see $\href{javascript:alert(1)}{x}$ and $\frac{1}{2$ here"
    assert soup(mathtext.render(text)).get_text() == text
    assert mathtext.plain(text) == text


_PIECES = [*"ab xyz019$\\{}_^'`\"%&<>()[]|.,-+=/\n", "\\frac", "\\alpha", "\\left",
           "\\right", "\\text", "\\bf", "\\href", "\\sqrt", "$$", "\\mathbb", "``", "''",
           "https://x.org/", "sigma_", "^{", "\\\"o", "\\%"]
_LATEXISH = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(_LATEXISH)
def test_any_text_renders_to_whitelisted_markup_without_raising(text):
    html = str(mathtext.render(text))
    assert_only_generated_markup(html)
    assert mathtext.render(text) == html and isinstance(mathtext.plain(text), str)
    if not mathtext.has_math(text):
        assert html == escape(text, quote=False) and mathtext.plain(text) == text


# ---------------------------------------------------------------- the built site



@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The example review built under a sub-path; returns the project folder."""
    root = copy_example(tmp_path_factory.mktemp("math"))
    assert build_site(load_config(root / "config.yml", base_url=BASE)) == 0
    return root


def _paper(root: Path, needle: str) -> Paper:
    papers = [read_page(p)[0] for p in sorted((root / "content" / "papers").glob("*.md"))]
    return next(p for p in papers if needle in p.title or needle in p.abstract)


def test_example_title_with_math_shows_mathml_on_its_page_and_text_in_its_title(example):
    paper = _paper(example, r"$\bf{D^3}$QE")
    page = soup((example / "_site" / "papers" / paper.slug / "index.html").read_text())
    assert page.h1.math is not None and page.h1.math.msup is not None
    assert "$" not in page.h1.get_text() and "\\bf" not in page.h1.get_text()
    assert page.title.get_text().startswith("D³QE: Learning Discrete")
    assert not page.find_all("script", src=False)  # rendered at build time: no script
    abstract = page.find(id="abstract").parent
    assert abstract.math is not None  # D^3QE in the abstract too
    # the home page, the table and the tag pages show the same title
    table = soup((example / "_site" / "papers" / "index.html").read_text())
    link = table.find("a", href=f"../papers/{paper.slug}/")
    assert link.math is not None


def test_example_abstracts_show_percent_and_umlauts_not_backslashes(example):
    paper = _paper(example, r"Schr\"odinger")
    page = soup((example / "_site" / "papers" / paper.slug / "index.html").read_text())
    text = page.find(id="abstract").parent.get_text()
    assert "Schrödinger" in text and '\\"' not in text
    paper = _paper(example, r"\%")
    text = soup((example / "_site" / "papers" / paper.slug / "index.html").read_text()) \
        .find(id="abstract").parent.get_text()
    assert "%" in text and "\\%" not in text


def test_feeds_csv_and_bibtex_carry_math_as_plain_text_and_json_keeps_the_source(example):
    site = example / "_site"
    paper = _paper(example, r"$\bf{D^3}$QE")
    feed = ET.parse(site / "feed.xml").getroot()
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert not any("$" in t or "\\" in t for t in titles)
    rows = list(csv.DictReader(io.StringIO((site / "papers.csv").read_text(encoding="utf-8"))))
    by_slug = {r["slug"]: r for r in rows}
    assert by_slug[paper.slug]["title"].startswith("D³QE: Learning")
    assert not any("\\%" in r["abstract"] or '\\"o' in r["abstract"] for r in rows)
    bib = (site / "papers.bib").read_text(encoding="utf-8")
    entry = bib[bib.index("@misc{" + paper.slug):]
    assert entry.split("\n")[1] == "  title = {{D³QE: Learning Discrete Distribution " \
        "Discrepancy-aware Quantization Error for Autoregressive-Generated Image Detection}},"
    records = {r["slug"]: r for r in json.loads((site / "papers.json").read_text())}
    assert records[paper.slug]["title"] == paper.title  # the dataset keeps the source text


def test_hostile_latex_in_a_paper_stays_text_on_every_page_and_export(project):
    for dump in (project / "content" / "dumps").iterdir():
        dump.unlink()
    title = r"Evil $<script>alert(1)</script>$ and $\href{javascript:alert(2)}{x}$ d_{<b>}"
    abstract = (r"Unbalanced $x and $\text{<img src=x onerror=alert(3)>}$; "
                r"braces } { and \input{/etc/passwd} 100\% sure.")
    (project / "content" / "papers" / "evil.md").write_text(new_page(Paper(
        "evil", title, abstract, dt.date(2024, 5, 1), tags=("theory",))), encoding="utf-8")
    config = load_config(project / "config.yml", base_url=BASE,
                         site_url="https://example.org/sub/path/")
    assert build_site(config) == 0
    site = project / "_site"
    for path in site.rglob("*.html"):
        page = soup(path.read_text(encoding="utf-8"))
        assert all(s.get("src") for s in page.find_all("script")), path  # no inline script
        assert not page.find_all(["img", "b", "i"]), path
        for tag in page.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], path
            assert "javascript:" not in str(tag.get("href", "")), path
    paper = soup((site / "papers" / "evil" / "index.html").read_text(encoding="utf-8"))
    assert paper.h1.math is not None  # d_{<b>}: a subscript of the characters "<b>"
    assert "alert(2)" in paper.h1.get_text()  # the malformed fragment, as written
    assert "<img src=x onerror=alert(3)>" in paper.find(id="abstract").parent.get_text()
    bib = (site / "papers.bib").read_text(encoding="utf-8")
    assert "\\input{" not in bib and "\\textbackslash{}input\\textbraceleft{}" in bib
    assert bib.count("{") == bib.count("}")
    row = next(csv.DictReader(io.StringIO((site / "papers.csv").read_text(encoding="utf-8"))))
    assert "<script>alert(1)</script>" in row["title"]  # text, as a spreadsheet shows it
