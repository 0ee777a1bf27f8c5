"""One dump file -> papers + problems (file:line).

A dump is text copied from a paper-listing page. Layouts seen so far:
  flat   header lines, then one title line and one abstract line per paper (no blank lines);
         the first title may be glued to the "Subscribe" button text;
  cards  blank-line separated blocks: title, abstract, then an optional metadata block
         ("• 4 authors", "·", "Jan 29, 2024 1": a date and the upvote count).
Both are parsed by what each line *is* (boilerplate, metadata, title-like or abstract-like
text), never by counting lines, so a missing or unexpected line cannot shift a paper's
abstract onto its neighbour.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.model import title_key

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}

# Page furniture of Hugging Face Papers listing and search pages (compared case-insensitively).
BOILERPLATE = frozenset(s.casefold() for s in (
    "new", "subscribe", "daily papers", "trending papers", "byak and the research community",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "get trending papers in your email inbox once a day", "load more", "previous", "next",
    "search", "papers", "collections", "trending", "upvote", "submitted by",
))
# casefold() never makes text shorter, so a longer line (an abstract) is never boilerplate.
_LONGEST_BOILERPLATE = max(map(len, BOILERPLATE))
_GLUED = re.compile(r"^Subscribe(?=[A-Z0-9\"'“‘(\[])")
_BULLET = re.compile(r"^\s*[•·‧∙⋅●]\s*(.*?)\s*$")
_AUTHORS = re.compile(r"^(\d[\d,]*)\s+authors?$", re.I)
_DATE = re.compile(
    r"^(?:(?:published|submitted)(?:\s+on)?\s+)?"
    r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<day>\d{1,2})"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d))?(?:\s*[•·]?\s*(?P<votes>\d[\d,]*))?$", re.I)
_NUMBER = re.compile(r"^\d[\d,]*$")
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.I)
_SENTENCE_END = (".", "!", ")", "]", "}")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class DumpPaper:
    """A paper as one dump shows it; `line` is where its title stands."""

    title: str
    line: int
    abstract: str = ""
    date: dt.date | None = None
    upvotes: int | None = None
    authors: int | None = None
    organization: str | None = None
    links: tuple[str, ...] = ()
    source: str = ""
    key: str = ""  # title identity, computed once here so cached parses carry it
    arxiv: str | None = None  # saved HTML pages give ids and names; text dumps do not
    author_names: tuple[str, ...] = ()
    meta_seen: bool = False
    _yearless: tuple[int, int] | None = None  # (month, day) awaiting the capture year


@dataclass
class DumpResult:
    name: str
    layout: str  # "flat", "cards", "empty" or "unreadable"
    encoding: str = "utf-8"
    papers: list[DumpPaper] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # inferences worth knowing, not problems


# ---------------------------------------------------------------- decoding

# What decoding or cleaning reports about one line (None: the whole file).
LineProblem = tuple[int | None, str]
BINARY = "binary data, not text; skipped (is this a dump?)"
# Lines reported one by one; past this, one line sums up the rest.
REPORTED_LINES = 5


def decode(raw: bytes) -> tuple[str | None, str, list[LineProblem]]:
    """(text, encoding, problems). text is None when the bytes are not text at all.

    UTF-8 is decoded line by line: a stray byte (a character pasted from a Windows-1252
    source, a damaged copy) spoils its own line only, never the whole dump into mojibake.
    Only a file mostly not UTF-8 is read as Windows-1252 whole."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _utf16(raw, "utf-16")
    if len(raw) >= 4 and raw[1::2].count(0) > len(raw) // 4 and raw[0::2].count(0) == 0:
        return _utf16(raw, "utf-16-le")
    if len(raw) >= 4 and raw[0::2].count(0) > len(raw) // 4 and raw[1::2].count(0) == 0:
        return _utf16(raw, "utf-16-be")
    enc = "utf-8"
    if raw.startswith(codecs.BOM_UTF8):
        raw, enc = raw[3:], "utf-8-sig"
    try:
        text, problems = raw.decode("utf-8"), []
    except UnicodeDecodeError:
        text, enc, problems = _mixed_utf8(raw, enc)
    if _looks_binary(text):
        return None, "binary", [(None, BINARY)]
    return text, enc, problems


