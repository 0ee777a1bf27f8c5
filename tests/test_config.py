from __future__ import annotations

import datetime as dt

import pytest

from sitegen.config import Config, load_config
from sitegen.errors import ConfigError


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
