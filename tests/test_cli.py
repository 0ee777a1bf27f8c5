"""The command line as a user meets it: one-line messages, exit codes, never a traceback."""

from __future__ import annotations

import errno
import io
import itertools
import os
import subprocess
import sys

import pytest

from sitegen.config import SCHEMA
from tests.conftest import REPO


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


def test_a_bug_is_one_line_with_exit_3_and_a_traceback_only_with_v(monkeypatch, capsys,
                                                                   tmp_path):
    import logging

    from sitegen import cli, importer

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(importer, "import_dumps", crash)
    root = logging.getLogger()  # main() sets up logging: undo it after this test
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    config = tmp_path / "config.yml"
    config.write_text("title: x\n", encoding="utf-8")
    assert cli.main(["import", "-c", str(config)]) == 3
    err = capsys.readouterr().err
    assert err == ("error: internal error: RuntimeError: boom (a bug in sitegen: run the "
                   "command again with -v for the traceback, and report it)\n")
    assert cli.main(["import", "-v", "-c", str(config)]) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.endswith("report it)\n")


# ------------------------------------------------------------- curator mistakes, one line each

@pytest.fixture
def run_cli(monkeypatch, capsys):
    """sitegen's main() in this process, its logging undone afterwards: (exit code, stderr)."""
    import logging

    from sitegen import cli

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)

    def run(root_dir, *args: str) -> tuple[int, str]:
        monkeypatch.chdir(root_dir)
        code = cli.main(list(args))
        return code, capsys.readouterr().err
    return run


def one_error(code: int, err: str) -> str:
    """The single line a command that could not run prints."""
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0].removeprefix("error: ")


HUGE = "9" * 5000  # more digits than Python converts to an int by default
CONFIG_MISTAKES = [
    # (config.yml as typed, what the one line must say)
    ("dumps: {X: {captured: 2025-02-30}}\n",
     "config.yml:1: dumps: X: captured: '2025-02-30' is not a date: day is out of range"),
    ("title: R\ndumps:\n  000.txt:\n    captured: 2025-13-01\n",
     "config.yml:4: dumps: 000.txt: captured: '2025-13-01' is not a date: month must be"),
    (f"newest_on_home: {HUGE}\n", "config.yml:1: newest_on_home: expected a whole number"),
    ("title: A\ntitle: B\n", "config.yml:2: title: given twice (first on line 1)"),
    ("taxonomy:\n\tllm: [LLM]\n", "config.yml:2: found character that cannot start any token"),
    (b"title: Caf\xe9\n", "config.yml:1: not UTF-8 text (byte 0xe9"),
    ("title: x\n".encode("utf-16"), "config.yml:1: not UTF-8 text"),
    ("title: a\x00b\n", "config.yml:1: control characters are not allowed: '\\x00'"),
    ("- title: x\n", "config.yml:1: expected settings (key: value lines) at the top level"),
    ("title: a\n---\ntitle: b\n", "config.yml:2: but found another document"),
    ("title: !!python/object:os.system x\n", "config.yml:1: could not determine a constructor"),
    ("language: no\n", "config.yml:1: language: expected text, got true/false (put it in quotes)"),
    ("language: de_DE\n", "config.yml:1: language: expected a language code such as en"),
    ('title: "Review\\0"\n', "config.yml:1: title: holds the control character '\\x00'"),
    ("title: ok\nbase_url: /my review/\n", "config.yml:2: base_url: the path '/my review/' may"),
    ("site_url: https://you.github.io/a b/\n", "config.yml:1: site_url: the path '/a b/' may"),
    ("site_url: https://my site.org/\n", "config.yml:1: site_url: 'my site.org' is not a host"),
    ("cache_dir: _site/cache\n", "config.yml:1: cache_dir: must not overlap output_dir (_site): "
                                 "the cache's files would be published"),
    ("cache_dir: content/cache\n", "config.yml:1: cache_dir: must not overlap content_dir "
                                   "(content): the cache's files would litter your content"),
    ("cache_dir: config.yml\n", "config.yml:1: cache_dir: config.yml is a file, not a folder"),
    ("papers_dir: config.yml\n", "config.yml:1: papers_dir: config.yml is a file, not a folder"),
    ("theme_overrides: content\n", "config.yml:1: theme_overrides: content holds neither "
                                    "templates/ nor assets/"),
    ("taxonomy:\n  llm: [LLM]\n  stars: ['A*']\n",
     "config.yml:3: taxonomy: stars: phrase 'A*' is read as 'a' (punctuation and * are ignored"),
    ("taxonomy:\n  plus: [graph, '++']\n",
     "config.yml:2: taxonomy: plus: phrase '++' has no letter or digit, so it matches nothing"),
    ("taxonomy:\n  '++': [graph]\n",
     "config.yml:2: taxonomy: '++': a tag name needs a letter or digit"),
    ("taxonomy:\n  '': [graph]\n", "config.yml:2: taxonomy: '': a tag name is empty"),
    ("taxonomy:\n  graphs:\n    - graph\n    - the\n",
     "config.yml:4: taxonomy: graphs: phrase 'the' is read as 'the'"),
]


