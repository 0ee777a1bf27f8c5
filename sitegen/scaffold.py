"""`sitegen new DIR`: a fresh review that builds at once and publishes from GitHub Actions.

config.yml is written from config.SCHEMA, so every key appears with its documentation and
default and can never drift from what the code accepts. The other files are package data in
`scaffold_files/` (stored without leading dots, which package-data globs skip).
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from sitegen.config import SCHEMA, Config
from sitegen.errors import SitegenError
from sitegen.model import slugify

FILES = Path(__file__).with_name("scaffold_files")
REQUIREMENTS = "requirements.txt"
_URL_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

# A small taxonomy that tags every sample paper, to show how tags work.
SAMPLE_TAXONOMY = {
    "vision-language": ["vision-language", "VLM", "multimodal"],
    "reasoning": ["reasoning", "reasoning boundaries"],
    "out-of-distribution": ["out-of-distribution", "OOD", "distribution shift"],
    "learning-theory": ["generalization bound", "overparameterized", "theorem"],
}

# scaffold_files name -> path in the new site
COPIED = {
    "sample-dump.txt": "content/dumps/000_sample.txt",
    "gitignore": ".gitignore",
    "pages.yml": ".github/workflows/pages.yml",
    # lunr.js comes in through npm, pinned to the version whose index format sitegen writes.
    "package.json": "package.json",
    "package-lock.json": "package-lock.json",
}


def new_site(folder: Path, title: str | None = None, install: str | None = None) -> list[Path]:
    """Create the review in `folder` (new or empty); returns the files written.

    `install` is the pip requirement GitHub Actions installs sitegen with; by default, the
    source this sitegen was installed from when that is a public URL.
    """
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise SitegenError(f"{folder}: already exists and is not empty (choose a new folder "
                           "name, or empty this one)")
    name = folder.resolve().name
    title = title or (name.replace("-", " ").replace("_", " ").strip().capitalize()
                      or "Literature review")
    # A GitHub project site lives at /<repository>/; the folder is usually the repository.
    base_url = f"/{name if _URL_SAFE.fullmatch(name) else slugify(name, fallback='review')}/"
    texts = {target: (FILES / source).read_text(encoding="utf-8")
             for source, target in COPIED.items()}
    texts["config.yml"] = config_text(title, base_url)
    texts["content/index.md"] = _fill(FILES / "index.md")  # its heading: config title
    texts["README.md"] = _fill(FILES / "README.md", title=title, base_url=base_url)
    texts[REQUIREMENTS] = requirements_text(install or install_requirement())
    created = not folder.exists()
    written = []
    try:
        for rel, text in sorted(texts.items()):
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError:
        if created:  # leave nothing half-made behind
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return written


def config_text(title: str, base_url: str) -> str:
    """config.yml with every key: its documentation, value, and default where they differ."""
    defaults = Config(root=Path("."))
    chosen = {"title": title, "base_url": base_url, "taxonomy": SAMPLE_TAXONOMY}
    lines = ["# sitegen settings. Every key is optional: delete one to get its default.",
             "# Paths are relative to this file. Check a change with `sitegen build`.", ""]
    for key, (_, doc) in SCHEMA.items():
        default = _plain(getattr(defaults, key))
        value = chosen.get(key, default)
        if value != default:
            doc += f" Default: {json.dumps(default) if default != {} else 'none'}."
        lines += textwrap.wrap(doc, 96, initial_indent="# ", subsequent_indent="# ",
                               break_on_hyphens=False)
        lines.append(_yaml_entry(key, value))
        lines.append("")
    return "\n".join(lines)


def requirements_text(requirement: str | None) -> str:
    head = ("# How GitHub Actions installs sitegen (see .github/workflows/pages.yml): one pip\n"
            "# requirement, e.g. sitegen @ git+https://github.com/OWNER/sitegen@v1.0.0\n")
    return head + (f"{requirement}\n" if requirement else "")


def install_requirement() -> str | None:
    """A pip requirement for this very sitegen, when it was installed from a public URL.

    Installs from a local folder (a checkout, an editable install) cannot be repeated on
    GitHub's machines; nor can a bare `sitegen` name, which PyPI gives to another project.
    """
    try:
        raw = metadata.distribution("sitegen").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    info = json.loads(raw) if raw else {}
    url = str(info.get("url", ""))
    if not url.startswith(("https://", "http://")):
        return None
    vcs = info.get("vcs_info")
    if vcs:
        ref = vcs.get("commit_id") or vcs.get("requested_revision")
        return f"sitegen @ {vcs['vcs']}+{url}" + (f"@{ref}" if ref else "")
    return f"sitegen @ {url}"


def _fill(template: Path, **values: str) -> str:
    text = template.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def _yaml_scalar(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, width=1000).removesuffix("\n...\n").strip()


def _yaml_entry(key: str, value: Any) -> str:
    """`key: value` in block style, short lists inline: the style a person would write."""
    if isinstance(value, dict) and value:
        body = yaml.safe_dump(value, sort_keys=False, allow_unicode=True,
                              default_flow_style=None, width=100)
        return f"{key}:\n" + textwrap.indent(body.rstrip(), "  ")
    return f"{key}: {_yaml_scalar(value)}"


def _plain(value: Any) -> Any:
    """A Config default as YAML shows it: paths as text, empty settings as {}."""
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
