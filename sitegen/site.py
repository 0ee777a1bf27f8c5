"""content/ -> Site: visible papers newest first, tags by slug, hand-written pages.

Everything is read and checked before anything is written, so a bad page stops the build
with `file:line: problem (fix)` while the previous site stays as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from pathlib import Path

from sitegen import urls
from sitegen.cache import PageStore
from sitegen.config import Config, resolve
from sitegen.errors import SitegenError, SourceError, shown
from sitegen.model import Page, Paper, Site, Tag, slugify
from sitegen.paper_files import read_page, repeated_keys, split_front_matter

log = logging.getLogger(__name__)

# A file name becomes a URL as it is, so it must already be a slug-like name.
_URL_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
_H1 = re.compile(r"\A\s*#[ \t]+(.+?)[ \t#]*(?:\r?\n|\Z)")


def load_site(config: Config, store: PageStore | None = None) -> Site:
    """`store` shares the pages the import stage already parsed (see sitegen.cache)."""
    papers = _load_papers(resolve(config, config.papers_dir), store)
    content = resolve(config, config.content_dir)
    home, pages = _load_pages(content)
    tags = _build_tags(papers, _load_intros(content / "tags"), config.tag_labels)
    dumps_dir = resolve(config, config.dumps_dir)
    dumps = tuple(p.name for p in dump_files(dumps_dir)) if dumps_dir.is_dir() else ()
    log.debug("loaded %d papers, %d tags, %d pages", len(papers), len(tags), len(pages))
    return Site(papers=papers, tags=tags, pages=pages, home=home, dumps=dumps,
                authors=_groups(papers, lambda p: p.authors),
                organizations=_groups(papers, lambda p: (p.organization,)
                                      if p.organization else ()))


def _groups(papers: tuple[Paper, ...], names) -> tuple[Tag, ...]:
    """Papers by the slug of each of `names(paper)`, for the slugs with two papers or more;
    the name shown is its commonest spelling."""
    members: dict[str, list[Paper]] = {}
    spellings: dict[str, Counter] = {}
    for paper in papers:  # newest first, so each group is too
        for name in dict.fromkeys(names(paper)):
            slug = slugify(name, fallback="")
            bucket = members.setdefault(slug, []) if slug else None
            if bucket is not None and not (bucket and bucket[-1] is paper):  # once a paper
                bucket.append(paper)
                spellings.setdefault(slug, Counter())[name] += 1
    return tuple(Tag(slug, sorted(spellings[slug].items(), key=lambda kv: (-kv[1], kv[0]))[0][0],
                     tuple(found))
                 for slug, found in sorted(members.items()) if len(found) >= 2)


def dump_files(folder: Path) -> list[Path]:
    """Dumps in name order, which is import order: name them so they sort by capture time."""
    if not folder.is_dir():
        raise SitegenError(f"{folder}: dumps folder not found (create it or set dumps_dir "
                           "in config.yml)")
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith((".", "_")) and p.name != "README.md")


def newest_first(paper: Paper) -> tuple:
    """Sort key: newest first, undated last, then by title so ties are stable."""
    return (paper.date is None, -(paper.date or dt.date.min).toordinal(),
            paper.title.casefold(), paper.slug)


# ---------------------------------------------------------------- papers

def _load_papers(folder: Path, store: PageStore | None) -> tuple[Paper, ...]:
    papers = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else ():
        if path.name.startswith("."):  # editor lock and backup files
            continue
        _check_name(path)
        try:
            paper, _, raw, _ = store.read(path) if store else (*read_page(path), b"", "")
        except SourceError as exc:
            raise _located(exc, path) from None
        for key, lines in repeated_keys(raw or path.read_bytes()):
            log.warning("%s:%d: %s: given %d times (lines %s); the last value is used "
                        "(remove the others)", shown(path), lines[-1], key, len(lines),
                        ", ".join(map(str, lines)))
        for name in paper.tags:
            if not slugify(name, fallback=""):
                raise SourceError(shown(path), f"tags: {name!r} has no letter or digit to "
                                  "make a URL from (rename the tag)", _key_line(path, "tags"))
        if not paper.hidden:
            papers.append(paper)
    return tuple(sorted(papers, key=newest_first))


def _check_name(path: Path) -> None:
    if not _URL_SAFE.fullmatch(path.stem):
        raise SourceError(shown(path), f"the file name becomes the page URL, so it may only "
                          f"hold letters, digits and -._~ (rename it to {slugify(path.stem)}.md)")


def _located(exc: SourceError, path: Path) -> SourceError:
    """Add the line of the offending front-matter key when the page reader did not know it."""
    line = exc.line
    key = re.match(r"(\w+):", exc.message)
    if line is None and key:
        line = _key_line(path, key.group(1))
    return SourceError(shown(path), exc.message, line)


def _key_line(path: Path, key: str) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, text in enumerate(lines, 1):
        if re.match(rf"{re.escape(key)}\s*:", text):
            return number
    return None


# ---------------------------------------------------------------- tags

def _build_tags(papers: tuple[Paper, ...], intros: dict[str, Page],
                labels: dict[str, str]) -> tuple[Tag, ...]:
    """Group papers by tag slug. One rule names a tag everywhere: its label in config.yml
    (tag_labels), else its commonest spelling in the pages; an intro's title is not a name."""
    members: dict[str, list[Paper]] = {}
    spellings: dict[str, Counter] = {}
    for paper in papers:  # already newest first, so each tag's papers are too
        for name in paper.tags:
            slug = slugify(name)
            bucket = members.setdefault(slug, [])
            if not bucket or bucket[-1] is not paper:  # 'GNN' and 'gnn' on one paper: once
                bucket.append(paper)
            spellings.setdefault(slug, Counter())[name.strip()] += 1
    for slug, intro in sorted(intros.items()):
        if slug not in members:
            log.warning("%s: no visible paper has the tag %r, so this intro is not shown "
                        "(rename the file to an existing tag)", intro.meta["source"], slug)
    tags = []
    for slug in sorted(members):
        intro = intros.get(slug)
        common = sorted(spellings[slug].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        name = labels.get(slug) or common
        if intro and intro.meta.get("title") not in (None, name):
            log.warning("%s: title: %r is not the tag's name %r, which comes from tag_labels "
                        "in config.yml (move it there, or remove it here)",
                        intro.meta["source"], intro.meta["title"], name)
        tags.append(Tag(slug=slug, name=str(name), papers=tuple(members[slug]),
                        intro=intro.body if intro else ""))
    return tuple(tags)


def _load_intros(folder: Path) -> dict[str, Page]:
    intros: dict[str, Page] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else ():
        if path.name.startswith("."):
            continue
        page = _read_markdown(path)
        slug = slugify(path.stem, fallback="")
        if slug in intros:
            raise SourceError(shown(path), f"is the same tag as {intros[slug].meta['source']} "
                              "(keep one of the two files)")
        intros[slug] = page
    return intros


# ---------------------------------------------------------------- pages

def _load_pages(content: Path) -> tuple[Page | None, tuple[Page, ...]]:
    home, pages = None, []
    for path in sorted(content.glob("*.md")) if content.is_dir() else ():
        if path.name.startswith("."):
            continue
        page = _read_markdown(path)
        if path.stem == "index":
            home = page
            continue
        _check_name(path)
        if path.stem.lower() in urls.RESERVED:
            raise SourceError(shown(path), f"the site uses /{path.stem}/ itself "
                              "(rename the page)")
        pages.append(page)
    order = sorted(pages, key=lambda p: (_order(p), p.title.casefold(), p.slug))
    return home, tuple(order)


def _order(page: Page) -> int:
    value = page.meta.get("order", 100)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SourceError(page.meta["source"], f"order: expected a whole number, got {value!r}",
                          _key_line(page.meta["path"], "order"))
    return value


def _read_markdown(path: Path) -> Page:
    """A hand-written page; its title is `title:` in front matter, else its first '# ' line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(shown(path), f"not UTF-8 (byte {exc.start}); save it as UTF-8") \
            from None
    try:
        meta, body, _ = split_front_matter(text, path)
    except SourceError as exc:
        raise SourceError(shown(path), exc.message, exc.line) from None
    title = str(meta["title"]) if meta.get("title") not in (None, "") else None
    heading = _H1.match(body)
    if heading and not title:
        title, body = heading.group(1), body[heading.end():]
    meta = {**meta, "title": title, "source": shown(path), "path": path}
    return Page(slug=path.stem, title=str(title or path.stem.replace("-", " ").capitalize()),
                body=body.strip("\n"), meta=meta)
