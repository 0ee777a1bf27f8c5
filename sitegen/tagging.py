"""Taxonomy rules from config -> tags for a paper.

A phrase of a tag matches in the title or abstract: case-insensitive, on word boundaries,
with spaces, hyphens and punctuation interchangeable ("out-of-distribution" matches "out of
distribution") and a plural ending allowed ("language model" matches "language models").

Not every match makes a tag: a phrase in the title says more about a paper than one passing
mention in its abstract. A tag's strength is TITLE_WEIGHT per match in the title plus one per
match in the abstract; a paper gets its tags of strength STRONG or more, at most MOST of them,
the strongest first, and when fewer than LEAST are that strong, the strongest of the others
up to LEAST. So most papers get two to four tags, and a word every abstract uses in passing
("image", "theoretical") does not put half the review under one tag.
"""

from __future__ import annotations

import re
from collections import Counter

_NON_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")  # the words normalise() leaves: no whitespace is a word char
# ASCII letters and digits stay, everything else becomes a space: what _WORD finds in ASCII.
_ASCII_WORDS = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + b" " * 128

TITLE_WEIGHT = 3
STRONG = 2  # in the title, or twice in the abstract
MOST = 4
LEAST = 2


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
        from sitegen.model import UNTAGGED, slugify

        self.untagged = (UNTAGGED,)
        self.slugs = {tag: slugify(tag) for tag in taxonomy}  # a tag's identity is its slug
        # Each tag slug's forms, for rank(), which looks for a paper's own few tags only.
        self.forms: dict[str, tuple[set[str], list[tuple[str, str]]]] = {}
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
        # Single words are counted with one dictionary lookup per word of the text. A longer
        # form can only occur where its first two words do, so it is only looked for there.
        self.single: dict[str, frozenset[str]] = {}
        self.pairs: dict[tuple[str, str], list[tuple[tuple[str, ...], frozenset[str]]]] = {}
        for form, tags in self.index.items():
            parts = tuple(form.split(" "))
            if len(parts) == 1:
                self.single[form] = frozenset(tags)
            else:
                self.pairs.setdefault(parts[:2], []).append((parts, frozenset(tags)))

    def tags(self, title: str, abstract: str) -> tuple[str, ...]:
        """The paper's tags, sorted by name; (UNTAGGED,) when no phrase matches."""
        strength = self.strengths(title, abstract)
        ranked = sorted(strength, key=lambda tag: (-strength[tag], tag))
        chosen = [tag for tag in ranked if strength[tag] >= STRONG][:MOST]
        chosen += [tag for tag in ranked if tag not in chosen][:max(0, LEAST - len(chosen))]
        return tuple(sorted(chosen)) or self.untagged

    def strengths(self, title: str, abstract: str) -> dict[str, int]:
        """Every tag whose phrases match, with its strength (see the module's docstring)."""
        strength: Counter[str] = Counter()
        for weight, text in ((TITLE_WEIGHT, title), (1, abstract)):
            for tag, count in self.matches(words(text)).items():
                strength[tag] += weight * count
        return dict(strength)

    def rank(self, title: str, abstract: str, tags: tuple[str, ...]) -> tuple[str, ...]:
        """`tags` (slugs) strongest first, for lists that show a paper's first few. Tags its
        text does not give were added by hand: the curator's choice comes first."""
        if not self.forms:
            for form, names in self.index.items():
                for name in names:
                    single, phrases = self.forms.setdefault(self.slugs[name], (set(), []))
                    if " " in form:  # its first word, and the form as found in joined text
                        phrases.append((form[:form.index(" ")], f" {form} "))
                    else:
                        single.add(form)
        # As strengths() counts, for these tags alone: Counter and str.count run in C, where
        # strengths() walks every word of the text in Python (views rank every paper).
        texts = []
        for weight, text in ((TITLE_WEIGHT, title), (1, abstract)):
            found = words(text)
            texts.append((weight, Counter(found), f" {' '.join(found)} "))
        strength = {}
        for tag in tags:
            single, phrases = self.forms.get(tag, ((), ()))
            total = 0
            for weight, counts, joined in texts:
                total += weight * sum(map(counts.__getitem__, counts.keys() & single))
                total += weight * sum(joined.count(form) for first, form in phrases
                                      if first in counts)
            strength[tag] = total
        return tuple(sorted(tags, key=lambda tag: (-(strength[tag] or 1 << 30), tag)))

    def explain(self, title: str, abstract: str) -> list[tuple[str, int, list[str]]]:
        """(tag, strength, ['"phrase" in the title ×2', …]) for every tag whose phrases
        match, strongest first: why a paper has (or just missed) a tag."""
        found: dict[str, list[str]] = {}
        strength: Counter[str] = Counter()
        for weight, where, text in ((TITLE_WEIGHT, "title", title), (1, "abstract", abstract)):
            for (form, tags), count in sorted(self._form_counts(words(text)).items(),
                                              key=lambda item: item[0][0]):
                for tag in tags:
                    strength[tag] += weight * count
                    found.setdefault(tag, []).append(
                        f'"{form}" in the {where}' + (f" ×{count}" if count > 1 else ""))
        return [(tag, strength[tag], found[tag])
                for tag in sorted(strength, key=lambda t: (-strength[t], t))]

    def matches(self, text: list[str]) -> Counter[str]:
        """How often each tag's phrases occur in the words `text`."""
        counts: Counter[str] = Counter()
        for (_, tags), count in self._form_counts(text).items():
            for tag in tags:
                counts[tag] += count
        return counts

    def _form_counts(self, text: list[str]) -> Counter[tuple[str, frozenset[str]]]:
        # Set operations and Counter run in C: Python only loops over what matched.
        found: Counter[tuple[str, frozenset[str]]] = Counter()
        counts = Counter(text)
        for word in counts.keys() & self.single.keys():
            found[word, self.single[word]] = counts[word]
        starts = self.pairs.keys() & zip(text, text[1:], strict=False)
        if starts:
            for i, pair in enumerate(zip(text, text[1:], strict=False)):
                if pair in starts:
                    for parts, tags in self.pairs[pair]:
                        if tuple(text[i:i + len(parts)]) == parts:
                            found[" ".join(parts), tags] += 1
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


def _near_key(slug: str) -> str:
    """'fine-tuning', 'finetuning' and 'fine-tunings' are one tag written three ways."""
    key = slug.replace("-", "")
    for ending in ("es", "s"):
        if key.endswith(ending) and len(key) - len(ending) >= 3:
            return key[: -len(ending)]
    return key


def near_duplicates(uses: dict[str, int]) -> list[tuple[str, str]]:
    """(tag, the tag it looks like) for tag slugs that differ from a more used one only by
    hyphens or a plural ending; `uses` counts the papers of each slug."""
    groups: dict[str, list[str]] = {}
    for slug in sorted(uses):
        groups.setdefault(_near_key(slug), []).append(slug)
    found = []
    for slugs in groups.values():
        if len(slugs) > 1:
            main, *others = sorted(slugs, key=lambda s: (-uses[s], s))
            found += [(other, main) for other in others]
    return sorted(found)
