"""The output folder is replaced only by a complete build; the writer refuses bad paths."""

from __future__ import annotations

import pytest

from sitegen.output import NOJEKYLL, Output, OutputError


def test_commit_replaces_the_whole_folder_and_leaves_no_staging(tmp_path):
    site = tmp_path / "_site"
    with Output(site) as out:
        out.write("old.html", "old")
        out.commit()
    with Output(site) as out:
        out.write("index.html", "<p>new</p>")
        out.write("papers/a/index.html", b"a")
        out.commit()
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == \
        [NOJEKYLL, "index.html", "papers/a/index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]


def test_a_failed_build_leaves_the_previous_site_untouched(tmp_path):
    site = tmp_path / "_site"
    with Output(site) as out:
        out.write("index.html", "v1")
        out.commit()
    with pytest.raises(RuntimeError), Output(site) as out:
        out.write("index.html", "v2")
        raise RuntimeError("template blew up")
    assert (site / "index.html").read_text() == "v1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]


def test_without_commit_nothing_changes(tmp_path):
    with Output(tmp_path / "_site") as out:
        out.write("index.html", "x")
    assert not (tmp_path / "_site").exists()


def test_a_file_written_twice_is_refused_even_when_only_case_differs(tmp_path):
    with Output(tmp_path / "_site") as out:
        out.write("papers/a/index.html", "one")
        with pytest.raises(OutputError, match="same output file"):
            out.write("papers/A/index.html", "two")


@pytest.mark.parametrize("path", ["../escape.html", "/etc/passwd", "a/../../b", "a//b", "",
                                  "a\\..\\b", "./x"])
def test_paths_outside_the_output_are_refused(tmp_path, path):
    with Output(tmp_path / "_site") as out, pytest.raises(OutputError, match="outside"):
        out.write(path, "x")
    assert not (tmp_path / "escape.html").exists()


@pytest.mark.parametrize("path", ["_private/index.html", ".git/config", "assets/_x.css",
                                  ".env"])
def test_names_pages_would_hide_are_refused(tmp_path, path):
    with Output(tmp_path / "_site") as out, pytest.raises(OutputError, match="rename"):
        out.write(path, "x")


def test_a_folder_sitegen_did_not_build_is_never_replaced(tmp_path):
    precious = tmp_path / "docs"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match="not built by sitegen"), Output(precious):
        pass
    assert (precious / "thesis.tex").read_text() == "years of work"


def test_leftovers_of_a_killed_build_are_cleared(tmp_path):
    (tmp_path / "_site.staging" / "stale").mkdir(parents=True)
    (tmp_path / "_site.old").mkdir()
    with Output(tmp_path / "_site") as out:
        out.write("index.html", "x")
        out.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]
    assert not (tmp_path / "_site" / "stale").exists()
