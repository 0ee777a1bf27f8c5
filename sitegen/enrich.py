"""`sitegen enrich`: arXiv ids and author names for papers that have none, from Hugging Face.

Text dumps carry no ids. For each paper page without `arxiv:`, this asks Hugging Face's public
paper search (`GET <base>/api/papers/search?q=<title>`: a JSON list of results, each with a
`paper` object as in a saved page's hydration data: id, title, authors…) and accepts only a
result whose title is the page's title (model.title_key: case, accents and punctuation
ignored). One match writes `arxiv:` and `authors:` into the page's front matter, in place
(comments and layout kept, so `git diff` shows just those lines); a value the curator wrote is
never replaced, and the importer treats what enrich wrote as the curator's.

It needs the network, so `build` never runs it. Answers are kept in cache_dir/enrich.json, so a
second run asks nothing again; HTTP 429 and 503 are retried after their Retry-After (bounded).
All pages are looked up before any is written: a network failure writes nothing.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sitegen import __version__, paper_files
from sitegen.config import Config, resolve
from sitegen.errors import SitegenError, SourceError
from sitegen.hfpages import read_item
from sitegen.model import Paper, arxiv_key, title_key

log = logging.getLogger(__name__)

API_URL = "https://huggingface.co"
API_ENV = "SITEGEN_HF_URL"  # another base URL, e.g. a local stand-in for tests
CACHE_NAME = "enrich.json"
ATTEMPTS = 4  # per request, when the server says it is busy (429, 503)
MAX_WAIT = 60.0  # seconds: a longer Retry-After stops the run instead
PAUSE = 0.5  # seconds between uncached requests, to stay well inside the rate limit
TIMEOUT = 20.0


@dataclass
class EnrichReport:
    looked_up: int = 0  # pages without an id
    asked: int = 0  # of which the answer was not cached
    matched: list[tuple[Path, str, tuple[str, ...]]] = field(default_factory=list)
    written: int = 0
    unmatched: list[tuple[Path, str]] = field(default_factory=list)  # (page, why)


class Searcher:
    """The paper search with its answer cache; `opener` and `sleep` are seams for tests."""

    def __init__(self, base: str, cache_file: Path | None,
                 opener: Callable[..., Any] = urllib.request.urlopen,
                 sleep: Callable[[float], None] = time.sleep):
        self.base = base.rstrip("/")
        self.cache_file = cache_file
        self.opener, self.sleep = opener, sleep
        self.answers: dict[str, Any] = self._load()
        self.asked = 0

    def _load(self) -> dict[str, Any]:
        if self.cache_file is None:
            return {}
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # no cache, or unreadable: ask again
            return {}
        answers = data.get(self.base) if isinstance(data, dict) else None
        return answers if isinstance(answers, dict) else {}

    def save(self) -> None:
        if self.cache_file is None or not self.answers:
            return
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
            data = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            data = {}
        data[self.base] = self.answers
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
        try:
            paper_files.atomic_write(self.cache_file, text)
        except OSError as exc:
            log.warning("%s: cannot keep the answers (%s); the next run asks again",
                        self.cache_file, exc.strerror)

    def search(self, title: str) -> list[dict]:
        """The results for `title`: [{"id", "title", "authors"}] as the API gave them."""
        query = " ".join(title.split())
        if query in self.answers:
            return self.answers[query]
        if self.asked and PAUSE:
            self.sleep(PAUSE)
        self.asked += 1
        url = f"{self.base}/api/papers/search?q={quote(query)}"
        raw = self._get(url)
        try:
            results = json.loads(raw)
        except ValueError:
            results = None
        if not isinstance(results, list):
            raise SitegenError(f"{url}: the answer is not a JSON list of papers; nothing "
                               f"written (is {API_ENV} or --api-url the Hugging Face "
                               "address?)")
        kept = []
        for result in results:
            paper = read_item(result)
            if paper is not None:
                kept.append({"id": paper.arxiv, "title": paper.title,
                             "authors": list(paper.authors)})
        self.answers[query] = kept
        return kept

    def _get(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers={
            "Accept": "application/json", "User-Agent": f"sitegen/{__version__} (enrich)"})
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self.opener(request, timeout=TIMEOUT) as response:
                    return response.read()
            except urllib.error.HTTPError as exc:
                if exc.code not in (429, 503) or attempt == ATTEMPTS:
                    raise SitegenError(f"{url}: HTTP {exc.code} {exc.reason}; nothing written "
                                       "(answers so far are cached: run again later)") from None
                wait = _retry_after(exc.headers.get("Retry-After"), 2.0 ** attempt)
                if wait > MAX_WAIT:
                    raise SitegenError(f"{url}: rate limited for {wait:.0f} s; nothing written "
                                       "(answers so far are cached: run again later)") from None
                log.info("%s: HTTP %d, asking again in %.0f s", url, exc.code, wait)
                self.sleep(wait)
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", None) or exc
                raise SitegenError(f"{url}: cannot reach Hugging Face ({reason}); nothing "
                                   "written (enrich needs network access)") from None
        raise AssertionError("unreachable")


def _retry_after(value: str | None, default: float) -> float:
    """Retry-After as seconds or an HTTP date (RFC 9110); `default` when absent or bad."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def enrich(config: Config, dry_run: bool = False, api_url: str | None = None,
           searcher: Searcher | None = None) -> EnrichReport:
    """Look up every paper page without an id; write what matched unless `dry_run`."""
    folder = resolve(config, config.papers_dir)
    cache = resolve(config, config.cache_dir) if config.cache_dir else None
    searcher = searcher or Searcher(api_url or os.environ.get(API_ENV) or API_URL,
                                    cache / CACHE_NAME if cache else None)
    report = EnrichReport()
    plans: list[tuple[Path, str, dict[str, Any]]] = []
    try:
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else ():
            if path.name.startswith("."):
                continue
            try:
                paper, meta = paper_files.read_page(path)
            except SourceError as exc:
                report.unmatched.append((path, f"{exc.message}; not looked up"))
                continue
            if paper.arxiv or not title_key(paper.title):
                continue
            report.looked_up += 1
            found = _match(paper, searcher.search(paper.title))
            if isinstance(found, str):
                report.unmatched.append((path, found))
                continue
            arxiv, names = found
            report.matched.append((path, arxiv, names))
            values = _values(paper, meta, arxiv, names)
            if values:
                plans.append((path, path.read_text(encoding="utf-8"), values))
    finally:
        report.asked = searcher.asked
        searcher.save()  # what was asked is kept even when a later request failed
    if not dry_run:
        for path, text, values in plans:
            paper_files.atomic_write(path, paper_files.set_keys(text, values))
            report.written += 1
    return report


