"""Paper <-> content/papers/<slug>.md, and the edit-preserving update the importer uses.

A page is YAML front matter and a Markdown body (the curator's notes). The front matter ends
with an `imported:` block: fingerprints of what the importer last wrote. On re-import a field
whose value still matches its fingerprint is the importer's to update; any other value is the
curator's and stays. Tags merge as sets, so a tag the curator added or removed stays that way
while new taxonomy tags still arrive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from sitegen import frontmatter
from sitegen.errors import SourceError
from sitegen.model import UNTAGGED, Paper, arxiv_id, title_key

IMPORTED = "imported"
# Fields the importer owns until the curator changes them, in front-matter order.
IMPORT_FIELDS = ("title", "arxiv", "date", "upvotes", "authors", "organization", "links",
                 "abstract")
# Import fields fingerprinted only once the importer has a value for them (fields added
# later, so that pages written before them keep their `imported:` record as it is).
_FINGERPRINTED_WHEN_SET = frozenset(("arxiv",))
# What only the curator writes, after the import fields.
CURATOR_FIELDS = ("doi", "venue", "url")
KNOWN = (*IMPORT_FIELDS, *CURATOR_FIELDS, "tags", "sources", "status", "rating", "hidden")
_NOT_EXTRA = frozenset((*KNOWN, IMPORTED))
_OPEN = re.compile(r"---[ \t]*\r?\n")
_CLOSE = re.compile(r"---[ \t]*\r?\n?")


def front_matter(text: str) -> tuple[str, int] | None:
    r"""(front matter, where the body starts): what \A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?
    (re.S | re.M) matches, without a lazy regex trying every character of the front matter."""
    opening = _OPEN.match(text)
    if not opening:
        return None
    start = opening.end()
    close = text.find("\n---", start - 1) + 1  # text[start - 1] is the opening's newline
    if not close:
        return None
    return text[start:close], _CLOSE.match(text, close).end()


# ---------------------------------------------------------------- reading

def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str, int]:
    """Return (front matter, body, line where the body starts). Lines count from the file's
    first line, the opening `---`."""
    text = text.lstrip("\ufeff")
    found = front_matter(text)
    if not found:
        return {}, text, 1
    head, end = found
    try:
        meta = frontmatter.load(head) if head.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or "invalid YAML"
        raise SourceError(path, f"front matter: {problem} (fix the YAML)", line) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # A value PyYAML cannot make (`!!int abc`, a list nested thousands deep).
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceError(path, f"front matter: {problem} (fix the YAML)", 2) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise SourceError(path, "front matter must be a mapping of keys to values", 2)
    body_line = text.count("\n", 0, end) + 1
    return meta, text[end:], body_line


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any, key: str, path: Path) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise SourceError(path, f"{key}: expected a whole number, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise SourceError(path, f"{key}: expected a whole number, got {value!r}") from None


def _date(value: Any, path: Path) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SourceError(path, f"date: expected YYYY-MM-DD, got {value!r}") from None


def _strings(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if v not in (None, ""))
    return tuple(s.strip() for s in str(value).split(",") if s.strip())


def _authors(value: Any, path: Path) -> tuple[tuple[str, ...], int | None]:
    """`authors:` holds names (a list) or, as text dumps give it, a count: (names, count)."""
    if isinstance(value, (list, tuple)):
        names = tuple(" ".join(str(v).split()) for v in value if v not in (None, ""))
        return names, len(names) or None
    if isinstance(value, str) and not value.strip().isdigit() and value.strip():
        raise SourceError(path, f"authors: expected a list of names, e.g. [Ada Lovelace, "
                          f"Alan Turing], or a number, got {value!r}")
    return (), _int(value, "authors", path)


def _arxiv(value: Any, path: Path) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, float) and len(repr(value).partition(".")[2]) <= 5:
        # YAML reads an unquoted 2509.12340 as the number 2509.1234: its digits are
        # YYMM.NNNNN since 2015, YYMM.NNNN before.
        value = f"{value:010.5f}" if value >= 1501 else f"{value:09.4f}"
    found = arxiv_id(str(value)) if isinstance(value, (str, float)) else None
    if found is None:
        raise SourceError(path, f"arxiv: {value!r} is not an arXiv id (write it as "
                          "'2509.12345' or 'hep-th/9901001')")
    return found


_DOI = re.compile(r"10\.\d{4,9}/\S+\Z")
_DOI_PREFIX = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_WEB = re.compile(r"https?://[^\s<>\"'`]+\.[^\s<>\"'`]+\Z", re.I)


def _doi(value: Any, path: Path) -> str | None:
    """A DOI as written, its https://doi.org/ or doi: prefix taken off."""
    if value in (None, ""):
        return None
    text = _DOI_PREFIX.sub("", str(value).strip(), count=1)
    if not _DOI.match(text):
        raise SourceError(path, f"doi: {value!r} is not a DOI (write it as "
                          "10.1234/abcd or https://doi.org/10.1234/abcd)")
    return text


