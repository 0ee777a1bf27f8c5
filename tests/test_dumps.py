"""Dump parsing on the real example dumps and on damaged or unusual copies of them."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from pathlib import Path

import pytest

from sitegen.dumps import decode, extract_links, parse_dump, read_dump

DUMPS = Path(__file__).resolve().parent.parent / "content" / "dumps"
FLAT = DUMPS / "000_58fe2e8e9ad99316.txt"
CARDS = DUMPS / "001_656ca8ac3a07a669.txt"
CARDS_META = DUMPS / "003_2e1a8a6ed9af9c8c.txt"
META_LINE = re.compile(r"^\s*[•·]|^[A-Z][a-z]{2} \d{1,2}(, \d{4})?( \d+)?$")


def expected_pairs(path: Path) -> list[tuple[str, str]]:
    """An independent, layout-specific reading of a known dump: (title, abstract) pairs."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if path == FLAT:
        body = [ln.rstrip() for ln in lines[2:] if ln.strip()]
        body[0] = body[0].removeprefix("Subscribe")
    else:
        start = next(i for i, ln in enumerate(lines) if ln.startswith("byAK")) + 2
        body = [ln for ln in lines[start:] if ln.strip() and not META_LINE.match(ln)]
    return list(zip(body[0::2], body[1::2], strict=True))


@pytest.mark.parametrize(("path", "count", "layout"), [
    (FLAT, 145, "flat"), (CARDS, 77, "cards"), (CARDS_META, 39, "cards")])
def test_example_dumps_parse_to_exact_counts_with_every_text_intact(path, count, layout):
    result = read_dump(path)
    assert result.layout == layout
    assert len(result.papers) == count
    assert result.problems == []
    assert [(p.title, p.abstract) for p in result.papers] == expected_pairs(path)


def test_card_metadata_is_read():
    papers = {p.title: p for p in read_dump(CARDS_META).papers}
    ogen = papers["Overcoming the Pitfalls of Vision-Language Model Finetuning for OOD "
                  "Generalization"]
    assert (ogen.date, ogen.upvotes, ogen.authors) == (dt.date(2024, 1, 29), 1, 4)
    ariadne = next(p for t, p in papers.items() if t.startswith("Ariadne"))
    assert (ariadne.date, ariadne.upvotes, ariadne.authors) == (dt.date(2025, 11, 1), 2, 6)
    fantastic = papers["Fantastic Generalization Measures are Nowhere to be Found"]
    assert (fantastic.date, fantastic.upvotes) == (dt.date(2023, 9, 24), None)
    assert all(p.date for p in papers.values())


def test_flat_dump_has_no_invented_metadata():
    for paper in read_dump(FLAT).papers:
        assert (paper.date, paper.upvotes, paper.authors) == (None, None, None)


@pytest.mark.parametrize(("text", "links"), [
    ("Code: https://github.com/a/b.", ("https://github.com/a/b",)),
    ("at https://github.com/AlexanderRubinstein/OCCAM{here}.",
     ("https://github.com/AlexanderRubinstein/OCCAM",)),
    ("https://github.com/x/CriticTool{https://github.com/x/CriticTool}.",
     ("https://github.com/x/CriticTool",)),
    ("(see https://example.org/p_(x)), and https://a.io/q).", ("https://example.org/p_(x)",
                                                               "https://a.io/q")),
    ("repo https://github.com/u/r.git. and https://github.com/u/r.git",
     ("https://github.com/u/r.git",)),
    ("no scheme github.com/u/r or javascript:alert(1)", ()),
])
def test_links_are_trimmed_of_punctuation_and_latex_junk(text, links):
    assert extract_links(text) == links


# ---------------------------------------------------------------- encodings and damage

