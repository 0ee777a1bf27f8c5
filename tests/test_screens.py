"""Screenshots of every kind of page at 1280 and 375 px, light and dark: nothing scrolls
sideways and no two key boxes overlap (header items, list entries, page links, the paper
page's columns). Each page's full-page screenshot is kept in the test's tmp folder and named
in a failure, to look at. Contrast and the rest of axe's checks are in test_a11y."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from sitegen import views
from sitegen.build import build_site
from sitegen.config import load_config
from tests.conftest import copy_example

PREFIX = "/my-review/"
SHARED = "authors: [Ada Lovelace, Alan Turing]\norganization: Analytical Engines Ltd\n"

# Sibling boxes that must not overlap: each selector's matches, compared pairwise.
GROUPS = (
    ".header-row > *", ".site-nav li", ".paper-list > li", ".paper-item-line > *",
    ".tags li", ".pager li", ".jump li", ".paper > *", ".paper-aside .links li",
    ".stats li", ".table-filters > *", ".footer-links li", "main > *",
)
OVERLAPS = """groups => {
  const found = [];
  const visible = e => { const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' ? r : null; };
  for (const selector of groups) {
    const boxes = [...document.querySelectorAll(selector)].map(e => [e, visible(e)])
      .filter(([, r]) => r);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (a.parentElement !== b.parentElement) continue;
      const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (x > 1 && y > 1) found.push(`${selector}: "${a.textContent.trim().slice(0, 30)}" `
        + `overlaps "${b.textContent.trim().slice(0, 30)}" by ${Math.round(x)}x${Math.round(y)}px`);
    }
  }
  return found;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The example with two papers sharing authors and an organization (their group pages),
    built in pages of 20 papers (a tag's and the table's older pages); (folder, kind -> path)."""
    root = copy_example(tmp_path_factory.mktemp("screens"))
    config = load_config(root / "config.yml", base_url=PREFIX)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(views, "PAGE_SIZE", 20)
        patch.setattr(views, "TABLE_PAGE_SIZE", 100)
        assert build_site(config) == 0  # imports the dumps
        papers = sorted((root / "content" / "papers").glob("*.md"))
        for page in papers[:2]:
            page.write_text(page.read_text().replace("---\n", "---\n" + SHARED, 1))
        assert build_site(config) == 0
    out = root / "_site"
    busiest = max(out.glob("tags/*/page/1/index.html"), key=lambda p: p.stat().st_size)
    return out, {
        "home": "", "paper": f"papers/{papers[0].stem}/", "papers": "papers/",
        "table page": "papers/page/1/", "tags": "tags/", "tag": busiest.parents[2].as_posix()
        .removeprefix(out.as_posix() + "/") + "/", "tag page": "tags/" + busiest.parts[-4]
        + "/page/1/", "timeline": "timeline/", "timeline page": "timeline/page/2/",
        "new": "new/", "dump": next(p.parent.name for p in sorted(out.glob("new/*/index.html"))
                                    ).join(("new/", "/")),
        "top": "top/", "author": "authors/ada-lovelace/",
        "organization": "organizations/analytical-engines-ltd/", "page": "about/",
        "search": "search/?q=grokking", "404": "404.html"}


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_kind_of_page_fits_the_screen_without_overlaps(browser, site, serve, tmp_path,
                                                             scheme, width):
    folder, paths = site
    base = serve(folder, PREFIX)
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    problems = []
    for kind, path in paths.items():
        assert (folder / path.split("?")[0]).exists() or kind == "search", path
        page.goto(base + path)
        if kind == "papers":  # the table has its rows from every page
            expect(page.locator("[data-table-status]")).to_have_text("Showing all 237 papers.")
        if kind == "search":
            expect(page.locator("[data-search-results] li").first).to_be_visible()
        shot = tmp_path / f"{scheme}-{width}-{kind.replace(' ', '-')}.png"
        page.screenshot(path=shot, full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 0:
            problems.append(f"{kind}: scrolls sideways by {wide}px ({shot})")
        problems += [f"{kind}: {found} ({shot})" for found in page.evaluate(OVERLAPS, GROUPS)]
    page.close()
    assert problems == [], f"screenshots in {tmp_path}"


def test_the_checks_see_an_overlap_and_a_sideways_scroll(browser, site, serve):
    """The checks above can fail: list entries pulled over each other, a line too wide."""
    folder, paths = site
    page = browser.new_page(viewport={"width": 375, "height": 900})
    page.goto(serve(folder, PREFIX) + paths["tag"])
    assert page.evaluate(OVERLAPS, GROUPS) == []
    page.add_style_tag(content=".paper-list > li { margin-top: -3rem; }"
                               "h1 { white-space: nowrap; width: 60rem; }")
    assert any(".paper-list > li" in found for found in page.evaluate(OVERLAPS, GROUPS))
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") > 0
    page.close()