@pytest.mark.parametrize(("text", "expected"), CONFIG_MISTAKES,
                         ids=[f"mistake{i}" for i in range(len(CONFIG_MISTAKES))])
def test_a_config_mistake_is_one_line_naming_file_line_and_key(project, run_cli, text,
                                                                expected):
    config = project / "config.yml"
    config.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    assert one_error(*run_cli(project, "build")).startswith(expected)
    assert not (project / "_site").exists()  # stopped before anything ran


@pytest.mark.parametrize("key", list(SCHEMA))
def test_a_wrong_type_for_any_key_is_one_line_naming_it(project, run_cli, key):
    (project / "config.yml").write_text(f"# my review\n{key}: [1, 2]\n", encoding="utf-8")
    line = one_error(*run_cli(project, "import"))
    assert line.startswith(f"config.yml:2: {key}: expected ")


def test_every_problem_is_on_the_one_line_with_its_own_line_number(project, run_cli):
    (project / "config.yml").write_text(
        "titel: x\nbase_url: https://x.org/\nnewest_on_home: -1\ntaxonomy:\n  llm: []\n",
        encoding="utf-8")
    line = one_error(*run_cli(project, "import"))
    for part in ("config.yml:1: titel: unknown setting", "config.yml:2: base_url: expected a "
                 "path", "config.yml:3: newest_on_home:", "config.yml:5: taxonomy: llm: needs"):
        assert part in line


@pytest.mark.parametrize(("args", "expected"), [
    (("--base-url", "my review"), "config.yml: base_url (from --base-url): the path"),
    (("--site-url", "https://x.org/a b/"), "config.yml: site_url (from --site-url): the path"),
    (("--output", "content"), "config.yml: output_dir (from --output): must not overlap "
                              "content_dir (content), dumps_dir"),
    (("--output", "/"), "config.yml: output_dir (from --output): must not overlap"),
    (("--output", "."), "config.yml: output_dir (from --output): must not overlap"),
    (("--output", "config.yml"), "config.yml: output_dir (from --output): config.yml is a file"),
    (("--output", "/dev/null"), "config.yml: output_dir (from --output): /dev/null is a file"),
    (("-c", "missing.yml"), "missing.yml: no config file there (check the -c path"),
    (("-c", "content"), "content: no config file there"),
])
def test_a_bad_argument_is_one_line_naming_it(project, run_cli, args, expected):
    assert one_error(*run_cli(project, "build", *args)).startswith(expected)
    assert not (project / "_site").exists()


@pytest.mark.parametrize("port", ["-1", "65536", "99999", "80a", "1e3"])
def test_a_port_out_of_range_is_a_usage_error(port):
    result = sitegen(".", "serve", "--port", port)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"argument --port: {port} is not a port (a whole number from 0 to 65535" \
        in result.stderr


def test_an_impossible_date_through_the_real_command(project):
    (project / "config.yml").write_text("title: R\ndumps: {X: {captured: 2025-02-30}}\n",
                                        encoding="utf-8")
    result = sitegen(project, "build")
    assert result.returncode == 2
    assert result.stderr == ("error: config.yml:2: dumps: X: captured: '2025-02-30' is not a "
                             "date: day is out of range for month (write a real date as "
                             "YYYY-MM-DD)\n")


def test_a_missing_content_folder_says_which_and_how_to_make_one(project, run_cli):
    (project / "config.yml").write_text("content_dir: pages\ndumps_dir: content/dumps\n"
                                        "papers_dir: content/papers\n", encoding="utf-8")
    line = one_error(*run_cli(project, "build"))
    assert line.startswith(f"{project / 'pages'}: folder not found (content_dir: folder of "
                           "hand-written pages)")
    assert "`sitegen new DIR`" in line
    assert not (project / "_site").exists()


def test_taxonomy_tag_without_letters_is_reported_against_config_not_a_paper(project, run_cli):
    """Before, the tag reached the pages and the build stopped naming a paper's page."""
    (project / "config.yml").write_text("taxonomy:\n  llm: [language model]\n  '#': [graph]\n",
                                        encoding="utf-8")
    line = one_error(*run_cli(project, "build"))
    assert line.startswith("config.yml:3: taxonomy: '#': a tag name needs a letter or digit")
    assert not list((project / "content" / "papers").iterdir())  # nothing imported


# ------------------------------------------------------------------------ a full disk

