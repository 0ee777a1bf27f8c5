"""The build cache: results keyed by content hashes, so unchanged input is never re-parsed.

Everything lives in `cache_dir` as one pickle per concern, stamped with a fingerprint of the
tool's own code: a newer sitegen ignores an older cache. Keys are content hashes, not file
times, because a CI checkout gives every file a new mtime and the cache must still hit after
being restored. Deleting the folder is always safe; a corrupt file is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import sys
from functools import cache
from pathlib import Path
from typing import Any

from sitegen import __version__
from sitegen.pages import atomic_write

log = logging.getLogger(__name__)
_PACKAGE = Path(__file__).resolve().parent


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@cache
def code_fingerprint() -> str:
    """Changes whenever sitegen's code, version or the Python version changes."""
    h = hashlib.blake2b(f"{__version__} {sys.version}".encode(), digest_size=16)
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


class BuildCache:
    def __init__(self, folder: Path | None):
        self.folder = folder

    def load(self, name: str, default: Any = None) -> Any:
        if self.folder is None:
            return default
        path = self.folder / f"{name}.pickle"
        try:
            stamp, value = pickle.loads(path.read_bytes())
        except FileNotFoundError:
            return default
        except Exception as exc:  # a truncated or foreign file is only a cache miss
            log.debug("%s: ignoring unreadable cache (%s)", path, exc)
            return default
        return value if stamp == code_fingerprint() else default

    def save(self, name: str, value: Any) -> None:
        if self.folder is None:
            return
        try:
            data = pickle.dumps((code_fingerprint(), value), protocol=pickle.HIGHEST_PROTOCOL)
            atomic_write(self.folder / f"{name}.pickle", data)
        except OSError as exc:  # a read-only cache must not fail the build
            log.warning("%s: cannot write the build cache (%s); continuing without it",
                        self.folder, exc.strerror)


class PageStore:
    """Paper pages parsed once per content: (file name, content hash) -> (Paper, meta).

    Shared by the importer and the site loader within a build, and kept between builds; only
    pages seen in this run are saved, so deleted pages do not accumulate.
    """

    def __init__(self, cache: BuildCache):
        self.cache = cache
        self.old: dict[tuple[str, str], tuple[Any, dict]] = cache.load("pages", {})
        self.seen: dict[tuple[str, str], tuple[Any, dict]] = {}

    def read(self, path: Path) -> tuple[Any, dict, bytes, str]:
        """(paper, front matter, raw bytes, content hash); raises SourceError on a bad page."""
        from sitegen.pages import parse_page

        raw = path.read_bytes()
        key = (path.name, digest(raw))
        hit = self.seen.get(key) or self.old.get(key)
        if hit is None:
            hit = parse_page(path, raw)
        self.seen[key] = hit
        return hit[0], hit[1], raw, key[1]

    def remember(self, path: Path, text: str, paper: Any, meta: dict) -> None:
        """A page just written, with what parsing it would give."""
        self.seen[(path.name, digest(text.encode("utf-8")))] = (paper, meta)

    def save(self) -> None:
        self.cache.save("pages", self.seen)
