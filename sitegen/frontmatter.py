"""A fast reader (and writer) for the YAML subset sitegen itself writes in page front matter.

PyYAML spends ~0.8 ms constructing each page; at 50,000 pages that is most of a cold build.
This reader handles exactly what `pages._yaml` emits (top-level `key: scalar`, one-line flow
lists, `|-` literal blocks, one nested mapping), and the block lists of strings ruamel.yaml
writes when the importer updates a page, and returns None for anything else, so
hand-edited pages with comments, anchors, or other YAML fall back to the full parser. A test
checks it against PyYAML on real pages and on generated ones: it may decline, never differ.

Writing a page through PyYAML's representer costs as much again; `dump` writes the same
shapes directly, byte for byte what PyYAML writes, and leaves anything else to PyYAML.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from typing import Any

import yaml

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_DATE = re.compile(r"\d{4}-\d\d-\d\d\Z")
# A plain scalar must not start with an indicator; its type is what YAML's own resolver says.
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n]*\Z")
_RESOLVER = yaml.resolver.Resolver()
_UNSAFE = re.compile(
    "[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\ufeff\u2028\u2029]")
_STR = "tag:yaml.org,2002:str"
_ITEM = re.compile(r"""\s*('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^,\[\]{}'"]+?)\s*(,|\Z)""")
_KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_WORDY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")  # tags, hashes, file names: no indicator
# Hex with a letter is a string to YAML (its numbers need digits only, 0b01 or 0x, dots or
# dashes): the import fingerprints need no resolver.
_HASH = re.compile(r"(?!0b)[0-9a-f]*[a-f][0-9a-f]*\Z")
_WORD_LIST = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*(?:, [A-Za-z0-9][A-Za-z0-9_.-]*)*\Z")
_SAFE_ASCII = bytes([9, 10, *range(0x20, 0x7F)])  # the ASCII that _UNSAFE lets through


def parse(text: str) -> dict[str, Any] | None:
    """Front matter text -> mapping, or None when it is not in the subset (use PyYAML)."""
    if not text or text.isspace() or _unsafe(text):
        return None  # YAML line breaks (\x85, \u2028...) or characters PyYAML rejects
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return _mapping(lines, 0, "")[0]


_NO = object()


def _unsafe(text: str) -> bool:
    """_UNSAFE.search(text), sparing the regex scan when the text is ASCII (isascii() is
    free): then only control characters can be unsafe, and a byte table finds those."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _SAFE_ASCII))
    return _UNSAFE.search(text) is not None


@lru_cache(maxsize=1024)
def _good_key(key: str) -> bool:
    return _KEY_NAME.match(key) is not None and _str_key(key)


@lru_cache(maxsize=1 << 16)
def _cached_value(text: str) -> Any:
    value = _value(text)
    return tuple(value) if type(value) is list else value  # immutable while shared


@lru_cache(maxsize=1 << 16)
def _tag(text: str) -> str:
    """YAML's implicit type of a plain scalar; keys, tags and hashes repeat across pages."""
    return _RESOLVER.resolve(yaml.nodes.ScalarNode, text, (True, False))


def _is_str(text: str) -> bool:
    """YAML reads this plain scalar as a string: no implicit type starts with its first
    character, or it is a hash, or the resolver says so."""
    if not text:
        return False  # null
    return (text[0] not in _RESOLVER.yaml_implicit_resolvers or _HASH.match(text) is not None
            or _tag(text) == _STR)


def _str_key(key: str) -> bool:
    """YAML 1.1 reads keys such as `No` or `on` as booleans, not strings."""
    return _tag(key) == _STR


def _value(text: str) -> Any:
    if text == "":
        return None
    if text[0] == "[":
        return _flow_list(text)
    scalar = _scalar(text, typed=True)
    return scalar


def _scalar(text: str, typed: bool) -> Any:
    if text.startswith("'"):
        if len(text) < 2 or not text.endswith("'") or "'" in text[1:-1].replace("''", ""):
            return _NO
        return text[1:-1].replace("''", "'")
    if text.startswith('"'):
        if "\\" in text and re.search(r'\\[^"\\/bfnrtu]', text):
            return _NO  # YAML-only escapes (\x, \N, \_ ...): let PyYAML decode them
        try:
            value = json.loads(text)
        except ValueError:
            return _NO
        return value if isinstance(value, str) else _NO
    if not _WORDY.match(text) and (  # a word, number or hash passes every check below
            not _PLAIN.match(text) or ": " in text or " #" in text or text.endswith(":")
            or text != text.strip() or "\t" in text):
        return _NO
    if _is_str(text):
        return text
    tag = _tag(text)
    if not typed:
        return _NO
    if tag.endswith(":int") and _INT.match(text):
        return int(text)
    if tag.endswith(":bool") and text in ("true", "false"):
        return text == "true"
    if tag.endswith(":timestamp") and _DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return _NO
    return _NO  # other numbers, YAML 1.1 booleans, nulls and times: PyYAML decides