def _web(value: Any, key: str, path: Path) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not _WEB.match(text):
        raise SourceError(path, f"{key}: {value!r} is not a web address (write it as "
                          "https://...)")
    return text


def paper_from_meta(slug: str, meta: dict[str, Any], body: str, path: Path) -> Paper:
    extra = {k: v for k, v in meta.items() if k not in _NOT_EXTRA}
    authors, author_count = _authors(meta.get("authors"), path)
    return Paper(
        slug=slug,
        title=_str(meta.get("title")).strip() or slug,
        abstract=_str(meta.get("abstract")),
        date=_date(meta.get("date"), path),
        upvotes=_int(meta.get("upvotes"), "upvotes", path),
        authors=authors,
        author_count=author_count,
        arxiv=_arxiv(meta.get("arxiv"), path),
        doi=_doi(meta.get("doi"), path),
        venue=_str(meta.get("venue")).strip() or None,
        url=_web(meta.get("url"), "url", path),
        organization=_str(meta.get("organization")) or None,
        links=_strings(meta.get("links")),
        sources=_strings(meta.get("sources")),
        tags=_strings(meta.get("tags")),
        notes=body.strip("\n"),
        status=_str(meta.get("status")) or None,
        rating=_int(meta.get("rating"), "rating", path),
        hidden=bool(meta.get("hidden", False)),
        extra=extra,
    )


def read_page(path: Path) -> tuple[Paper, dict[str, Any]]:
    """Read one paper page: the Paper and its raw front matter (import fingerprints included)."""
    return parse_page(path, path.read_bytes())


