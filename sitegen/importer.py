"""content/dumps/* -> content/papers/<slug>.md: one page per unique paper, edits kept.

Reads every dump and every existing page first, then writes: a page is rewritten only when
a value changes, so a re-import with nothing new touches no file. With the build cache, a
paper is only looked at again when one of its dumps or its page changed, which gives the same
pages as a full import: an unchanged paper with an unchanged page never needs a change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from sitegen import pages
from sitegen.cache import BuildCache, PageStore, digest
from sitegen.config import Config, resolve
from sitegen.dumps import DumpResult, Problem, read_dump
from sitegen.errors import SitegenError
from sitegen.merge import Merged, merge
from sitegen.model import Paper, slugify
from sitegen.tagging import Tagger

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


def dump_files(folder: Path) -> list[Path]:
    """Dumps in name order, which is import order: name them so they sort by capture time."""
    if not folder.is_dir():
        raise SitegenError(f"{folder}: dumps folder not found (create it or set dumps_dir "
                           "in config.yml)")
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith((".", "_")) and p.name != "README.md")


def import_dumps(config: Config, store: PageStore | None = None) -> ImportReport:
    """Run the import stage; `store` shares parsed pages with the rest of the build."""
    cache = BuildCache(resolve(config, config.cache_dir))
    store = store or PageStore(cache)
    papers_dir = resolve(config, config.papers_dir)
    dumps = [(path, path.read_bytes()) for path in dump_files(resolve(config, config.dumps_dir))]
    page_files = _page_files(papers_dir)
    state = {
        "settings": pages.fingerprint([config.taxonomy, sorted(
            (k, str(v.captured)) for k, v in config.dumps.items())]),
        "dumps": {path.name: digest(raw) for path, raw in dumps},
    }
    previous = cache.load("import", {})
    if previous.get("state"):  # without one, the page hashes come with reading the pages
        state["pages"] = {path.name: digest(path.read_bytes()) for path in page_files}
        if previous["state"] == state:  # nothing changed since the last import
            report = previous["report"]
            report.written, report.unchanged = 0, report.papers
            _log(report)
            return report

    report = ImportReport()
    results = _parse_dumps(config, cache, dumps, state["dumps"])
    for result in results:
        report.problems += result.problems
        for note in result.notes:
            log.info("%s: %s", result.name, note)
    papers = merge([r.papers for r in results])
    report.papers = len(papers)
    existing, reserved, hashes = _existing_pages(page_files, store, report)
    state.setdefault("pages", hashes)
    dirty = _dirty(previous.get("state"), state)
    written: dict[str, str] = {}  # page name -> hash of what this import wrote
    taken = {p.stem.lower() for p in page_files} | reserved
    tagger = Tagger(config.taxonomy)
    summaries = {r.name: DumpSummary(r.name, r.layout, found=len(r.papers),
                                     warnings=len(r.problems)) for r in results}
    for paper in papers:
        for entry in paper.seen[1:]:
            summaries[entry.source].merged += 1
        page = existing.get(paper.key)
        if page and dirty is not None and page[0].name not in dirty["pages"] and not any(
                entry.source in dirty["dumps"] for entry in paper.seen):
            report.unchanged += 1
            continue
        imported = _to_paper(paper, tagger)
        if page:
            path, current, meta, text = page
            new_text = pages.update_page(current, meta, imported, text)  # reads no slug
            if new_text is None:
                report.unchanged += 1
                continue
            summaries[paper.seen[-1].source].updated += 1
            pages.atomic_write(path, new_text)
            written[path.name] = store.read(path)[3]
        else:
            base = slugify(paper.title)
            if base.lower() in reserved:
                continue  # its page exists but is unreadable; reported above, never duplicated
            slug = _unique_slug(base, taken)
            taken.add(slug.lower())
            path = papers_dir / f"{slug}.md"
            imported = replace(imported, slug=slug)
            new_text, meta = pages.new_page_with_meta(imported, paper.key)
            summaries[paper.first.source].new += 1
            pages.atomic_write(path, new_text, durable=False)  # nothing old to protect
            store.remember(path, new_text, imported, meta)
            written[path.name] = digest(new_text.encode("utf-8"))
        report.written += 1
    report.dumps = [summaries[r.name] for r in results]
    _save_state(cache, state, written, report)
    store.save()
    _log(report)
    return report


def _parse_dumps(config: Config, cache: BuildCache, dumps: list[tuple[Path, bytes]],
                 digests: dict[str, str]) -> list[DumpResult]:
    """Parse each dump, reusing the parse of any dump whose bytes and settings are unchanged."""
    old = cache.load("dumps", {})
    results, keep = [], {}
    for path, raw in dumps:
        captured = config.dump_settings(path.name).captured
        key = (path.name, digests[path.name], str(captured))
        result = old.get(key) or read_dump(path, captured, raw)
        keep[key] = result
        results.append(result)
    cache.save("dumps", keep)
    return results


def _dirty(previous: dict | None, state: dict) -> dict | None:
    """What changed since the last import; None means look at everything."""
    if not previous or previous.get("settings") != state["settings"]:
        return None
    return {
        "dumps": {n for n, d in state["dumps"].items() if previous["dumps"].get(n) != d},
        "pages": {n for n, d in state["pages"].items() if previous["pages"].get(n) != d},
    }


def _page_files(folder: Path) -> list[Path]:
    # One folder: name order is path order, and sorting by a string key is much faster.
    return sorted((p for p in folder.glob("*.md") if not p.name.startswith(".")),
                  key=lambda p: p.name)


def _save_state(cache: BuildCache, state: dict, written: dict[str, str],
                report: ImportReport) -> None:
    """Record the input as it is *after* this import, so the next run starts from here: the
    pages read, with what this import wrote in place of (or next to) them."""
    after = {**state, "pages": dict(sorted({**state["pages"], **written}.items()))}
    cache.save("import", {"state": after, "report": report})


def _log(report: ImportReport) -> None:
    for problem in report.problems:
        log.warning("%s", problem)
    for line in report.lines():
        log.info("%s", line)


def _existing_pages(page_files: list[Path], store: PageStore, report: ImportReport):
    """key -> (path, paper, front matter, text); unreadable pages are reported and their
    slugs reserved so a fresh import never writes a second page for the same paper. Also
    the hash of every page, for the import state."""
    existing: dict[str, tuple[Path, Paper, dict, str]] = {}
    reserved: set[str] = set()
    hashes: dict[str, str] = {}
    for path in page_files:
        try:
            paper, meta, raw, hashes[path.name] = store.read(path)
        except SitegenError as exc:
            hashes[path.name] = digest(path.read_bytes())
            reserved.add(path.stem.lower())
            report.problems.append(Problem(str(path), getattr(exc, "line", None),
                                           f"{getattr(exc, 'message', exc)}; page not updated "
                                           "by this import"))
            continue
        key = pages.page_key(paper, meta)
        if key in existing:
            report.problems.append(Problem(str(path), None, (
                f"same paper as {existing[key][0].name}; only that page is updated "
                "(delete one of them)")))
            continue
        existing[key] = (path, paper, meta, raw.decode("utf-8"))
    return existing, reserved, hashes


def _to_paper(paper: Merged, tagger: Tagger) -> Paper:
    abstract = paper.abstract
    return Paper(
        slug="",
        title=paper.title,
        abstract=abstract,
        date=paper.newest("date"),
        upvotes=paper.newest("upvotes"),
        authors=paper.newest("authors"),
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
