"""config.yml -> a frozen Config; every problem is reported with its key before stopping.

Each key has one line of documentation in SCHEMA; `sitegen new` and the README show them.
Paths are relative to the folder holding config.yml.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sitegen.errors import ConfigError, SitegenError
from sitegen.tagging import phrase_problem, tag_name_problem

log = logging.getLogger(__name__)

CONFIG_NAME = "config.yml"


@dataclass(frozen=True)
class DumpSettings:
    captured: dt.date | None = None  # when the dump was copied: anchors dates without a year
    label: str = ""  # what readers see for it ("Daily papers, week 36"); else "Import N"


@dataclass(frozen=True)
class Config:
    root: Path
    title: str = "Literature review"
    description: str = ""
    author: str = ""
    language: str = "en"
    site_url: str = ""
    base_url: str = "/"
    dumps_dir: Path = Path("content/dumps")
    papers_dir: Path = Path("content/papers")
    content_dir: Path = Path("content")
    output_dir: Path = Path("_site")
    cache_dir: Path = Path(".sitegen-cache")
    theme: str = "default"
    theme_overrides: Path | None = None
    newest_on_home: int = 20
    feed_entries: int = 50
    dumps: dict[str, DumpSettings] = field(default_factory=dict)
    taxonomy: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tag_labels: dict[str, str] = field(default_factory=dict)  # tag slug -> name shown

    def dump_settings(self, name: str) -> DumpSettings:
        return self.dumps.get(name, DumpSettings())


# key -> (kind, documentation). Kinds are checked and normalised by _CHECKS.
SCHEMA: dict[str, tuple[str, str]] = {
    "title": ("str", "Site title, shown in the header and the feed."),
    "description": ("str", "One sentence about the review, used in meta tags and the feed."),
    "author": ("str", "Who keeps the review; the feed's author."),
    "language": ("lang", "Language code of the pages (html lang), e.g. en or pt-BR."),
    "site_url": ("url", "Absolute URL where the site is published, for sitemap and feed; "
                 "e.g. https://you.github.io/my-review/. Empty: sitemap and feed use base_url."),
    "base_url": ("base", "Path the site is served under: '/' for a user site, "
                 "'/my-review/' for a GitHub project site (letters, digits and -._~ "
                 "between slashes)."),
    "dumps_dir": ("path", "Folder of raw dumps (text copied from paper-listing pages)."),
    "papers_dir": ("path", "Folder of per-paper Markdown pages; written by import, then curated."),
    "content_dir": ("path", "Folder of hand-written pages: index.md, tags/<tag>.md, about.md... "
                    "build and serve need it (`sitegen new` makes a review with one)."),
    "output_dir": ("path", "Where the built site goes; replaced as a whole on each build."),
    "cache_dir": ("path", "Build cache; safe to delete, safe to restore on CI. Never inside "
                  "output_dir (it would be published) or the content folders."),
    "theme": ("str", "Theme name (a folder under themes/) or a path to a theme folder."),
    "theme_overrides": ("optpath", "Folder whose templates/ and assets/ files replace the "
                        "theme's files of the same name."),
    "newest_on_home": ("int", "How many of the newest papers the home page lists."),
    "feed_entries": ("int", "How many papers the Atom feed holds."),
    "dumps": ("dumps", "Per-dump settings by file name, e.g. `000.txt: {captured: 2025-05-01, "
              "label: Daily papers of 1 May}`: `captured` pins the capture date (a real date, "
              "YYYY-MM-DD) used for dates shown without a year; `label` is what readers see "
              "for the dump (else \"Import 1\", \"Import 2\"… in import order, never the "
              "file name)."),
    "taxonomy": ("taxonomy", "Tag -> phrases; a paper gets the tag when a phrase occurs in its "
                 "title or abstract (case-insensitive, whole words; punctuation is ignored, so "
                 "* is no wildcard). Tag names need a letter or digit: they make the tag "
                 "page's URL."),
    "tag_labels": ("labels", "Tag -> the name readers see, e.g. `llm: Language models`; a tag "
                   "without one is shown as it is written in the pages (`llm`). Tags match "
                   "by slug, so `LLM` and `llm` are one tag."),
}


class Invalid(ValueError):
    """Problems of one setting: (where below the key, text) pairs, e.g. (("llm",), "...")."""

    def __init__(self, *problems: tuple[tuple[Any, ...], str]):
        super().__init__("; ".join(text for _, text in problems))
        self.problems = problems


def _check_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Path):  # CLI flags such as --output arrive as paths
        return str(value)
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"expected text, got {_shown(value)} (put it in quotes)")
    text = str(value)
    control = _CONTROL.search(text)
    if control:  # "\0" or "\e" in a quoted value: invisible, and invalid in XML feeds
        raise ValueError(f"holds the control character {control[0]!r} (delete it)")
    return text


def _check_lang(value: Any) -> str:
    lang = _check_str(value).strip() or "en"
    if not re.fullmatch(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*", lang):
        raise ValueError(f"expected a language code such as en, de or pt-BR, got {lang!r}")
    return lang


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What may stand in a URL path unquoted: RFC 3986 unreserved characters and %-escapes. A
# space, quote or angle bracket would break the links of every page (or the feed's XML).
_PATH_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?")


def _check_segments(path: str, what: str) -> None:
    for segment in filter(None, path.split("/")):
        if segment in (".", "..") or not _PATH_SEGMENT.fullmatch(segment):
            raise ValueError(f"{what} {path!r} may hold only letters, digits, -._~ and %XX "
                             "escapes between slashes (no spaces, quotes or ..), e.g. "
                             "/my-review/")


def _check_url(value: Any) -> str:
    url = _check_str(value).strip()
    if not url:
        return ""
    match = re.fullmatch(r"((?i:https?))://([^/?#]*)(/[^?#]*)?", url)
    if not match:
        raise ValueError(f"expected an absolute http(s) URL without ?query or #anchor, such as "
                         f"https://you.github.io/my-review/, got {url!r}")
    if not _HOST.fullmatch(match[2]):
        raise ValueError(f"{match[2]!r} is not a host name (letters, digits, dots and "
                         f"hyphens, e.g. you.github.io), in {url!r}")
    _check_segments(match[3] or "/", "the path")
    return url.rstrip("/") + "/"


def _check_base(value: Any) -> str:
    base = _check_str(value).strip() or "/"
    if "://" in base:
        raise ValueError("expected a path such as /my-review/, not a full URL (use site_url)")
    _check_segments(base, "the path")
    return "/" + base.strip("/") + "/" if base.strip("/") else "/"


def _check_path(value: Any) -> Path:
    text = _check_str(value).strip()
    if not text:
        raise ValueError("expected a folder path")
    return Path(text)


def _check_optpath(value: Any) -> Path | None:
    return _check_path(value) if value not in (None, "") else None


def _check_int(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit() and len(value) < 19:  # "20"
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, got {_shown(value)}")
    return value


def _check_dumps(value: Any) -> dict[str, DumpSettings]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of dump file name -> settings, such as "
                         "{000.txt: {captured: 2025-05-01}}")
    out, problems = {}, []
    for name, settings in value.items():
        settings = settings or {}
        if not isinstance(settings, dict) or set(settings) - {"captured", "label"}:
            problems.append(((name,), f"{name}: only 'captured: YYYY-MM-DD' and 'label: …' "
                                      "are known"))
            continue
        label = settings.get("label", "")
        if not isinstance(label, str) or "\n" in label or len(label) > 100:
            problems.append(((name, "label"), f"{name}: label: expected one line of text "
                             f"(at most 100 characters), got {_shown(label)}"))
            continue
        captured = settings.get("captured")
        if isinstance(captured, dt.datetime):
            captured = captured.date()
        elif isinstance(captured, str):
            try:
                captured = dt.date.fromisoformat(captured)
            except ValueError as exc:
                reason = "" if "format" in str(exc) else f": {exc}"  # e.g. day is out of range
                problems.append(((name, "captured"), f"{name}: captured: {captured!r} is not a "
                                 f"date{reason} (write a real date as YYYY-MM-DD)"))
                continue
        if captured is not None and not isinstance(captured, dt.date):
            problems.append(((name, "captured"), f"{name}: captured: expected YYYY-MM-DD, got "
                             f"{_shown(captured)}"))
            continue
        out[str(name)] = DumpSettings(captured=captured, label=label.strip())
    if problems:
        raise Invalid(*problems)
    return out


def _check_taxonomy(value: Any) -> dict[str, tuple[str, ...]]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of tag -> list of phrases")
    out, problems = {}, []
    for tag, phrases in value.items():
        tag_problem = tag_name_problem(tag)
        if tag_problem:
            problems.append(((tag,), f"{tag!r}: {tag_problem}"))
        # 2024 or 3.5 among the phrases are meant as words; yes and no are read as booleans.
        phrases = [str(p) if isinstance(p, (int, float)) and not isinstance(p, bool) else p
                   for p in (phrases if isinstance(phrases, list) else [phrases])]
        if not all(isinstance(p, str) for p in phrases):
            yes_no = any(isinstance(p, bool) for p in phrases)
            problems.append(((tag,), f"{tag}: expected a list of phrases, such as [language "
                             "model, LLM]" + (" (yes, no, on, off read as true/false: put them "
                                              "in quotes)" if yes_no else "")))
            continue
        for i, phrase in enumerate(phrases):
            problem = phrase_problem(phrase)
            if problem and phrase.strip():
                problems.append(((tag, i), f"{tag}: {problem}"))
        cleaned = tuple(p.strip() for p in phrases if p.strip())
        if not cleaned:
            problems.append(((tag,), f"{tag}: needs at least one phrase"))
        out[str(tag)] = cleaned
    if problems:
        raise Invalid(*problems)
    return out


def _check_labels(value: Any) -> dict[str, str]:
    from sitegen.model import slugify

    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of tag -> label, such as {llm: Language models}")
    out, problems = {}, []
    for tag, label in value.items():
        if tag_name_problem(tag):
            problems.append(((tag,), f"{tag!r}: {tag_name_problem(tag)}"))
        elif not isinstance(label, str) or not label.strip() or "\n" in label:
            problems.append(((tag,), f"{tag}: expected one line of text, got {_shown(label)}"))
        else:
            out[slugify(str(tag))] = label.strip()
    if problems:
        raise Invalid(*problems)
    return out


def _shown(value: Any) -> str:
    """A wrong value as the curator wrote it, briefly."""
    kind = {bool: "true/false", list: "a list", dict: "a mapping", dt.date: "a date",
            dt.datetime: "a date and time", type(None): "nothing"}.get(type(value))
    if kind:
        return kind
    return repr(value[:40] if isinstance(value, str) else value) if isinstance(
        value, (str, int, float)) else type(value).__name__


_CHECKS = {
    "str": _check_str, "lang": _check_lang, "url": _check_url, "base": _check_base,
    "path": _check_path, "optpath": _check_optpath, "int": _check_int, "dumps": _check_dumps,
    "taxonomy": _check_taxonomy, "labels": _check_labels,
}


# libyaml when present: the pure-Python reader alone is a third of a no-op build.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Settings the command line may override; a problem with one names the flag.
FLAGS = {"output_dir": "--output", "base_url": "--base-url", "site_url": "--site-url"}
Where = tuple[Any, ...]  # a key's path: ("taxonomy", "llm", 0) is that tag's first phrase
# (where, problem, line): the line when known already, else found from `where`.
Problem = tuple[Where, str, int | None]


class _Loader(_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, with what a curator can type kept from stopping it with a traceback:
    a key given twice is recorded (PyYAML would keep the last one silently); an impossible
    date (2025-02-30) or a number too long to convert stays text, for the checks to report
    with its key."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.twice: list[tuple[str, int, int]] = []  # key, first line, repeated line

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[str, int] = {}
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                line = key.start_mark.line + 1
                if key.value in seen:
                    self.twice.append((key.value, seen[key.value], line))
                seen.setdefault(key.value, line)
        return super().construct_mapping(node, deep)


def _text_if_invalid(construct: Any) -> Any:
    def construct_or_text(loader: _Loader, node: yaml.ScalarNode) -> Any:
        try:
            return construct(loader, node)
        except ValueError:  # day out of range, more than 4,300 digits...
            return loader.construct_scalar(node)
    return construct_or_text


for _tag in ("timestamp", "int"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _text_if_invalid(
        _Loader.yaml_constructors[f"tag:yaml.org,2002:{_tag}"]))


def load_config(path: Path | str = CONFIG_NAME, **overrides: Any) -> Config:
    """Read and validate config.yml; `overrides` (from CLI flags) win over the file.

    A missing file gives the defaults, so a folder of dumps alone is a site. Every problem
    is collected, each with its line, before stopping.
    """
    path = Path(path)
    raw: dict[Any, Any] = {}
    text = ""
    problems: list[Problem] = []
    if path.exists():
        text, raw, problems = _read(path)
    flags = {k: v for k, v in overrides.items() if v is not None}
    raw.update(flags)

    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in SCHEMA:
            near = [k for k in SCHEMA if k.split("_")[0] == str(key).split("_")[0]]
            hint = f" (did you mean {near[0]}?)" if near else f" (known keys: {', '.join(SCHEMA)})"
            problems.append(((key,), f"{key}: unknown setting{hint}", None))
            continue
        try:
            values[key] = _CHECKS[SCHEMA[key][0]](value)
        except Invalid as exc:
            problems += [((key, *at), f"{key}: {problem}", None) for at, problem in exc.problems]
        except ValueError as exc:
            problems.append(((key,), f"{key}: {exc}", None))
    config = Config(root=path.parent.resolve(), **values)
    if not problems:  # paths compared only once each is valid
        problems += [(where, problem, None) for where, problem in _cross_checks(config)]
    if problems:
        lines = _key_lines(text) if text else {}
        texts, at_lines = [], []
        for where, problem, line in problems:
            key = where[0]
            if key in flags:  # from the command line: no line of the file to point at
                problem = problem.replace(f"{key}:", f"{key} (from {FLAGS.get(key, key)}):", 1)
            texts.append(problem)
            at_lines.append(None if key in flags else line or _line(lines, where))
        raise ConfigError(path, texts, at_lines)
    _warn_unknown_dumps(config, path, text)
    return config


def _warn_unknown_dumps(config: Config, path: Path, text: str) -> None:
    """Settings for a dump that is not there do nothing: a typo would go unnoticed."""
    folder = resolve(config, config.dumps_dir)
    unknown = [name for name in config.dumps if not (folder / name).is_file()]
    if unknown and folder.is_dir():
        lines = _key_lines(text)
        for name in unknown:
            line = _line(lines, ("dumps", name))
            log.warning("%s%s: dumps: %s: no such dump in %s, so this setting does nothing "
                        "(check the file name)", path, f":{line}" if line else "", name,
                        config.dumps_dir)


def _read(path: Path) -> tuple[str, dict, list[Problem]]:
    """The file's text, its settings, and the problems reading it (keys given twice)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(path, [f"not UTF-8 text (byte 0x{data[exc.start]:02x}; save the file "
                                 "as UTF-8)"], [line]) from None
    loader = _Loader(text)
    try:
        loaded = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or "invalid YAML"
        if isinstance(exc, yaml.reader.ReaderError):  # a control character, such as NUL
            line = text.count("\n", 0, exc.position) + 1
            raise ConfigError(path, [f"{problem}: {chr(exc.character)!r} (delete it)"],
                              [line]) from None
        raise ConfigError(path, [f"{problem} (fix the YAML syntax)"], [line]) from None
    finally:
        loader.dispose()
    if loaded is not None and not isinstance(loaded, dict):
        raise ConfigError(path, [f"expected settings (key: value lines) at the top level, "
                                 f"found {_shown(loaded)}"], [1])
    return text, loaded or {}, [
        ((key,), f"{key}: given twice (first on line {first}); YAML would keep only the last, "
         "so delete one", line) for key, first, line in loader.twice]


