"""The same paper from several dumps -> one record with the richest metadata.

Papers match by arXiv id when both entries have one (a saved HTML page gives ids, a text dump
does not), else on their title key (case, accents and punctuation ignored). Two entries with
the same title but different ids, or clearly different abstracts, are different papers and
stay apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sitegen.dumps import DumpPaper
from sitegen.model import arxiv_key, title_key


@dataclass
class Merged:
    """One unique paper; `seen` holds its dump entries, oldest dump first."""

    key: str
    seen: list[DumpPaper] = field(default_factory=list)

    @property
    def first(self) -> DumpPaper:
        return self.seen[0]

    def newest(self, name: str):
        """The value from the newest dump that has one (later dumps know more upvotes)."""
        for paper in reversed(self.seen):
            value = getattr(paper, name)
            if value not in (None, "", ()):
                return value
        return None

    @property
    def title(self) -> str:
        return self.first.title

    @property
    def abstract(self) -> str:
        # A truncated copy is a prefix of a complete one: the longest is the best.
        return max((p.abstract for p in self.seen), key=len)

    @property
    def links(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(link for p in self.seen for link in p.links))

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.source for p in self.seen))

    @property
    def arxiv(self) -> str | None:
        return self.newest("arxiv")

    @property
    def author_names(self) -> tuple[str, ...]:
        return self.newest("author_names") or ()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def same_paper(a: str, b: str) -> bool:
    """Abstracts of one paper: equal, one a truncation of the other, or mostly the same words."""
    if not a or not b:
        return True
    na, nb = " ".join(a.split()).lower(), " ".join(b.split()).lower()
    if na.startswith(nb[:200]) or nb.startswith(na[:200]):
        return True
    wa, wb = _words(a), _words(b)
    return len(wa & wb) / max(1, len(wa | wb)) >= 0.6


def merge(dumps: list[list[DumpPaper]]) -> list[Merged]:
    """Group papers from dumps given oldest first; order of result = order first seen."""
    groups: dict[str, list[Merged]] = {}
    by_id: dict[str, Merged] = {}
    order: list[Merged] = []
    for papers in dumps:
        for paper in papers:
            ident = arxiv_key(paper.arxiv) if paper.arxiv else None
            base = paper.key or title_key(paper.title) or paper.title
            candidates = groups.setdefault(base, [])
            merged = by_id.get(ident) if ident else None
            if merged is None:
                for candidate in candidates:
                    known = candidate.arxiv
                    if (not (ident and known) or arxiv_key(known) == ident) and same_paper(
                            candidate.abstract, paper.abstract):
                        merged = candidate
                        break
            if merged is None:
                key = base if not candidates else f"{base} #{len(candidates) + 1}"
                merged = Merged(key=key)
                candidates.append(merged)
                order.append(merged)
            merged.seen.append(paper)
            if ident:
                by_id.setdefault(ident, merged)
    return order