_ESCAPED = re.compile("[\udc80-\udcff]+")  # bytes that are not UTF-8, under surrogateescape
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
_LINES = re.compile(r"(\r\n|\r|\n)")  # the line breaks parse_dump counts
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _mixed_utf8(raw: bytes, enc: str) -> tuple[str, str, list[LineProblem]]:
    """UTF-8 with bytes that are not: each line that is valid UTF-8 is read as UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    text = decoder.decode(raw)  # not final: an incomplete last character stays behind
    cut = decoder.getstate()[0]
    # Mostly not UTF-8: more than one spot that is not, and they outnumber UTF-8 characters
    # nine to one. Biased to UTF-8: a cp1252 text rarely holds a valid UTF-8 sequence by
    # chance, while UTF-8 read as cp1252 has every accent in mojibake (each paper a duplicate).
    if len(_ESCAPED.findall(text)) > max(1, 9 * len(_NON_ASCII.findall(text))):
        lines = [no for no, line in enumerate(_LINES.split(text)[0::2], 1)
                 if _ESCAPED.search(line)]
        others = {1: "", 2: " and on 1 other line"}.get(
            len(lines), f" and on {len(lines) - 1} other lines")
        # Windows editors save cp1252; bytes it leaves undefined fall back to Latin-1.
        return _cp1252(raw), "cp1252", [(lines[0], (
            f"not UTF-8 here{others}; whole file read as Windows-1252 (save it as UTF-8 "
            "to be sure)"))]
    problems: list[LineProblem] = []
    parts = _LINES.split(text)
    for i in range(0, len(parts), 2):
        line = parts[i]
        if not _ESCAPED.search(line):
            continue
        data = line.encode("utf-8", "surrogateescape")
        stray = _some(f"0x{b:02X}" for b in data if b > 0x7f)
        if not _NON_ASCII.search(line) and _CP1252_UNDEFINED.isdisjoint(data):
            parts[i] = _cp1252(data)  # plainly Windows-1252: no UTF-8 character on the line
            shown = _some(ch for ch in parts[i] if ord(ch) > 0x7f)
            problems.append((i // 2 + 1, f"not UTF-8: {stray}; read as Windows-1252: "
                                         f"{shown} (save the dump as UTF-8 to be sure)"))
        else:
            parts[i] = _ESCAPED.sub("\ufffd", line)
            problems.append((i // 2 + 1, f"not UTF-8: {stray}; replaced by \ufffd (correct "
                                         "the line in the dump)"))
    problems = _summed_up(problems, "not UTF-8")
    if cut:
        problems.append((len(parts) // 2 + 1, "ends in the middle of a character (truncated "
                                              "copy?); the broken byte was dropped"))
    return "".join(parts), enc, problems


def _some(items, most: int = 6) -> str:
    items = list(items)
    return " ".join(items[:most]) + (" …" if len(items) > most else "")


def _summed_up(problems: list[LineProblem], what: str) -> list[LineProblem]:
    """The first lines one by one, then one line for the rest: a dump damaged on every
    line must not bury the other warnings."""
    if len(problems) <= REPORTED_LINES + 1:
        return problems
    rest = [str(no) for no, _ in problems[REPORTED_LINES:]]
    more = ", ".join(rest[:10]) + (", …" if len(rest) > 10 else "")
    return problems[:REPORTED_LINES] + [(None, f"{what} on {len(rest)} more lines ({more}); "
                                               "treated the same way")]


def _utf16(raw: bytes, enc: str) -> tuple[str | None, str, list[LineProblem]]:
    body = raw[: len(raw) - (len(raw) - (2 if enc == "utf-16" else 0)) % 2]
    text = body.decode(enc, errors="replace")
    problems: list[LineProblem] = []
    if len(body) != len(raw) or "\ufffd" in text:
        problems.append((None, f"damaged {enc.upper()} text; unreadable characters shown as "
                               "\ufffd"))
    if _looks_binary(text):
        return None, "binary", [(None, BINARY)]
    return text.lstrip("\ufeff"), enc, problems


def _cp1252(raw: bytes) -> str:
    out = []
    for byte in raw:
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(bytes([byte]).decode("latin-1"))
    return "".join(out)


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    # A few control characters (a NUL included) are damage to strip and report line by
    # line; many are a file that is not text.
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return control > len(sample) * 0.05


# ---------------------------------------------------------------- lines

# Characters that must reach no output: C0 and C1 controls but tab and newline, DEL, the
# line and paragraph separators (line breaks to YAML and to older JavaScript), the
# noncharacters XML refuses, and lone surrogates. Those that separate words become spaces.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")
_SPACE_LIKE = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029")


def without_controls(line: str, no: int, problems: list[LineProblem]) -> str:
    if found := _CONTROL.findall(line):
        names = ", ".join(dict.fromkeys(f"U+{ord(ch):04X}" for ch in found))
        problems.append((no, f"control characters removed ({names})"))
        line = _CONTROL.sub(lambda m: " " if m.group() in _SPACE_LIKE else "", line)
    return line


@dataclass
class _Line:
    no: int
    text: str
    kind: str  # "text", "meta", "header"
    meta: dict = field(default_factory=dict)


def _meta(text: str) -> dict | None:
    """Parse a metadata line, or None if the line is not metadata."""
    stripped = text.strip()
    bullet = _BULLET.match(text)
    body = bullet.group(1) if bullet else stripped
    if bullet and not body:
        return {}  # the "·" separator
    if m := _AUTHORS.match(body):
        return {"authors": int(m.group(1).replace(",", ""))}
    if m := _DATE.match(body):
        found = {"month": MONTHS[m.group("mon").lower()], "day": int(m.group("day"))}
        if m.group("year"):
            found["year"] = int(m.group("year"))
        if m.group("votes"):
            found["upvotes"] = int(m.group("votes").replace(",", ""))
        return found
    if _NUMBER.match(body) and not bullet:
        return {"upvotes": int(body.replace(",", ""))}
    if bullet:
        return {"organization": body}
    return None


def _classify(text: str, cleaned: list[LineProblem]) -> list[_Line]:
    """Each line's kind; control characters removed first, each line with some noted."""
    lines: list[_Line] = []
    for no, raw in enumerate(text.split("\n"), 1):
        if not raw.isprintable():  # a fast check first: the regex takes 4 times as long
            raw = without_controls(raw, no, cleaned)
        line = raw.rstrip()
        if not line:  # all whitespace
            lines.append(_Line(no, "", "blank"))
            continue
        line = _GLUED.sub("", line) if no <= 20 else line
        stripped = line.strip()
        if len(stripped) <= _LONGEST_BOILERPLATE and stripped.casefold() in BOILERPLATE:
            lines.append(_Line(no, line, "header"))
        elif (meta := _meta(line)) is not None:
            lines.append(_Line(no, line, "meta", meta))
        else:
            lines.append(_Line(no, stripped, "text"))
    return lines


