"""The build's one way to use a second core: a forked process running one pure computation
while the build goes on in this one. Two uses: related papers (during search and views) and
rendering (the worker makes the data files, then takes chunks of pages as this process does).

The child is forked, so it inherits its inputs (the whole Site) without pickling them; only
the result travels back. Results are the same bytes either way, so output stays
deterministic. Where fork is unavailable, or the work is small, it runs in-process.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # linux/prctl.h


class Background:
    """`with Background(fn, *args) as job: ... job.result()`. Leaving the block without the
    result (the build failed meanwhile) stops the child: one blocked on sending a large
    result would otherwise live as long as this process, holding every file it inherited
    open (a test run's browser driver never saw its pipe close)."""

    def __init__(self, fn: Callable[..., Any], *args: Any, parallel: bool = True):
        self.fn, self.args = fn, args
        self.conn = self.process = None
        if parallel and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self.conn, child = context.Pipe(duplex=False)
            self.process = context.Process(target=self._child, args=(child, os.getpid()),
                                           daemon=True)
            self.process.start()
            child.close()

    def _child(self, conn, parent: int) -> None:
        die_with_parent(parent)
        try:
            conn.send((True, self.fn(*self.args)))
        except BaseException as exc:  # noqa: BLE001 - the parent re-runs it to raise properly
            conn.send((False, repr(exc)))
        finally:
            conn.close()

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join()
        if self.conn is not None:
            self.conn.close()

    def result(self) -> Any:
        if self.process is None:
            return self.fn(*self.args)
        try:
            ok, value = self.conn.recv()
        except EOFError:  # the child died (killed, out of memory)
            ok, value = False, "worker process ended without a result"
        self.process.join()
        if ok:
            return value
        # Errors are re-raised from a run in this process: same input, same exception, with
        # its own type and message for the CLI.
        log.debug("background %s failed (%s); running it here",
                  getattr(self.fn, "__name__", type(self.fn).__name__), value)
        return self.fn(*self.args)


def die_with_parent(parent: int) -> None:
    """In a forked worker: end when the build that forked it ends, however it ends (kill -9
    included), rather than wait forever on a pipe nobody reads. Linux tells the child with
    a signal; elsewhere the child only checks that its parent is still there at its start."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no libc to ask: the check below still runs
            pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


class Chunks:
    """range(n) handed out in chunks to whichever process asks next: a counter in shared
    memory, so two processes finish together even when one of them has other work too.
    Made before forking; iterating in both processes shares the chunks out between them."""

    def __init__(self, n: int, size: int):
        self.n, self.size = n, size
        self.counter = None
        if "fork" in multiprocessing.get_all_start_methods():
            self.counter = multiprocessing.get_context("fork").Value("q", 0)
        self.local = 0  # the counter where there is no shared memory

    def __iter__(self) -> Iterator[range]:
        while True:
            if self.counter is None:
                start, self.local = self.local, self.local + self.size
            else:
                with self.counter.get_lock():
                    start = self.counter.value
                    self.counter.value = start + self.size
            if start >= self.n:
                return
            yield range(start, min(start + self.size, self.n))
