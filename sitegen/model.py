"""The records every stage shares: Paper, Tag, Site; and the slug rules."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from anyascii import anyascii

UNTAGGED = "untagged"
SLUG_MAX = 80


@functools.lru_cache(maxsize=1 << 16)  # the same few tag names are slugged for every paper
def slugify(text: str, max_len: int = SLUG_MAX, fallback: str = "paper") -> str:
    """Readable ASCII slug: 'Grokking: A Study!' -> 'grokking-a-study'.

    Truncated on a word boundary so URLs stay short but still read as the title.
    """
    ascii_text = anyascii(text).lower().replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_len:
        cut = slug[: max_len + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut[max_len // 2 :] else slug[:max_len]
        slug = slug.strip("-")
    return slug or fallback


# A tag's slug from its name; the few names repeat on every paper.
_tag_slug = functools.lru_cache(maxsize=4096)(lambda name: slugify(name))


def title_key(title: str) -> str:
    """Identity of a title for matching the same paper across dumps.

    Case, punctuation, accents and spacing differ between listing pages; words do not.
    """
    return re.sub(r"[^a-z0-9]+", " ", anyascii(title).lower()).strip()


@dataclass(frozen=True)
class Paper:
    """One paper: what the dumps say, plus what the curator added.

    `slug` never changes once the page exists. `sources` lists dump file names,
    the dump it was first seen in first. `authors` is a count, or names when known.
    """

    slug: str
    title: str
    abstract: str = ""
    date: dt.date | None = None
    upvotes: int | None = None
    authors: int | tuple[str, ...] | None = None
    organization: str | None = None
    links: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    notes: str = ""
    status: str | None = None
    rating: int | None = None
    hidden: bool = False
    extra: dict = field(default_factory=dict, compare=True)

    @functools.cached_property
    def tag_slugs(self) -> tuple[str, ...]:
        """The slugs of its tags, each once, in order: the tag pages it is listed on.
        Computed once per paper: every stage that groups or links tags reads it."""
        return tuple(dict.fromkeys(map(_tag_slug, self.tags)))

    @property
    def first_seen(self) -> str | None:
        return self.sources[0] if self.sources else None

    @property
    def author_count(self) -> int | None:
        if isinstance(self.authors, tuple):
            return len(self.authors)
        return self.authors


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
