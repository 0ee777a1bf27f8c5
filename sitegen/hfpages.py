"""A saved Hugging Face Papers page (Ctrl+S, `.html`) -> the papers it lists, with their ids.

The text of a listing page carries no ids; the saved page does. Hugging Face renders its
pages from JSON embedded in `<div class="SVELTE_HYDRATER contents" data-target=…
data-props="…">` elements (HTML-escaped JSON in the attribute):

  DailyPapers   (/papers, /papers/date/…, /week/…, /month/…, search pages)
                {"dailyPapers": [item…]} or, on a search page, {"searchResults": [item…]}
  PaperContent  (/papers/<id>)   {"paper": {…}}

An item has `title`, `summary`, `publishedAt`, sometimes `organization` ({"name",
"fullname"}), and `paper`: `id` (the arXiv id), `title`, `summary` (with hard line breaks),
`authors` ([{"name", "hidden"}]), `publishedAt` (ISO datetime), `upvotes`, `githubRepo`,
`projectPage`, `withdrawnAt`. Other hydrated elements hold other things and are ignored.
Every field may be missing: a paper needs a title, the rest is taken where it is well formed.
The page is untrusted: values are only ever read as plain strings and numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sitegen.dumps import DumpPaper, DumpResult, Problem, extract_links, without_controls
from sitegen.model import arxiv_id, title_key

_ISO_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_HTTP = re.compile(r"https?://[^\s<>\"'`]+\Z", re.I)
LIST_KEYS = ("dailyPapers", "searchResults")


@dataclass(frozen=True)
class SavedPaper:
    """One paper as a saved page shows it; `line` is where its element starts."""

    title: str
    line: int
    abstract: str = ""
    arxiv: str | None = None
    authors: tuple[str, ...] = ()
    date: dt.date | None = None
    upvotes: int | None = None
    organization: str | None = None
    links: tuple[str, ...] = ()  # code repository, then project page
    withdrawn: bool = False


@dataclass(frozen=True)
class SavedPage:
    """What a saved page gave: its papers, problems as (line, message), and the listing's
    date when the page says which day, week or month it shows."""

    papers: tuple[SavedPaper, ...]
    problems: tuple[tuple[int | None, str], ...]
    date: dt.date | None = None


def looks_like_html(raw: bytes) -> bool:
    """A saved page whatever its file name: some browsers save as `.txt` or without suffix."""
    head = raw[:2048].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    head = head.replace(b"\x00", b"")  # UTF-16
    return head.startswith((b"<!doctype html", b"<html", b"<!-- saved from"))


def is_saved_page(name: str, raw: bytes) -> bool:
    """A dump to read as a saved page, never as text: by its name or by its content."""
    return name.lower().endswith((".html", ".htm")) or looks_like_html(raw)


def read_html_dump(name: str, raw: bytes) -> DumpResult:
    """A saved page as a dump (layout "html"): its papers in page order, with their ids and
    author names; problems as `file:line: problem (what was done)`."""
    page = read_saved_page(raw)
    result = DumpResult(name=name, layout="html")
    result.problems.extend(Problem(name, line, message) for line, message in page.problems)
    cleaned: list[tuple[int, str]] = []
    for saved in page.papers:
        def clean(text: str, line: int = saved.line) -> str:  # as a text dump's lines are
            return without_controls(text, line, cleaned)

        title, abstract = clean(saved.title), clean(saved.abstract)
        names = tuple(clean(author) for author in saved.authors)
        result.papers.append(DumpPaper(
            title=title, line=saved.line, abstract=abstract, date=saved.date,
            upvotes=saved.upvotes, authors=len(names) or None,
            organization=saved.organization and clean(saved.organization),
            links=tuple(dict.fromkeys((*saved.links, *extract_links(abstract)))),
            source=name, key=title_key(title) or title,
            arxiv=saved.arxiv, author_names=names))
        if saved.withdrawn:
            result.problems.append(Problem(name, saved.line, (
                f"{saved.title[:60]!r} is withdrawn from arXiv; imported (set `hidden: true` "
                "in its page to leave it out)")))
    result.problems.extend(Problem(name, line, message) for line, message in dict.fromkeys(cleaned))
    if not page.papers and not page.problems:
        result.problems.append(Problem(name, None, "no papers found; nothing imported"))
    if page.date:
        result.notes.append(f"a listing of {page.date.isoformat()}")
    return result


def read_saved_page(raw: bytes) -> SavedPage:
    """Every paper in the page's hydration data. Never raises for bad content."""
    # Imported here: it costs a few hundred ms, and most reviews have no saved page.
    from bs4 import BeautifulSoup, SoupStrainer

    # Only the hydrated elements are parsed: a saved page is mostly markup and scripts.
    only = SoupStrainer("div", attrs={"data-target": True, "data-props": True})
    soup = BeautifulSoup(raw, "html.parser", parse_only=only)
    papers: list[SavedPaper] = []
    problems: list[tuple[int | None, str]] = []
    found = False
    day = None
    for element in soup.find_all("div", attrs={"data-target": True, "data-props": True}):
        if "SVELTE_HYDRATER" not in (element.get("class") or ()):
            continue
        target, line = element["data-target"], element.sourceline
        if target not in ("DailyPapers", "PaperContent"):
            continue
        found = True
        try:
            props = json.loads(element["data-props"])
        except ValueError as exc:
            problems.append((line, f"{target} data is not valid JSON ({exc.msg}); skipped"))
            continue
        if not isinstance(props, dict):
            problems.append((line, f"{target} data is not an object; skipped"))
            continue
        day = day or _date(props.get("dateString"))
        if target == "PaperContent":
            items: list[Any] = [{"paper": props.get("paper")}]
        else:
            items = []
            for key in LIST_KEYS:
                value = props.get(key)
                if isinstance(value, list):
                    items.extend(value)
        for number, item in enumerate(items, 1):
            paper = _paper(item, line or 0)
            if paper is None:
                problems.append((line, f"{target} entry {number} has no title; skipped"))
            else:
                papers.append(paper)
    if not found:
        problems.append((None, "an HTML page without Hugging Face Papers data "
                               "(no DailyPapers or PaperContent element); nothing imported"))
    return SavedPage(tuple(papers), tuple(problems), day)


