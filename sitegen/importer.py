"""content/dumps/* -> content/papers/<slug>.md: one page per unique paper, edits kept.

Reads every dump and every existing page first, then writes: a page is rewritten only when
a value changes, so a re-import with nothing new touches no file. With the build cache, a
paper is only looked at again when one of its dumps or its page changed, which gives the same
pages as a full import: an unchanged paper with an unchanged page never needs a change.

All in one process: at 5k papers a second one for the dumps' side cost more than it saved
on a busy machine (whole-process medians, README "Build benchmark").
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from sitegen import paper_files
from sitegen.cache import BuildCache, PageStore, digest
from sitegen.config import Config, resolve
from sitegen.dumps import DumpResult, Problem, read_dump
from sitegen.errors import SitegenError, shown
from sitegen.hfpages import is_saved_page, read_html_dump
from sitegen.lock import site_lock
from sitegen.merge import Merged, merge
from sitegen.model import Paper, slugify
from sitegen.site import dump_files
from sitegen.tagging import Tagger, near_duplicates

log = logging.getLogger(__name__)



@dataclass
class DumpSummary:
    name: str
    layout: str
    found: int = 0
    new: int = 0
    updated: int = 0
    merged: int = 0  # papers also seen in an earlier dump (or twice in this one)
    warnings: int = 0


@dataclass
class ImportReport:
    dumps: list[DumpSummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Pages whose every dump is gone: removed when never edited, else kept.
    removed: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    papers: int = 0  # unique papers across all dumps
    written: int = 0
    unchanged: int = 0

    def lines(self) -> list[str]:
        out = [f"{'dump':<32} {'layout':<7} {'found':>5} {'new':>4} {'updated':>7} "
               f"{'merged':>6} {'warnings':>8}"]
        for d in self.dumps:
            out.append(f"{d.name:<32} {d.layout:<7} {d.found:>5} {d.new:>4} {d.updated:>7} "
                       f"{d.merged:>6} {d.warnings:>8}")
        out.append(f"{self.papers} unique papers; {self.written} pages written, "
                   f"{self.unchanged} unchanged; {len(self.problems)} warnings")
        return out


def import_dumps(config: Config, cache: BuildCache | None = None) -> ImportReport:
    """Run the import stage. With the build's `cache`, its memos (parsed dumps and pages)
    are shared with the rest of the build, which saves them; without, the import saves its
    own. Holds the site's lock (see sitegen.lock), as it writes the cache and content/papers.
    """
    # An import makes hundreds of thousands of objects that all live until it ends, and
    # next to no garbage cycles: the collector's passes over them found nothing and cost
    # about a third of a full import at 5k papers (measured again with the one-process
    # import: 2.65 s against 4.0 s, medians of 5).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with site_lock(config):
            own = cache is None
            cache = cache or BuildCache(resolve(config, config.cache_dir))
            report = _import(config, cache)
            if own:
                cache.save_memos()
            return report
    finally:
        if collecting:
            gc.enable()


def _import(config: Config, cache: BuildCache) -> ImportReport:
    store = PageStore(cache)
    papers_dir = resolve(config, config.papers_dir)
    paper_files.remove_stale_temp_files(papers_dir, time.time())  # left by a killed import
    dumps = [(path, path.read_bytes()) for path in dump_files(resolve(config, config.dumps_dir))]
    page_files = _page_files(papers_dir)
    state = {
        "settings": paper_files.fingerprint([config.taxonomy, sorted(
            (k, str(v.captured)) for k, v in config.dumps.items())]),
        "dumps": {path.name: digest(raw) for path, raw in dumps},
    }
    previous = cache.memo("import").get("last", {})
    if previous.get("state"):  # without one, the page hashes come with reading the pages
        state["pages"] = {path.name: digest(path.read_bytes()) for path in page_files}
        if previous["state"] == state:  # nothing changed since the last import
            report = previous["report"]
            report.written, report.unchanged, report.removed = 0, report.papers, []
            _log(report)
            return report

    dirty_dumps = _changed(previous.get("state"), state, "dumps")
    incoming = _incoming(config, cache, dumps, state["dumps"], dirty_dumps)
    existing, reserved, hashes, page_problems = _existing_pages(page_files, store)
    report = ImportReport(problems=incoming.problems + page_problems + _tag_problems(existing))
    for name, note in incoming.notes:
        log.info("%s: %s", name, note)
    report.papers = len(incoming.papers)
    state.setdefault("pages", hashes)
    dirty_pages = _changed(previous.get("state"), state, "pages")
    taken = {p.stem.lower() for p in page_files} | reserved
    tagger = Tagger(config.taxonomy)
    summaries = {d.name: d for d in incoming.dumps}
    # Every page is decided first, then written in the same order, so that the costly
    # rewrites of changed pages can be shared out between two processes.
    plan: list[Write] = []
    for paper in incoming.papers:
        for source in paper.seen[1:]:
            summaries[source].merged += 1
        page = existing.get(paper.key)
        if page and dirty_pages is not None and page[0].name not in dirty_pages and not any(
                source in dirty_dumps for source in paper.seen):
            report.unchanged += 1
            continue
        imported, fields = paper.ready or _ready(paper.merged, tagger)
        if page:
            path, current, meta, text = page
            values = paper_files.update_values(current, meta, imported, fields)  # reads no slug
            if values is None:
                report.unchanged += 1
                continue
            summaries[paper.seen[-1]].updated += 1
            plan.append(Write(path, text, values))
        else:
            base = slugify(imported.title)
            if base.lower() in reserved:
                continue  # its page exists but is unreadable; reported above, never duplicated
            slug = _unique_slug(base, taken)
            taken.add(slug.lower())
            imported = replace(imported, slug=slug)
            new_text, meta = paper_files.new_page_with_meta(imported, paper.key, fields)
            summaries[paper.seen[0]].new += 1
            plan.append(Write(papers_dir / f"{slug}.md", new_text, paper=imported, meta=meta))
        report.written += 1
    _orphans(existing, {paper.key for paper in incoming.papers}, set(state["dumps"]), report)
    written = _write(plan, store)
    report.dumps = incoming.dumps
    _save_state(cache, state, written, report)
    _log(report)
    return report


class Arrival(NamedTuple):
    """One unique paper from the dumps, with what the import of its page needs."""

    key: str
    seen: tuple[str, ...]  # the dump of each of its entries, oldest first
    ready: tuple[Paper, dict] | None  # the Paper to import and its import fingerprints
    merged: Merged | None  # to make `ready` from, where it is not made yet


@dataclass
class Incoming:
    """The dumps' side of an import: a paper's entries only where it is not ready to
    import."""

    dumps: list[DumpSummary]  # `found` and `warnings` filled in
    problems: list[Problem]
    notes: list[tuple[str, str]]  # (dump, note)
    papers: list[Arrival]


def _incoming(config: Config, cache: BuildCache, dumps: list[tuple[Path, bytes]],
              digests: dict[str, str], dirty: set[str] | None) -> Incoming:
    """Parse and merge the dumps; make the papers of changed dumps (None: all) ready to
    import. Logs nothing (the caller does, in order)."""
    results = _parse_dumps(config, cache, dumps, digests)
    tagger = Tagger(config.taxonomy)
    papers = []
    for merged in merge([r.papers for r in results]):
        seen = tuple(entry.source for entry in merged.seen)
        if dirty is None or not dirty.isdisjoint(seen):
            papers.append(Arrival(merged.key, seen, _ready(merged, tagger), None))
        else:
            papers.append(Arrival(merged.key, seen, None, merged))
    return Incoming(
        [DumpSummary(r.name, r.layout, found=len(r.papers), warnings=len(r.problems))
         for r in results],
        [problem for r in results for problem in r.problems],
        [(r.name, note) for r in results for note in r.notes],
        papers)


def _ready(paper: Merged, tagger: Tagger) -> tuple[Paper, dict]:
    imported = _to_paper(paper, tagger)
    return imported, paper_files.import_fingerprints(imported)


class Write(NamedTuple):
    """A page to write: an existing page's `text` with front-matter `values` to set, or a
    new page's `text` with the paper and front matter it holds."""

    path: Path
    text: str
    values: dict | None = None
    paper: Paper | None = None
    meta: dict | None = None


