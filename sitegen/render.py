"""Site -> HTML pages: every page of sitegen.routes rendered through the theme's templates
(sitegen.templates), or taken from the last build where its key is unchanged, on this core
and a forked worker's."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen import urls
from sitegen.cache import Memo
from sitegen.config import Config
from sitegen.markup import MarkdownRenderer
from sitegen.model import Site
from sitegen.output import Output
from sitegen.parallel import Background, Chunks
from sitegen.routes import Job, navigation, page_jobs
from sitegen.templates import Renderer
from sitegen.theme import Assets, Theme
from sitegen.views import ViewData

PARALLEL_PAGES = 200  # pages; fewer are not worth a second process
CHUNK = 16  # pages a process takes at a time: small enough to finish together


@dataclass(frozen=True)
class Done:
    """A page written: its file, key (see render_site), size, and whether it was taken
    from the last build; `kept` is what `keep` returned for a page rendered now."""

    index: int  # in page_jobs order
    file: str
    key: str
    size: int
    reused: bool
    kept: object = None


def render_site(site: Site, config: Config, theme: Theme, assets: Assets, out: Output,
                view_data: ViewData, progress: Callable[[int, int], None] | None = None,
                related: dict[str, tuple[str, ...]] | None = None,
                take: Callable[[str, str], int | None] | None = None,
                keep: Callable[[str, str], object] | None = None,
                salt: str = "", parallel: bool = False, items: Memo | None = None,
                compiled: Path | None = None, also: Callable[[], Any] | None = None
                ) -> tuple[list[tuple[str, str]], list[Done], Any]:
    """Write every page and asset; returns (kind, path) of each page, what became of it,
    and what `also()` returned (with `parallel`, the worker calls it before taking pages).

    A page's key is a hash of everything it is made from (its template, path and view data,
    plus `salt` for what every page shares: theme, config, asset names). `take(file, key)`
    may link the file rendered from the same key by the last build into the output (its
    size, or None to render it); `keep(file, key)` stores a page rendered now for the next.
    Both only touch files, as they may run in the worker: with `parallel`, a forked worker
    and this process take pages in turn. The caller claims every file. `items`: the memo
    of list items' HTML by (stamp, view key, path, root). `compiled`: where compiled
    templates are kept (see Renderer).
    """
    renderer = Renderer(config, theme, assets, navigation(site), compiled)
    md = MarkdownRenderer()
    jobs = list(page_jobs(site, config, md, related, view_data))
    stamp = renderer.items_stamp(salt)
    # List items of current papers, as the last build rendered them: all kept, as the
    # worker's use of them is not seen here.
    kept = {} if items is None else {
        key: html for key, html in items.old.items()
        if key[0] == stamp and key[1] in view_data.memo}
    renderer.preload_items({key[1:]: html for key, html in kept.items()})
    renderer.compile_all()
    work = Work(renderer, jobs, out, salt, take, keep)
    chunks = Chunks(len(jobs), CHUNK)
    forked = parallel and len(jobs) >= PARALLEL_PAGES
    with Background(work, chunks, None, also, parallel=forked) as worker:
        mine, new_items, _ = work(chunks, progress)
        theirs, their_items, extra = worker.result()
    done = {d.index: d for d in mine + theirs}
    if len(done) < len(jobs):  # the worker failed: render its pages here (and raise here)
        rest, _, _ = work(iter([[i for i in range(len(jobs)) if i not in done]]))
        done.update((d.index, d) for d in rest)
    if items is not None:
        items.update(kept)
        items.update({(stamp, *key): html for key, html in {**new_items, **their_items}.items()})
    for name, path in assets.paths.items():
        out.write(path, assets.files[name])
    return [(job.kind, job.path) for job in jobs], [done[i] for i in range(len(jobs))], extra


class Work:
    """Key each page; take it from the last build or render and write it. Run by this
    process and the worker alike, each on the chunks of pages it gets."""

    def __init__(self, renderer: Renderer, jobs: list[Job], out: Output, salt: str,
                 take: Callable[[str, str], int | None] | None,
                 keep: Callable[[str, str], object] | None):
        self.renderer, self.jobs, self.out, self.salt = renderer, jobs, out, salt
        self.take, self.keep = take, keep

    def __call__(self, chunks: Iterable[Iterable[int]],
                 progress: Callable[[int, int], None] | None = None,
                 also: Callable[[], Any] | None = None,
                 ) -> tuple[list[Done], dict[tuple[str, str, str], str], Any]:
        """(pages done, list items rendered, what `also()` returned: the worker makes the
        data files first, while this process starts on the pages)."""
        extra = also() if also is not None else None
        done = []
        for chunk in chunks:
            for i in chunk:
                job = self.jobs[i]
                file = urls.output_file(job.path)
                key = page_key(job, self.salt + self.renderer.template_digest(job.template))
                size = self.take(file, key) if self.take else None
                if size is not None:
                    done.append(Done(i, file, key, size, True))
                    continue
                size = self.out.write_file(file, self.renderer.render(job))
                kept = self.keep(file, key) if self.keep else None
                done.append(Done(i, file, key, size, False, kept))
            if progress and done:  # pages are taken in order: the last index is how far
                progress(done[-1].index + 1, len(self.jobs))
        return done, self.renderer.rendered_items(), extra


def page_key(job: Job, salt: str) -> str:
    """Same inputs, same page bytes (rendering is deterministic). The inputs are named
    digests: `salt` (the site's settings, asset names and the page's templates with all
    they include), the page's path and text, and its context, where each paper's view
    stands as its own key (PaperView.__repr__) and everything else as its value."""
    return hashlib.blake2b(repr((salt, job.template, job.path, job.title, job.description,
                                 job.context)).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()
