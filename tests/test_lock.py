"""Builds that overlap, outputs edited behind the build's back: the site stays whole."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