def read_item(item: Any) -> SavedPaper | None:
    """One entry shaped as the hydration data's (`{"paper": {…}}`), as the paper search
    API also answers; None when it has no title."""
    return _paper(item, 0)


def _paper(item: Any, line: int) -> SavedPaper | None:
    if not isinstance(item, dict):
        return None
    paper = item.get("paper") if isinstance(item.get("paper"), dict) else {}
    title = _text(paper.get("title")) or _text(item.get("title"))
    if not title:
        return None
    arxiv = _text(paper.get("id"))
    links = tuple(url for url in (_url(paper.get("githubRepo")), _url(paper.get("projectPage")))
                  if url)
    return SavedPaper(
        title=title,
        line=line,
        abstract=_text(paper.get("summary")) or _text(item.get("summary")),
        arxiv=arxiv_id(arxiv) if arxiv else None,
        authors=_authors(paper.get("authors")),
        date=_date(paper.get("publishedAt")) or _date(item.get("publishedAt")),
        upvotes=_count(paper.get("upvotes")),
        organization=_organization(item.get("organization") or paper.get("organization")),
        links=links,
        withdrawn=bool(paper.get("withdrawnAt")),
    )


def _text(value: Any) -> str:
    """A string field as one line: `summary` has hard line breaks the listing text has not."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def _authors(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    names = (_text(a.get("name")) for a in value if isinstance(a, dict))
    return tuple(dict.fromkeys(name for name in names if name))


def _date(value: Any) -> dt.date | None:
    match = _ISO_DATE.match(value) if isinstance(value, str) else None
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def _count(value: Any) -> int | None:
    # bool is an int to Python, not an upvote count
    return value if type(value) is int and value >= 0 else None


def _organization(value: Any) -> str | None:
    if isinstance(value, dict):
        return _text(value.get("fullname")) or _text(value.get("name")) or None
    return _text(value) or None


def _url(value: Any) -> str | None:
    text = _text(value)
    return text if _HTTP.match(text) else None