def abstract_like(text: str) -> bool:
    """Abstracts are long or read as sentences; titles are short phrases."""
    if len(text) >= 250:
        return True  # before counting words: most lines asked about are whole abstracts
    words = len(text.split())
    if words >= 40:
        return True
    sentences = len(re.findall(r"[.!?](?:\s|$)", text))
    return (text.endswith(_SENTENCE_END) and words >= 12) or (sentences >= 2 and words >= 10)


# ---------------------------------------------------------------- parsing

def parse_dump(text: str, name: str, captured: dt.date | None = None) -> DumpResult:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    cleaned: list[LineProblem] = []
    lines = _classify(text, cleaned)
    blanks = sum(1 for ln in lines if ln.kind == "blank")
    words = [ln for ln in lines if ln.kind == "text"]
    layout = "cards" if words and blanks >= len(words) * 0.5 else "flat"
    result = DumpResult(name=name, layout=layout)
    result.problems += [Problem(name, line, message)
                        for line, message in _summed_up(cleaned, "control characters")]
    if not words:
        result.layout = "empty"
        result.problems.append(Problem(name, None, "no papers found; nothing imported"))
        return result
    if layout == "cards":
        _absorb_unknown_meta(lines, result)
    tokens = [ln for ln in lines if ln.kind in ("text", "meta")]
    if not any(abstract_like(ln.text) for ln in words):
        _titles_only(result, tokens)  # pairing lines up would glue two titles together
    else:
        _Parser(result, tokens).run()
    _apply_years(result, captured, name)
    return result


