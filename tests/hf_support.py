"""Saved Hugging Face Papers pages for tests, made from the public structure the pages use:
hydration JSON in `SVELTE_HYDRATER` elements, HTML-escaped in `data-props`, amid the
markup, scripts and other hydrated elements a real save holds."""

from __future__ import annotations

import html
import json
from typing import Any

ABSTRACT = ("We study how small transformers trained on modular arithmetic first memorise\n"
            "their training set and much later generalise, and relate the delay to weight\n"
            "decay and the norm of the solution.")


def item(arxiv: str, title: str, *, summary: str = ABSTRACT, authors=("Ada Lovelace",),
         published: str = "2025-09-15T17:59:53.000Z", upvotes: int = 12,
         org: dict | None = None, **paper: Any) -> dict:
    """One `dailyPapers` entry; `paper` adds or overrides fields of its `paper` object."""
    entry = {
        "title": title, "summary": summary, "publishedAt": "2025-09-16T08:00:00.000Z",
        "thumbnail": f"https://cdn.example/{arxiv}.png", "numComments": 2,
        "submittedBy": {"user": "someone", "fullname": "Some One"},
        "paper": {"id": arxiv, "title": title, "summary": summary,
                  "authors": [{"_id": str(i), "name": n, "hidden": False}
                              for i, n in enumerate(authors)],
                  "publishedAt": published, "upvotes": upvotes,
                  "ai_keywords": ["grokking"], "ai_summary": "A summary.", **paper},
    }
    if org is not None:
        entry["organization"] = org
    return entry


def hydrater(target: str, props: Any) -> str:
    data = props if isinstance(props, str) else json.dumps(props)
    return (f'<div class="SVELTE_HYDRATER contents" data-target="{target}" '
            f'data-props="{html.escape(data, quote=True)}"></div>')


def page(*elements: str, charset: str = "utf-8") -> str:
    """A whole saved page around `elements`, with the furniture a real one has."""
    return f"""<!DOCTYPE html>
<html class=""><head><meta charset="{charset}">
<title>Daily Papers - Hugging Face</title>
<link rel="stylesheet" href="./Daily Papers_files/style.css">
<script>window.hubConfig = {{"features": []}};</script></head>
<body class="flex flex-col min-h-dvh">
{hydrater("MainHeader", {"classNames": "", "isWide": False, "showSearch": True})}
<main class="flex flex-1 flex-col">
{chr(10).join(elements)}
</main>
{hydrater("Footer", {"links": ["https://huggingface.co/terms"]})}
</body></html>
"""


def listing(*items: dict, key: str = "dailyPapers", date: str = "2025-09-16") -> str:
    props = {"periodType": "day", "dateString": date, key: list(items)}
    return page(hydrater("DailyPapers", props))


def paper_page(entry: dict) -> str:
    return page(hydrater("PaperContent", {"paper": entry["paper"]}))