def _write(plan: list[Write], store: PageStore) -> dict[str, str]:
    """Write the planned pages in order; returns page name -> hash of what was written.
    A rewrite costs about 1 ms (composing and reading back the front matter)."""
    written: dict[str, str] = {}
    for step in plan:
        if step.values is not None:
            paper_files.atomic_write(step.path, paper_files.set_keys(step.text, step.values))
            written[step.path.name] = store.read(step.path)[3]
        else:
            paper_files.atomic_write(step.path, step.text, durable=False)  # nothing old to protect
            store.remember(step.path, step.text, step.paper, step.meta)
            written[step.path.name] = digest(step.text.encode("utf-8"))
    return written


def _parse_dumps(config: Config, cache: BuildCache, dumps: list[tuple[Path, bytes]],
                 digests: dict[str, str]) -> list[DumpResult]:
    """Parse each dump, reusing the parse of any dump whose bytes and settings are unchanged."""
    memo = cache.memo("dumps")
    results = []
    for path, raw in dumps:
        captured = config.dump_settings(path.name).captured
        key = (path.name, digests[path.name], str(captured))
        results.append(memo.make(key, _read_dump, path, captured, raw))
    return results


def _read_dump(path: Path, captured, raw: bytes) -> DumpResult:
    """A saved Hugging Face page is read for its data, anything else as text."""
    if is_saved_page(path.name, raw):
        return read_html_dump(path.name, raw)
    return read_dump(path, captured, raw)