def _absorb_unknown_meta(lines: list[_Line], result: DumpResult) -> None:
    """In cards, a short line inside a metadata block (an organisation, a venue, a badge) is
    metadata too: it must not start a new paper. It is one when it sits after an abstract or
    other metadata and no abstract follows it (a real title is always followed by one)."""
    content = [ln for ln in lines if ln.kind != "blank"]
    position = {id(ln): i for i, ln in enumerate(content)}
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and lines[end].kind != "blank":
            end += 1
        block = lines[start:end]
        if any(ln.kind == "meta" for ln in block):
            for ln in block:
                if ln.kind != "text" or abstract_like(ln.text):
                    continue
                i = position[id(ln)]
                before = content[i - 1] if i else None
                after = content[i + 1] if i + 1 < len(content) else None
                after_abstract = before is not None and (
                    before.kind == "meta" or abstract_like(before.text))
                title_next = after is not None and after.kind == "text" and abstract_like(
                    after.text)
                if after_abstract and not title_next:
                    ln.kind, ln.meta = "meta", {"unknown": ln.text}
        start = end + 1


def _titles_only(result: DumpResult, tokens: list[_Line]) -> None:
    """A list of titles without abstracts (e.g. a collection page): one paper per line."""
    parser = _Parser(result, [])
    for tok in tokens:
        if tok.kind == "meta":
            parser.on_meta(tok)
        else:
            parser.finish(quiet=True)
            parser.start(tok)
    parser.finish(quiet=True)
    result.problems.append(Problem(result.name, None, (
        f"no abstracts in this dump; {len(result.papers)} titles imported without one")))


class _Parser:
    def __init__(self, result: DumpResult, tokens: list[_Line]):
        self.result, self.tokens = result, tokens
        self.current: DumpPaper | None = None
        self.complete_seen = False

    def warn(self, line: int | None, message: str) -> None:
        self.result.problems.append(Problem(self.result.name, line, message))

    def next_text(self, i: int) -> _Line | None:
        """The next token if it is text (metadata in between: the text after it belongs to
        another paper). Indexed, not sliced: a slice copied the rest of the dump each time."""
        if i + 1 < len(self.tokens) and self.tokens[i + 1].kind == "text":
            return self.tokens[i + 1]
        return None

    def run(self) -> None:
        for i, tok in enumerate(self.tokens):
            if tok.kind == "meta":
                self.on_meta(tok)
            else:
                self.on_text(i, tok)
        self.finish(at_end=True)

    def on_meta(self, tok: _Line) -> None:
        paper = self.current
        if paper is None:
            if self.result.papers or "unknown" in tok.meta:
                self.warn(tok.no, f"metadata {tok.text.strip()!r} outside any paper; ignored")
            return  # a page date above the first paper is page furniture
        paper.meta_seen = True
        meta = tok.meta
        if "unknown" in meta:
            self.warn(tok.no, f"unrecognised metadata {meta['unknown']!r} for "
                              f"{_short(paper.title)!r}; ignored")
        if "authors" in meta:
            paper.authors = meta["authors"]
        if "organization" in meta:
            paper.organization = meta["organization"]
        if "upvotes" in meta:
            paper.upvotes = meta["upvotes"]
        if "month" in meta:
            if "year" in meta:
                paper.date = _safe_date(meta["year"], meta["month"], meta["day"])
            else:
                paper._yearless = (meta["month"], meta["day"])
            if paper.date is None and paper._yearless is None:
                self.warn(tok.no, f"impossible date {tok.text.strip()!r}; left out")

    def on_text(self, i: int, tok: _Line) -> None:
        paper = self.current
        if paper is None:
            self.start(tok)
        elif paper.meta_seen:
            self.finish()
            self.start(tok)
        elif not paper.abstract:
            following = self.next_text(i)
            if not abstract_like(tok.text) and following and abstract_like(following.text):
                self.finish()  # this paper has no abstract; tok is the next title
                self.start(tok)
            else:
                paper.abstract = tok.text
        elif abstract_like(tok.text) and not self._title_follows(i):
            self.warn(tok.no, f"paragraph without a title; appended to the abstract of "
                              f"{_short(paper.title)!r} (line {paper.line})")
            paper.abstract += "\n\n" + tok.text
        else:
            self.finish()
            self.start(tok)

    def _title_follows(self, i: int) -> bool:
        """A long title followed by its abstract must still start a new paper."""
        following = self.next_text(i)
        return bool(following and abstract_like(following.text)
                    and len(self.tokens[i].text) < 300 and not self.tokens[i].text.endswith("."))

    def start(self, tok: _Line) -> None:
        self.current = DumpPaper(title=tok.text, line=tok.no, source=self.result.name)

    def finish(self, at_end: bool = False, quiet: bool = False) -> None:
        paper, self.current = self.current, None
        if paper is None:
            return
        paper.key = title_key(paper.title) or paper.title
        if quiet:
            self.result.papers.append(paper)
            return
        if not paper.abstract and not paper.meta_seen and not self.complete_seen and not at_end:
            self.warn(paper.line, f"header text {_short(paper.title)!r} skipped")
            return
        if not paper.abstract:
            if abstract_like(paper.title):
                self.warn(paper.line, f"text without a title skipped: {_short(paper.title)!r}")
                return
            self.warn(paper.line, f"{_short(paper.title)!r} has no abstract"
                                  f"{' (dump truncated?)' if at_end else ''}; imported without one")
        elif at_end and not paper.meta_seen and not paper.abstract.rstrip().endswith(
                (*_SENTENCE_END, "?", '"', "”")) and self.result.layout == "flat":
            self.warn(paper.line, f"abstract of {_short(paper.title)!r} seems cut off "
                                  "(dump truncated?); imported as it is")
        paper.links = extract_links(paper.abstract)
        self.complete_seen = True
        self.result.papers.append(paper)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _apply_years(result: DumpResult, captured: dt.date | None, name: str) -> None:
    """Listing pages omit the year for dates in the current (capture) year.

    The capture date is, in order: `captured:` for this dump in config.yml; a YYYY-MM-DD in
    the file name; otherwise the year after the latest year the dump shows explicitly (a
    year is only written for other years, so the capture year is later than all of them).
    """
    yearless = [p for p in result.papers if p._yearless]
    if not yearless:
        return
    anchor = captured
    if anchor is None and (m := re.search(r"(20\d\d)-(\d\d)-(\d\d)", name)):
        anchor = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if anchor is not None:
        year, how = anchor.year, f"captured {anchor.isoformat()}"
    else:
        years = [p.date.year for p in result.papers if p.date]
        if not years:
            result.problems.append(Problem(name, None, (
                f"{len(yearless)} dates without a year and no way to tell the year; left out "
                f"(pin it in config.yml: dumps: {{{name}: {{captured: YYYY-MM-DD}}}})")))
            return
        year, how = max(years) + 1, f"the year after {max(years)}, the latest year shown"
    for paper in yearless:
        month, day = paper._yearless
        date = _safe_date(year, month, day)
        if date and anchor and date > anchor:  # a date after the capture is from last year
            date = _safe_date(year - 1, month, day)
        paper.date, paper._yearless = date, None
    result.notes.append(f"dates without a year read as {year} ({how})")


