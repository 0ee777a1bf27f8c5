"""The build cache: work reused between builds, keyed by content hashes.

What `cache_dir` holds, each file stamped with a fingerprint of sitegen's own code (a newer
sitegen ignores an older cache):

- build.pickle: what the last build read and wrote, so a build with nothing to do stops
  after hashing its inputs (with the files' hashes by size and mtime, as git's index);
- memo.pickle: every stage's per-paper work, one Memo each (a key made from the inputs'
  hashes -> the value made from them): parsed dumps and pages, the import's last state,
  papers' views, search analyses, related-paper terms and lists, list items' HTML, and
  the index of html/; read once when a build has work to do, written once at its end;
- html/: rendered pages by key, linked into the output when their key is unchanged;
- templates/: Jinja's compiled templates, checked against their source;
- build.lock: held by the build running (sitegen.lock).

Keys are content hashes, not file times, because a CI checkout gives every file a new mtime
and the cache must still hit after being restored. Deleting the folder is always safe; a
corrupt file is ignored and rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
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


_MISSING = object()


class Memo(dict):
    """Work reused between builds: key (a hash of the inputs) -> value. Holds what this
    build used or made, reading the last build's entries on demand through get(); only
    that is saved, so entries of papers that are gone do not accumulate."""

    def __init__(self, old: dict | None = None):
        super().__init__()
        self.old = old or {}
        self.changed = False  # anything set that did not come from `old`

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            value = self.old.get(key, _MISSING)
            if value is _MISSING:
                return default
            dict.__setitem__(self, key, value)
            return value

    def make(self, key: Any, fn: Callable[..., Any], *args: Any) -> Any:
        """The value under `key`, made by fn(*args) when neither build has it."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = self[key] = fn(*args)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        self.changed = True
        dict.__setitem__(self, key, value)

    def clear(self) -> None:
        self.changed = True
        dict.clear(self)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.changed = True
        dict.update(self, *args, **kwargs)

    def same_as_stored(self) -> bool:
        return not self.changed and len(self) == len(self.old)


class BuildCache:
    def __init__(self, folder: Path | None):
        self.folder = folder
        self.memos: dict[str, Memo] = {}
        self._stored: dict[str, dict] | None = None

    def memo(self, name: str) -> Memo:
        """The memo of one stage, the same object for the whole build."""
        if name not in self.memos:
            if self._stored is None:
                self._stored = self.load("memo", {})
            self.memos[name] = Memo(self._stored.get(name))
        return self.memos[name]

    def save_memos(self) -> None:
        """Write every memo once, at the end of a build or import; skipped when none changed
        (the pages alone are 8 MB at 5k papers). Memos this run did not open are kept."""
        if all(memo.same_as_stored() for memo in self.memos.values()):
            return
        stored = self._stored or {}
        self.save("memo", {**stored, **{name: dict(m) for name, m in self.memos.items()}})
        self._stored = None

    def load(self, name: str, default: Any = None) -> Any:
        if self.folder is None:
            return default
        path = self.folder / f"{name}.pickle"
        try:  # streamed: the file's bytes are never all in memory beside its objects
            with open(path, "rb") as file:
                if pickle.load(file) != code_fingerprint():  # another sitegen's cache
                    return default
                return pickle.load(file)
        except FileNotFoundError:
            return default
        except Exception as exc:  # a truncated or foreign file is only a cache miss
            log.debug("%s: ignoring unreadable cache (%s)", path, exc)
            return default

    def save(self, name: str, value: Any) -> None:
        if self.folder is None:
            return
        path = self.folder / f"{name}.pickle"
        tmp = None
        try:  # via a temporary file and a rename; not flushed to disk: a lost cache is a miss
            self.folder.mkdir(parents=True, exist_ok=True)
            for stale in self.folder.glob(f".{name}.*.tmp"):  # a killed build's (one at a time)
                stale.unlink(missing_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as file:
                pickle.dump(code_fingerprint(), file, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError as exc:  # a read-only cache must not fail the build
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            log.warning("%s: cannot write the build cache (%s); continuing without it",
                        self.folder, exc.strerror)


class FileHashes:
    """Content hashes of files, read again only when a file's size or mtime changed, as git's
    index does: a no-op build stats every input instead of reading it. A file modified within
    RACY_NS of being hashed is not remembered, since a second change in the same clock tick
    could keep its size and mtime."""

    RACY_NS = 2_000_000_000

    def __init__(self, old: dict[str, tuple[int, int, str]]):
        """`old`: the last build's `new`, which the build keeps with its record. Only files
        looked at in this build are in `new`, so deleted ones do not accumulate."""
        self.old = old
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
    """Paper pages parsed once per content: (file name, content hash) -> (Paper, meta), in
    the "pages" memo; shared by the importer and the site loader within a build."""

    def __init__(self, cache: BuildCache):
        self.memo = cache.memo("pages")

    def read(self, path: Path) -> tuple[Any, dict, bytes, str]:
        """(paper, front matter, raw bytes, content hash); raises SourceError on a bad page."""
        from sitegen.paper_files import parse_page

        raw = path.read_bytes()
        key = (path.name, digest(raw))
        paper, meta = self.memo.make(key, parse_page, path, raw)
        return paper, meta, raw, key[1]

    def remember(self, path: Path, text: str, paper: Any, meta: dict) -> None:
        """A page just written, with what parsing it would give."""
        self.memo[(path.name, digest(text.encode("utf-8")))] = (paper, meta)


class HtmlStore:
    """Rendered pages by key (cache_dir/html/<key>), so a page whose inputs are unchanged is
    linked into the output instead of rendered, on CI too, where only the cache is restored.

    Files are hard links shared with the output when the file system allows; each is
    trusted only while its size and mtime are as recorded, so a file edited in place in the
    output is rendered again rather than reused.
    """

    def __init__(self, cache: BuildCache):
        self.folder = cache.folder / "html" if cache.folder else None
        self.used = cache.memo("html")  # key -> (size, mtime) of the pages of this build
        self.index: dict[str, tuple[int, int]] = self.used.old
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

    def prune(self) -> None:
        """Delete the pages no longer used, so the cache does not grow without bound."""
        if self.folder is None:
            return
        for key in set(self.index) - set(self.used):
            (self.folder / key).unlink(missing_ok=True)