def _key_lines(text: str) -> dict[Where, int]:
    """The line of every key and list item, by path; read only when there are problems."""
    lines: dict[Where, int] = {}

    def walk(node: yaml.Node, at: Where) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                where = (*at, key.value if isinstance(key, yaml.ScalarNode) else None)
                lines[where] = key.start_mark.line + 1
                walk(value, where)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*at, i)] = item.start_mark.line + 1
                walk(item, (*at, i))

    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def _line(lines: dict[Where, int], where: Where) -> int | None:
    """The line of the deepest part of `where` found in the file."""
    # Mapping keys are looked up as written (null as "null"), list items by index; a
    # setting's name (first) is always a key.
    parts = tuple(x if i and isinstance(x, int) and not isinstance(x, bool)
                  else "null" if x is None else str(x) for i, x in enumerate(where))
    for end in range(len(parts), 0, -1):
        if parts[:end] in lines:
            return lines[parts[:end]]
    return None


def _cross_checks(config: Config) -> list[tuple[Where, str]]:
    """Settings each valid alone that together would destroy or publish the wrong files."""
    problems: list[tuple[Where, str]] = []
    folder = {}
    for key in ("content_dir", "dumps_dir", "papers_dir", "output_dir", "cache_dir"):
        try:
            folder[key] = resolve(config, getattr(config, key)).resolve()
        except (OSError, RuntimeError) as exc:  # a symbolic link to itself
            problems.append(((key,), f"{key}: cannot be used as a folder ({exc})"))
    if problems:
        return problems
    out, cache = folder["output_dir"], folder["cache_dir"]
    sources = ("content_dir", "dumps_dir", "papers_dir")

    def overlap(a: Path, b: Path) -> bool:
        return a == b or a.is_relative_to(b) or b.is_relative_to(a)

    # The build replaces output_dir wholesale: overlapping content would delete the pages.
    hit = [f"{key} ({getattr(config, key)})" for key in sources if overlap(out, folder[key])]
    if hit:
        problems.append((("output_dir",), f"output_dir: must not overlap {', '.join(hit)}: "
                         "the build replaces it and would delete your content"))
    elif out == config.root:
        problems.append((("output_dir",), "output_dir: must not be the project folder itself"))
    if overlap(cache, out) and not problems:  # else output_dir is the one to move
        problems.append((("cache_dir",), f"cache_dir: must not overlap output_dir "
                         f"({config.output_dir}): the cache's files would be published with "
                         "the site (keep the default, .sitegen-cache)"))
    hit = [f"{key} ({getattr(config, key)})" for key in sources if overlap(cache, folder[key])]
    if hit or cache == config.root:
        problems.append((("cache_dir",), f"cache_dir: must not overlap "
                         f"{', '.join(hit) or 'the project folder'}: the cache's files would "
                         "litter your content (keep the default, .sitegen-cache)"))
    for key in (*folder, "theme_overrides"):
        value = getattr(config, key)
        if value is not None and _is_other(resolve(config, value)):
            problems.append(((key,), f"{key}: {value} is a file, not a folder (set {key} "
                             "to a folder)"))
    overrides = config.theme_overrides and resolve(config, config.theme_overrides)
    # Every file under it is read for each build: '/' or a home folder would take forever.
    if overrides and _is_dir(overrides) and not any(
            _is_dir(overrides / sub) for sub in ("templates", "assets")):
        problems.append((("theme_overrides",), f"theme_overrides: {config.theme_overrides} "
                         "holds neither templates/ nor assets/ (point it at the folder "
                         "holding them, or remove the setting)"))
    return problems


def _is_other(path: Path) -> bool:
    """Something not a folder is there (a file, /dev/null...)."""
    try:
        return path.exists() and not path.is_dir()
    except OSError:  # a name too long: not usable, which the build will report
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def require_folder(config: Config, key: str) -> None:
    """Stop when a folder the command reads does not exist, saying how to make one."""
    value = getattr(config, key)
    if not _is_dir(resolve(config, value)):
        what = SCHEMA[key][1].split(":")[0].rstrip(".").lower()
        raise SitegenError(f"{resolve(config, value)}: folder not found ({key}: {what}); run "
                           "sitegen in your review's folder, create the folder, or start a new "
                           "review with `sitegen new DIR`")


def resolve(config: Config, path: Path) -> Path:
    return path if path.is_absolute() else config.root / path
