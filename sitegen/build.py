"""`sitegen build`: the whole pipeline, stage by stage, then a summary.

The order matters: everything is read and checked before the output is touched, and the
site is written into a staging folder that replaces the old one only when complete.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.cache import BuildCache, FileHashes, HtmlStore, PageStore, digest
from sitegen.config import Config, resolve
from sitegen.lock import site_lock
from sitegen.theme import load_theme

if TYPE_CHECKING:  # not imported at run time: a no-op build needs none of them
    from sitegen.importer import ImportReport
    from sitegen.model import Site
    from sitegen.output import Output
    from sitegen.search import SearchFiles
    from sitegen.theme import Assets, Theme
    from sitegen.views import ViewData

log = logging.getLogger(__name__)

LUNR_FOLDER = Path("node_modules") / "lunr"  # where search.lunr_js looks, project first

PARALLEL_FROM = 300  # papers; below this a second process costs more than it saves


def build_site(config: Config, strict: bool = False, wait: bool = True,
               fork: bool = True) -> int:
    """Build the site into config.output_dir. 0: done (warnings may have been printed);
    1: `strict` and the import reported problems. One build of a site at a time: another
    one running, this one waits for it (or with `wait` False raises lock.Busy). `fork`
    False: all in this process (a process with threads, such as `sitegen serve`, must not
    fork: a lock another thread held would stay locked in the child)."""
    with site_lock(config, wait):
        return _build(config, strict, fork)


def _build(config: Config, strict: bool, fork: bool) -> int:
    clock = Stages()
    cache = BuildCache(resolve(config, config.cache_dir))
    target = resolve(config, config.output_dir)
    with clock("check"):  # every input hashed: nothing changed since the last build?
        previous = cache.load("build", {})
        hashes = FileHashes(previous.get("files", {}))
        inputs = input_fingerprint(config, hashes)
        up_to_date = previous.get("inputs") == inputs and previous.get("output") == listing(target)
    if up_to_date:  # the import too would find nothing to do: replay what it said
        if hashes.new != hashes.old:
            cache.save("build", {**previous, "files": hashes.new})
        _log_import(*previous["import"])
        log.info("%s is up to date (nothing changed since the last build)", target)
        log.info("time: %s", clock.summary())
        return _status(previous["import"][0], strict)
    # Imported only now, so that a no-op build never loads Jinja, Markdown or numpy.
    from sitegen.importer import import_dumps
    from sitegen.markup import MarkdownRenderer
    from sitegen.output import Output
    from sitegen.search import search_files
    from sitegen.site import load_site
    from sitegen.theme import collect_assets
    from sitegen.views import ViewData

    with clock("import"):  # dumps -> content/papers/*.md, keeping the curator's edits
        report = import_dumps(config, cache)
        if report.written:  # the fingerprint recorded below is of the content as imported
            inputs = input_fingerprint(config, hashes)
    with clock("load"):  # a bad page or theme stops here, before the output is touched
        site = load_site(config, PageStore(cache))  # the pages the import parsed
        theme = load_theme(config)
    # Related papers need no other stage: computed on the second core while this one builds
    # the search index and the papers' view data (about as long, from 1k to 50k papers).
    with Related(site, cache, fork) as related_lists:
        with clock("search"):  # the index and result records, as hashed assets
            search = search_files(site, config, memo=cache.memo("search"))
            assets = collect_assets(theme, search.assets)
        with clock("views"):  # each paper's math, Markdown and citation, for every page
            views = ViewData(site, config, MarkdownRenderer(), cache.memo("views"))
        with clock("related"):  # waits for every paper's most related papers
            related = related_lists.result()
    with Output(target) as out:
        with clock("render"):  # and, in the render's worker, the feeds and exports
            pages, reused, data = render_pages(site, config, theme, assets, views, related,
                                               out, cache, fork)
        with clock("feeds"):
            write_data(out, data, assets, pages, config, search)
        with clock("swap"):
            out.commit()
    cache.save_memos()
    cache.save("build", {"inputs": inputs, "output": listing(target),
                         "import": _import_record(report), "files": hashes.new})
    kinds = Counter(kind for kind, _ in pages)
    log.info("built %s: %d pages (%s), %d assets, %.1f MB; %d pages unchanged", target,
             len(pages), ", ".join(f"{n} {kind}" for kind, n in kinds.items()),
             len(assets.paths), out.size / 1e6, reused)
    log.info("time: %s", clock.summary())
    return _status(tuple(map(str, report.problems)), strict)


def render_pages(site: Site, config: Config, theme: Theme, assets: Assets, views: ViewData,
                 related: dict[str, tuple[str, ...]], out: Output, cache: BuildCache,
                 fork: bool = True) -> tuple[list[tuple[str, str]], int, dict[str, int]]:
    """Every page, from the last build's rendering where its key is unchanged; returns
    (kind, path) of each page, how many were reused, and the size of each data file
    (data_files(), written by the render's worker before it takes pages). Cache entries
    are keyed by content, so they stay right even if this build fails later."""
    from sitegen.render import render_site
    # What every page shares (templates count per page, in render.py). The search data are
    # not assets (pages reach them through search/manifest.json), so a new paper does not
    # change every page.
    salt = digest(repr((config, sorted(assets.paths.items()))).encode())
    html = HtmlStore(cache)

    def take(file: str, key: str) -> int | None:
        src = html.get(key)
        return out.link(file, src) if src is not None else None

    def keep(file: str, key: str) -> tuple[int, int] | None:
        return html.put(key, os.path.join(out.staging, file))

    pages, done, data = render_site(
        site, config, theme, assets, out, views, Progress("render"), related, take=take,
        keep=keep, salt=salt, parallel=fork, items=cache.memo("items"),
        compiled=cache.folder and cache.folder / "templates",
        also=lambda: {path: out.write_file(path, content)  # only sizes travel back
                      for path, content in data_files(site, config).items()})
    for page in done:
        out.claim(page.file, page.size)
        html.record(page.key, page.kept)
    html.prune()
    return pages, sum(page.reused for page in done), data


def write_data(out: Output, files: dict[str, int], assets: Assets,
               pages: list[tuple[str, str]], config: Config, search: SearchFiles) -> None:
    """The search index's files and manifest, sitemap and robots.txt; the feeds and exports
    (`files`: their sizes), written already, are claimed."""
    from sitegen import feeds, urls

    for path, size in files.items():
        out.claim(path, size)
    for path, data in search.shards.paths().items():
        out.write(path, data)
    out.write(urls.SEARCH_MANIFEST, search.manifest(assets.paths))
    public = [path for kind, path in pages if kind != "404"]
    out.write(urls.SITEMAP, feeds.sitemap(public, config))
    out.write(urls.ROBOTS, feeds.robots_txt(config))


class Related:
    """`with Related(site, cache, fork) as job: ... job.result()`: each paper's related
    papers, computed on the second core (`fork` and enough papers) while the build goes on.
    The last build's lists when no paper's text, tags or first dump changed (a template or
    config edit), else computed with each paper's terms from the "terms" memo where its
    text is the same."""

    def __init__(self, site: Site, cache: BuildCache, fork: bool):
        from sitegen.parallel import Background

        self.lists = cache.memo("related")
        self.terms = cache.memo("terms")
        self.inputs = digest(repr(([(p.slug, p.title, p.abstract, p.tags, p.first_seen)
                                    for p in site.papers], site.dumps))
                             .encode("utf-8", "surrogatepass"))
        self.found = self.lists.get(self.inputs)
        parallel = fork and self.found is None and len(site.papers) >= PARALLEL_FROM
        self.job = Background(_related, site, self.terms, parallel=parallel)

    def __enter__(self) -> Related:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.job.__exit__(*exc_info)

    def result(self) -> dict[str, tuple[str, ...]]:
        if self.found is None:
            self.found, terms = self.job.result()
            self.terms.clear()  # this build's papers' terms only, from either process
            self.terms.update(terms)
            self.lists[self.inputs] = self.found
        return self.found


def _related(site: Site, terms: dict) -> tuple[dict[str, tuple[str, ...]], dict]:
    """The lists, and the terms of the current papers (which may travel back from the
    second process: its memo's additions are not seen here otherwise)."""
    from sitegen.related import memo_key, related_papers  # scipy: imported only when needed

    related = related_papers(site, memo=terms)
    current = {memo_key(p.title, p.abstract) for p in site.papers}
    return related, {key: value for key, value in terms.items() if key in current}


def data_files(site: Site, config: Config) -> dict[str, bytes]:
    """The dataset, feeds and exports: every output that is not a page or an asset."""
    from sitegen import bibtex, exports, feeds, urls

    files = {urls.PAPERS_JSON: feeds.papers_json(site), urls.FEED: feeds.atom_feed(site, config),
             urls.PAPERS_CSV: exports.papers_csv(site, config)}
    for tag in site.tags:
        files[urls.tag_feed(tag.slug)] = feeds.tag_feed(site, tag, config)
    files.update(bibtex.files(site, config))
    return files


def _import_record(report: ImportReport) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the import would print if run again on the same input: its warnings, and its
    summary with nothing written."""
    again = dataclasses.replace(report, written=0, unchanged=report.papers)
    return tuple(map(str, report.problems)), tuple(again.lines())


def _log_import(warnings: tuple[str, ...], lines: tuple[str, ...]) -> None:
    for warning in warnings:
        log.warning("%s", warning)
    for line in lines:
        log.info("%s", line)


def _status(warnings: tuple[str, ...], strict: bool) -> int:
    if warnings:
        log.warning("the import reported %d problem(s), listed above", len(warnings))
        return 1 if strict else 0
    return 0


def input_fingerprint(config: Config, hashes: FileHashes) -> dict[str, str]:
    """A hash of everything a build reads: content (dumps and papers included), theme,
    overrides, lunr.js, config and SOURCE_DATE_EPOCH. sitegen's own code is part of the
    cache's stamp already."""
    theme = load_theme(config)
    folders = [resolve(config, config.content_dir), resolve(config, config.dumps_dir),
               resolve(config, config.papers_dir)]
    lunr = [config.root / LUNR_FOLDER, Path(__file__).resolve().parent.parent / LUNR_FOLDER]
    return {
        "content": hashes.tree(folders),
        "theme": hashes.tree(list(theme.folders)),
        "other": digest(repr((config, os.environ.get("SOURCE_DATE_EPOCH"),
                              hashes.tree(lunr))).encode()),
    }


def listing(target: Path) -> dict[str, tuple[int, int]]:
    """Every output file with its size and mtime: a changed or deleted file means the output
    is no longer what the last build wrote."""
    files: dict[str, tuple[int, int]] = {}

    def walk(folder: str, prefix: str) -> None:  # os.scandir: one stat per file, no more
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, prefix + entry.name + "/")
            else:
                st = entry.stat(follow_symlinks=False)
                files[prefix + entry.name] = (st.st_size, st.st_mtime_ns)

    walk(str(target), "")
    return files


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
