"""The Jinja2 environment of a theme: one Environment (autoescape on, StrictUndefined) serves
every page, its templates compiled once, from the folders sitegen.theme resolves; template
errors become one line naming the template file and line."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import jinja2.meta
from markupsafe import Markup

from sitegen import urls
from sitegen.config import Config
from sitegen.errors import SitegenError, SourceError, shown
from sitegen.text import plural
from sitegen.theme import Assets, Theme
from sitegen.views import PaperView

if TYPE_CHECKING:
    from sitegen.routes import Job


@dataclass(frozen=True)
class NavItem:
    title: str
    path: str
    current: bool


@dataclass(frozen=True)
class SiteInfo:
    title: str
    description: str
    author: str
    language: str
    base_url: str
    site_url: str


@dataclass(frozen=True)
class PageInfo:
    kind: str
    title: str
    path: str
    description: str
    canonical: str  # absolute URL when site_url is set, else ''
    nav: tuple[NavItem, ...] = field(default=())


class Renderer:
    def __init__(self, config: Config, theme: Theme, assets: Assets,
                 nav: tuple[tuple[str, str], ...], compiled: Path | None = None):
        """`compiled`: a folder to keep compiled templates in between builds (Jinja's
        bytecode cache, checked against each template's source)."""
        self.config = config
        self.assets = assets
        if compiled is not None:
            compiled.mkdir(parents=True, exist_ok=True)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(theme.template_dirs),
            autoescape=True, undefined=jinja2.StrictUndefined, auto_reload=False,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled else None)
        self.env.globals.update(asset=self._asset, url=self._url, paper_item=self._paper_item)
        self._items: dict[tuple[str | None, str, str], Markup] = {}
        self._preloaded: set[tuple[str | None, str, str]] = set()
        self._digests: dict[str, str] = {}
        self._by_root: dict[str, dict] = {}
        self.env.filters["plural"] = plural
        self.site = SiteInfo(config.title, config.description, config.author, config.language,
                             config.base_url, config.site_url)
        self.nav = nav  # (title, path) of the main menu's entries

    @staticmethod
    @jinja2.pass_context
    def _url(ctx: jinja2.runtime.Context, path: str) -> str:
        return urls.relative_url(path, ctx["root"])

    @jinja2.pass_context
    def _asset(self, ctx: jinja2.runtime.Context, name: str) -> str:
        return urls.relative_url(self.assets.path(name), ctx["root"])

    @jinja2.pass_context
    def _paper_item(self, ctx: jinja2.runtime.Context, paper: PaperView) -> Markup:
        return self._item(paper, ctx["root"])

    def _item(self, paper: PaperView, root: str) -> Markup:
        """partials/paper_item.html for one paper, rendered once per page depth: a paper is
        listed on many pages (tags, home, timeline), and page-relative links differ only
        by depth. The partial sees `paper`, `site`, `root` and the helpers of that root."""
        key = (paper.key, paper.path, root)
        item = self._items.get(key)
        if item is None:
            template = self.env.get_template("partials/paper_item.html")
            item = self._items[key] = Markup(template.render(paper=paper, site=self.site,
                                                             **self._helpers(root)))
        return item

    def _helpers(self, root: str) -> dict:
        """`url`, `asset` and `paper_item` for pages at `root`, with `root` itself. The
        globals of the same names do the same from the context; these plain functions are
        what pages use, since Jinja gives a function that takes the context a context of
        its own on every call made in a loop or block (most of a page's rendering time)."""
        helpers = self._by_root.get(root)
        if helpers is None:
            relative, path_of, item = urls.relative_url, self.assets.path, self._item
            helpers = self._by_root[root] = {
                "root": root, "url": lambda path: relative(path, root),
                "asset": lambda name: relative(path_of(name), root),
                "paper_item": lambda paper: item(paper, root)}
        return helpers

    def compile_all(self) -> None:
        """Compile every template once, before forking, rather than once per process. A
        template that does not compile is left for render() to report, if a page uses it."""
        for name in sorted(self.env.loader.list_templates()):
            try:
                self.env.get_template(name)
            except jinja2.TemplateError:
                pass

    def items_stamp(self, salt: str) -> str:
        """What every list item shares besides its paper and depth."""
        return salt + self.template_digest("partials/paper_item.html") + repr(self.site)

    def preload_items(self, items: dict[tuple[str, str, str], str]) -> None:
        self._items.update((key, Markup(html)) for key, html in items.items())
        self._preloaded = set(items)

    def rendered_items(self) -> dict[tuple[str, str, str], str]:
        """List items this process rendered, to keep for the next build."""
        return {key: str(html) for key, html in self._items.items()
                if key not in self._preloaded}

    def template_digest(self, name: str) -> str:
        """A hash of a template and every template it extends, includes or imports, so a
        changed template re-renders only the pages that use it. A template naming another
        through a variable depends on the whole theme."""
        if name not in self._digests:
            self._digests[name] = ""  # a cycle resolves to the parts seen so far
            try:
                source, _, _ = self.env.loader.get_source(self.env, name)
                refs = list(jinja2.meta.find_referenced_templates(self.env.parse(source)))
            except jinja2.TemplateError:  # render() reports it, with file and line
                self._digests[name] = self._theme_digest()
                return self._digests[name]
            parts = [source]
            if "paper_item(" in source:  # the paper_item() global renders this partial
                refs.append("partials/paper_item.html")
            for ref in refs:
                parts.append(self._theme_digest() if ref is None else self.template_digest(ref))
            self._digests[name] = hashlib.blake2b("\0".join(parts).encode(),
                                                  digest_size=16).hexdigest()
        return self._digests[name]

    def _theme_digest(self) -> str:
        names = sorted(self.env.loader.list_templates())
        return hashlib.blake2b("\0".join(
            n + self.env.loader.get_source(self.env, n)[0] for n in names).encode(),
            digest_size=16).hexdigest()

    def render(self, job: Job) -> str:
        # The 404 page is served at any missing URL, so only absolute links work there.
        not_found = job.path == urls.NOT_FOUND
        root = self.config.base_url if not_found else urls.root_for(job.path)
        canonical = self.config.site_url + job.path if self.config.site_url and not not_found \
            else ""
        nav = tuple(NavItem(t, p, p == job.path) for t, p in self.nav)
        page = PageInfo(job.kind, job.title, job.path, job.description, canonical, nav)
        try:
            template = self.env.get_template(job.template)
            return template.render(job.context, site=self.site, page=page,
                                   **self._helpers(root))
        except jinja2.TemplateSyntaxError as exc:
            raise SourceError(shown(Path(exc.filename or exc.name or job.template)),
                              f"{exc.message} (fix the template)", exc.lineno) from None
        except Exception as exc:
            path, line = _template_frame(exc) or (job.template, None)
            if isinstance(exc, jinja2.TemplateNotFound):
                message = (f"template {exc.name!r} not found in "
                           f"{', '.join(self.env.loader.searchpath)} (fix the name, or add "
                           "the file to theme_overrides/templates/)")
            elif line is None:
                raise  # not a template's doing: a bug in sitegen, keep the traceback
            elif isinstance(exc, (SitegenError, jinja2.TemplateError)):
                message = str(exc)
            else:
                message = f"{type(exc).__name__}: {exc}"
            raise SourceError(shown(Path(path)), f"{message} (while rendering /{job.path})",
                              line) from None


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost template file and line in a traceback: Jinja rewrites the frames of
    compiled templates to point at the template source and marks them in their globals."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