def _flow_list(text: str) -> Any:
    if not text.endswith("]"):
        return _NO
    inner = text[1:-1]
    if not inner.strip():
        return []
    texts = _list_items(inner)
    if texts is None:
        return _NO
    items = [_scalar(item, typed=False) for item in texts]
    return _NO if _NO in items else items


def _list_items(inner: str) -> list[str] | None:
    """The item texts of a flow list, as _ITEM reads them; None if it cannot."""
    if _WORD_LIST.match(inner):
        return inner.split(", ")  # tags and sources as sitegen writes them: no regex per item
    items, pos = [], 0
    while pos < len(inner):
        match = _ITEM.match(inner, pos)
        if not match or match.end() == pos:
            return None
        items.append(match.group(1))
        pos = match.end()
    return items


def _literal(lines: list[str], i: int, indent: str) -> tuple[str | None, int]:
    """A `|-` block: lines indented by `indent`; blank lines inside are kept."""
    body: list[str] = []
    while i < len(lines) and (lines[i].startswith(indent) or lines[i] == ""):
        body.append(lines[i][len(indent):])
        i += 1
    while body and body[-1] == "":
        body.pop()
    if not body or body[0].startswith(" "):
        return None, i  # more indentation than we wrote: an indentation indicator case
    return "\n".join(body), i


def _block_list(lines: list[str], i: int, dash: str) -> tuple[list[str] | None, int]:
    """`- item` lines starting with `dash`, each item a string on its own line: how
    ruamel.yaml writes the lists of a page the importer has updated."""
    items = []
    while i < len(lines) and lines[i].startswith(dash):
        item = _scalar(lines[i][len(dash):], typed=False)
        if item is _NO:
            return None, i
        items.append(item)
        i += 1
    return items, i


def _mapping(lines: list[str], i: int, indent: str) -> tuple[dict[str, Any] | None, int]:
    """`key: value` lines at `indent` from line i: (mapping, next line), or (None, i) when
    they are not in the subset. Only the top level (no indent) holds a nested mapping."""
    data: dict[str, Any] = {}
    while i < len(lines):
        line = lines[i]
        if indent:
            if not line.startswith(indent):
                break
            line = line[len(indent):]
        key, colon, rest = line.partition(":")  # a key holds no colon: the first one ends it
        if not colon or key in data or (rest and rest[0] != " ") or not _good_key(key):
            return None, i
        rest = rest[1:]
        if rest in ("|-", "|"):
            block, i = _literal(lines, i + 1, indent + "  ")
            if block is None:
                return None, i
            data[key] = block + ("\n" if rest == "|" and block else "")
            continue
        if not rest and i + 1 < len(lines) and lines[i + 1].startswith(indent + "- "):
            items, i = _block_list(lines, i + 1, indent + "- ")
            if items is None:
                return None, i
            data[key] = items
            continue
        if not rest and indent:
            return None, i
        if not rest and i + 1 < len(lines) and lines[i + 1].startswith("  "):
            nested, i = _mapping(lines, i + 1, "  ")
            if nested is None:
                return None, i
            data[key] = nested
            continue
        value = _cached_value(rest)  # tags, sources, dates and counts repeat across pages
        if value is _NO:
            return None, i
        data[key] = list(value) if type(value) is tuple else value
        i += 1
    return data, i


# ---------------------------------------------------------------- writing

# Characters every YAML emitter writes as themselves (libyaml: no 4-byte UTF-8, no line
# separators, no BOM); anything else leaves the page to PyYAML.
_SAFE_LINE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*\\Z")
_SAFE_TEXT = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*\\Z")
_SAFE_TEXT_ASCII = bytes([10, *range(0x20, 0x7F)])
_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")  # never start a plain scalar
_FLOW_INDICATORS = re.compile(r"[,?\[\]{}:]")


