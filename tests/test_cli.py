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


COMMANDS = ("import", "build", "serve", "check", "new")


def test_every_command_has_help_with_examples_and_exit_codes():
    for command in COMMANDS:
        result = sitegen(".", command, "--help")
        assert result.returncode == 0
        assert "Examples:" in result.stdout and f"  sitegen {command} " in result.stdout
        assert "Exit status: 0 done; 1 done, but problems were found" in result.stdout
        assert "-q, --quiet" in result.stdout and "-v, --verbose" in result.stdout
    overview = sitegen(".", "--help").stdout
    assert all(f"sitegen {command}" in overview for command in COMMANDS)


def test_an_unknown_command_or_option_is_a_usage_error():
    result = sitegen(".", "publish")
    assert result.returncode == 2 and "invalid choice: 'publish'" in result.stderr
    assert sitegen(".", "check", "--jsn").returncode == 2


def test_colour_only_on_a_terminal(project):
    import os
    import pty
    import select

    (project / "content" / "dumps" / "002_bad.txt").write_bytes(b"\x00\x01" * 50)
    piped = sitegen(project, "import")
    assert "warning:" in piped.stderr and "\x1b[" not in piped.stderr

    def on_terminal(env: dict) -> str:
        leader, follower = pty.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "sitegen", "import"], cwd=project,
                                stdout=subprocess.DEVNULL, stderr=follower, env=env)
        os.close(follower)
        chunks = []
        while select.select([leader], [], [], 60)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        proc.wait(timeout=60)
        return b"".join(chunks).decode()

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\x1b[33mwarning\x1b[0m: 002_bad.txt" in on_terminal(env)
    assert "\x1b[" not in on_terminal({**env, "NO_COLOR": "1"})


def test_file_system_errors_are_one_line_naming_the_path(project):
    (project / "afile").write_text("not a folder", encoding="utf-8")
    result = sitegen(project, "build", "--output", "afile/site")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    error = result.stderr.splitlines()[-1]
    assert error.startswith("error: ") and "afile/site" in error
    assert error.endswith("(check the path, its permissions and free space)")


def test_a_bug_is_one_line_with_exit_3_and_a_traceback_only_with_v(monkeypatch, capsys):
    import logging

    from sitegen import cli, importer

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(importer, "import_dumps", crash)
    root = logging.getLogger()  # main() sets up logging: undo it after this test
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    assert cli.main(["import", "-c", "/nonexistent/config.yml"]) == 3
    err = capsys.readouterr().err
    assert err == ("error: internal error: RuntimeError: boom (a bug in sitegen: run the "
                   "command again with -v for the traceback, and report it)\n")
    assert cli.main(["import", "-v", "-c", "/nonexistent/config.yml"]) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.endswith("report it)\n")
