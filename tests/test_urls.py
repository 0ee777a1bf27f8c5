"""Page-relative links resolve to the same page under any base path."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen import urls

segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)
folder = st.lists(segment, max_size=4).map(lambda parts: "".join(p + "/" for p in parts))
target = st.one_of(folder, st.tuples(folder, segment).map(lambda t: f"{t[0]}{t[1]}.json"))


@given(page=st.one_of(folder, st.just(urls.NOT_FOUND)), dest=target,
       prefix=st.sampled_from(["/", "/my-review/", "/sub/path/"]))
def test_relative_links_resolve_to_the_target_under_any_prefix(page, dest, prefix):
    here = f"http://example.org{prefix}{page}"
    link = urls.relative_url(dest, urls.root_for(page))
    assert urljoin(here, link) == f"http://example.org{prefix}{dest}"


def test_the_404_page_links_from_base_url_because_it_is_served_at_any_address():
    link = urls.relative_url("tags/", "/my-review/")
    assert urljoin("http://x.org/my-review/papers/gone/deeper/", link) == \
        "http://x.org/my-review/tags/"


@pytest.mark.parametrize(("path", "file"), [
    ("", "index.html"), ("papers/x/", "papers/x/index.html"), ("feed.xml", "feed.xml"),
    ("404.html", "404.html")])
def test_output_file_serves_directory_urls(path, file):
    assert urls.output_file(path) == file


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:x",
    "data:text/html,<script>alert(1)</script>", "vbscript:x", "//evil.example/x",
    "/relative/path", "https://", "https://exa mple.org", "ftp://files.example.org/x",
    "https:\\\\evil.example"])
def test_unsafe_or_odd_links_from_dumps_are_dropped(link):
    assert urls.safe_link(link) is None


@pytest.mark.parametrize("link", ["https://github.com/x/y", "http://example.org/a?b=c#d",
                                  "  https://arxiv.org/abs/1234.5678  "])
def test_plain_web_links_are_kept(link):
    assert urls.safe_link(link) == link.strip()


def test_slugs_are_quoted_so_an_odd_slug_cannot_break_out_of_its_folder():
    assert urls.paper_path("a b#c") == "papers/a%20b%23c/"
