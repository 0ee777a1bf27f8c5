from __future__ import annotations

import random

from sitegen.config import load_config
from sitegen.dumps import read_dump
from sitegen.model import UNTAGGED
from sitegen.tagging import Tagger, normalise, words
from tests.conftest import EXAMPLE_DUMPS, REPO

TAGGER = Tagger({
    "ood": ("out-of-distribution", "OOD"),
    "llm": ("language model", "GPT-4o"),
    "graph": ("graph",),
    "rl": ("RL",),
})


def test_phrases_match_whole_words_case_insensitively():
    assert TAGGER.tags("A Graph Method", "") == ("graph",)
    assert TAGGER.tags("Paragraphs and graphing", "") == (UNTAGGED,)
    assert TAGGER.tags("Control", "url, world") == (UNTAGGED,)  # no 'rl' inside words
    assert TAGGER.tags("Deep RL works", "") == ("rl",)


def test_hyphens_spaces_and_plurals_are_interchangeable():
    assert TAGGER.tags("Out of distribution detection", "") == ("ood",)
    assert TAGGER.tags("x", "Large Language Models and OOD data") == ("llm", "ood")
    assert TAGGER.tags("Evaluating gpt 4o", "") == ("llm",)


def test_untagged_when_nothing_matches_and_tags_are_sorted():
    assert TAGGER.tags("Nothing", "at all") == (UNTAGGED,)
    assert TAGGER.tags("graph language model OOD", "") == ("graph", "llm", "ood")


# ---------------------------------------------------------------- same tags as the reference

def _reference_tags(tagger: Tagger, title: str, abstract: str) -> tuple[str, ...]:
    """The original matcher: every word n-gram of every size up to the longest phrase, looked
    up in the index. The fast matcher must agree with it on every text."""
    words = normalise(f"{title} {abstract}").split()
    found: set[str] = set()
    for size in range(1, tagger.longest + 1):
        for i in range(len(words) - size + 1):
            found |= tagger.index.get(" ".join(words[i:i + size]), set())
    return tuple(sorted(found)) or (UNTAGGED,)


# One tag per phrase, so a phrase missed behind another one of the same tag still shows.
TRICKY = {phrase: (phrase,) for phrase in (
    "a b", "a b c", "b c d e", "c", "a", "bus", "box", "language model", "models", "", "--",
    "ß", "Straße", "naïve Bayes", "x_y", "3D", "GPT-4o", "é", "one two three four five six seven",
)}
TRICKY_TEXTS = [
    ("", ""), ("a", ""), ("A-B", "c"), ("a b", "c d e"), ("x", "b c d es"), ("a a b b c", "c"),
    ("Buses and boxes", "language-models; language modeles"), ("STRASSE strasse", "NAÏVE bayes"),
    ("x_y", "x y"), ("3d", "3-D 3Ds"), ("gpt 4os", "GPT_4o"), ("É", "e"),
    ("one two three four five six", "seven"), ("one two three four five six sevens", ""),
    ("a\tb\u00a0c\u2003d\u3000e", "b\nc d\r\ne"), ("a b c", " a b"), ("ab c", "bc d e"),
]


def test_words_are_the_normalised_words():
    samples = ["".join(map(chr, range(128))), "Straße ÉTÉ naïve ﬁne ǅ x_y", "a\u00a0b\u2003c",
               "İstanbul ΣΑΣ", "tab\tnew\nline", "", "__", "3-D GPT-4o's"]
    for text in samples:
        assert words(text) == normalise(text).split(), text


def test_fast_matcher_agrees_with_the_reference_on_tricky_text():
    tagger = Tagger(TRICKY)
    for title, abstract in TRICKY_TEXTS:
        assert tagger.tags(title, abstract) == _reference_tags(tagger, title, abstract), title


def test_fast_matcher_agrees_with_the_reference_on_random_text():
    rng = random.Random(7)
    tagger = Tagger(TRICKY)
    vocab = sorted({w for ps in TRICKY.values() for p in ps for w in normalise(p).split()}
                   | {"es", "s", "zz", "-", "_", ",", "B-C", "A."})
    for _ in range(3000):
        text = " ".join(rng.choice(vocab) for _ in range(rng.randrange(0, 12)))
        assert tagger.tags(text, "") == _reference_tags(tagger, text, ""), text


def test_fast_matcher_agrees_with_the_reference_on_the_example_dumps():
    config = load_config(REPO / "config.yml")
    tagger = Tagger(config.taxonomy)
    papers = [p for path in sorted(EXAMPLE_DUMPS.iterdir()) for p in read_dump(path).papers]
    assert len(papers) > 100
    for paper in papers:
        expected = _reference_tags(tagger, paper.title, paper.abstract)
        assert tagger.tags(paper.title, paper.abstract) == expected, paper.title


def test_phrases_that_cannot_work_are_explained():
    from sitegen.tagging import phrase_problem, tag_name_problem

    for phrase in ("graph", "C++", "out-of-distribution", "GPT-4o", "the graph"):
        assert phrase_problem(phrase) is None, phrase
    assert "matches nothing" in phrase_problem("++")
    assert "is read as 'a'" in phrase_problem("A*")
    assert "is read as 'of the'" in phrase_problem("of the")
    assert TAGGER.tags("A study", "") == (UNTAGGED,)  # what the check keeps out: 'a' matches
    assert Tagger({"x": ("A*",)}).tags("A study", "") == ("x",)  # ...every paper
    for name in ("llm", "3d", "Graph NN", 1):
        assert tag_name_problem(name) is None
    assert "empty" in tag_name_problem(None) and "empty" in tag_name_problem(" ")
    assert "needs a letter or digit" in tag_name_problem("++")
