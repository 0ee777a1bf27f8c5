"""config.yml -> a frozen Config; every problem is reported with its key before stopping.

Each key has one line of documentation in SCHEMA; `sitegen new` and the README show them.
Paths are relative to the folder holding config.yml.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sitegen.errors import ConfigError

CONFIG_NAME = "config.yml"


@dataclass(frozen=True)
class DumpSettings:
    captured: dt.date | None = None  # when the dump was copied: anchors dates without a year


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

    def dump_settings(self, name: str) -> DumpSettings:
        return self.dumps.get(name, DumpSettings())


# key -> (kind, documentation). Kinds are checked and normalised by _CHECKS.
SCHEMA: dict[str, tuple[str, str]] = {
    "title": ("str", "Site title, shown in the header and the feed."),
    "description": ("str", "One sentence about the review, used in meta tags and the feed."),
    "author": ("str", "Who keeps the review; the feed's author."),
    "language": ("str", "Language code of the pages (html lang)."),
    "site_url": ("url", "Absolute URL where the site is published, for sitemap and feed; "
                 "e.g. https://you.github.io/my-review/. Empty: sitemap and feed use base_url."),
    "base_url": ("base", "Path the site is served under: '/' for a user site, "
                 "'/my-review/' for a GitHub project site."),
    "dumps_dir": ("path", "Folder of raw dumps (text copied from paper-listing pages)."),
    "papers_dir": ("path", "Folder of per-paper Markdown pages; written by import, then curated."),
    "content_dir": ("path", "Folder of hand-written pages: index.md, tags/<tag>.md, about.md..."),
    "output_dir": ("path", "Where the built site goes; replaced as a whole on each build."),
    "cache_dir": ("path", "Build cache; safe to delete, safe to restore on CI."),
    "theme": ("str", "Theme name (a folder under themes/) or a path to a theme folder."),
    "theme_overrides": ("optpath", "Folder whose templates/ and assets/ files replace the "
                        "theme's files of the same name."),
    "newest_on_home": ("int", "How many of the newest papers the home page lists."),
    "feed_entries": ("int", "How many papers the Atom feed holds."),
    "dumps": ("dumps", "Per-dump settings by file name, e.g. `000.txt: {captured: 2025-05-01}` "
              "pins the capture date used for dates shown without a year."),
    "taxonomy": ("taxonomy", "Tag -> phrases; a paper gets the tag when a phrase occurs in its "
                 "title or abstract (case-insensitive, whole words)."),
}


def _check_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Path):  # CLI flags such as --output arrive as paths
        return str(value)
    if not isinstance(value, (str, int, float)):
        raise ValueError("expected text")
    return str(value)


def _check_url(value: Any) -> str:
    url = _check_str(value).strip()
    if url and not re.match(r"^https?://[^/\s]+", url):
        raise ValueError(f"expected an absolute http(s) URL, got {url!r}")
    return url.rstrip("/") + "/" if url else ""


def _check_base(value: Any) -> str:
    base = _check_str(value).strip() or "/"
    if "://" in base:
        raise ValueError("expected a path such as /my-review/, not a full URL (use site_url)")
    return "/" + base.strip("/") + "/" if base.strip("/") else "/"


def _check_path(value: Any) -> Path:
    text = _check_str(value).strip()
    if not text:
        raise ValueError("expected a folder path")
    return Path(text)


def _check_optpath(value: Any) -> Path | None:
    return _check_path(value) if value not in (None, "") else None


def _check_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("expected a whole number >= 0")
    return value


def _check_dumps(value: Any) -> dict[str, DumpSettings]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of dump file name -> settings")
    out = {}
    for name, settings in value.items():
        settings = settings or {}
        if not isinstance(settings, dict) or set(settings) - {"captured"}:
            raise ValueError(f"{name}: only 'captured: YYYY-MM-DD' is known")
        captured = settings.get("captured")
        if isinstance(captured, str):
            try:
                captured = dt.date.fromisoformat(captured)
            except ValueError:
                raise ValueError(f"{name}.captured: expected YYYY-MM-DD") from None
        if captured is not None and not isinstance(captured, dt.date):
            raise ValueError(f"{name}.captured: expected YYYY-MM-DD")
        out[str(name)] = DumpSettings(captured=captured)
    return out


def _check_taxonomy(value: Any) -> dict[str, tuple[str, ...]]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of tag -> list of phrases")
    out = {}
    for tag, phrases in value.items():
        if isinstance(phrases, str):
            phrases = [phrases]
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise ValueError(f"{tag}: expected a list of phrases")
        cleaned = tuple(p.strip() for p in phrases if p.strip())
        if not cleaned:
            raise ValueError(f"{tag}: needs at least one phrase")
        out[str(tag)] = cleaned
    return out


_CHECKS = {
    "str": _check_str, "url": _check_url, "base": _check_base, "path": _check_path,
    "optpath": _check_optpath, "int": _check_int, "dumps": _check_dumps,
    "taxonomy": _check_taxonomy,
}


# libyaml when present: the pure-Python reader alone is a third of a no-op build.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_config(path: Path | str = CONFIG_NAME, **overrides: Any) -> Config:
    """Read and validate config.yml; `overrides` (from CLI flags) win over the file.

    A missing file gives the defaults, so a folder of dumps alone is a site.
    """
    path = Path(path)
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_LOADER)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "invalid YAML"
            raise ConfigError(Path(f"{path}{line}"), [f"{problem} (fix the YAML syntax)"]) from None
        except UnicodeDecodeError:
            raise ConfigError(path, ["not UTF-8 text (save it as UTF-8)"]) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(path, ["expected a mapping of settings at the top level"])
        raw = loaded or {}
    raw.update({k: v for k, v in overrides.items() if v is not None})

    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        if key not in SCHEMA:
            near = [k for k in SCHEMA if k.split("_")[0] == str(key).split("_")[0]]
            hint = f" (did you mean {near[0]}?)" if near else f" (known keys: {', '.join(SCHEMA)})"
            problems.append(f"{key}: unknown setting{hint}")
            continue
        try:
            values[key] = _CHECKS[SCHEMA[key][0]](value)
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
    config = Config(root=path.parent.resolve(), **values)
    problems += _cross_checks(config)
    if problems:
        raise ConfigError(path, problems)
    return config


def _cross_checks(config: Config) -> list[str]:
    problems = []
    out = (config.root / config.output_dir).resolve()
    for key in ("content_dir", "dumps_dir", "papers_dir"):
        src = (config.root / getattr(config, key)).resolve()
        # The build replaces output_dir wholesale: overlapping it with content would delete
        # the curator's pages.
        if out == src or src.is_relative_to(out) or out.is_relative_to(src):
            problems.append(f"output_dir: must not overlap {key} ({getattr(config, key)}), "
                            "the build replaces it and would delete your content")
    if out == config.root:
        problems.append("output_dir: must not be the project folder itself")
    return problems


def resolve(config: Config, path: Path) -> Path:
    return path if path.is_absolute() else config.root / path
