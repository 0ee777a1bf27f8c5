"""`sitegen build`: the whole pipeline, stage by stage, then a summary.

The order matters: everything is read and checked before the output is touched, and the
site is written into a staging folder that replaces the old one only when complete.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sitegen import exports, feeds, urls
from sitegen.cache import BuildCache, PageStore
from sitegen.config import Config, resolve
from sitegen.importer import import_dumps
from sitegen.output import Output
from sitegen.related import related_papers
from sitegen.render import collect_assets, load_theme, render_site
from sitegen.search import search_assets
from sitegen.site import load_site

log = logging.getLogger(__name__)


def build_site(config: Config) -> int:
    """Build the site into config.output_dir. 0: done; 1: built, but the import had problems."""
    clock = Stages()
    store = PageStore(BuildCache(resolve(config, config.cache_dir)))  # pages parsed once
    with clock("import"):  # dumps -> content/papers/*.md, keeping the curator's edits
        report = import_dumps(config, store)
    with clock("load"):  # a bad page or theme stops here, before the output is touched
        site = load_site(config, store)
        theme = load_theme(config)
    with clock("search"):  # before rendering: pages link its files by their hashed names
        assets = collect_assets(theme, search_assets(site, config))
    with clock("related"):  # every paper page lists its most related papers
        related = related_papers(site)
    target = resolve(config, config.output_dir)
    with Output(target) as out:
        with clock("render"):
            pages = render_site(site, config, theme, assets, out.write, Progress("render"),
                                related)
        with clock("feeds"):
            out.write(urls.PAPERS_JSON, feeds.papers_json(site))
            out.write(urls.FEED, feeds.atom_feed(site, config))
            out.write(urls.PAPERS_CSV, exports.papers_csv(site, config))
            for tag in site.tags:
                out.write(urls.tag_feed(tag.slug), feeds.tag_feed(site, tag, config))
            for path, data in exports.bibtex_files(site, config).items():
                out.write(path, data)
            public = [path for kind, path in pages if kind != "404"]
            out.write(urls.SITEMAP, feeds.sitemap(public, config))
            out.write(urls.ROBOTS, feeds.robots_txt(config))
        with clock("swap"):
            out.commit()
    kinds = Counter(kind for kind, _ in pages)
    log.info("built %s: %d pages (%s), %d assets, %.1f MB", target, len(pages),
             ", ".join(f"{n} {kind}" for kind, n in kinds.items()), len(assets.paths),
             out.size / 1e6)
    log.info("time: %s", clock.summary())
    if report.problems:
        log.warning("the import reported %d problem(s), listed above", len(report.problems))
        return 1
    return 0


class Stages:
    """Times each stage for the summary line."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        log.debug("%s…", name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.times[name] = time.perf_counter() - start

    def summary(self) -> str:
        stages = ", ".join(f"{name} {sec:.2f}s" for name, sec in self.times.items())
        return f"{stages} (total {sum(self.times.values()):.2f}s)"


class Progress:
    """Reports `done/total` about once a second, only when a stage runs long enough to wait on."""

    def __init__(self, label: str, every: float = 1.0):
        self.label = label
        self.every = every
        self.next = time.perf_counter() + every

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now >= self.next and done < total:
            log.info("%s: %d/%d", self.label, done, total)
            self.next = now + self.every