def tree(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class FullDisk(io.FileIO):
    """A file on a disk that fills up: half of the first write lands, then ENOSPC, which
    (as from the real system call) names no file."""

    def write(self, data) -> int:
        super().write(bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


FULL = ("no space left on the disk holding this folder (nothing was replaced: the previous "
        "site and your pages are as they were; free some space, then run the command again)")


def test_a_full_disk_during_the_build_names_the_output_and_keeps_the_old_site(
        imported, run_cli, monkeypatch):
    from sitegen import output

    assert run_cli(imported, "build", "-q")[0] == 0
    site, papers = tree(imported / "_site"), tree(imported / "content" / "papers")
    config = imported / "config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "title:", "title: Renamed", 1), encoding="utf-8")  # every page is written again
    writes = itertools.count()
    monkeypatch.setattr(output, "open", lambda path, mode: (
        FullDisk(path, mode) if next(writes) >= 30 else open(path, mode)), raising=False)

    assert one_error(*run_cli(imported, "build", "-q")) == f"_site: {FULL}"
    assert tree(imported / "_site") == site
    assert tree(imported / "content" / "papers") == papers
    assert sorted(p.name for p in imported.iterdir() if p.name.startswith("_site")) == ["_site"]
    monkeypatch.undo()
    assert run_cli(imported, "build", "-q")[0] == 0  # space freed: the next build completes
    assert "Renamed" in (imported / "_site" / "index.html").read_text(encoding="utf-8")


def test_a_full_disk_during_the_import_names_the_papers_folder_and_loses_no_page(
        imported, run_cli, monkeypatch):
    folder = imported / "content" / "papers"
    before = tree(folder)
    config = imported / "config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "taxonomy:\n", "taxonomy:\n  methods: [method, approach]\n", 1), encoding="utf-8")
    fdopen, writes = os.fdopen, itertools.count()
    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *args, **kwargs: (
        FullDisk(fd, "wb") if "w" in mode and next(writes) >= 5
        else fdopen(fd, mode, *args, **kwargs)))

    assert one_error(*run_cli(imported, "import")) == f"content/papers: {FULL}"
    after = tree(folder)
    assert sorted(after) == sorted(before)  # no temporary file left, none missing
    changed = [name for name in after if after[name] != before[name]]
    assert 0 < len(changed) <= 5
    assert all(after[name].endswith(b"\n") and b"methods" in after[name] for name in changed)


DENIED = ("Permission denied (sitegen may not write or read there: change the permissions, "
          "or set another folder in config.yml)")


def test_a_folder_without_permission_is_named(project, run_cli, monkeypatch):
    """Root ignores permissions, so the errors are made here, as the system calls make them."""
    import tempfile

    mkstemp = tempfile.mkstemp

    def denied(*args, dir=None, prefix="", suffix="", **kwargs):
        if not str(dir).endswith("papers"):
            return mkstemp(*args, dir=dir, prefix=prefix, suffix=suffix, **kwargs)
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES),
                              os.path.join(dir, f"{prefix}x1y2{suffix}"))

    with monkeypatch.context() as patch:
        patch.setattr(tempfile, "mkstemp", denied)
        assert one_error(*run_cli(project, "import", "-q")) == f"content/papers: {DENIED}"

    from sitegen import output

    def read_only(path, mode):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)

    monkeypatch.setattr(output, "open", read_only, raising=False)
    assert one_error(*run_cli(project, "build", "-q")) == f"_site.staging: {DENIED}"


def test_a_build_whose_import_warned_exits_as_the_readme_says(imported):
    (imported / "content" / "dumps" / "009_bad.txt").write_bytes(b"\xff\xfe\x00\x00" * 50)
    plain = sitegen(imported, "build", "-q")
    assert plain.returncode == 0 and "warning: 009_bad.txt" in plain.stderr
    assert sitegen(imported, "build", "-q", "--strict").returncode == 1
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert "Every command exits with 0 when done, warnings included (a build whose import " \
           "warned exits 0); 1 when done but problems were found and you asked to fail on " \
           "them (`check`, and `import` or `build` with `--strict` when the import warned)" \
           in readme


def test_settings_for_a_dump_that_is_not_there_are_a_warning(project, run_cli):
    (project / "config.yml").write_text("title: R\ndumps:\n  000.txt: {captured: 2025-05-01}\n",
                                        encoding="utf-8")
    code, err = run_cli(project, "import", "-q")
    assert code == 0
    assert err.splitlines() == ["warning: config.yml:3: dumps: 000.txt: no such dump in "
                                "content/dumps, so this setting does nothing (check the file "
                                "name)"]


def test_tags_explains_why_a_paper_has_each_tag(project):
    assert sitegen(project, "import", "-q").returncode == 0
    slug = "overcoming-the-pitfalls-of-vision-language-model-finetuning-for-ood"
    done = sitegen(project, "tags", slug)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith(f"{slug}.md: distribution-shift, fine-tuning, language-models, "
                             "multimodal")
    assert lines[1] == ('  distribution-shift: strength 10 (has it): "ood" in the title; '
                        '"ood" in the abstract ×6; "out of distribution" in the abstract')
    assert any(ln.startswith("  optimization: strength 1 (not given)") for ln in lines)
    missing = sitegen(project, "tags", "no-such-paper")
    assert missing.returncode == 2 and missing.stderr.startswith("error: no-such-paper: no such")
