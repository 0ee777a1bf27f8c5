from __future__ import annotations

from sitegen.model import UNTAGGED
from sitegen.tagging import Tagger

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
