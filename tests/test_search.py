"""Search files the build writes, and what a reader finds with them.

Findability runs the theme's own engine (search-worker.js) on the built index in Node, for
every example paper; tests/test_search_browser.py then proves the same in Chromium.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import pickle
import re
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from sitegen import cli, lunrjs, search, urls
from sitegen import shards as shards_
from sitegen.config import Config
from sitegen.errors import SitegenError
from sitegen.model import Paper

sys.path.insert(0, str(Path(__file__).parent))
from search_support import REPO, example_site, node, site_of, synth, write_search  # noqa: E402


def _engine(site, searches: list[dict]) -> list[dict]:
    """The theme's engine on the files the build writes for `site`, in Node."""
    with tempfile.TemporaryDirectory() as folder:
        write_search(site, Path(folder))
        answer = node("sharded_engine.js", {"site": folder, "searches": searches})
    return answer["results"]


def _titles(result: dict) -> list[str]:
    return ["".join(text for text, _ in hit["title"]) for hit in result["results"]]


# ---------------------------------------------------------------- the files

def test_fold_meets_the_reader_halfway():
    assert search.fold("Café ＧＰＴ-4o’s “Out-of-Distribution” 🚀") == \
        "cafe gpt 4os out of distribution"
    assert search.fold("Grokking: A Study!") == "grokking a study"
    assert search.fold("naïve ΣΟΦΊΑΣ x²") == "naive σοφιας x2"
    assert search.fold("") == search.fold("— … 🚀") == ""


def test_search_files_hold_lunr_the_term_shards_and_result_records(tmp_path):
    site = example_site()
    files = write_search(site, tmp_path)
    assert set(files.assets) == {"lunr.js"}
    assert b"lunr" in files.assets["lunr.js"][:300] and b"2.3.9" in files.assets["lunr.js"][:300]
    manifest = json.loads((tmp_path / urls.SEARCH_MANIFEST).read_bytes())
    assert manifest["pipeline"] == ["stemmer"] and manifest["papers"] == len(site.papers) > 200
    assert manifest["fields"] == ["title", "tags", "abstract", "notes", "author",
                                  "organization", "title_pairs", "text_pairs"]
    assert manifest["engine"] == "assets/search-index.js"
    folder = tmp_path / manifest["folder"]
    assert manifest["folder"].startswith("assets/search-")
    # Term shards: every term of the index once, in lunr's order, each shard from its first.
    index = search.build_index(site)
    shards = [json.loads((folder / f"t{n}.json").read_bytes())
              for n in range(len(manifest["shards"]))]
    # Routed by the shortest start of each shard's first term after the shard before.
    assert manifest["shards"][0] == shards[0][0][0]
    for before, shard, start in zip(shards[:-1], shards[1:], manifest["shards"][1:],
                                    strict=True):
        assert shard[0][0].startswith(start) and start > before[-1][0]
        assert not start[:-1] or start[:-1] <= before[-1][0]
    assert sum(map(len, manifest["shards"])) < sum(len(shard[0][0]) for shard in shards)
    assert [e[0] for shard in shards for e in shard] == [t for t, _ in index["invertedIndex"]]
    assert [e[1] for shard in shards for e in shard] == \
        [p["_index"] for _, p in index["invertedIndex"]]
    assert len(shards) > 5 and max(len(gzip.compress(json.dumps(s).encode())) for s in shards) \
        < 4 * shards_.SHARD_GZIP
    # Records, a few a file, in the papers' order.
    records = [r for n in range((len(site.papers) + 3) // 4)
               for r in json.loads((folder / f"r{n}.json").read_bytes())]
    assert len(records) == len(site.papers)
    for paper, (url, title, date, tags, snippet, *_) in zip(site.papers, records,
                                                            strict=True):
        assert url == urls.paper_path(paper.slug) and title == paper.title
        assert date == (paper.date.isoformat() if paper.date else "")
        assert set(tags) <= set(manifest["tags"]) and len(snippet) <= search.SNIPPET_CHARS + 1
    table = json.loads((folder / "filters.json").read_bytes())
    assert [table["profiles"][n] for n in table["papers"]] == [[r[2][:4], r[3]] for r in records]
    words = [w for n in range(1, manifest["words"] + 1)
             for w in json.loads((folder / f"w{n}.json").read_bytes())]
    assert sorted(words) == sorted(t for t, _ in index["invertedIndex"])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in folder.iterdir()) == \
        sorted(files.shards.paths())


