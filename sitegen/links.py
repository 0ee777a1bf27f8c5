"""Where a paper can be opened and how it is cited: its outbound links and its Highwire
`citation_*` meta tags, as plain functions of a Paper for the templates and exports.

A paper with an arXiv id links to its abstract, PDF and Hugging Face page; one without
links to title searches that find it (Hugging Face Papers, arXiv, Semantic Scholar). Every
URL is built from validated ids or passed through urls.safe_link: text from dumps never
becomes a `javascript:` link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

from sitegen import urls
from sitegen.mathtext import plain
from sitegen.model import Paper


@dataclass(frozen=True)
class Link:
    """`kind` names what the link is for (a CSS hook): arxiv, pdf, huggingface, doi, web,
    code, project, search."""

    kind: str
    label: str
    url: str


def arxiv_abs(arxiv: str) -> str:
    return f"https://arxiv.org/abs/{arxiv}"


def arxiv_pdf(arxiv: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv}"


def huggingface_page(arxiv: str) -> str:
    """Hugging Face Papers pages are named by the id without its version."""
    return f"https://huggingface.co/papers/{re.sub(r'v[0-9]+$', '', arxiv)}"


def doi_url(doi: str) -> str:
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def searches(title: str) -> tuple[Link, ...]:
    """Title searches that find a paper whose id is not known."""
    query = quote_plus(" ".join(plain(title).split()))
    return (
        Link("search", "Search Hugging Face Papers", f"https://huggingface.co/papers?q={query}"),
        Link("search", "Search arXiv",
             f"https://arxiv.org/search/?query={query}&searchtype=title"),
        Link("search", "Search Semantic Scholar",
             f"https://www.semanticscholar.org/search?q={query}"),
    )


def outbound(paper: Paper) -> tuple[Link, ...]:
    """The paper's links, most direct first: arXiv abstract, PDF, Hugging Face page, DOI, the
    curator's URL, then code and project pages; title searches when it has no id."""
    found: list[Link] = []
    if paper.arxiv:
        found += [Link("arxiv", "arXiv", arxiv_abs(paper.arxiv)),
                  Link("pdf", "PDF", arxiv_pdf(paper.arxiv)),
                  Link("huggingface", "Hugging Face", huggingface_page(paper.arxiv))]
    if paper.doi:
        found.append(Link("doi", "DOI", doi_url(paper.doi)))
    if paper.url and (url := urls.safe_link(paper.url)):
        found.append(Link("web", "Paper", url))
    for link in paper.links:
        url = urls.safe_link(link)
        if url is None or any(f.url == url for f in found):
            continue
        if urls.is_code(url):
            found.append(Link("code", "Code", url))
        else:
            found.append(Link("project", urlsplit(url).hostname or "Project page", url))
    if not paper.arxiv and not paper.doi:
        found += searches(paper.title)
    return tuple(found)


def citation_meta(paper: Paper) -> tuple[tuple[str, str], ...]:
    """Highwire Press tags (name, content) as Google Scholar and Zotero read them: title,
    one citation_author per author, the date as YYYY/MM/DD, the arXiv id and PDF, the DOI."""
    tags = [("citation_title", " ".join(plain(paper.title).split()))]
    tags += [("citation_author", name) for name in paper.authors]
    if paper.date:
        tags.append(("citation_date", paper.date.strftime("%Y/%m/%d")))
    if paper.arxiv:
        tags += [("citation_arxiv_id", paper.arxiv),
                 ("citation_pdf_url", arxiv_pdf(paper.arxiv))]
    if paper.doi:
        tags.append(("citation_doi", paper.doi))
    return tuple(tags)
