"""Builds that overlap, outputs edited behind the build's back: the site stays whole."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.lock import site_lock
from tests.conftest import REPO

ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def sitegen(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sitegen", *args], cwd=root, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=root, env=ENV,
                          capture_output=True, text=True, timeout=300)


def test_builds_started_together_leave_the_site_a_clean_build_makes(imported, tmp_path):
    clean = tmp_path / "clean"
    shutil.copytree(imported, clean, symlinks=True)
    assert run(clean, "build").returncode == 0
    expected = files(clean / "_site")

    builds = [sitegen(imported, "build") for _ in range(3)]
    for proc in builds:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert files(imported / "_site") == expected
    check = run(imported, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    again = run(imported, "build")  # and the next build finds nothing to do
    assert again.returncode == 0 and "up to date" in again.stderr
    assert files(imported / "_site") == expected


def test_an_output_file_deleted_or_edited_is_restored_by_the_next_build(imported):
    assert run(imported, "build").returncode == 0
    site = imported / "_site"
    built = files(site)
    page = next(p for p in sorted(site.glob("papers/*/index.html")))
    page.unlink()
    (site / "index.html").write_text("defaced", encoding="utf-8")
    (site / "tags" / "index.html").unlink()
    result = run(imported, "build")
    assert result.returncode == 0, result.stderr
    assert "up to date" not in result.stderr
    assert files(site) == built


def test_a_build_told_not_to_wait_names_the_process_that_holds_the_site(imported):
    config = load_config(imported / "config.yml")
    with site_lock(config):
        busy = run(imported, "build", "--no-wait")
        assert busy.returncode == 2
        assert f"pid {os.getpid()}" in busy.stderr and "another sitegen" in busy.stderr
        assert not (imported / "_site").exists()
        waiting = sitegen(imported, "build")
        # It waits, and says so, while the lock is held.
        line = waiting.stderr.readline()
        assert "waiting for another sitegen" in line and f"pid {os.getpid()}" in line
        assert waiting.poll() is None
    _, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert (imported / "_site" / "index.html").is_file()


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left to collect


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("kill", [signal.SIGKILL, signal.SIGTERM])
def test_killing_the_build_leaves_no_worker_behind(tmp_path, kill):
    sys.path.insert(0, str(REPO / "bench"))
    from bench_build import make_review

    root = make_review(tmp_path / "review", 1000)  # enough papers for the build to fork
    assert run(root, "import").returncode == 0
    build = sitegen(root, "build")
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while not seen and build.poll() is None and time.monotonic() < deadline:
            seen |= _children(build.pid)
        assert seen, "the build never forked a worker"
        build.send_signal(kill)
        build.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(map(_alive, seen)) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling: the assertion below is on what is left
        assert not [pid for pid in seen if _alive(pid)]
    finally:
        for pid in seen:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
