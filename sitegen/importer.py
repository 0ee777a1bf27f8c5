"""content/dumps/* -> content/papers/<slug>.md: one page per unique paper, edits kept.

Reads every dump and every existing page first, then writes: a page is rewritten only when
its text changes, so a re-import with nothing new touches no file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sitegen import pages
from sitegen.config import Config, resolve
from sitegen.dumps import Problem, read_dump
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


def import_dumps(config: Config) -> ImportReport:
    report = ImportReport()
    results = [read_dump(path, config.dump_settings(path.name).captured)
               for path in dump_files(resolve(config, config.dumps_dir))]
    for result in results:
        report.problems += result.problems
        for note in result.notes:
            log.info("%s: %s", result.name, note)
    papers = merge([r.papers for r in results])
    report.papers = len(papers)

    papers_dir = resolve(config, config.papers_dir)
    existing, reserved = _existing_pages(papers_dir, report)
    taken = {p.stem.lower() for p in papers_dir.glob("*.md")} | reserved
    tagger = Tagger(config.taxonomy)
    summaries = {r.name: DumpSummary(r.name, r.layout, found=len(r.papers),
                                     warnings=len(r.problems)) for r in results}
    for paper in papers:
        _count_merges(paper, summaries)
        imported = _to_paper(paper, tagger)
        newest = summaries[paper.seen[-1].source]
        if paper.key in existing:
            path, current, meta = existing[paper.key]
            text = pages.update_page(current, meta, _with_slug(imported, current.slug),
                                     path.read_text(encoding="utf-8"))
            if text is None:
                report.unchanged += 1
                continue
            newest.updated += 1
        else:
            if slugify(paper.title).lower() in reserved:
                continue  # its page exists but is unreadable; reported above, never duplicated
            slug = _unique_slug(paper.title, taken)
            taken.add(slug.lower())
            path = papers_dir / f"{slug}.md"
            text = pages.new_page(_with_slug(imported, slug), paper.key)
            summaries[paper.first.source].new += 1
        pages.atomic_write(path, text)
        report.written += 1
    report.dumps = [summaries[r.name] for r in results]
    for problem in report.problems:
        log.warning("%s", problem)
    for line in report.lines():
        log.info("%s", line)
    return report


def _existing_pages(papers_dir: Path, report: ImportReport):
    """key -> (path, paper, front matter); unreadable pages are reported and their slugs
    reserved so a fresh import never writes a second page for the same paper."""
    existing: dict[str, tuple[Path, Paper, dict]] = {}
    reserved: set[str] = set()
    if not papers_dir.is_dir():
        return existing, reserved
    for path in sorted(papers_dir.glob("*.md")):
        try:
            paper, meta = pages.read_page(path)
        except SitegenError as exc:
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
        existing[key] = (path, paper, meta)
    return existing, reserved


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


def _with_slug(paper: Paper, slug: str) -> Paper:
    from dataclasses import replace

    return replace(paper, slug=slug)


def _unique_slug(title: str, taken: set[str]) -> str:
    base = slugify(title)
    slug, n = base, 2
    while slug.lower() in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _count_merges(paper: Merged, summaries: dict[str, DumpSummary]) -> None:
    for entry in paper.seen[1:]:
        summaries[entry.source].merged += 1
