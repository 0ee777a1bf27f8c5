"""The YAML of page front matter: what PyYAML reads, updated in place.

Pages are read by PyYAML's libyaml loader (the pure-Python one when libyaml is missing), so a
page means what PyYAML says it means, in sitegen, in the curator's editor plugins and in any
script. Two costs of PyYAML's Python layer are trimmed without changing a result: the plain
shapes of pages (strings, numbers, dates, lists, mappings) are built without the
constructor's general machinery, which is kept for anything else (merge keys, aliases,
explicit tags...), and the implicit type of short plain scalars is looked up once. New pages
are written byte for byte as PyYAML's dumper writes them: directly for their usual shapes
(PyYAML's Python layer would make a review's first build over 5% slower), by PyYAML
otherwise. Tests compare reading and writing with stock PyYAML.

`update` sets keys of an existing page's front matter by replacing the text of the changed
values only, so every other byte of the curator's page stays as it was: comments, quoting,
block or flow style, indentation, key order, line endings. The result is checked by reading
it back; where a page's YAML is beyond this (a flow mapping at the top, aliases into a
changed value), the front matter is written anew, with the same values.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from functools import lru_cache
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_STR, _INT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int"
_BOOL, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
_DATE, _FLOAT = "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:float"
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_SCALARS = frozenset((_INT, _BOOL, _NULL, _DATE, _FLOAT))
_RESOLVER = yaml.resolver.Resolver()
_SLOW = object()  # "let PyYAML's own constructor decide"


@lru_cache(maxsize=1 << 14)
def _plain_tag(value: str) -> str:
    return _RESOLVER.resolve(ScalarNode, value, (True, False))


class _Resolve:
    """Resolver.resolve, with the implicit type of short plain scalars looked up once (the
    emitter asks twice for every scalar it writes). Pages define no path resolvers, so this
    is all resolve() does, and descending and ascending have nothing to do."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0]:
                return _STR
            return _plain_tag(value) if len(value) <= 64 else _RESOLVER.resolve(
                kind, value, implicit)
        return _SEQ if kind is SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self, current_node: Any = None) -> None:
        pass


class Loader(_Resolve, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """yaml.SafeLoader's reading; a page's plain shapes are built directly."""

    def construct_document(self, node: Node) -> Any:
        try:
            data = self._plain(node, set())
        except RecursionError:
            data = _SLOW
        if data is _SLOW:
            return super().construct_document(node)
        return data

    def _plain(self, node: Node, seen: set[int]) -> Any:
        tag, kind = node.tag, type(node)
        if kind is ScalarNode:
            if tag == _STR:
                return node.value
            if tag in _SCALARS:
                return self._scalar(node)
            return _SLOW
        if id(node) in seen:
            return _SLOW  # an alias: shared (maybe recursive) objects are PyYAML's business
        seen.add(id(node))
        if tag == _SEQ and kind is SequenceNode:
            items = [item.value if item.tag == _STR and type(item) is ScalarNode
                     else self._plain(item, seen) for item in node.value]
            return _SLOW if _SLOW in items else items  # `in` compares by identity first
        if tag != _MAP or kind is not MappingNode:
            return _SLOW
        data = {}
        for key_node, value_node in node.value:  # strings inline: most nodes of a page
            if key_node.tag == _STR and type(key_node) is ScalarNode:
                key = key_node.value
            elif key_node.tag in _SCALARS:
                key = self._plain(key_node, seen)
            else:
                return _SLOW  # merge keys (<<), `=`, collections as keys, explicit tags
            if value_node.tag == _STR and type(value_node) is ScalarNode:
                data[key] = value_node.value
                continue
            value = self._plain(value_node, seen)
            if value is _SLOW:
                return _SLOW
            data[key] = value
        return data

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ArithmeticError, LookupError, ValueError, TypeError) as exc:
            raise _unreadable(node, exc) from None

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag in (_INT, _DATE) and len(node.value) <= 10:
            return _typed(self, node.tag, node.value, node)  # dates and counts repeat
        try:
            return self.yaml_constructors[node.tag](self, node)
        except (ArithmeticError, LookupError, ValueError, TypeError) as exc:
            raise _unreadable(node, exc) from None


_TYPED: dict[tuple[str, str], Any] = {}


