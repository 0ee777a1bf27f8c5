"""The build cache: results keyed by content hashes, so unchanged input is never re-parsed.

Everything lives in `cache_dir` as one pickle per concern, stamped with a fingerprint of the
tool's own code: a newer sitegen ignores an older cache. Keys are content hashes, not file
times, because a CI checkout gives every file a new mtime and the cache must still hit after
being restored. Deleting the folder is always safe; a corrupt file is ignored and rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from sitegen import __version__

log = logging.getLogger(__name__)
_PACKAGE = Path(__file__).resolve().parent


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@functools.cache
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
        from sitegen.pages import atomic_write  # YAML and all: not needed by a no-op build

        try:
            data = pickle.dumps((code_fingerprint(), value), protocol=pickle.HIGHEST_PROTOCOL)
            atomic_write(self.folder / f"{name}.pickle", data)
        except OSError as exc:  # a read-only cache must not fail the build
            log.warning("%s: cannot write the build cache (%s); continuing without it",
                        self.folder, exc.strerror)


class FileHashes:
    """Content hashes of files, read again only when a file's size or mtime changed, as git's
    index does: a no-op build stats every input instead of reading it. A file modified within
    RACY_NS of being hashed is not remembered, since a second change in the same clock tick
    could keep its size and mtime."""

    RACY_NS = 2_000_000_000

    def __init__(self, cache: BuildCache):
        self.cache = cache
        self.old: dict[str, tuple[int, int, str]] = cache.load("files", {})
        self.new: dict[str, tuple[int, int, str]] = {}

    def tree(self, folders: list[Path]) -> str:
        """One hash of every file under `folders` (names starting with '.' left out)."""
        h = hashlib.blake2b(digest_size=16)
        seen: set[str] = set()
        for folder in folders:
            for path in sorted(_files(str(folder))):
                if path not in seen:
                    seen.add(path)
                    h.update(f"{path}\0{self.file(path)}\0".encode())
        return h.hexdigest()

    def file(self, path: str) -> str:
        st = os.stat(path)
        known = self.new.get(path) or self.old.get(path)
        if known and known[:2] == (st.st_size, st.st_mtime_ns):
            self.new[path] = known
            return known[2]
        with open(path, "rb") as f:
            value = digest(f.read())
        if time.time_ns() - st.st_mtime_ns > self.RACY_NS:
            self.new[path] = (st.st_size, st.st_mtime_ns, value)
        return value

    def save(self) -> None:
        """Only files looked at in this build, so deleted ones do not accumulate."""
        if self.new != self.old:
            self.cache.save("files", self.new)


def _files(folder: str) -> list[str]:
    """Every file below `folder`, skipping hidden names; os.scandir, as pathlib's rglob and
    is_file would cost a second stat per file."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return found
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):  # as rglob: no loops through links
            found += _files(entry.path)
        elif entry.is_file():
            found.append(entry.path)
    return found


class PageStore:
    """Paper pages parsed once per content: (file name, content hash) -> (Paper, meta).

    Shared by the importer and the site loader within a build, and kept between builds; only
    pages seen in this run are saved, so deleted pages do not accumulate.
    """

    def __init__(self, cache: BuildCache):
        self.cache = cache
        self.seen: dict[tuple[str, str], tuple[Any, dict]] = {}
        self._saved = -1  # how many pages `seen` held when last saved

    @functools.cached_property
    def old(self) -> dict[tuple[str, str], tuple[Any, dict]]:
        return self.cache.load("pages", {})

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
        """Only when a page was seen since the last save (entries are only ever added): the
        import saves the store, and the build would write the same 8 MB again at 5k."""
        if len(self.seen) != self._saved:
            self.cache.save("pages", self.seen)
            self._saved = len(self.seen)


class HtmlStore:
    """Rendered pages by key (cache_dir/html/<key>), so a page whose inputs are unchanged is
    linked into the output instead of rendered, on CI too, where only the cache is restored.

    Files are hard links shared with the output when the file system allows; each is
    trusted only while its size and mtime are as recorded, so a file edited in place in the
    output is rendered again rather than reused.
    """

    def __init__(self, cache: BuildCache):
        self.cache = cache
        self.folder = cache.folder / "html" if cache.folder else None
        self.index: dict[str, tuple[int, int]] = cache.load("html", {})
        self.used: dict[str, tuple[int, int]] = {}
        self._made = False

    def get(self, key: str) -> str | None:
        """The page kept under `key`, if it is still as it was stored. Only reads (it may
        run in a worker process); record() marks it used."""
        if self.folder is None or key not in self.index:
            return None
        path = os.path.join(self.folder, key)
        try:
            st = os.stat(path)
        except OSError:
            return None
        return path if (st.st_size, st.st_mtime_ns) == self.index[key] else None

    def put(self, key: str, rendered: str) -> tuple[int, int] | None:
        """Keep `rendered` under `key`; returns what record() needs. Only touches files."""
        if self.folder is None:
            return None
        if not self._made:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._made = True
        path = os.path.join(self.folder, key)  # os calls, not pathlib: once per page
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        try:
            os.link(rendered, path)
        except OSError:
            shutil.copy2(rendered, path)
        st = os.stat(path)
        return st.st_size, st.st_mtime_ns

    def record(self, key: str, stored: tuple[int, int] | None = None) -> None:
        """Mark `key` as used by this build: just stored (what put() returned) or reused."""
        if self.folder is not None:
            self.used[key] = stored or self.index[key]

    def save(self) -> None:
        """Keep only the pages of this build, so the cache does not grow without bound."""
        if self.folder is None:
            return
        for key in set(self.index) - set(self.used):
            (self.folder / key).unlink(missing_ok=True)
        self.cache.save("html", self.used)
