"""The output folder: built in a staging folder beside it, swapped in only when complete.

A failed build therefore leaves the previous site as it was, and a paper or tag that
disappeared leaves no stale page behind. Like Pelican's writer, this refuses to write one
file twice or outside the output, and it refuses names GitHub Pages would not serve as-is.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from types import TracebackType

from sitegen.errors import SitegenError

log = logging.getLogger(__name__)

NOJEKYLL = ".nojekyll"  # tells Pages to serve the files as they are, without Jekyll


class OutputError(SitegenError):
    """A file the build must not write (outside the output, twice, or a hidden name)."""


class Output:
    """`with Output(folder) as out: out.write(...); out.commit()` — no commit, no change."""

    def __init__(self, target: Path):
        self.target = target
        self.staging = target.with_name(target.name + ".staging")
        self.old = target.with_name(target.name + ".old")
        self.written: dict[str, str] = {}  # casefolded path -> path, for case-blind disks
        self.size = 0
        self._staging = str(self.staging)
        self._dirs: set[str] = set()

    def __enter__(self) -> Output:
        _check_replaceable(self.target)
        for leftover in (self.staging, self.old):  # from a build that was killed
            if leftover.exists():
                shutil.rmtree(leftover)
        self.staging.mkdir(parents=True)
        self.write(NOJEKYLL, b"")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.staging.exists():  # not committed: drop the half-built site
            shutil.rmtree(self.staging, ignore_errors=True)

    def write(self, path: str, data: str | bytes) -> None:
        """Write `path` (relative, '/'-separated) into the staging folder."""
        self.claim(path, self.write_file(path, data))

    def write_file(self, path: str, data: str | bytes) -> int:
        """Write without claiming the name (a worker process writes, the parent claims);
        returns the size."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        dest = self._dest(path)
        try:
            with open(dest, "wb") as f:
                f.write(raw)
        except OSError as exc:  # a full disk fails the write, which names no file
            exc.filename = exc.filename or dest
            raise
        return len(raw)

    def claim(self, path: str, size: int) -> None:
        """Record a written file; a name claimed twice means two pages want one file."""
        rel = _checked(path)
        key = rel.casefold()
        if key in self.written:
            raise OutputError(f"{rel}: two pages want the same output file (the second "
                              f"would overwrite {self.written[key]}); rename one of them")
        self.written[key] = rel
        self.size += size

    def link(self, path: str, previous: str) -> int | None:
        """Write `path` as a hard link to `previous`, a file of the last build (no bytes
        copied), without claiming it (as write_file); its size, or None when the file system
        cannot link, and the caller writes it instead."""
        dest = self._dest(path)
        try:
            os.link(previous, dest)
        except FileExistsError:  # written by a worker that then failed, or a duplicate name,
            os.unlink(dest)      # which claim() reports
            os.link(previous, dest)
        except OSError:
            return None
        return os.stat(dest).st_size

    def _dest(self, path: str) -> str:
        """The file's place in the staging folder, its folder made. Strings and os calls,
        not pathlib: this runs for every page."""
        dest = os.path.join(self._staging, _checked(path))
        folder = os.path.dirname(dest)
        if folder not in self._dirs:
            os.makedirs(folder, exist_ok=True)
            self._dirs.add(folder)
        return dest

    def commit(self) -> None:
        """Swap the staging folder in: two renames, so the site is never half-written."""
        if self.target.exists():
            os.replace(self.target, self.old)
        os.replace(self.staging, self.target)
        shutil.rmtree(self.old, ignore_errors=True)


def _checked(path: str) -> str:
    parts = path.split("/")
    if not path or path[0] == "/" or "\\" in path or any(p in ("", ".", "..") for p in parts):
        raise OutputError(f"{path!r}: refusing to write outside the output folder")
    if path != NOJEKYLL and any(p[0] in "._" for p in parts):
        raise OutputError(f"{path}: names starting with '_' or '.' are not published as "
                          "expected on GitHub Pages (rename the file)")
    return path


def _check_replaceable(target: Path) -> None:
    """The build replaces the output folder wholesale; never do that to a folder of other files."""
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: exists and is not a folder (choose another output_dir)")
    if target.is_dir() and any(target.iterdir()) and not (target / NOJEKYLL).exists():
        raise OutputError(f"{target}: is not empty and was not built by sitegen (no {NOJEKYLL}); "
                          "the build would replace it, so empty it or choose another output_dir")
