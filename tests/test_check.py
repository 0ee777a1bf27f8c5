"""`sitegen check` on real built sites and on small hand-written ones with known faults."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{root}assets/style.css"></head>
<body><main id="main">
{body}
</main></body></html>
"""
SITEMAP = ('<?xml version="1.0" encoding="utf-8"?>\n'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>\n')


def sitegen(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=root,
                          capture_output=True, text=True, timeout=300)


def write_site(root: Path, pages: dict[str, str], locs: list[str] | None,
               extra: dict[str, str] | None = None) -> Path:
    """A built site in root/_site: pages by file, the sitemap's <loc>s, other files."""
    out = root / "_site"
    for rel, body in pages.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PAGE.format(title=rel, root="../" * rel.count("/"), body=body),
                        encoding="utf-8")
    files = {"assets/style.css": "body { color: black; }\n", **(extra or {})}
    for rel, text in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, encoding="utf-8")
    if locs is not None:
        entries = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
        (out / "sitemap.xml").write_text(SITEMAP.format(entries), encoding="utf-8")
    return out


def report(root: Path, *args: str) -> tuple[int, dict]:
    result = sitegen(root, "check", "--json", *args)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def findings(data: dict) -> list[tuple[str, int | None, str]]:
    return [(p["file"], p["line"], p["kind"]) for p in data["problems"]]


# ---------------------------------------------------------------- real builds

@pytest.mark.parametrize("site_url", ["", "https://example.org/review/"])
def test_the_example_site_built_under_a_sub_path_passes(project, site_url):
    args = ["--base-url", "/review/", "--site-url", site_url]
    assert sitegen(project, "build", "-q", *args).returncode == 0
    sitemap = (project / "_site" / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{site_url or '/review/'}papers/" in sitemap  # both forms are really checked
    result = sitegen(project, "check", *args)
    assert result.returncode == 0, result.stdout[:3000]
    assert result.stdout == ""
    assert "no problems" in result.stderr and "checked 2" in result.stderr


def test_a_root_link_in_content_is_caught_under_a_sub_path(project):
    """'/feed.xml' works when the site is at '/', and breaks under a GitHub project prefix."""
    (project / "content" / "about.md").write_text(
        "---\ntitle: About\n---\nSee [the feed](/feed.xml).\n", encoding="utf-8")
    assert sitegen(project, "build", "-q", "--base-url", "/review/").returncode == 0
    code, data = report(project, "--base-url", "/review/")
    assert code == 1
    assert findings(data) == [("about/index.html", findings(data)[0][1], "escapes-base")]
    assert "/feed.xml" in data["problems"][0]["message"]


def test_damage_to_a_built_site_is_found(project):
    assert sitegen(project, "build", "-q").returncode == 0
    out = project / "_site"
    tag_page = next((out / "tags").glob("*/index.html"))
    tag_page.unlink()  # every link to this tag now breaks
    about = out / "about" / "index.html"
    html = about.read_text(encoding="utf-8")
    about.write_text(html.replace("</main>", '<img src="x.png"><p id="main">dup</p></main>'),
                     encoding="utf-8")
    code, data = report(project)
    assert code == 1
    kinds = data["counts"]
    assert kinds["broken-link"] > 1 and kinds["sitemap-url"] == 1
    assert kinds["missing-alt"] == 1 and kinds["broken-asset"] == 1
    assert kinds["duplicate-id"] == 1
    broken = {p["message"] for p in data["problems"] if p["kind"] == "broken-link"}
    assert all(f"tags/{tag_page.parent.name}/" in m for m in broken)


# ---------------------------------------------------------------- each kind of problem

def test_each_problem_is_reported_at_its_file_and_line(tmp_path):
    body = "\n".join([
        '<a href="missing/">gone</a>',                      # 5 broken link
        '<img src="../assets/none.png" alt="chart">',       # 6 broken asset
        '<img src="../assets/style.css">',                  # 7 no alt
        '<input id="q" type="search">',                     # 8 no label
        '<a href="../"></a>',                               # 9 link without text
        '<p id="main">again</p>',                           # 10 duplicate id
        '<a href="/elsewhere/">escape</a>',                 # 11 leaves base_url
        '<a href="../../../up/">up</a>',                    # 12 climbs out of base_url
        '<a href="../#nowhere">anchor</a>',                 # 13 no such id on the target
        '<a href="https://example.com/">fine: external</a>',
        '<a href="mailto:a@example.org">fine: mail</a>',
        '<label for="ok">Ok</label><input id="ok">',
        '<a href="../#main">fine: anchor</a><button aria-label="Close"></button>',
    ])
    write_site(tmp_path, {"index.html": "<p>home</p>", "sub/index.html": body,
                          "orphan/index.html": "<p>not listed</p>"},
               ["/base/", "/base/sub/", "/base/gone/"])
    code, data = report(tmp_path, "--base-url", "/base/")
    assert code == 1
    assert findings(data) == sorted([
        ("orphan/index.html", None, "not-in-sitemap"),
        ("sitemap.xml", None, "sitemap-url"),
        ("sub/index.html", 5, "broken-link"),
        ("sub/index.html", 6, "broken-asset"),
        ("sub/index.html", 7, "missing-alt"),
        ("sub/index.html", 8, "missing-label"),
        ("sub/index.html", 9, "missing-label"),
        ("sub/index.html", 10, "duplicate-id"),
        ("sub/index.html", 11, "escapes-base"),
        ("sub/index.html", 12, "escapes-base"),
        ("sub/index.html", 13, "broken-anchor"),
    ], key=lambda f: (f[0], f[1] or 0, f[2]))
    assert data["ok"] is False and data["pages"] == 3


def test_text_output_is_one_line_per_problem_naming_file_line_and_fix(tmp_path):
    write_site(tmp_path, {"index.html": '<img src="assets/style.css">'}, ["/"])
    result = sitegen(tmp_path, "check")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        '_site/index.html:5: <img src="assets/style.css"> has no alt text (add alt="..." '
        'saying what it shows, or alt="" for decoration)']
    assert "1 problem(s) (1 missing-alt)" in result.stderr


