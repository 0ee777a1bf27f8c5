"""Taxonomy rules from config -> tags for a paper.

A tag applies when any of its phrases occurs in the title or abstract: case-insensitive, on
word boundaries, with spaces, hyphens and punctuation interchangeable ("out-of-distribution"
matches "out of distribution") and a plural ending allowed ("language model" matches
"language models").
"""

from __future__ import annotations

import re

from sitegen.model import UNTAGGED

_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Words separated by single spaces, padded so ' phrase ' matches on word boundaries."""
    return " " + _NON_WORD.sub(" ", text.casefold()).strip() + " "


class Tagger:
    def __init__(self, taxonomy: dict[str, tuple[str, ...]]):
        # Every phrase form (singular and plural) -> its tags. A paper is then tagged by
        # looking up each of its word n-grams once: cost grows with the text, not with
        # text length x number of phrases.
        self.index: dict[str, set[str]] = {}
        for tag, phrases in taxonomy.items():
            for phrase in phrases:
                core = normalise(phrase).strip()
                for form in (core, core + "s", core + "es") if core else ():
                    self.index.setdefault(form, set()).add(tag)
        self.longest = max((form.count(" ") + 1 for form in self.index), default=0)

    def tags(self, title: str, abstract: str) -> tuple[str, ...]:
        words = normalise(f"{title} {abstract}").split()
        found: set[str] = set()
        for size in range(1, self.longest + 1):
            for i in range(len(words) - size + 1):
                hit = self.index.get(" ".join(words[i:i + size]))
                if hit:
                    found |= hit
        return tuple(sorted(found)) or (UNTAGGED,)
