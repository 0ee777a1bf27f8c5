from __future__ import annotations

import random
from collections import Counter

from sitegen.config import load_config
from sitegen.dumps import read_dump
from sitegen.model import UNTAGGED
from sitegen.tagging import TITLE_WEIGHT, Tagger, normalise, words
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


# ---------------------------------------------------------------- same matches as the reference

def _reference_strengths(tagger: Tagger, title: str, abstract: str) -> dict[str, int]:
    """The original matcher, counting: every word n-gram of every size up to the longest
    phrase, looked up in the index. The fast matcher must agree with it on every text."""
    strength: dict[str, int] = {}
    for weight, text in ((TITLE_WEIGHT, title), (1, abstract)):
        words = normalise(text).split()
        for size in range(1, tagger.longest + 1):
            for i in range(len(words) - size + 1):
                for tag in tagger.index.get(" ".join(words[i:i + size]), ()):
                    strength[tag] = strength.get(tag, 0) + weight
    return strength


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
        assert tagger.strengths(title, abstract) == _reference_strengths(tagger, title, abstract)


def test_fast_matcher_agrees_with_the_reference_on_random_text():
    rng = random.Random(7)
    tagger = Tagger(TRICKY)
    vocab = sorted({w for ps in TRICKY.values() for p in ps for w in normalise(p).split()}
                   | {"es", "s", "zz", "-", "_", ",", "B-C", "A."})
    for _ in range(3000):
        text = " ".join(rng.choice(vocab) for _ in range(rng.randrange(0, 12)))
        assert tagger.strengths(text, text) == _reference_strengths(tagger, text, text), text


def test_fast_matcher_agrees_with_the_reference_on_the_example_dumps():
    config = load_config(REPO / "config.yml")
    tagger = Tagger(config.taxonomy)
    papers = [p for path in sorted(EXAMPLE_DUMPS.iterdir()) for p in read_dump(path).papers]
    assert len(papers) > 100
    for paper in papers:
        expected = _reference_strengths(tagger, paper.title, paper.abstract)
        assert tagger.strengths(paper.title, paper.abstract) == expected, paper.title


# ---------------------------------------------------------------- strength and selection

RANKED = Tagger({"a": ("alpha",), "b": ("beta",), "c": ("gamma",), "d": ("delta",),
                 "e": ("epsilon",), "f": ("phi",)})


def test_a_phrase_in_the_title_outweighs_one_passing_mention_in_the_abstract():
    tags = RANKED.tags("Alpha and beta", "alpha beta gamma delta epsilon; alpha beta delta")
    # a, b: title (3) and abstract; d: twice in the abstract (2); c, e: once (1), left out
    assert tags == ("a", "b", "d")
    assert RANKED.strengths("Alpha", "gamma, gamma") == {"a": 3, "c": 2}


def test_at_most_four_tags_the_strongest_and_weak_ones_fill_up_to_two():
    text = "alpha beta gamma delta epsilon phi"
    assert RANKED.tags(text, text) == ("a", "b", "c", "d")  # all of strength 4: by name
    assert RANKED.tags("x", "gamma and phi and beta") == ("b", "c")  # none strong: two
    assert RANKED.tags("Phi", "epsilon and gamma") == ("c", "f")  # one strong, one filled
    assert RANKED.tags("x", "y") == (UNTAGGED,)


def test_rank_puts_the_curators_tags_first_then_the_strongest():
    assert RANKED.rank("Delta", "gamma gamma alpha", ("a", "c", "d", "mine")) == (
        "mine", "d", "c", "a")


def test_explain_says_which_phrases_gave_a_tag_and_where():
    assert RANKED.explain("Betas", "beta and alpha; betas") == [
        ("b", 5, ['"betas" in the title', '"beta" in the abstract', '"betas" in the abstract']),
        ("a", 1, ['"alpha" in the abstract'])]


def test_the_example_taxonomy_gives_most_papers_two_to_four_tags_none_overused():
    config = load_config(REPO / "config.yml")
    tagger = Tagger(config.taxonomy)
    papers = {p.key: p for path in sorted(EXAMPLE_DUMPS.iterdir())
              for p in read_dump(path).papers}
    tags = [tagger.tags(p.title, p.abstract) for p in papers.values()]
    n = len(tags)
    tagged = [t for t in tags if t != (UNTAGGED,)]
    assert len(tagged) >= 0.9 * n
    assert sum(2 <= len(t) <= 4 for t in tags) >= 0.8 * n
    uses = Counter(tag for t in tagged for tag in t)
    assert max(uses.values()) < 0.25 * n, uses.most_common(3)


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


def test_near_duplicate_tags_differ_by_hyphens_or_a_plural_only():
    from sitegen.tagging import near_duplicates

    uses = {"fine-tuning": 40, "finetuning": 1, "llm": 5, "llms": 2, "gans": 3, "gan": 1,
            "bias": 4, "graph": 2, "graphs-and-trees": 1, "ss": 1, "s": 1}
    assert near_duplicates(uses) == [("finetuning", "fine-tuning"), ("gan", "gans"),
                                     ("llms", "llm")]


def test_rank_orders_as_the_full_strengths_would_on_the_example():
    config = load_config(REPO / "config.yml")
    tagger = Tagger(config.taxonomy)
    papers = [p for path in sorted(EXAMPLE_DUMPS.iterdir()) for p in read_dump(path).papers]
    for paper in papers:
        tags = (*tagger.tags(paper.title, paper.abstract), "mine")
        strength = {tagger.slugs[t]: v for t, v in tagger.strengths(paper.title,
                                                                    paper.abstract).items()}
        expected = tuple(sorted(tags, key=lambda t: (-strength.get(t, 1 << 30), t)))
        assert tagger.rank(paper.title, paper.abstract, tags) == expected, paper.title