def test_shards_hold_the_scores_lunr_js_reads_and_nothing_else():
    """A shard's postings are lunr's field vectors, entry by entry: the same score (as
    lunr.js reads it, three decimals) for the same term, field and document."""
    site = example_site()
    index = search.build_index(site)
    files = search.search_files(site, Config(root=REPO))
    fields = [f.name for f in search.FIELDS]
    vectors = {}
    for key, flat in index["fieldVectors"]:
        for number, score in zip(flat[0::2], flat[1::2], strict=True):
            vectors[key, number] = score
    seen = {}
    for name, data in files.shards.files.items():
        if name.startswith("t"):
            for _term, number, *postings in json.loads(data):
                for field, flat in zip(fields, postings, strict=True):
                    doc = 0
                    for gap, score in zip(flat[0::2], flat[1::2], strict=True):
                        doc += gap
                        seen[f"{field}/{doc}", number] = score / 1000
    assert seen == vectors


def test_same_site_gives_the_same_bytes():
    first = search.search_files(example_site(), Config(root=REPO))
    again = search.search_files(synth.example_site(), Config(root=REPO))  # a fresh import
    assert first.shards == again.shards
    assert first.manifest({search.ENGINE: "e.js"}) == again.manifest({search.ENGINE: "e.js"})


def test_snippet_is_cut_at_a_word():
    paper = Paper("p", "T", abstract="word " * 200)
    assert search.snippet(paper).endswith("word\u2026")
    assert len(search.snippet(paper)) <= search.SNIPPET_CHARS + 1


def test_without_npm_install_the_build_says_run_npm_ci(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "_SITEGEN_ROOT", tmp_path / "elsewhere")
    with pytest.raises(SitegenError, match=r"lunr\.min\.js: not found.*\(run npm ci\)"):
        search.lunr_js(Config(root=tmp_path))


def test_a_wrong_lunr_version_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "_SITEGEN_ROOT", tmp_path / "elsewhere")
    folder = tmp_path / "node_modules" / "lunr"
    folder.mkdir(parents=True)
    (folder / "lunr.min.js").write_text("/* lunr */")
    (folder / "package.json").write_text('{"version": "2.3.8"}')
    with pytest.raises(SitegenError, match=r"lunr 2\.3\.8 installed, search needs 2\.3\.9"):
        search.lunr_js(Config(root=tmp_path))