def parse_page(path: Path, raw: bytes) -> tuple[Paper, dict[str, Any]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not UTF-8 (byte {exc.start}); save the page as UTF-8") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body, body_line = split_front_matter(text, path)
    try:
        return paper_from_meta(path.stem, meta, body, path), meta
    except SourceError as exc:
        if exc.line is not None:
            raise
        raise SourceError(path, exc.message, _key_line(text, exc.message, body_line)) from None


_TOP_KEY = re.compile(r"^([^\s#'\"{}\[\]:-][^:\n]*?)[ \t]*:(?:[ \t]|$)", re.M)


def repeated_keys(raw: bytes) -> list[tuple[str, list[int]]]:
    """Top-level front-matter keys given more than once, with their lines (the `---` line is
    line 1). YAML keeps the last value silently; the curator meant one of them."""
    text = raw.decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
    found = front_matter(text)
    if not found:
        return []
    lines: dict[str, list[int]] = {}
    first = text.count("\n", 0, text.find("\n") + 1) + 1  # the line after the opening ---
    for match in _TOP_KEY.finditer(found[0]):
        line = first + found[0].count("\n", 0, match.start())
        lines.setdefault(match.group(1), []).append(line)
    return [(key, at) for key, at in lines.items() if len(at) > 1]


def _key_line(text: str, message: str, body_line: int) -> int | None:
    """The line of the front-matter key a message starts with (`upvotes: ...`)."""
    key = re.match(r"(\w+):", message)
    if not key:
        return None
    lines = text.lstrip("\ufeff").split("\n")[:body_line - 1]
    found = [n for n, line in enumerate(lines, 1) if re.match(rf"{key.group(1)}\s*:", line)]
    return found[-1] if found else None  # YAML keeps a repeated key's last value


# ---------------------------------------------------------------- writing

def _yaml(data: dict[str, Any]) -> str:
    return frontmatter.dump(data)


def fingerprint(value: Any) -> str:
    kind = type(value)
    if value is None or kind is int or (kind is str and len(value) <= 40):
        return _small_fingerprint(kind, value)  # counts, dates, names repeat across papers
    if kind is list and not value:
        return _small_fingerprint(tuple, ())
    return _fingerprint(value)


@lru_cache(maxsize=4096)
def _small_fingerprint(kind: type, value: Any) -> str:
    return _fingerprint(list(value) if kind is tuple else value)


def _fingerprint(value: Any) -> str:
    data = _json(value)
    return hashlib.sha1(data.encode("utf-8")).hexdigest()[:12]


_quote = json.encoder.encode_basestring  # what json.dumps(str, ensure_ascii=False) writes


def _json(value: Any) -> str:
    """json.dumps(value, sort_keys=True, ensure_ascii=False, default=str), written directly
    for the page field types (the importer fingerprints seven fields of every paper)."""
    kind = type(value)
    if kind is str:
        return _quote(value)
    if kind is int:
        return repr(value)
    if value is None:
        return "null"
    if kind is list and all(type(v) is str for v in value):
        return "[" + ", ".join(map(_quote, value)) + "]"
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _import_value(paper: Paper, name: str) -> Any:
    """A field as the front matter holds it: `authors:` is the names, else the count."""
    if name == "authors":
        return paper.authors or paper.author_count
    return getattr(paper, name)


def _field_value(paper: Paper, name: str) -> Any:
    return _plain(_import_value(paper, name))


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def page_meta(paper: Paper, imported: dict[str, Any] | None) -> dict[str, Any]:
    """The front matter of a page as written: known keys in a fixed order, then the curator's
    own keys, then the import fingerprints; empty values are left out so pages stay short."""
    meta: dict[str, Any] = {}
    for name in (*IMPORT_FIELDS[:-1], *CURATOR_FIELDS, "tags", "sources", "status", "rating"):
        value = _field_value(paper, name)
        if value not in (None, "", []):
            meta[name] = value
    if paper.date is not None:
        meta["date"] = paper.date  # a YAML date, not a quoted string
    if paper.hidden:
        meta["hidden"] = True
    meta.update(paper.extra)
    meta["abstract"] = paper.abstract
    if imported:
        meta[IMPORTED] = imported
    return meta


def render_page(paper: Paper, imported: dict[str, Any] | None) -> str:
    return _render(page_meta(paper, imported), paper.notes)


def _render(meta: dict[str, Any], notes: str) -> str:
    body = notes.strip("\n")
    return "---\n" + _yaml(meta) + "---\n" + (body + "\n" if body else "")


_TEMP = re.compile(r"\..+\.md\.[a-z0-9_]{8}\.tmp")  # what atomic_write's mkstemp names


def remove_stale_temp_files(folder: Path, before: float) -> list[Path]:
    """Remove atomic_write's temporary files in `folder` last modified before `before` (a
    time.time()): left by a run that was killed mid-write, never a page. Returns them."""
    removed = []
    for path in folder.glob(".*.tmp") if folder.is_dir() else ():
        try:
            if _TEMP.fullmatch(path.name) and path.stat().st_mtime < before:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # another process's, just renamed into place
            continue
    return removed


def atomic_write(path: Path, data: str | bytes, durable: bool = True) -> None:
    """Write via a temporary file and rename: a crash leaves the old file or the new one.

    `durable` also flushes to disk before the rename, so even a power cut cannot leave an
    empty file where a curated page was; new pages and caches can skip that cost."""
    if not path.parent.is_dir():  # one stat, not a failing mkdir, for each of many pages
        path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:  # a full disk names no file
            exc.filename = str(path)
        raise


# ---------------------------------------------------------------- import merge

def new_page(imported: Paper, key: str | None = None) -> str:
    """A fresh page; `key` is the paper's identity across dumps (default: its title key)."""
    return render_page(imported, _fingerprints(imported, key))


def new_page_with_meta(imported: Paper, key: str | None = None,
                       fields: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """new_page() and the front matter it holds, so a fresh page need not be parsed again;
    `fields` is import_fingerprints(imported) if known already."""
    meta = page_meta(imported, _fingerprints(imported, key, fields))
    return _render(meta, imported.notes), meta


def _fingerprints(imported: Paper, key: str | None = None,
                  fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `imported:` record; `fields` is import_fingerprints(imported) if known already."""
    return {"key": key or title_key(imported.title),
            **(fields if fields is not None else import_fingerprints(imported))}


def import_fingerprints(imported: Paper) -> dict[str, Any]:
    """The `imported:` record without its key: it depends on the paper alone, so it can be
    computed away from the page (the importer does so in a second process)."""
    record = {name: fingerprint(_field_value(imported, name)) for name in IMPORT_FIELDS
              if name not in _FINGERPRINTED_WHEN_SET or getattr(imported, name)}
    record["tags"] = sorted(set(imported.tags) - {UNTAGGED})
    return record


def update_page(current: Paper, meta: dict[str, Any], imported: Paper,
                text: str) -> str | None:
    """Merge a fresh import into an existing page, keeping every curator edit.

    A field is updated only when its value still matches the fingerprint of what the importer
    last wrote; a page without fingerprints (written by hand) only gets its empty fields filled.
    Returns None when nothing changes, else the page with only the changed keys rewritten.
    """
    values = update_values(current, meta, imported)
    return None if values is None else set_keys(text, values)


def update_values(current: Paper, meta: dict[str, Any], imported: Paper,
                  fields: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The front-matter keys update_page() would set (None: the page stays as it is), without
    the costly rewrite; `fields` is import_fingerprints(imported) if known already."""
    record = meta.get(IMPORTED) if isinstance(meta.get(IMPORTED), dict) else {}
    changes: dict[str, Any] = {}
    for name in IMPORT_FIELDS:
        mine, theirs = _import_value(current, name), _import_value(imported, name)
        if theirs in (None, "", ()) or theirs == mine:
            continue  # nothing to bring in: the fingerprint need not be computed
        if name in record:
            untouched = fingerprint(_field_value(current, name)) == record[name]
        else:
            untouched = mine in (None, "", ())
        if untouched:
            changes[name] = theirs
    tags = _merge_tags(current.tags, record.get("tags"), imported.tags)
    # `tags: []` says untagged as well as `[untagged]` does: it stays as the curator wrote it.
    if tags != current.tags and not (tags == (UNTAGGED,) and not current.tags):
        changes["tags"] = tags
    sources = tuple(dict.fromkeys((*current.sources, *imported.sources)))
    if sources != current.sources:
        changes["sources"] = sources
    # Identity stays with the title first imported (and its title_key need not be computed).
    new_record = _fingerprints(imported, record.get("key"), fields)
    if not changes and new_record == record:
        return None
    values = {name: _plain(value) for name, value in changes.items()}
    if "date" in values:
        values["date"] = changes["date"]
    values[IMPORTED] = new_record
    return values


def never_edited(current: Paper, meta: dict[str, Any]) -> bool:
    """Whether the page holds only what the importer wrote: every import field and the tags
    as its fingerprints say, and nothing of the curator's (notes, status, rating, hidden,
    doi, venue, url or any key of their own). A page without fingerprints was written by
    hand."""
    record = meta.get(IMPORTED)
    if not isinstance(record, dict):
        return False
    if (current.notes.strip() or current.status or current.rating is not None
            or current.hidden or current.extra or any(getattr(current, f) for f in CURATOR_FIELDS)):
        return False
    if sorted(set(current.tags) - {UNTAGGED}) != record.get("tags"):
        return False
    return all(importer_owns(current, meta, name) for name in IMPORT_FIELDS)


def importer_owns(current: Paper, meta: dict[str, Any], name: str) -> bool:
    """Whether an import field may still be filled in by a tool: its value is what the
    importer last wrote (as update_values() decides), or empty."""
    record = meta.get(IMPORTED) if isinstance(meta.get(IMPORTED), dict) else {}
    if name in record:
        return fingerprint(_field_value(current, name)) == record[name]
    return _import_value(current, name) in (None, "", ())


def set_keys(text: str, values: dict[str, Any]) -> str:
    """Set front-matter keys in place: only the changed values' text is rewritten, so the
    curator's comments, layout, quoting, line endings and byte-order mark survive; new keys
    go before `imported:`."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom):]
    opening = _OPEN.match(text)
    found = front_matter(text)
    if opening and found:
        head, start = found[0], opening.end()
        return bom + text[:start] + frontmatter.update(head, values, IMPORTED) + text[
            start + len(head):]
    newline = "\r\n" if "\r\n" in text else "\n"
    head = frontmatter.update("", values, IMPORTED)
    return f"{bom}---{newline}{head}---{newline}{text}"


_set_keys = set_keys  # the name the reference update in tests/test_paper_files.py uses


def _merge_tags(current: tuple[str, ...], base: Any, auto: tuple[str, ...]) -> tuple[str, ...]:
    """Three-way set merge: the curator's additions and removals win over the taxonomy's."""
    auto_set = set(auto) - {UNTAGGED}
    if not isinstance(base, list):  # hand-written page: its tags are the curator's
        tags = list(current) or sorted(auto_set)
    else:
        base_set = set(base)
        mine = set(current) - {UNTAGGED}
        added, removed = mine - base_set, base_set - mine
        keep = [t for t in current if t in (auto_set | added) - removed and t != UNTAGGED]
        keep += sorted((auto_set - removed) - set(keep))
        tags = keep
    tags = [t for t in tags if t != UNTAGGED]
    return tuple(tags) or (UNTAGGED,)


def page_key(paper: Paper, meta: dict[str, Any]) -> str:
    """Identity for matching an existing page to incoming dump papers."""
    record = meta.get(IMPORTED)
    if isinstance(record, dict) and record.get("key"):
        return str(record["key"])
    return title_key(paper.title)
