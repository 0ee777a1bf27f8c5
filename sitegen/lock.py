"""One build of a site at a time: an exclusive lock on its output and cache.

Two builds writing the same staging folder and cache (two terminals, or `sitegen serve`
rebuilding while `sitegen build` runs) could leave a site with missing pages. The lock is
an flock on a file in the cache folder, which every build and import has: the system drops
it when its holder exits, however it exits, so a killed build never leaves a stale lock.
The file holds the pid of its holder, to say who is building.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sitegen.config import Config, resolve
from sitegen.errors import SitegenError

try:
    import fcntl
except ImportError:  # Windows: no flock; builds are not serialised there
    fcntl = None

log = logging.getLogger(__name__)

LOCK_NAME = "build.lock"

_held: dict[Path, int] = {}  # lock file -> descriptor, in this process


class Busy(SitegenError):
    """Another process holds the lock and the caller chose not to wait."""


@contextmanager
def site_lock(config: Config, wait: bool = True) -> Iterator[None]:
    """Hold the site's lock for the block; re-entrant within a process (the build holds it
    while its import runs). Blocked: waits, saying for which pid, or with `wait` False
    raises Busy."""
    path = resolve(config, config.cache_dir) / LOCK_NAME
    if fcntl is None or path in _held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            if not wait:
                raise Busy(f"{path}: another sitegen (pid {holder}) is building this site "
                           "(run again when it has finished)") from None
            log.info("waiting for another sitegen (pid %s) building this site to finish "
                     "(%s)", holder, path)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[path] = fd
        yield
    finally:
        _held.pop(path, None)
        os.close(fd)  # releases the lock (forked children closed their copy at the fork)


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode().strip() or "unknown"
    except (OSError, UnicodeDecodeError):
        return "unknown"


def _close_in_child() -> None:
    """A forked worker must not keep the lock alive after the build that made it."""
    for fd in _held.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)
