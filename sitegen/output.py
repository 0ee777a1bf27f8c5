"""The output folder: built in a staging folder beside it, swapped in only when complete.

A failed build therefore leaves the previous site as it was, and a paper or tag that
disappeared leaves no stale page behind. Like Pelican's writer, this refuses to write one
file twice or outside the output, and it refuses names GitHub Pages would not serve as-is.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path, PurePosixPath
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
        self._dirs: set[Path] = set()

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
        rel = _checked(path)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        dest = self.staging / rel
        if dest.parent not in self._dirs:
            dest.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(dest.parent)
        dest.write_bytes(raw)
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

    def reuse(self, path: str, previous: Path) -> bool:
        """Take `path` unchanged from the previous build by hard link (no bytes copied);
        False when the file system cannot, and the caller renders it instead."""
        dest = self.staging / _checked(path)
        if dest.parent not in self._dirs:
            dest.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(dest.parent)
        try:
            os.link(previous, dest)
        except FileExistsError:  # two pages want this file: claim() says so
            pass
        except OSError:
            return False
        self.claim(path, dest.stat().st_size)
        return True

    def commit(self) -> None:
        """Swap the staging folder in: two renames, so the site is never half-written."""
        if self.target.exists():
            os.replace(self.target, self.old)
        os.replace(self.staging, self.target)
        shutil.rmtree(self.old, ignore_errors=True)


def _checked(path: str) -> str:
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or "\\" in path or any(p in ("", ".", "..")
                                                            for p in path.split("/")):
        raise OutputError(f"{path!r}: refusing to write outside the output folder")
    hidden = [p for p in pure.parts if p[0] in "._"]
    if hidden and path != NOJEKYLL:
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