def wants_literal(value: str) -> bool:
    """Long or multi-line text is written as a literal block, easy to edit by hand."""
    return "\n" in value or len(value) > 100


def dump(data: dict[str, Any]) -> str | None:
    """What yaml.dump(data, sort_keys=False, allow_unicode=True, width=10**9,
    default_flow_style=None) writes, with literal blocks where wants_literal(), for the
    shapes pages hold: a block mapping of scalars, flow lists of strings and one nested block
    mapping. None for anything else (PyYAML writes it); a test compares the two."""
    lines = _block_mapping(data, "", set())
    return None if lines is None else "".join(lines)


def _block_mapping(data: dict, indent: str, seen: set[int]) -> list[str] | None:
    out, block = [], False
    for key, value in data.items():
        if type(key) is not str or not _good_key(key) or len(key) > 40:
            return None
        text = _block_value(value, indent, seen)
        if text is None:
            return None
        out.append(f"{indent}{key}:{text}")
        kind = type(value)
        block = block or kind is list or kind is dict or (kind is str and wants_literal(value))
    # PyYAML writes a mapping of plain one-line scalars in flow style: {a: 1}.
    return out if block else None


def _block_value(value: Any, indent: str, seen: set[int]) -> str | None:
    """What follows `key:`, line break included."""
    kind = type(value)
    if kind is str and wants_literal(value):
        text = _literal_block(value, indent + "  ")
        return None if text is None else " " + text
    if kind is str:
        text = _one_line(value, False)
        return None if text is None else f" {text}\n"
    if kind is bool:
        return " true\n" if value else " false\n"
    if kind is int:
        return f" {value}\n"
    if value is None:
        return " null\n"
    if id(value) in seen:
        return None  # PyYAML would write an anchor and an alias
    seen.add(id(value))
    if kind is dt.date:
        return f" {value.isoformat()}\n"
    if kind is list:
        try:
            items = _flow_items(tuple(value))
        except TypeError:  # unhashable items: not strings, PyYAML's business anyway
            return None
        return None if items is None else f" [{items}]\n"
    if kind is dict and value and not indent:  # one level, as pages have: the tested shape
        nested = _block_mapping(value, indent + "  ", seen)
        return None if nested is None else "\n" + "".join(nested)
    return None


@lru_cache(maxsize=4096)
def _flow_items(items: tuple) -> str | None:
    """`a, b` of a flow list; tag and source lists repeat from page to page."""
    out = []
    for item in items:
        if type(item) is not str or wants_literal(item):
            return None  # PyYAML would write a block list
        text = _one_line(item, True)
        if text is None:
            return None
        out.append(text)
    return ", ".join(out)


def _one_line(value: str, flow: bool) -> str | None:
    """One line: plain when YAML allows it and reads it back as this string, else quoted."""
    if _WORDY.match(value):
        return value if _is_str(value) else f"'{value}'"
    if not _SAFE_LINE.match(value):
        return None  # double quotes with escapes: PyYAML's business
    if _plain_allowed(value, flow) and _is_str(value):
        return value
    return "'" + value.replace("'", "''") + "'"


def _plain_allowed(value: str, flow: bool) -> bool:
    """The emitter's rules for a plain scalar on one line of safe characters."""
    if not value or value[0] == " " or value[-1] == " " or value.startswith(("---", "...")):
        return False
    first, spaced = value[0], len(value) == 1 or value[1] == " "
    if first in _INDICATORS or (first in "?:" and (flow or spaced)) or (first == "-" and spaced):
        return False
    rest = value[1:]
    if flow and _FLOW_INDICATORS.search(rest):
        return False
    return ": " not in value and not value.endswith(":") and " #" not in value


def _safe_text(value: str) -> bool:
    """_SAFE_TEXT.match(value); for ASCII (most abstracts) a byte table is far quicker."""
    if value.isascii():
        return not value.encode("ascii").translate(None, _SAFE_TEXT_ASCII)
    return _SAFE_TEXT.match(value) is not None


def _literal_block(value: str, indent: str) -> str | None:
    """A `|-` block; other block forms (indentation or keep indicators) are PyYAML's."""
    if (value[0] in " \n" or value[-1] in " \n" or " \n" in value or "\n " in value
            or not _safe_text(value)):
        return None
    return "|-\n" + "".join(f"{indent}{line}\n" if line else "\n"
                            for line in value.split("\n"))
