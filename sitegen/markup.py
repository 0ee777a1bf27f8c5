"""Curator Markdown -> HTML that is safe to show: raw HTML is text, never markup, and links
and images keep only http(s) and mailto URLs. Notes, the home page, hand-written pages and
tag intros all go through it. Math (`$…$`, `$$…$$`, `\\(…\\)`) is read as in titles and
abstracts (sitegen.mathtext), before Markdown's backslash escapes would eat its commands."""

from __future__ import annotations

import re
from html import unescape
from xml.etree.ElementTree import Element

import markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from sitegen import mathtext

# $$…$$, $…$ (no space just inside the dollars: "$5 and $10" is money), \(…\)
_MATH = r"\$\$(.+?)\$\$|\$(?=\S)[^$\n]+?(?<=\S)\$|\\\((.+?)\\\)"


class _SafeTree(Treeprocessor):
    """Drop links and images whose URL has a scheme other than http(s)/mailto, and renumber
    headings so the note's top level sits right under the page's own heading (no skips)."""

    top_heading = 2

    def run(self, root: Element) -> None:
        headings = []
        for element in root.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if value is not None and not _safe_ref(value):
                    del element.attrib[attr]
            if re.fullmatch(r"h[1-6]", element.tag):
                headings.append(element)
        shift = self.top_heading - min((int(h.tag[1]) for h in headings), default=1)
        for heading in headings:
            heading.tag = f"h{max(1, min(6, int(heading.tag[1]) + shift))}"


class _Math(InlineProcessor):
    """A math fragment as MathML, by the same reading as titles and abstracts; text that
    mathtext does not read as math stays as it was written. Runs after code spans (`$x$`
    in backticks is code) and before backslash escapes."""

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 - Markdown's name
        html = mathtext.render(m.group(0))
        if "<math" not in html:
            return None, None, None
        return self.md.htmlStash.store(str(html)), m.start(0), m.end(0)


def _safe_ref(value: str) -> bool:
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", unescape(value)).lower()
    scheme = re.match(r"([a-z][a-z0-9+.-]*):", cleaned)
    return not scheme or scheme.group(1) in ("http", "https", "mailto")


class MarkdownRenderer:
    """Curator Markdown -> HTML with raw HTML shown as text, never as markup."""

    def __init__(self) -> None:
        self.md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"],
                                    output_format="html")
        # Without these two, '<script>' in a note is text: the serializer escapes it.
        self.md.preprocessors.deregister("html_block")
        self.md.inlinePatterns.deregister("html")
        self.md.inlinePatterns.register(_Math(_MATH, self.md), "sitegen_math", 185)
        self.tree = _SafeTree(self.md)
        self.md.treeprocessors.register(self.tree, "sitegen_safe", -10)  # after unescape

    def __call__(self, text: str, top_heading: int = 2) -> Markup:
        if not text.strip():
            return Markup("")
        self.tree.top_heading = top_heading
        html = self.md.reset().convert(text)
        return Markup(html)  # safe: the Markdown above escapes raw HTML and drops bad links