SAMPLE = ("Daily Papers\n\nFirst Paper Title\n\nWe study the first thing in depth. It works "
          "well on every benchmark we tried, café included.\n\n  • 3 authors\n·\nMar 4, 2024 7\n\n"
          "Second “Quoted” Title\n\nAnother abstract that is long enough to read as one. It has "
          "two sentences and more than twelve words.\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                                      "cp1252"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_encodings_and_line_endings_decode_to_the_same_papers(tmp_path, encoding, newline):
    path = tmp_path / "dump.txt"
    path.write_bytes(SAMPLE.replace("\n", newline).encode(encoding))
    result = read_dump(path)
    assert [p.title for p in result.papers] == ["First Paper Title", "Second “Quoted” Title"]
    assert "café" in result.papers[0].abstract
    assert result.papers[0].abstract.endswith("café included.")
    assert (result.papers[0].upvotes, result.papers[0].authors) == (7, 3)
    if encoding == "cp1252":
        assert any("Windows-1252" in str(p) for p in result.problems)
    else:
        assert [str(p) for p in result.problems if "header" not in str(p)] == []


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty file"),
    (b"  \n\r\n \n", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 20, "binary"),
    (bytes(range(256)) * 8, "binary"),
])
def test_unusable_files_are_reported_in_one_line(tmp_path, data, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    result = read_dump(path)
    assert result.papers == []
    assert len(result.problems) == 1
    line = str(result.problems[0])
    assert line.startswith("bad.txt: ") and message in line and "\n" not in line


def test_truncated_dump_keeps_every_paper_and_says_so(tmp_path):
    raw = FLAT.read_bytes()
    cut = raw[: raw.index(b"Noisy Interpolation") + 300]
    cut = cut[: cut.rindex("é".encode()) + 1] if "é".encode() in cut[-200:] else cut
    path = tmp_path / "truncated.txt"
    path.write_bytes(cut + "é".encode()[:1])  # ends mid-character too
    result = read_dump(path)
    assert len(result.papers) == 145
    assert result.papers[-1].title.startswith("Noisy Interpolation")
    messages = " ".join(str(p) for p in result.problems)
    assert "truncated" in messages and "middle of a character" in messages


def test_title_without_abstract_at_the_end_is_kept(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text(FLAT.read_text(encoding="utf-8") + "\nA Final Title Without Its Abstract\n")
    result = read_dump(path)
    assert len(result.papers) == 146
    assert result.papers[-1].abstract == ""
    assert any("has no abstract" in str(p) for p in result.problems)


def test_decode_prefers_utf8_and_detects_bomless_utf16():
    assert decode("é".encode())[1] == "utf-8"
    assert decode(codecs.BOM_UTF8 + b"x")[1] == "utf-8-sig"
    assert decode("Some text here".encode("utf-16-le"))[:2] == ("Some text here", "utf-16-le")


# ---------------------------------------------------------------- optional and odd lines

def cards(*cards_text: str) -> str:
    return "new\n\nSubscribe\n\nbyAK and the research community\n\nJan 5\n\n" + "\n\n".join(
        cards_text) + "\n"


ABSTRACT = ("We propose a method for {0}. Experiments on many benchmarks show it generalizes "
            "better than the baselines we compare against.")


def card(title: str, *meta: str) -> str:
    text = f"{title}\n\n{ABSTRACT.format(title.lower())}"
    return text + ("\n\n" + "\n".join(meta) if meta else "")


@pytest.mark.parametrize("meta", [
    (),
    ("  • 4 authors",),
    ("·", "Jan 29, 2024 1"),
    ("  • 4 authors", "·"),
    ("  • Google DeepMind", "·", "Jan 29, 2024 12"),
    ("  • 4 authors", "Accepted at ICML", "·", "Jan 29, 2024 1"),
    ("Published on Jan 29, 2024",),
    ("  • 4 authors", "·", "Feb 30, 2024 1"),
    ("3",),
])
def test_missing_or_unexpected_metadata_never_loses_or_merges_a_paper(meta):
    text = cards(card("Alpha Paper", "  • 2 authors", "·", "Mar 1, 2024 3"),
                 card("Beta Paper", *meta),
                 card("Gamma Paper", "  • 5 authors", "·", "Mar 3, 2024 9"))
    result = parse_dump(text, "d.txt")
    assert [p.title for p in result.papers] == ["Alpha Paper", "Beta Paper", "Gamma Paper"]
    for paper in result.papers:
        assert paper.abstract == ABSTRACT.format(paper.title.lower())
    gamma = result.papers[2]
    assert (gamma.authors, gamma.upvotes, gamma.date) == (5, 9, dt.date(2024, 3, 3))
    beta = result.papers[1]
    if "  • Google DeepMind" in meta:
        assert beta.organization == "Google DeepMind" and beta.upvotes == 12
    if "Accepted at ICML" in meta:
        assert any("Accepted at ICML" in str(p) and ":" in str(p) for p in result.problems)
    if "Feb 30, 2024 1" in meta:
        assert beta.date is None and any("impossible date" in str(p) for p in result.problems)


def test_missing_abstract_in_the_middle_keeps_both_neighbours():
    text = cards(card("Alpha Paper"), "Lonely Title", card("Gamma Paper"))
    result = parse_dump(text, "d.txt")
    assert [p.title for p in result.papers] == ["Alpha Paper", "Lonely Title", "Gamma Paper"]
    assert result.papers[1].abstract == ""
    assert result.papers[2].abstract == ABSTRACT.format("gamma paper")
    assert any("d.txt:" in str(p) and "Lonely Title" in str(p) for p in result.problems)


def test_unknown_header_is_reported_not_made_a_paper():
    text = "Search results for generalization\n" + "\n".join(
        [f"Paper {n} Title\n{ABSTRACT.format(n)}" for n in "ABC"])
    result = parse_dump(text, "d.txt")
    assert [p.title for p in result.papers] == ["Paper A Title", "Paper B Title", "Paper C Title"]
    assert any("header text 'Search results" in str(p) for p in result.problems)


def test_flat_dump_short_abstract_is_still_an_abstract():
    text = "Paper One\nWe prove it.\nPaper Two\n" + ABSTRACT.format("two") + "\n"
    result = parse_dump(text, "d.txt")
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("Paper One", "We prove it."), ("Paper Two", ABSTRACT.format("two"))]


# ---------------------------------------------------------------- dates without a year

def yearless(captured=None, name="d.txt", extra=""):
    text = cards(card("Alpha Paper", "·", "Mar 1 3"), card("Beta Paper", "·", "Dec 30"), extra)
    return parse_dump(text, name, captured)


def test_dates_without_year_use_the_pinned_capture_date():
    result = yearless(captured=dt.date(2025, 3, 10))
    assert [p.date for p in result.papers] == [dt.date(2025, 3, 1), dt.date(2024, 12, 30)]
    assert result.papers[0].upvotes == 3


def test_dates_without_year_use_a_date_in_the_file_name():
    result = yearless(name="hf-2025-06-01.txt")
    assert result.papers[0].date == dt.date(2025, 3, 1)


def test_dates_without_year_follow_the_latest_explicit_year():
    result = yearless(extra=card("Gamma Paper", "·", "Oct 6, 2025 2"))
    assert result.papers[0].date == dt.date(2026, 3, 1)
    assert "2026" in result.notes[0]


def test_dates_without_any_year_anchor_are_left_out_and_reported():
    result = yearless()
    assert [p.date for p in result.papers] == [None, None]
    assert any("captured" in str(p) for p in result.problems)


def test_a_list_of_titles_is_one_paper_per_title():
    text = "Pointer Networks\nAttention Is All You Need\n  • 8 authors\nDeep Residual Learning\n"
    result = parse_dump(text, "list.txt")
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("Pointer Networks", ""), ("Attention Is All You Need", ""), ("Deep Residual Learning", "")]
    assert result.papers[1].authors == 8
    assert [str(p) for p in result.problems] == [
        "list.txt: no abstracts in this dump; 3 titles imported without one"]