def _typed(loader: Loader, tag: str, value: str, node: ScalarNode) -> Any:
    """An int or date (immutable, so shared safely) as PyYAML makes it, made once."""
    made = _TYPED.get((tag, value), _SLOW)
    if made is _SLOW:
        try:
            made = loader.yaml_constructors[tag](loader, node)
        except (ArithmeticError, LookupError, ValueError, TypeError) as exc:
            raise _unreadable(node, exc) from None
        if len(_TYPED) < 1 << 14:
            _TYPED[tag, value] = made
    return made


_KINDS = {"timestamp": "date", "int": "whole number", "float": "number", "bool": "boolean"}


def _unreadable(node: Node, exc: Exception) -> yaml.YAMLError:
    """What PyYAML's constructor fails on with a bare exception (`date: 2024-02-30`,
    `!!int` with no digits), as a YAML error that says where."""
    kind = node.tag.rpartition(":")[2]
    value = node.value if isinstance(node.value, str) else "this value"
    return yaml.constructor.ConstructorError(
        None, None, f"{value!r} is not a valid {_KINDS.get(kind, kind)}: "
        f"{str(exc) or type(exc).__name__}", node.start_mark)


def load(text: str) -> Any:
    """What yaml.safe_load(text) returns; raises yaml.YAMLError on bad YAML."""
    return yaml.load(text, Loader=Loader)