def _changed(previous: dict | None, state: dict, part: str) -> set[str] | None:
    """Names in state[part] ("dumps", "pages") changed since the last import; None means
    look at everything."""
    if not previous or previous.get("settings") != state["settings"]:
        return None
    return {n for n, d in state[part].items() if previous[part].get(n) != d}


def _page_files(folder: Path) -> list[Path]:
    # One folder: name order is path order, and sorting by a string key is much faster.
    return sorted((p for p in folder.glob("*.md") if not p.name.startswith(".")),
                  key=lambda p: p.name)


def _save_state(cache: BuildCache, state: dict, written: dict[str, str],
                report: ImportReport) -> None:
    """Record the input as it is *after* this import, so the next run starts from here: the
    pages read, with what this import wrote in place of (or next to) them."""
    after = {**state, "pages": dict(sorted({**state["pages"], **written}.items()))}
    cache.memo("import")["last"] = {"state": after, "report": report}


def _log(report: ImportReport) -> None:
    for problem in report.problems:
        log.warning("%s", problem)
    for path in report.removed:
        log.info("%s: removed: every dump it came from is gone, and it was never edited",
                 shown(path))
    for path in report.kept:
        log.info("%s: kept, although every dump it came from is gone, as you edited it "
                 "(delete the page, or set hidden: true, to drop the paper)", shown(path))
    for line in report.lines():
        log.info("%s", line)


def _existing_pages(page_files: list[Path], store: PageStore):
    """key -> (path, paper, front matter, text); unreadable pages are reported and their
    slugs reserved so a fresh import never writes a second page for the same paper. Also
    the hash of every page, for the import state, and the problems found."""
    existing: dict[str, tuple[Path, Paper, dict, str]] = {}
    reserved: set[str] = set()
    hashes: dict[str, str] = {}
    problems: list[Problem] = []
    for path in page_files:
        try:
            paper, meta, raw, hashes[path.name] = store.read(path)
        except SitegenError as exc:
            hashes[path.name] = digest(path.read_bytes())
            reserved.add(path.stem.lower())
            problems.append(Problem(str(path), getattr(exc, "line", None),
                                    f"{getattr(exc, 'message', exc)}; page not updated "
                                    "by this import"))
            continue
        key = paper_files.page_key(paper, meta)
        if key in existing:
            problems.append(Problem(str(path), None, (
                f"same paper as {existing[key][0].name}; only that page is updated "
                "(delete one of them)")))
            continue
        existing[key] = (path, paper, meta, raw.decode("utf-8"))
    return existing, reserved, hashes, problems


def _orphans(existing: dict[str, tuple[Path, Paper, dict, str]], incoming: set[str],
             dumps: set[str], report: ImportReport) -> None:
    """Pages of papers whose every dump was deleted (the sample dump of a new review, a dump
    taken back): one the curator never edited goes with its dumps; an edited one stays. An
    empty dumps folder removes nothing: more likely a folder moved than a review emptied."""
    if not dumps:
        if existing:
            log.info("no dumps in the dumps folder: every paper page is kept as it is")
        return
    for key, (path, paper, meta, _) in existing.items():
        if key in incoming or not paper.sources or set(paper.sources) & dumps:
            continue
        if paper_files.never_edited(paper, meta):
            path.unlink()
            report.removed.append(path)
        else:
            report.kept.append(path)


def _tag_problems(existing: dict[str, tuple[Path, Paper, dict, str]]) -> list[Problem]:
    """A tag added by hand that differs from another only by hyphens or a plural ending
    ('LLMs' beside 'llm') splits its papers over two tag pages."""
    used: dict[str, list[Path]] = {}
    for path, paper, _, _ in existing.values():
        for slug in paper.tag_slugs:
            used.setdefault(slug, []).append(path)
    return [Problem(str(min(used[slug])), None, (
        f"tag '{slug}' looks like '{like}' ({len(used[like])} papers): the same but for "
        f"hyphens or a plural, it makes a tag page of its own (rename it in the "
        f"{len(used[slug])} page(s) that have it)"))
        for slug, like in near_duplicates({s: len(p) for s, p in used.items()})]


def _to_paper(paper: Merged, tagger: Tagger) -> Paper:
    abstract = paper.abstract
    return Paper(
        slug="",
        title=paper.title,
        abstract=abstract,
        date=paper.newest("date"),
        upvotes=paper.newest("upvotes"),
        authors=paper.author_names,
        author_count=len(paper.author_names) or paper.newest("authors"),
        arxiv=paper.arxiv,
        organization=paper.newest("organization"),
        links=paper.links,
        sources=paper.sources,
        tags=tagger.tags(paper.title, abstract),
    )


def _unique_slug(base: str, taken: set[str]) -> str:
    """`base` (a title's slug), or base-2, base-3... whichever is free."""
    slug, n = base, 2
    while slug.lower() in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
