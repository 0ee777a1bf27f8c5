"""Taxonomy rules from config -> tags for a paper.

A tag applies when any of its phrases occurs in the title or abstract: case-insensitive, on
word boundaries, with spaces, hyphens and punctuation interchangeable ("out-of-distribution"
matches "out of distribution") and a plural ending allowed ("language model" matches
"language models").
"""

from __future__ import annotations

import re

_NON_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")  # the words normalise() leaves: no whitespace is a word char
# ASCII letters and digits stay, everything else becomes a space: what _WORD finds in ASCII.
_ASCII_WORDS = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + b" " * 128


def normalise(text: str) -> str:
    """Words separated by single spaces, padded so ' phrase ' matches on word boundaries."""
    return " " + _NON_WORD.sub(" ", text.casefold()).strip() + " "


def words(text: str) -> list[str]:
    """normalise(text).split(); most text is ASCII, where a byte table is several times
    faster than the Unicode-aware regex."""
    folded = text.casefold()
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split()
    return _WORD.findall(folded)


class Tagger:
    def __init__(self, taxonomy: dict[str, tuple[str, ...]]):
        # Imported here: config.py checks phrases with this module on every command, even a
        # no-op build, which never needs the model (nor anyascii).
        from sitegen.model import UNTAGGED

        self.untagged = (UNTAGGED,)
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
        # Single words are found by one set intersection. A longer form can only occur where
        # its first two words do, so it is only looked for when that word pair occurs.
        self.single: dict[str, set[str]] = {}
        self.pairs: dict[tuple[str, str], list[tuple[str, set[str]]]] = {}
        for form, tags in self.index.items():
            parts = form.split(" ")
            if len(parts) == 1:
                self.single[form] = tags
            else:
                self.pairs.setdefault((parts[0], parts[1]), []).append((form, tags))

    def tags(self, title: str, abstract: str) -> tuple[str, ...]:
        text = words(f"{title} {abstract}")
        found: set[str] = set()
        for word in self.single.keys() & text:  # one C-level pass; no set(text) needed
            found |= self.single[word]
        pairs = self.pairs.keys() & zip(text, text[1:], strict=False)
        if pairs:
            found |= self._phrases(text, pairs)
        return tuple(sorted(found)) or self.untagged

    def _phrases(self, text: list[str], pairs: set[tuple[str, str]]) -> set[str]:
        """Tags of the multi-word forms starting with one of `pairs`, all of which occur."""
        found: set[str] = set()
        joined = None
        for pair in pairs:
            for form, tags in self.pairs[pair]:
                if form.count(" ") > 1:  # three words or more: is the rest there too?
                    joined = joined or f" {' '.join(text)} "
                    if f" {form} " not in joined:
                        continue
                found |= tags
        return found


# Words nearly every title or abstract holds: a phrase made only of them tags every paper.
_COMMON = frozenset("a an and are as at be by for from in is it its of on or our that the "
                    "their these this to we which with".split())


def phrase_problem(phrase: str) -> str | None:
    """Why a taxonomy phrase cannot work as the curator meant, if it cannot; phrases are
    matched as words, so punctuation such as * is dropped, not a wildcard."""
    found = words(phrase)
    if not found:
        return (f"phrase {phrase!r} has no letter or digit, so it matches nothing (phrases "
                "are matched as words; punctuation and * are ignored)")
    if _COMMON.issuperset(found):
        return (f"phrase {phrase!r} is read as {' '.join(found)!r} (punctuation and * are "
                "ignored, not wildcards), which nearly every paper holds: every paper would "
                "get the tag (use a more specific phrase)")
    return None


def tag_name_problem(name: object) -> str | None:
    """Why a tag name cannot be a tag: its page's URL is made of its letters and digits."""
    if name is None or not str(name).strip():
        return "a tag name is empty (write one, such as llm)"
    if words(str(name)) and str(name).isascii():  # a slug for sure, without anyascii
        return None
    from sitegen.model import slugify

    if not slugify(str(name), fallback=""):
        return "a tag name needs a letter or digit to make its page's URL from (rename the tag)"
    return None
