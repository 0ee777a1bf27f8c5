"""parallel.py: a forked job whose result is never collected is stopped; chunks are shared."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from sitegen.parallel import Background, Chunks


def large_result() -> bytes:
    return b"x" * (8 << 20)  # far more than a pipe holds: the child blocks until it is read


def test_a_job_left_without_its_result_is_stopped():
    """A build that fails while a child works must not leave it blocked on sending its
    result for as long as this process lives."""
    with pytest.raises(RuntimeError), Background(large_result) as job:
        assert job.process is not None and job.process.is_alive()
        raise RuntimeError("the build failed meanwhile")
    assert multiprocessing.active_children() == []


def test_a_collected_result_arrives_whole():
    with Background(large_result) as job:
        assert job.result() == large_result()
    assert multiprocessing.active_children() == []


def taken(chunks: Chunks) -> list[int]:
    return [i for chunk in chunks for i in chunk]


def test_chunks_are_shared_out_between_two_processes_each_index_once():
    chunks = Chunks(1000, 7)
    with Background(lambda: (os.getpid(), taken(chunks))) as other:
        mine = taken(chunks)
        pid, theirs = other.result()
    assert pid != os.getpid()
    assert sorted(mine + theirs) == list(range(1000))