# ---------------------------------------------------------------- stray bytes

def papers_of(result) -> list[tuple]:
    return [(p.title, p.abstract, p.date, p.upvotes, p.authors, p.organization, p.links)
            for p in result.papers]


def corrupt_line(path: Path, line: int, old: bytes, new: bytes) -> bytes:
    """The dump's bytes with the first `old` on `line` (1-based) replaced by `new`."""
    lines = path.read_bytes().split(b"\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return b"\n".join(lines)


@pytest.mark.parametrize(("path", "line", "old", "new"), [
    (FLAT, 125, "ö".encode(), b"\xf6"),  # the title "Light Schrödinger Bridge" itself
    (FLAT, 65, "Ł".encode(), b"\x81"),  # undefined in cp1252: U+FFFD, on its line only
    (CARDS_META, 73, "•".encode(), b"\x95"),  # "  • 3 authors"
    (CARDS_META, 18, "·".encode(), b"\xb7"),
    (CARDS, 53, b" the ", b" the \x92 "),  # a dump with no other non-ASCII character
])
def test_a_stray_windows_1252_byte_spoils_only_its_own_line(tmp_path, path, line, old, new):
    """Once decoded whole as Windows-1252: 'Light SchrÃ¶dinger Bridge', a new duplicate
    paper, and every '• 3 authors' line lost to 'â€¢ 3 authors'."""
    clean = read_dump(path)
    result = read_dump(tmp_path / path.name, raw=corrupt_line(path, line, old, new))
    assert [str(p) for p in result.problems] == [
        f"{path.name}:{line}: " + str(result.problems[0]).split(": ", 1)[1]]
    report = str(result.problems[0])
    got, want = papers_of(result), papers_of(clean)
    if old == "Ł".encode():
        assert "replaced by \ufffd" in report and "0x81" in report
        (i,) = [i for i, p in enumerate(want) if "Ł" in p[0]]
        assert got[i][0] == want[i][0].replace("Ł", "\ufffd")
        got[i], want[i] = want[i], want[i]
    elif new.startswith(b" the "):
        assert "read as Windows-1252: ’ (" in report
        got = [tuple(x.replace(" the ’ ", " the ", 1) if isinstance(x, str) else x for x in p)
               for p in got]
    else:
        assert "read as Windows-1252" in report
    assert got == want


def test_issue_example_schrodinger_title_survives_a_stray_byte_elsewhere(tmp_path):
    raw = corrupt_line(FLAT, 128, b"fine-tuning", b"fine\x96tuning")  # cp1252 en dash
    result = read_dump(tmp_path / FLAT.name, raw=raw)
    titles = [p.title for p in result.papers]
    assert titles == [p.title for p in read_dump(FLAT).papers]
    assert "Light Schrödinger Bridge" in titles
    assert any(t.startswith("From Optimization Dynamics to Generalization Bounds via Łoja")
               for t in titles)
    assert [str(p).split(": ")[0] for p in result.problems] == [f"{FLAT.name}:128"]


def test_a_mostly_windows_1252_file_is_still_read_whole_as_windows_1252(tmp_path):
    # "CAFÉ’" is C9 92 in cp1252: valid UTF-8 (U+0252) by chance, outvoted by the rest.
    text = CARDS_META.read_text(encoding="utf-8").replace(
        "\nFantastic Generalization", "\nCAFÉ’ Generalization")
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode("cp1252"))
    result = read_dump(path)
    assert result.encoding == "cp1252"
    assert papers_of(result) == [
        (p[0].replace("Fantastic Generalization", "CAFÉ’ Generalization", 1), *p[1:])
        for p in papers_of(read_dump(CARDS_META))]
    assert [str(p) for p in result.problems] == [
        "legacy.txt:17: not UTF-8 here and on 77 other lines; whole file read as "
        "Windows-1252 (save it as UTF-8 to be sure)"]