def test_cli_reports_missing_lunr_in_one_line(project, monkeypatch, capsys):
    (project / "node_modules").unlink()
    monkeypatch.setattr(search, "_SITEGEN_ROOT", project / "elsewhere")
    assert cli.main(["build", "-c", str(project / "config.yml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and "run npm ci" in err[-1]
    assert not any("Traceback" in line for line in err)


def test_snippet_of_an_abstract_made_mostly_of_spaces_is_the_whole_texts():
    """snippet() reads a prefix of the abstract; spaces it collapses must not shorten it."""
    spaced = " \n\t " * 200 + "word " * 80
    paper = Paper("p", "T", abstract=spaced)
    assert search.snippet(paper) == search.snippet(Paper("p", "T", abstract="word " * 80))
    assert search.snippet(Paper("p", "T", abstract="a  b\n" * 10)) == " ".join(["a b"] * 10)


# ---------------------------------------------------------------- the memo

def _files(site, memo=None) -> dict[str, bytes]:
    return search.search_files(site, Config(root=REPO), memo=memo).shards.paths()


def test_the_memo_changes_the_time_not_the_bytes():
    site = example_site()
    plain = _files(site)
    memo: dict = {}
    assert _files(site, memo) == plain  # filled
    assert len(memo) == len(site.papers)
    assert _files(site, memo) == plain  # read
    assert all(_plain_data(key) and _plain_data(value) for key, value in memo.items())
    kept = pickle.loads(pickle.dumps(memo))  # as a build cache keeps it
    assert kept == memo and _files(site, kept) == plain


def _plain_data(value) -> bool:
    if isinstance(value, tuple):
        return all(map(_plain_data, value))
    return isinstance(value, str | int)


def test_a_memo_filled_by_other_papers_changes_nothing():
    site = example_site()
    other, earlier, foreign = {}, {}, {}
    _files(site_of(synth.synthetic_papers(300)), other)  # another review
    edited = [replace(p, abstract=p.abstract + " Grokking again.", tags=(*p.tags, "New tag"))
              for p in site.papers[:40]]
    _files(replace(site, papers=(*edited, *site.papers[40::2])), earlier)  # this one, earlier
    # The same texts through another pipeline: their analyses are not the search's.
    texts, _ = search._sources(site)
    docs = [(str(i), search.with_pairs(paper_texts)) for i, paper_texts in enumerate(texts)]
    lunrjs.build_index_json(docs, search.FIELDS, lunrjs.DEFAULT_PIPELINE, memo=foreign)
    memo = {**other, **earlier, **foreign}
    assert _files(site, memo) == _files(site)
    assert len(memo) == len(site.papers)  # this build's papers, and no others
    assert len(memo.keys() & earlier.keys()) > 50 and not memo.keys() & foreign.keys()


# ---------------------------------------------------------------- findability

def _distinctive_phrase(paper: Paper, df: dict[str, int]) -> str:
    """The three consecutive title words the fewest other papers share."""
    words = paper.title.split()
    windows = [" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))]

    def rarity(phrase: str) -> float:
        return sum(1 / df.get(lunrjs.stemmer(t), 1) for t in search.fold(phrase).split()
                   if t not in lunrjs.STOP_WORDS)

    return max(windows, key=rarity)


def test_a_distinctive_title_phrase_finds_every_example_paper_in_the_top_3():
    site = example_site()
    index = search.build_index(site)
    df = {term: len({ref for field, docs in posting.items() if field != "_index" for ref in docs})
          for term, posting in index["invertedIndex"]}
    phrases = [_distinctive_phrase(p, df) for p in site.papers]
    results = _engine(site, [{"q": q, "limit": 3} for q in phrases])
    missed = [(paper.title, q, _titles(r)) for paper, q, r in zip(site.papers, phrases, results,
                                                                 strict=True)
              if paper.title not in _titles(r)]
    assert missed == []


def test_a_pasted_title_finds_its_paper_first_or_close():
    site = example_site()
    results = _engine(site, [{"q": p.title, "limit": 3} for p in site.papers])
    missed = [(p.title, _titles(r)) for p, r in zip(site.papers, results, strict=True)
              if p.title not in _titles(r)]
    assert missed == []  # titles with ':' or '?' are searched as words, not as lunr syntax


def _containing(site, word: str) -> set[str]:
    pattern = re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", re.I)
    return {p.title for p in site.papers
            if pattern.search(" ".join((p.title, p.abstract, p.notes, *p.tags)))}


@pytest.mark.parametrize("words", [
    ("model", "models"), ("network", "networks"), ("LLM", "LLMs"), ("benchmark", "benchmarks"),
    ("out-of-distribution", "Out-of-Distribution"), ("fine-tuning", "fine-tune"),
    ("GPT-4V",), ("CIFAR-10",), ("ResNet-18",), ("generalization", "generalize")])
def test_common_words_find_every_paper_that_uses_them(words):
    site = example_site()
    results = _engine(site, [{"q": w, "limit": 10**6} for w in words])
    found = [set(_titles(r)) for r in results]
    expected = set().union(*(_containing(site, w) for w in words))
    assert expected
    for word, titles in zip(words, found, strict=True):
        assert expected <= titles, (word, expected - titles)


def test_singular_and_plural_find_the_same_papers():
    site = example_site()
    results = _engine(site, [{"q": q + " ", "limit": 10**6}
                             for q in ("model", "models", "LLM", "LLMs", "network", "networks")])
    titles = [set(_titles(r)) for r in results]
    assert titles[0] == titles[1] and titles[2] == titles[3] and titles[4] == titles[5]


# Text lunr.js tokenises differently from Python (spaces JavaScript knows, characters its
# ASCII-only trimmer strips), accents, full-width forms, emoji and query syntax in titles.
NASTY = [
    Paper("gpt", "GPT-4o\u2009mini Beats Everything: A Study?", abstract="We test GPT-4o."),
    Paper("cafe", "Caf\u00e9 R\u00e9sum\u00e9s and Na\u00efve Bayes", abstract="Accents."),
    Paper("wide", "\uff26\uff55\uff4c\uff4c-width \uff27\uff30\uff34 Letters", abstract="Wide."),
    Paper("emoji", "\U0001F680Rocket\U0001F680 Launch Models", abstract="Emoji\u3000here."),
    Paper("colon", "title: Not A Field + Plus - Minus * Star ~ Tilde ^ Caret",
          abstract="Syntax characters."),
    Paper("greek", "\u03b1-Entmax and \u03bcP Scaling for \u6df1\u5ea6\u5b66\u4e60",
          abstract="Non-Latin letters."),
    Paper("quote", "\u201cZero-Shot\u201d Isn\u2019t Free: The Model\u2019s Cost",
          abstract="Quotes.", date=dt.date(2024, 1, 2), tags=("LLM",)),
]


@pytest.mark.parametrize("paper", NASTY, ids=[p.slug for p in NASTY])
def test_every_word_of_awkward_text_finds_its_paper(paper):
    site = site_of(NASTY)
    queries = paper.title.split() + [paper.title, paper.title.upper(), paper.title.lower()]
    queries += [w.strip("?:\u201c\u201d") for w in paper.title.split()]
    queries = [q for q in queries if search.fold(q) and search.fold(q) not in lunrjs.STOP_WORDS]
    results = _engine(site, [{"q": q, "limit": 50} for q in queries])
    for query, result in zip(queries, results, strict=True):
        assert "error" not in result, (query, result)
        assert paper.title in _titles(result), query


def test_folded_forms_find_the_original():
    site = site_of(NASTY)
    queries = {"cafe": "cafe", "resume": "cafe", "naive": "cafe", "full width": "wide",
               "gpt": "wide", "rocket": "emoji", "gpt 4o": "gpt", "zero shot": "quote",
               "isnt": "quote", "models": "emoji", "\u03bcp": "greek", "\u00b5P": "greek"}
    results = _engine(site, [{"q": q, "limit": 50} for q in queries])
    titles = {p.slug: p.title for p in NASTY}
    for (query, slug), result in zip(queries.items(), results, strict=True):
        assert titles[slug] in _titles(result), query


@pytest.mark.parametrize("query", [
    "title:", "grokking:", "title:(x", "a~b", "\\", "+", "-", ":", "*", "^", "~", "\"", "'",
    "\U0001F680", "\uff1a", "title:grokking^", "title:\u00e9\u00e9", "+-+", "-*", "\ud7ff"])
def test_queries_lunr_cannot_parse_fall_back_instead_of_failing(query):
    [result] = _engine(example_site(), [{"q": query, "limit": 5}])
    assert "error" not in result
    assert isinstance(result["total"], int)


def test_lunr_query_syntax_works():
    site = example_site()
    queries = ["title:grokking", "+grokking -lazy", "gen*", "grok~1", "title:grok*",
               "+abstract:bottleneck +information"]
    title, required, prefix, fuzzy, title_prefix, fielded = _engine(
        site, [{"q": q, "limit": 10**6} for q in queries])
    assert title["total"] and all("grok" in t.lower() for t in _titles(title))
    papers = {p.title: p for p in site.papers}
    assert required["total"]
    for name in _titles(required):
        text = " ".join((papers[name].title, papers[name].abstract, papers[name].notes)).lower()
        assert "grok" in text and "lazy" not in text
    assert prefix["total"] > title["total"] and fuzzy["total"] >= title["total"]
    assert set(_titles(title)) <= set(_titles(title_prefix))
    assert fielded["total"]
    assert all("bottleneck" in papers[t].abstract.lower() for t in _titles(fielded))


def test_filters_by_tag_and_year_with_counts():
    site = example_site()
    everything, by_year, by_tag = _engine(site, [
        {"q": "generalization", "limit": 10**6},
        {"q": "generalization", "year": "2024", "limit": 10**6},
        {"q": "generalization", "tag": "reasoning", "limit": 10**6}])
    assert everything["facets"]["years"]["2024"] == by_year["total"] > 0
    assert all(hit["date"].startswith("2024") for hit in by_year["results"])
    assert everything["facets"]["tags"]["reasoning"] == by_tag["total"] > 0
    assert all("reasoning" in dict(hit["tags"]) for hit in by_tag["results"])


def test_matched_words_are_marked_in_title_and_snippet():
    [result] = _engine(example_site(), [{"q": "information bottleneck", "limit": 1}])
    hit = result["results"][0]
    marked = [text.lower() for text, mark in hit["title"] + hit["snippet"] if mark]
    assert {"information", "bottleneck"} <= set(marked)
    assert all(lunrjs.stemmer(search.fold(m)) in {"inform", "bottleneck"} for m in marked)


@pytest.mark.parametrize("word", ["grokking", "generalization", "optimization", "memorization",
                                  "distribution", "reasoning", "diffusion", "transformers"])
def test_an_unfinished_word_already_finds_the_papers_with_the_whole_word(word):
    """Typing "generaliz" has gone past the stem "gener" that "generalization" is indexed
    under; results as you type must not vanish there and come back at the last letter."""
    site = example_site()
    expected = _containing(site, word)
    prefixes = [word[:k] for k in range(3, len(word) + 1)]
    results = _engine(site, [{"q": p, "limit": 10**6} for p in prefixes])
    for prefix, result in zip(prefixes, results, strict=True):
        assert expected <= set(_titles(result)), prefix


def test_a_review_without_papers_still_has_a_search_that_answers():
    site = site_of([])
    files = search.search_files(site, Config(root=REPO))
    assert json.loads(files.manifest({search.ENGINE: "e.js"}))["shards"] == []
    [result, negated] = _engine(site, [{"q": "anything"}, {"q": "-anything"}])
    assert result["total"] == negated["total"] == 0 and result["results"] == []


def test_a_memo_spares_making_the_pairs_of_papers_it_holds(monkeypatch):
    site = example_site()
    memo: dict = {}
    first = _files(site, memo)
    made = []
    monkeypatch.setattr(search, "pairs", lambda *texts: made.append(texts) or "")
    assert _files(site, memo) == first and made == []
