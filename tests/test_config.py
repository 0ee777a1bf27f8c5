from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sitegen.config import SCHEMA, Config, load_config
from sitegen.errors import ConfigError
from tests.conftest import REPO


def write(tmp_path, text: str):
    path = tmp_path / "config.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_documented_defaults(tmp_path):
    config = load_config(tmp_path / "config.yml")
    assert config.base_url == "/" and config.output_dir.name == "_site"
    assert config.root == tmp_path.resolve()


def test_values_are_normalised(tmp_path):
    config = load_config(write(tmp_path, "base_url: my-review\nsite_url: https://u.github.io/r\n"
                                         "dumps: {a.txt: {captured: 2025-05-01}}\n"
                                         "taxonomy: {llm: LLM}\n"))
    assert config.base_url == "/my-review/"
    assert config.site_url == "https://u.github.io/r/"
    assert config.dump_settings("a.txt").captured == dt.date(2025, 5, 1)
    assert config.taxonomy == {"llm": ("LLM",)}


def test_every_problem_is_reported_at_once(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "titel: x\nbase_url: https://x.org/\nnewest_on_home: -1\n"
                                    "taxonomy: {llm: []}\n"))
    message = str(info.value)
    for part in ("titel: unknown setting", "base_url:", "newest_on_home:", "taxonomy: llm"):
        assert part in message
    assert "\n" not in message


def test_output_inside_content_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="would delete your content"):
        load_config(write(tmp_path, "output_dir: content\n"))


def test_yaml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "title: ok\nbase_url: [\n"))
    assert str(info.value).startswith(f"{tmp_path / 'config.yml'}:")


def test_overrides_from_flags_win(tmp_path):
    config = load_config(write(tmp_path, "base_url: /a/\n"), base_url="/b/", output_dir=None)
    assert config.base_url == "/b/" and isinstance(config, Config)


def schema_reference() -> str:
    """The README's list of settings, made from SCHEMA and Config's defaults."""
    defaults = Config(root=Path("."))
    lines = []
    for key, (_, doc) in SCHEMA.items():
        default = getattr(defaults, key)
        shown = (default.as_posix() if isinstance(default, Path) else
                 "none" if default in (None, {}, "") else str(default))
        lines.append(f"- `{key}` (default: {shown if shown == 'none' else f'`{shown}`'}): {doc}")
    return "\n".join(lines)


def test_readme_lists_every_setting_as_schema_documents_it():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration\n", 1)[1].split("\n## ", 1)[0]
    assert schema_reference() in section, ("README's Configuration section is out of date; "
                                           "paste this list in:\n" + schema_reference())


def test_what_yaml_cannot_construct_stays_text_for_the_checks(tmp_path):
    config = load_config(write(tmp_path, "title: 2024-02-30\nauthor: 1:30\n"
                                         "dumps: {a.txt: {captured: 2025-05-01T10:00:00Z}}\n"))
    assert config.title == "2024-02-30"  # an impossible date is no date, but fine text
    assert config.dump_settings("a.txt").captured == dt.date(2025, 5, 1)


def test_the_default_cache_and_one_outside_the_project_are_fine(tmp_path):
    (tmp_path / "review").mkdir()
    assert load_config(write(tmp_path / "review", "")).cache_dir == Path(".sitegen-cache")
    outside = load_config(write(tmp_path / "review", f"cache_dir: {tmp_path / 'cache'}\n"))
    assert outside.cache_dir == tmp_path / "cache"


def test_a_flag_is_named_instead_of_a_line(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "title: x\noutput_dir: public\n"), output_dir=Path("content"))
    assert str(info.value) == (f"{tmp_path / 'config.yml'}: output_dir (from --output): must "
                               "not overlap content_dir (content), dumps_dir (content/dumps), "
                               "papers_dir (content/papers): the build replaces it and would "
                               "delete your content")


def test_a_folder_that_cannot_be_resolved_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(ConfigError, match=r"config.yml:1: output_dir: cannot be used as a folder"):
        load_config(write(tmp_path, "output_dir: loop/site\n"))


def test_what_a_curator_means_is_taken_when_it_is_unambiguous(tmp_path):
    config = load_config(write(tmp_path, 'newest_on_home: "20"\nsite_url: HTTPS://x.org/r\n'
                                         "taxonomy: {years: [2024, GPT-4]}\n"))
    assert config.newest_on_home == 20 and config.site_url == "HTTPS://x.org/r/"
    assert config.taxonomy == {"years": ("2024", "GPT-4")}
    with pytest.raises(ConfigError, match=r"config.yml:1: taxonomy: x: .* \(yes, no, on, off "
                                          r"read as true/false: put them in quotes\)"):
        load_config(write(tmp_path, "taxonomy: {x: [yes]}\n"))
