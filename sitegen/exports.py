"""papers.csv and BibTeX files: the review in the formats spreadsheets and LaTeX read.

Both are deterministic (same site, same bytes) and hold only what the dumps and the curator
say: a field the record lacks is left out, never guessed (text dumps give an author *count*;
names come from saved Hugging Face pages, `sitegen enrich` or the curator). Titles and
abstracts are the plain-text reading of their LaTeX (sitegen.mathtext.plain), then escaped for
the format:

- CSV (RFC 4180, UTF-8, CRLF): quoted as needed by the csv module; a text cell that starts
  with = + - @ (or a tab or carriage return) gets a leading ' so a spreadsheet shows it
  instead of evaluating it as a formula.
- BibTeX: every character LaTeX treats specially is escaped, so text from a dump can neither
  break the file's braces nor run a LaTeX command.
"""

from __future__ import annotations

import csv
import functools
import io
import re

from sitegen import urls
from sitegen.config import Config
from sitegen.links import arxiv_abs, is_code
from sitegen.mathtext import plain
from sitegen.model import Paper, Site, slugify

CSV_COLUMNS = ("slug", "title", "date", "year", "upvotes", "authors", "author_count", "arxiv",
               "doi", "venue", "paper_url", "organization", "tags", "links", "has_code",
               "status", "rating", "first_seen", "sources", "url", "abstract")
BIB_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
              "dec")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
# A tag's slug from its name, as sitegen.site groups them; the few names repeat on every paper.
tag_slug = functools.lru_cache(maxsize=4096)(slugify)


def code_links(paper: Paper) -> tuple[str, ...]:
    """Links to source code: GitHub and GitLab repositories named in the abstract."""
    return tuple(u for link in paper.links if (u := urls.safe_link(link)) and is_code(u))


def page_url(paper: Paper, config: Config) -> str:
    """Absolute URL of the paper's page with site_url; else its path from the site root."""
    return config.site_url + urls.paper_path(paper.slug) if config.site_url \
        else urls.paper_path(paper.slug)


# ---------------------------------------------------------------- CSV

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
    tags = dict.fromkeys(tag_names[tag_slug(t)] for t in paper.tags)
    values = {
        "slug": paper.slug, "title": plain(paper.title),
        "date": paper.date.isoformat() if paper.date else None,
        "year": paper.date.year if paper.date else None, "upvotes": paper.upvotes,
        "authors": "; ".join(paper.authors), "author_count": paper.author_count,
        "arxiv": paper.arxiv, "doi": paper.doi, "venue": paper.venue,
        "paper_url": urls.safe_link(paper.url) if paper.url else None,
        "organization": paper.organization, "tags": "; ".join(tags),
        "links": " ".join(u for link in paper.links if (u := urls.safe_link(link))),
        "has_code": bool(code_links(paper)), "status": paper.status, "rating": paper.rating,
        "first_seen": paper.first_seen, "sources": "; ".join(paper.sources),
        "url": page_url(paper, config), "abstract": plain(paper.abstract),
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


# ---------------------------------------------------------------- BibTeX

_TEX = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
        "$": r"\$", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "^": r"\textasciicircum{}",
        "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}"}
_TEX_SPECIAL = re.compile(r"[\\{}$&%#_^~<>]")
_BIB_VERBATIM = re.compile(r"[A-Za-z0-9._~:/?=&+,;!*()\[\]@'<>-]+")
_BIB_URL = re.compile(r"https?://[A-Za-z0-9._~:/?=&+,;!*()\[\]@'-]+")


def tex(text: str) -> str:
    """Text as LaTeX reads it literally: specials escaped, white space collapsed."""
    return _TEX_SPECIAL.sub(lambda m: _TEX[m.group()], " ".join(text.split()))


def _bib_name(name: str) -> str:
    """One author for the `and`-separated list: a name holding " and " is kept whole."""
    text = tex(name)
    return "{" + text + "}" if re.search(r"\sand\s", text, re.I) else text


def _bib_url(url: str) -> str | None:
    """A URL as a BibTeX url field holds it verbatim, or None when it has a character
    that would need escaping there (braces, backslash, percent, hash, space)."""
    return url if _BIB_URL.fullmatch(url) else None


def bibtex_entry(paper: Paper, config: Config, tag_names: dict[str, str],
                 abstract: bool = True) -> str:
    """One @misc entry, keyed by the slug (slugs are [a-z0-9-], valid BibTeX keys)."""
    return _bib_format(paper.slug, _bib_fields(paper, config, tag_names, abstract))


def _bib_fields(paper: Paper, config: Config, tag_names: dict[str, str],
                abstract: bool = True) -> list[tuple[str, str]]:
    """The entry's fields; with `abstract`, the abstract last (an empty field when none)."""
    fields: list[tuple[str, str]] = [("title", "{{" + tex(plain(paper.title)) + "}}")]
    if paper.authors:
        fields.append(("author", "{" + " and ".join(_bib_name(a) for a in paper.authors) + "}"))
    if paper.date:
        fields.append(("year", f"{{{paper.date.year}}}"))
        fields.append(("month", BIB_MONTHS[paper.date.month - 1]))
    if paper.venue:
        fields.append(("howpublished", "{" + tex(paper.venue) + "}"))
    if paper.arxiv:
        fields.append(("eprint", "{" + tex(paper.arxiv) + "}"))
        fields.append(("archivePrefix", "{arXiv}"))
    if paper.doi and _BIB_VERBATIM.fullmatch(paper.doi):  # biblatex reads it verbatim
        fields.append(("doi", "{" + paper.doi + "}"))
    # The paper itself where known (the curator's URL, else arXiv), else its page here.
    for url in (paper.url, paper.arxiv and arxiv_abs(paper.arxiv),
                config.site_url and page_url(paper, config)):
        if url and (url := _bib_url(url)):
            fields.append(("url", "{" + url + "}"))
            break
    code = [u for link in code_links(paper) if (u := _bib_url(link))]
    if code:
        fields.append(("note", "{Code: " + ", ".join(rf"\url{{{u}}}" for u in code) + "}"))
    tags = dict.fromkeys(tag_names[tag_slug(t)] for t in paper.tags)
    if tags:
        fields.append(("keywords", "{" + tex(", ".join(tags)) + "}"))
    if abstract:
        fields.append(("abstract", "{" + tex(plain(paper.abstract)) + "}")
                      if paper.abstract.strip() else ("", ""))
    return fields


def _bib_format(key: str, fields: list[tuple[str, str]]) -> str:
    body = ",\n".join(f"  {name} = {value}" for name, value in fields if name)
    return f"@misc{{{key},\n{body}\n}}\n"


def bibtex_files(site: Site, config: Config) -> dict[str, bytes]:
    """papers.bib (every paper, with abstracts) and tags/<slug>/papers.bib (the tag's papers,
    without: each paper is in several), entries ordered by key so a new paper changes a file
    in one place. Each paper's fields are made once."""
    names = {t.slug: t.name for t in site.tags}
    fields = {p.slug: _bib_fields(p, config, names) for p in site.papers}
    title = re.sub(r"[@\r\n]", " ", config.title)
    header = f"% {title}: generated by sitegen\n\n"

    def file(slugs: list[str], abstracts: bool) -> bytes:
        entries = [_bib_format(s, fields[s] if abstracts else fields[s][:-1])
                   for s in sorted(slugs)]
        return (header + "\n".join(entries)).encode("utf-8")

    out = {urls.BIBTEX: file([p.slug for p in site.papers], True)}
    for tag in site.tags:
        out[urls.tag_bibtex(tag.slug)] = file([p.slug for p in tag.papers], False)
    return out