def _match(paper: Paper, results: list[dict]) -> tuple[str, tuple[str, ...]] | str:
    """(id, names) of the one result with the page's title, or why there is none."""
    key = title_key(paper.title)
    same = {}
    for result in results:
        if result.get("id") and title_key(result.get("title") or "") == key:
            same.setdefault(arxiv_key(result["id"]), result)
    if len(same) > 1:
        return f"{len(same)} papers have this title ({', '.join(sorted(same))}); left as it is"
    if not same:
        return (f"no result with this exact title among {len(results)}; left as it is "
                "(add `arxiv:` by hand if you know it)")
    result = next(iter(same.values()))
    return result["id"], tuple(result.get("authors") or ())


def _values(paper: Paper, meta: dict, arxiv: str, names: tuple[str, ...]) -> dict[str, Any]:
    """The keys to set: only where the page has nothing, or what the importer wrote."""
    values: dict[str, Any] = {"arxiv": arxiv}
    if names and names != paper.authors and paper_files.importer_owns(paper, meta, "authors"):
        values["authors"] = list(names)
    return values


def log_report(report: EnrichReport, dry_run: bool, shown: Callable[[Path], Path]) -> None:
    for path, arxiv, names in report.matched:
        log.info("%s: arXiv %s, %d author names%s", shown(path), arxiv, len(names),
                 " (dry run: not written)" if dry_run else "")
    for path, why in report.unmatched:
        log.warning("%s: %s", shown(path), why)
    log.info("%d papers without an id looked up (%d asked, %d from the cache): %d matched, "
             "%d pages written, %d not matched", report.looked_up, report.asked,
             report.looked_up - report.asked, len(report.matched), report.written,
             len(report.unmatched))