class Dumper(_Resolve, getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """yaml.SafeDumper's writing, with literal blocks where wants_literal(), and no anchors
    for objects that occur twice (a page is read back as values, never as shared objects)."""

    def represent_data(self, data: Any) -> Node:
        kind = type(data)
        if kind is str:  # literal when wants_literal(data), inlined: most nodes are strings
            return ScalarNode(_STR, data, style="|" if "\n" in data or len(data) > 100
                              else None)
        if kind is bool:
            return ScalarNode(_BOOL, "true" if data else "false")
        if kind is int:
            return ScalarNode(_INT, str(data))
        if data is None:
            return ScalarNode(_NULL, "null")
        if kind is dt.date:
            return ScalarNode(_DATE, data.isoformat())
        if kind is list or kind is _BlockList:
            items = [self.represent_data(item) for item in data]
            return SequenceNode(_SEQ, items, flow_style=kind is list and _flow(items))
        if kind is dict or kind is _BlockDict:
            pairs = [(self.represent_data(k), self.represent_data(v)) for k, v in data.items()]
            flow = kind is dict and _flow([node for pair in pairs for node in pair])
            return MappingNode(_MAP, pairs, flow_style=flow)
        return super().represent_data(data)


def _flow(nodes: list[Node]) -> bool:
    """default_flow_style=None: flow style for a collection of one-line scalars only."""
    for node in nodes:
        if type(node) is not ScalarNode or node.style:
            return False
    return True


class _BlockList(list):
    """A list written in block style whatever it holds (to keep a curator's block list)."""


class _BlockDict(dict):
    """A mapping written in block style whatever it holds."""


def dump(data: Any) -> str:
    """What yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True,
    width=10**9, default_flow_style=None) writes: directly for the shapes new pages have
    (see below), else through PyYAML."""
    text = _direct(data) if type(data) is dict else None
    return text if text is not None else _pyyaml(data)


def _pyyaml(data: Any) -> str:
    stream = io.StringIO()
    dumper = Dumper(stream, default_flow_style=None, width=10**9, allow_unicode=True,
                    sort_keys=False)
    try:
        dumper.open()
        dumper.represent(data)
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


# ---------------------------------------------------------------- writing new pages directly

# PyYAML's representer and emitter take ~150 us a page, 0.75 s of a review's first build at
# 5k papers (over 5% of it); new pages have a few fixed shapes, which this writes byte for
# byte as PyYAML does, in a quarter of the time, and leaves anything else to PyYAML. Tests
# compare the two on generated documents and on every example page.

_KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_WORDY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")  # tags, hashes, file names: no indicator
# Hex with a letter is a string to YAML (its numbers need digits only, 0b01 or 0x, dots or
# dashes): fingerprints need no resolver.
_HASH = re.compile(r"(?!0b)[0-9a-f]*[a-f][0-9a-f]*\Z")


@lru_cache(maxsize=1024)
def _good_key(key: str) -> bool:
    """A key written plain that YAML reads as this string (not `No` or `on`: booleans)."""
    return _KEY_NAME.match(key) is not None and _plain_tag(key) == _STR


def _is_str(text: str) -> bool:
    """YAML reads this plain scalar as a string: no implicit type starts with its first
    character, or it is a hash, or the resolver says so."""
    if not text:
        return False  # null
    return (text[0] not in _RESOLVER.yaml_implicit_resolvers or _HASH.match(text) is not None
            or _plain_tag(text) == _STR)


_SAFE_LINE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*\\Z")
_SAFE_TEXT = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*\\Z")
_SAFE_TEXT_ASCII = bytes([10, *range(0x20, 0x7F)])
_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")  # never start a plain scalar
_FLOW_INDICATORS = re.compile(r"[,?\[\]{}:]")


def wants_literal(value: str) -> bool:
    """Long or multi-line text is written as a literal block, easy to edit by hand."""
    return "\n" in value or len(value) > 100


def _direct(data: dict[str, Any]) -> str | None:
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


# ---------------------------------------------------------------- updating in place

class _Unsupported(Exception):
    """YAML the in-place update does not edit: the front matter is written anew."""


def update(head: str, values: dict[str, Any], before: str) -> str:
    """`head` (front matter text, a mapping) with each key of `values` set: a changed value's
    text replaced, a new key inserted before the key `before` (else at the end), a nested
    mapping's keys set one by one (and its keys not in the new mapping removed)."""
    old = load(head) if head.strip() else {}
    old = old if isinstance(old, dict) else {}
    wanted = _with(old, values, before)
    newline = "\r\n" if "\r\n" in head else "\n"
    try:
        text = _edit(head, old, values, before, newline)
        if load(text) == wanted:
            return text
    except Exception:  # noqa: BLE001 (the edit only keeps the layout; the values matter)
        pass  # tests/test_frontmatter.py runs _edit itself, where failures do show
    return dump(wanted).replace("\n", newline)


def _with(old: dict, values: dict[str, Any], before: str) -> dict:
    """old with values set, new keys before `before`."""
    new = {k: v for k, v in values.items() if k not in old}
    out: dict = {}
    for key, value in old.items():
        if key == before:
            out.update(new)
        out[key] = values[key] if key in values else value
    out.update(new)
    return out


def _edit(head: str, old: dict, values: dict, before: str, newline: str) -> str:
    root = yaml.compose(head, Loader=Loader) if head.strip() else None
    if root is None:
        head, entries = (head if head.endswith("\n") or not head else head + newline), []
    elif type(root) is MappingNode and not root.flow_style:
        entries = root.value
    else:
        raise _Unsupported
    edits: list[tuple[int, int, str]] = []
    _set_mapping(head, entries, old, values, 0, newline, edits, before,
                 remove=False)
    for start, end, text in sorted(edits, key=lambda e: e[0], reverse=True):
        head = head[:start] + text + head[end:]
    return head


def _key(node: Node) -> Any:
    """The key a node stands for, as a string when it is one (what lookups need)."""
    if type(node) is ScalarNode and node.tag == _STR:
        return node.value
    return _SLOW


def _set_mapping(head: str, entries: list, old: dict, values: dict, indent: int,
                 newline: str, edits: list, before: str | None, remove: bool) -> None:
    last: dict[Any, tuple[Node, Node]] = {}
    for key_node, value_node in entries:
        last[_key(key_node)] = (key_node, value_node)  # PyYAML keeps a repeated key's last
    if remove:  # a nested mapping replaced whole: drop what the new one does not hold
        for key_node, value_node in entries:
            if _key(key_node) not in values:
                start = _line_start(head, key_node.start_mark.index)
                edits.append((start, _line_end(head, _end(head, value_node)), ""))
    new_lines = []
    for key, value in values.items():
        if key not in last:
            new_lines.append(_entry(key, value, indent, newline))
            continue
        if key in old and _same(old[key], value):
            continue
        key_node, value_node = last[key]
        if (type(value) is dict and type(value_node) is MappingNode
                and not value_node.flow_style and isinstance(old.get(key), dict)):
            _set_mapping(head, value_node.value, old[key], value,
                         value_node.start_mark.column, newline, edits, None, remove=True)
        else:
            edits.append(_replace(head, key_node, value_node, value, newline))
    if new_lines:
        at = len(head)
        if before is not None and before in last:
            at = _line_start(head, last[before][0].start_mark.index)
        elif entries:
            at = _line_end(head, _end(head, entries[-1][1]))
        edits.append((at, at, "".join(new_lines)))


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # YAML 1.1's line breaks
_BREAKS = "\n\r\x85\u2028\u2029"
_SPLIT = re.compile(f"({_BREAK.pattern})")


def _line_start(head: str, index: int) -> int:
    return max(head.rfind(c, 0, index) for c in _BREAKS) + 1


def _line_end(head: str, index: int) -> int:
    """Past the line break of the line holding `index` (index itself at a line start)."""
    if index == 0 or head[index - 1] in _BREAKS:
        return index
    found = _BREAK.search(head, index)
    return len(head) if found is None else found.end()


def _end(head: str, node: Node) -> int:
    """Where a value's own text ends: after a scalar or flow collection; after the last item
    of a block collection (comments after it belong to what follows); a block scalar's
    text ends with its last line break."""
    while type(node) is not ScalarNode and not node.flow_style and node.value:
        node = node.value[-1]
        node = node[1] if type(node) is tuple else node
    end = node.end_mark.index
    if type(node) is ScalarNode and node.style in ("|", ">"):
        end = _line_start(head, end)
    return end


def _replace(head: str, key_node: Node, value_node: Node, value: Any,
             newline: str) -> tuple[int, int, str]:
    """The edit that gives `key_node` the value `value` in place of `value_node`."""
    colon = key_node.end_mark.index
    while colon < len(head) and head[colon] in " \t":
        colon += 1
    if head[colon:colon + 1] != ":" or value_node.start_mark.index < colon:
        raise _Unsupported  # `? key` on its own line, or an alias to a value elsewhere
    end = _end(head, value_node)
    column = key_node.start_mark.column
    if (type(value) is list and value and type(value_node) is SequenceNode
            and not value_node.flow_style):  # keep a block list a block list, as indented
        dash = value_node.start_mark.column
        text = newline + " " * dash + _lines(_BlockList(value), dash, newline)
    else:
        text = _value_text(value, column, newline)
    at_line_start = end == 0 or head[end - 1] in _BREAKS
    if at_line_start:
        return colon + 1, end, text + newline
    rest_end = _line_end(head, end)
    rest = head[end:rest_end].rstrip(_BREAKS)
    if newline in text and rest.strip():  # an inline comment after a value now a block
        if not rest.lstrip().startswith("#"):
            raise _Unsupported
        first, _, more = text.partition(newline)
        return colon + 1, rest_end, f"{first}  {rest.lstrip()}{newline}{more}{newline}"
    return colon + 1, end, text


def _value_text(value: Any, column: int, newline: str) -> str:
    """What follows `key:` for `value` at a key in `column`, without the final line break."""
    return _lines(_BlockDict(k=value), column, newline)[len("k:"):]


def _lines(data: Any, indent: int, newline: str) -> str:
    """What PyYAML writes for `data`, its lines after the first indented by `indent` and
    its line breaks `newline`, without the final break or a document end marker (`...`
    follows a last value that keeps its final line breaks: here it is no longer last). A
    literal block may hold YAML's other line breaks (\u2028...): they break lines too."""
    pieces = _SPLIT.split(dump(data))
    lines, breaks = pieces[0:-1:2], pieces[1::2]
    if lines[-1] == "...":
        del lines[-1], breaks[-1]
    if breaks[-1] != "\n":
        raise _Unsupported  # a literal block ending in \u2028: it ends the line itself
    return lines[0] + "".join((newline if brk == "\n" else brk) + (" " * indent + line if line
                                                                   else "")
                              for brk, line in zip(breaks, lines[1:], strict=False))


def _entry(key: str, value: Any, column: int, newline: str) -> str:
    """A new `key: value` entry, its lines ending in `newline`."""
    if type(key) is not str or _plain_tag(key) != _STR or not re.fullmatch(r"[\w-]+", key):
        raise _Unsupported
    return " " * column + key + ":" + _value_text(value, column, newline) + newline