def test_many_bad_lines_are_summed_up_after_the_first_few(tmp_path):
    lines = FLAT.read_bytes().split(b"\n")
    bad = list(range(10, 60, 4))
    for i in bad:
        lines[i - 1] += b" \xff"
    result = read_dump(tmp_path / "d.txt", raw=b"\n".join(lines))
    assert len(result.papers) == 145
    reports = [str(p) for p in result.problems]
    assert [r.split(": ")[0] for r in reports[:5]] == [f"d.txt:{n}" for n in bad[:5]]
    assert reports[5].startswith(f"d.txt: not UTF-8 on {len(bad) - 5} more lines (30, 34,")
    assert len(reports) == 6


# ---------------------------------------------------------------- control characters

def test_control_characters_are_removed_and_reported_by_line():
    text = cards(card("Alpha\x00 Paper\x1b[0m"),
                 "Beta\x07 Paper\u2028Two\n\nWe propose\x0c a method\x85for beta. Experiments "
                 "on many benchmarks show it generalizes better than the \x9bbaselines.\x7f",
                 card("Gamma Paper", "  •\x0b4 authors"))
    result = parse_dump(text, "d.txt")
    assert [p.title for p in result.papers] == ["Alpha Paper[0m", "Beta Paper Two", "Gamma Paper"]
    assert result.papers[1].abstract == (
        "We propose  a method for beta. Experiments on many benchmarks show it generalizes "
        "better than the baselines.")
    assert result.papers[2].authors == 4
    assert [str(p) for p in result.problems] == [
        "d.txt:9: control characters removed (U+0000, U+001B)",
        "d.txt:11: control characters removed (U+0000, U+001B)",  # the title in the abstract
        "d.txt:13: control characters removed (U+0007, U+2028)",
        "d.txt:15: control characters removed (U+000C, U+0085, U+009B, U+007F)",
        "d.txt:21: control characters removed (U+000B)"]
