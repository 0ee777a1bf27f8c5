"""Property-based: perturbed real dumps never crash the parser and never lose a paper."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from sitegen.dumps import decode, parse_dump, read_dump
from sitegen.model import title_key
from tests.test_dumps import CARDS, CARDS_META, DUMPS, FLAT

# What no dump text may keep: tests/test_dump_text.py checks it reaches no output.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")
CARD_PAPERS = read_dump(CARDS_META).papers
FLAT_PAPERS = read_dump(FLAT).papers[:40]

# Unknown text in a metadata block: a venue, a badge. On a line of its own with no recognised
# metadata next to it, the same text is indistinguishable from a title whose abstract is
# missing, which test_dumps.py covers: it is kept as a paper and reported.
odd_text = st.sampled_from(["Accepted at ICML 2024", "Oral", "Spotlight · NeurIPS",
                            "Code available"])
meta_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
                    min_size=0, max_size=30).map(str.strip)
odd_meta = st.one_of(
    meta_text.map(lambda t: f"  • {t}"),
    st.sampled_from(["·", "  • 12 authors", "  • 1 author", "Jan 1, 2020", "Feb 29 4",
                     "Published on Jan 5, 2024", "42", "  • Meta AI", "Dec 31, 1999 1,024"]),
)


@st.composite
def perturbed_cards(draw):
    blocks, expected = [draw(st.sampled_from(["new\n\nSubscribe\n\nbyAK and the research "
                                              "community\n\nJan 5", "", "Daily Papers"]))], []
    for paper in CARD_PAPERS[: draw(st.integers(3, len(CARD_PAPERS)))]:
        meta = []
        if paper.authors and draw(st.booleans()):
            meta.append(f"  • {paper.authors} authors")
        if draw(st.booleans()):
            meta.append("·")
        if paper.date and draw(st.booleans()):
            meta.append(paper.date.strftime("%b %-d, %Y") + (
                f" {paper.upvotes}" if paper.upvotes and draw(st.booleans()) else ""))
        if draw(st.integers(0, 4)) == 0:
            meta.insert(draw(st.integers(0, len(meta))), draw(odd_meta))
        if meta and draw(st.integers(0, 3)) == 0:
            meta.insert(draw(st.integers(0, len(meta))), draw(odd_text))
        gap = "\n" * draw(st.integers(2, 4))
        card = paper.title + gap + paper.abstract
        if meta:
            card += gap + "\n".join(meta)
        blocks.append(card)
        expected.append((paper.title, paper.abstract))
    text = "\n\n".join(blocks) + draw(st.sampled_from(["", "\n", "\n\n\n"]))
    if draw(st.booleans()):
        text = "\n".join(line + draw(st.sampled_from(["", " ", "\t"]))
                         for line in text.split("\n"))
    return text, expected


@st.composite
def perturbed_flat(draw):
    header = draw(st.sampled_from(["Get trending papers in your email inbox!\nSubscribe",
                                   "Get trending papers in your email inbox!\n", ""]))
    papers = FLAT_PAPERS[: draw(st.integers(2, len(FLAT_PAPERS)))]
    body = "\n".join(f"{p.title}\n{p.abstract}" for p in papers)
    glue = draw(st.booleans()) and header.endswith("Subscribe")
    text = header + ("" if glue else "\n") + body + "\n"
    return text, [(p.title, p.abstract) for p in papers]


def encode_roundtrip(text: str, encoding: str, newline: str) -> str:
    raw = text.replace("\n", newline).encode(encoding)
    decoded, _, _ = decode(raw)
    assert decoded is not None
    return decoded


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(perturbed_cards(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_perturbed_card_dumps_keep_every_paper(case, encoding, newline):
    text, expected = case
    result = parse_dump(encode_roundtrip(text, encoding, newline), "p.txt")
    assert [(p.title, p.abstract) for p in result.papers] == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(perturbed_flat(), st.sampled_from(["\n", "\r\n"]))
def test_perturbed_flat_dumps_keep_every_paper(case, newline):
    text, expected = case
    result = parse_dump(encode_roundtrip(text, "utf-8", newline), "p.txt")
    assert [(p.title, p.abstract) for p in result.papers] == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "f.txt"
    path.write_bytes(data)
    result = read_dump(path)
    for problem in result.problems:
        assert "\n" not in str(problem) and not CONTROL.search(str(problem))
    for paper in result.papers:
        assert not CONTROL.search(paper.title + paper.abstract + (paper.organization or ""))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
@example("Title\x00\x1b\u2028\n\x85We study it. And more of it, with twelve words or so here.")
def test_arbitrary_text_never_crashes_and_every_paper_has_a_title(text):
    for paper in parse_dump(text, "t.txt").papers:
        assert paper.title.strip()
        for value in (paper.title, paper.abstract, paper.organization or "", *paper.links):
            assert not CONTROL.search(value)


# ---------------------------------------------------------------- one stray byte

REAL_DUMPS = {path.name: path.read_bytes() for path in (FLAT, CARDS, CARDS_META)}
REAL_PAPERS = {name: read_dump(DUMPS / name).papers for name in REAL_DUMPS}


def mojibake(text: str) -> str:
    """`text` as a UTF-8 file read whole as Windows-1252 showed it."""
    return text.encode("utf-8").decode("cp1252", errors="replace")


@st.composite
def one_stray_byte(draw):
    """(dump, offset, byte, insert?): a non-ASCII byte (an ASCII one is just a typo) put
    in place of a byte or before it, anywhere but on a line break, mostly close to a
    non-ASCII character."""
    name = draw(st.sampled_from(sorted(REAL_DUMPS)))
    raw = REAL_DUMPS[name]
    near = [i + d for i, b in enumerate(raw) if b > 0x7f for d in range(-3, 4)
            if 0 <= i + d < len(raw)]
    at = draw(st.sampled_from(near) if near and draw(st.booleans())
              else st.integers(0, len(raw) - 1))
    assume(raw[at:at + 1] not in (b"\n", b"\r"))
    return name, at, draw(st.integers(0x80, 0xff)), draw(st.booleans())


@settings(max_examples=300, deadline=None, derandomize=True)
@given(one_stray_byte())
@example(("000_58fe2e8e9ad99316.txt", 6000, 0x96, True))  # the issue: a cp1252 dash
def test_one_stray_byte_never_makes_mojibake_of_a_paper(case):
    name, at, byte, insert = case
    raw = REAL_DUMPS[name][:at] + bytes([byte]) + REAL_DUMPS[name][at + (0 if insert else 1):]
    line = raw[:at].count(b"\n") + 1
    before = REAL_PAPERS[name]
    result = read_dump(DUMPS / name, raw=raw)
    garbled = {title_key(mojibake(p.title)) for p in before} - {title_key(p.title) for p in before}
    assert not garbled & {title_key(p.title) for p in result.papers}
    # Every paper away from the damaged line is read exactly as before (a damaged header
    # line may become a paper of its own: damage, not mojibake, and reported).
    after = {p.line: p for p in result.papers}
    for old in before:
        if not old.line <= line <= old.line + 8:  # its title, abstract and metadata
            new = after[old.line]
            assert (new.title, new.abstract, new.authors, new.date, new.upvotes) == (
                old.title, old.abstract, old.authors, old.date, old.upvotes)
    try:
        raw.decode("utf-8")  # the byte may make another valid character: nothing to see
    except UnicodeDecodeError:
        assert line in {p.line for p in result.problems}