def extract_links(text: str) -> tuple[str, ...]:
    """Code and project URLs in an abstract, with sentence punctuation and LaTeX junk
    ('...{here}', '...}.') trimmed."""
    links: list[str] = []
    if "://" not in text:
        return ()  # every _URL match holds it; most abstracts have no link
    for match in _URL.finditer(text):
        url = re.split(r"[{}\\]", match.group(0))[0]
        while url and url[-1] in ".,;:!?'\"”’*":
            url = url[:-1]
        for opener, closer in ("()", "[]"):
            while url.endswith(closer) and url.count(closer) > url.count(opener):
                url = url[:-1]
            url = url.rstrip(".,;:")
        if re.match(r"https?://[^/\s]+\.[^/\s]+", url, re.I) and url not in links:
            links.append(url)
    return tuple(links)


def read_dump(path: Path, captured: dt.date | None = None, raw: bytes | None = None
              ) -> DumpResult:
    """Read, decode and parse one dump; never raises for bad content, reports instead."""
    try:
        raw = path.read_bytes() if raw is None else raw
    except OSError as exc:
        return DumpResult(path.name, "unreadable", problems=[
            Problem(path.name, None, f"cannot read ({exc.strerror}); skipped")])
    if not raw.strip():
        return DumpResult(path.name, "empty", problems=[
            Problem(path.name, None, "empty file; nothing imported")])
    text, encoding, problems = decode(raw)
    found = [Problem(path.name, line, message) for line, message in problems]
    if text is None:
        return DumpResult(path.name, "unreadable", encoding, problems=found)
    result = parse_dump(text, path.name, captured)
    result.encoding = encoding
    result.problems[:0] = found
    return result