def test_css_urls_are_assets_too(tmp_path):
    write_site(tmp_path, {"index.html": "<p>home</p>"}, ["/"], extra={
        "assets/fonts.css": "@font-face { src: url('font.woff2'); }\n"
                            "b { background: url(data:image/png;base64,AAAA); }\n"})
    code, data = report(tmp_path)
    assert findings(data) == [("assets/fonts.css", 1, "broken-asset")] and code == 1
    (tmp_path / "_site" / "assets" / "font.woff2").write_bytes(b"wOF2")
    assert report(tmp_path)[0] == 0


@pytest.mark.parametrize("locs, site_url", [
    (["/r/", "/r/a/", "/r/b.html"], ""),                                    # base_url-relative
    (["https://x.org/r/", "https://x.org/r/a/", "https://x.org/r/b.html"], "https://x.org/r/"),
])
def test_both_sitemap_forms_are_understood(tmp_path, locs, site_url):
    write_site(tmp_path, {"index.html": '<a href="a/">a</a> <a href="b.html">b</a>',
                          "a/index.html": '<a href="../b.html">b</a>', "b.html": "<p>b</p>",
                          "404.html": '<a href="/r/">home</a>'}, locs)
    assert report(tmp_path, "--base-url", "/r/", "--site-url", site_url) == (0, {
        "counts": {}, "files": 6, "ok": True, "pages": 4, "problems": []})


def test_absolute_links_to_the_published_site_are_checked(tmp_path):
    write_site(tmp_path, {"index.html": '<a href="https://x.org/r/a/">a</a>'
                                        '<a href="https://x.org/r/gone/">gone</a>'
                                        '<a href="https://x.org/other/">other</a>',
                          "a/index.html": "<p>a</p>"}, ["https://x.org/r/", "https://x.org/r/a/"])
    code, data = report(tmp_path, "--base-url", "/r/", "--site-url", "https://x.org/r/")
    assert [k for _, _, k in findings(data)] == ["broken-link", "escapes-base"]


def test_sitemap_from_another_site_url_is_reported(tmp_path):
    write_site(tmp_path, {"index.html": "<p>home</p>"}, ["https://old.example/"])
    code, data = report(tmp_path, "--site-url", "https://new.example/")
    assert code == 1 and [k for _, _, k in findings(data)] == ["not-in-sitemap", "sitemap-url"]


def test_missing_sitemap_and_noindex_pages(tmp_path):
    write_site(tmp_path, {"index.html": "<p>home</p>"}, None)
    code, data = report(tmp_path)
    assert findings(data) == [("sitemap.xml", None, "no-sitemap")]
    noindex = '<meta name="robots" content="noindex"><p>draft</p>'
    write_site(tmp_path, {"draft/index.html": noindex}, ["/"])
    assert report(tmp_path)[0] == 0  # a noindex page need not be listed


def test_no_built_site_is_one_line_and_exit_2(tmp_path):
    result = sitegen(tmp_path, "check")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "_site: no built site here (run sitegen build first" in result.stderr
