"""`sitegen new DIR`: a fresh review that imports, builds and checks cleanly at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from sitegen.config import SCHEMA, Config, load_config
from sitegen.model import UNTAGGED

FILES = {".github/workflows/pages.yml", ".gitignore", "README.md", "config.yml",
         "content/dumps/000_sample.txt", "content/index.md", "package.json",
         "package-lock.json", "requirements.txt"}


def sitegen(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_a_new_review_imports_builds_and_checks_without_a_warning(tmp_path):
    result = sitegen(tmp_path, "new", "my-review")
    assert result.returncode == 0, result.stderr
    site = tmp_path / "my-review"
    assert files(site) == FILES
    assert "cd my-review && sitegen serve" in result.stderr

    imported = sitegen(site, "import", "--strict")
    assert imported.returncode == 0, imported.stderr
    assert "3 unique papers" in imported.stderr and "0 warnings" in imported.stderr
    built = sitegen(site, "build")
    assert built.returncode == 0 and "warning:" not in built.stderr, built.stderr
    checked = sitegen(site, "check")
    assert checked.returncode == 0, checked.stdout

    home = (site / "_site" / "index.html").read_text(encoding="utf-8")
    assert "<title>My review</title>" in home and "Ariadne" in home
    papers = [yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1])
              for p in sorted((site / "content" / "papers").glob("*.md"))]
    assert len(papers) == 3
    assert all(p["tags"] and UNTAGGED not in p["tags"] for p in papers)  # taxonomy covers them
    # Built output and cache are ignored by git; the curated pages are not.
    assert "/_site/" in (site / ".gitignore").read_text(encoding="utf-8").split()
    assert "/.sitegen-cache/" in (site / ".gitignore").read_text(encoding="utf-8").split()


def test_the_config_documents_every_key_with_its_default(tmp_path):
    assert sitegen(tmp_path, "new", "Notes_2025").returncode == 0
    path = tmp_path / "Notes_2025" / "config.yml"
    text = path.read_text(encoding="utf-8")
    for key, (_, doc) in SCHEMA.items():
        block = text.split(f"\n{key}:")[0].rsplit("\n\n", 1)[-1]
        assert " ".join(line.removeprefix("# ") for line in block.splitlines()).startswith(
            " ".join(doc.split())), key
    config, defaults = load_config(path), Config(root=path.parent.resolve())
    chosen = {"title", "base_url", "taxonomy"}
    for key in set(SCHEMA) - chosen:
        assert getattr(config, key) == getattr(defaults, key), key
    assert (config.title, config.base_url) == ("Notes 2025", "/Notes_2025/")
    assert 'Default: "/"' in text and 'Default: "Literature review"' in text


def test_a_title_with_yaml_characters_survives(tmp_path):
    title = 'Notes: "deep" # nets & <co>'
    assert sitegen(tmp_path, "new", "site", "--title", title).returncode == 0
    site = tmp_path / "site"
    assert sitegen(site, "build", "-q").returncode == 0
    home = (site / "_site" / "index.html").read_text(encoding="utf-8")
    assert "<h1>Notes: &#34;deep&#34; # nets &amp; &lt;co&gt;</h1>" in home
    assert load_config(site / "config.yml").title == title


def test_a_non_empty_folder_is_refused_untouched(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine", encoding="utf-8")
    result = sitegen(tmp_path, "new", "taken")
    assert result.returncode == 2
    assert result.stderr == ("error: taken: already exists and is not empty (choose a new "
                             "folder name, or empty this one)\n")
    assert files(tmp_path / "taken") == {"notes.txt"}
    (tmp_path / "empty").mkdir()
    assert sitegen(tmp_path, "new", "empty", "-q").returncode == 0


def test_requirements_name_how_ci_installs_sitegen(tmp_path):
    spec = "sitegen @ git+https://example.org/you/sitegen@v0.1.0"
    result = sitegen(tmp_path, "new", "a", "--install", spec)
    assert result.returncode == 0 and "warning" not in result.stderr
    lines = (tmp_path / "a" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [ln for ln in lines if not ln.startswith("#")] == [spec]
    # This checkout is an editable install: nothing GitHub could install, so say so.
    result = sitegen(tmp_path, "new", "b")
    warning = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert warning == ["warning: b/requirements.txt: names no sitegen for GitHub Actions to "
                       "install (add its pip requirement before publishing, or pass --install "
                       "to sitegen new)"]
    text = (tmp_path / "b" / "requirements.txt").read_text(encoding="utf-8")
    assert all(ln.startswith("#") for ln in text.splitlines())
