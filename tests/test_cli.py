"""The command line as a user meets it: one-line messages, exit codes, never a traceback."""

from __future__ import annotations

import subprocess
import sys


def sitegen(root, *args):
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=root,
                          capture_output=True, text=True, timeout=120)


def test_import_prints_a_summary_per_dump(project):
    result = sitegen(project, "import")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert any(line.startswith("000_58fe2e8e9ad99316.txt") and " 145 " in line for line in lines)
    assert "237 unique papers" in lines[-1]


def test_bad_dump_is_one_warning_line_and_strict_fails(project):
    (project / "content" / "dumps" / "002_bad.txt").write_bytes(b"\xff\xfe\x00\x00" * 50)
    result = sitegen(project, "import")
    assert result.returncode == 0
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and "002_bad.txt" in warnings[0]
    assert "Traceback" not in result.stderr
    assert sitegen(project, "import", "--strict", "-q").returncode == 1


def test_bad_config_exits_2_with_one_line(project):
    (project / "config.yml").write_text("base_url: [\n", encoding="utf-8")
    result = sitegen(project, "import")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "config.yml:" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_dumps_folder_is_explained(project, tmp_path):
    result = sitegen(tmp_path, "import")
    assert result.returncode == 2 and "dumps folder not found" in result.stderr


def test_help_and_version():
    assert "Examples:" in sitegen(".", "--help").stdout
    assert "sitegen import --strict" in sitegen(".", "import", "--help").stdout
    assert sitegen(".", "--version").stdout.startswith("sitegen ")
