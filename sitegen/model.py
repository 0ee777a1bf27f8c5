"""The records every stage shares: Paper, Tag, Site; and the slug rules."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from anyascii import anyascii

UNTAGGED = "untagged"
SLUG_MAX = 80
# Names Windows keeps for devices, with any extension: a file or folder so named cannot be
# checked out there (content/papers/con.md, _site/tags/aux/).
WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)])


@functools.lru_cache(maxsize=1 << 16)  # the same few tag names are slugged for every paper
def slugify(text: str, max_len: int = SLUG_MAX, fallback: str = "paper") -> str:
    """Readable ASCII slug: 'Grokking: A Study!' -> 'grokking-a-study'.

    Truncated on a word boundary so URLs stay short but still read as the title. Only
    letters, digits and inner hyphens: no slug ends in a dot or space, and a Windows device
    name gets a number ('Con' -> 'con-1'). Pages keep the slug they were written with, so a
    changed rule renames nothing.
    """
    ascii_text = anyascii(text).lower().replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_len:
        cut = slug[: max_len + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut[max_len // 2 :] else slug[:max_len]
        slug = slug.strip("-")
    if slug in WINDOWS_DEVICES:  # the same suffix everywhere: a tag's intro file must match
        slug += "-1"
    return slug or fallback


# A tag's slug from its name; the few names repeat on every paper.
_tag_slug = functools.lru_cache(maxsize=4096)(lambda name: slugify(name))


def title_key(title: str) -> str:
    """Identity of a title for matching the same paper across dumps.

    Case, punctuation, accents and spacing differ between listing pages; words do not.
    """
    return re.sub(r"[^a-z0-9]+", " ", anyascii(title).lower()).strip()


# New-style (2509.12345) and old-style (hep-th/9901001) arXiv ids, with an optional version.
_ARXIV_ID = re.compile(r"(?:[a-z-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?\Z")
_ARXIV_PREFIX = re.compile(r"arxiv:\s*", re.I)


def arxiv_id(text: str) -> str | None:
    """'2509.12345', 'arXiv:2509.12345v2', 'hep-th/9901001' -> the id as written (without
    an 'arXiv:' prefix); None when it is not an arXiv id."""
    text = _ARXIV_PREFIX.sub("", text.strip(), count=1)
    return text if _ARXIV_ID.match(text) else None


def arxiv_key(identifier: str) -> str:
    """Identity of an arXiv id: every version of a paper is the same paper."""
    return re.sub(r"v\d+\Z", "", identifier)


@dataclass(frozen=True)
class Paper:
    """One paper: what the dumps say, plus what the curator added.

    `slug` never changes once the page exists. `sources` lists dump file names,
    the dump it was first seen in first. `authors` holds names when known (a saved page, the
    curator); `author_count` is known more often (text dumps say "4 authors") and is the
    number of names when only those are given. `arxiv` is an id as arxiv_id() reads it.
    """

    slug: str
    title: str
    abstract: str = ""
    date: dt.date | None = None
    upvotes: int | None = None
    authors: tuple[str, ...] = ()
    # Keyword-only: added later, so positional Paper(...) calls keep their meaning.
    author_count: int | None = field(default=None, kw_only=True)
    arxiv: str | None = field(default=None, kw_only=True)
    doi: str | None = field(default=None, kw_only=True)
    venue: str | None = field(default=None, kw_only=True)
    url: str | None = field(default=None, kw_only=True)
    organization: str | None = None
    links: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    notes: str = ""
    status: str | None = None
    rating: int | None = None
    hidden: bool = False
    extra: dict = field(default_factory=dict, compare=True)

    def __post_init__(self) -> None:
        if self.authors and self.author_count is None:
            object.__setattr__(self, "author_count", len(self.authors))

    @functools.cached_property
    def tag_slugs(self) -> tuple[str, ...]:
        """The slugs of its tags, each once, in order: the tag pages it is listed on.
        Computed once per paper: every stage that groups or links tags reads it."""
        return tuple(dict.fromkeys(map(_tag_slug, self.tags)))

    @property
    def first_seen(self) -> str | None:
        return self.sources[0] if self.sources else None


@dataclass(frozen=True)
class Tag:
    """A tag's identity is its slug, so 'Graph NN' and 'graph-nn' are one tag."""

    slug: str
    name: str
    papers: tuple[Paper, ...] = ()
    intro: str = ""  # Markdown from content/tags/<slug>.md

    @property
    def count(self) -> int:
        return len(self.papers)


@dataclass(frozen=True)
class Page:
    """A free-standing Markdown page from content/*.md (about, index, ...)."""

    slug: str
    title: str
    body: str
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Site:
    """Everything the renderers need, read once before anything is written.

    `papers` holds visible papers only, newest first (undated last, then by title).
    """

    papers: tuple[Paper, ...]
    tags: tuple[Tag, ...]
    pages: tuple[Page, ...]
    home: Page | None = None
    dumps: tuple[str, ...] = ()  # dump names in import order, oldest first
    # Authors and organisations with two papers or more, as tags are (slug, name, papers):
    # a page of one paper would only repeat the paper's own page.
    authors: tuple[Tag, ...] = ()
    organizations: tuple[Tag, ...] = ()
