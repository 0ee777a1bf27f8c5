"""papers.csv: the review as spreadsheets read it (the .bib files: sitegen.bibtex).

Deterministic (same site, same bytes), holding only what the dumps and the curator say.
Titles and abstracts are the plain-text reading of their LaTeX (sitegen.mathtext.plain).
RFC 4180, UTF-8, CRLF: quoted as needed by the csv module; a text cell that starts with
= + - @ (or a tab or carriage return) gets a leading ' so a spreadsheet shows it instead of
evaluating it as a formula.
"""

from __future__ import annotations

import csv
import io

from sitegen import urls
from sitegen.config import Config
from sitegen.mathtext import plain
from sitegen.model import Paper, Site

CSV_COLUMNS = ("slug", "title", "date", "year", "upvotes", "authors", "author_count", "arxiv",
               "doi", "venue", "paper_url", "organization", "tags", "links", "has_code",
               "status", "rating", "first_seen", "sources", "url", "abstract")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_row(paper: Paper, tag_names: dict[str, str], config: Config) -> list[str]:
    tags = dict.fromkeys(tag_names[s] for s in paper.tag_slugs)
    values = {
        "slug": paper.slug, "title": plain(paper.title),
        "date": paper.date.isoformat() if paper.date else None,
        "year": paper.date.year if paper.date else None, "upvotes": paper.upvotes,
        "authors": "; ".join(paper.authors), "author_count": paper.author_count,
        "arxiv": paper.arxiv, "doi": paper.doi, "venue": paper.venue,
        "paper_url": urls.safe_link(paper.url) if paper.url else None,
        "organization": paper.organization, "tags": "; ".join(tags),
        "links": " ".join(u for link in paper.links if (u := urls.safe_link(link))),
        "has_code": bool(urls.code_links(paper.links)), "status": paper.status,
        "rating": paper.rating,
        "first_seen": paper.first_seen, "sources": "; ".join(paper.sources),
        "url": urls.paper_url(paper.slug, config.site_url), "abstract": plain(paper.abstract),
    }
    return [_cell(values[column]) for column in CSV_COLUMNS]


def papers_csv(site: Site, config: Config) -> bytes:
    """Every visible paper, newest first, one row each, with a header row."""
    names = {t.slug: t.name for t in site.tags}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for paper in site.papers:
        writer.writerow(csv_row(paper, names, config))
    return out.getvalue().encode("utf-8")
