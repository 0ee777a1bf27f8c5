"""A paper's outbound links and citation meta tags: from validated ids, never from raw text."""

from __future__ import annotations

import datetime as dt

from sitegen.links import citation_meta, outbound
from sitegen.model import Paper

ARXIV = Paper("g", "Grokking: $\\alpha$ & Edge", "A.", dt.date(2025, 9, 5), arxiv="2509.12345v2",
              authors=("Ada Lovelace", "Alan Turing"), doi="10.1234/x(1)",
              links=("https://github.com/a/b", "https://grok.example/p", "javascript:alert(1)",
                     "https://arxiv.org/abs/2509.12345v2"))


def test_a_paper_with_an_id_links_to_arxiv_the_pdf_hugging_face_code_and_project():
    assert [(link.kind, link.label, link.url) for link in outbound(ARXIV)] == [
        ("arxiv", "arXiv", "https://arxiv.org/abs/2509.12345v2"),
        ("pdf", "PDF", "https://arxiv.org/pdf/2509.12345v2"),
        ("huggingface", "Hugging Face", "https://huggingface.co/papers/2509.12345"),
        ("doi", "DOI", "https://doi.org/10.1234/x(1)"),
        ("code", "Code", "https://github.com/a/b"),
        ("project", "grok.example", "https://grok.example/p"),
    ]


def test_a_paper_without_an_id_links_to_title_searches():
    paper = Paper("t", "Grokking & $\\alpha$-Stability?", url="https://x.org/p")
    assert [(link.kind, link.url) for link in outbound(paper)] == [
        ("web", "https://x.org/p"),
        ("search", "https://huggingface.co/papers?q=Grokking+%26+%CE%B1-Stability%3F"),
        ("search", "https://arxiv.org/search/?query=Grokking+%26+%CE%B1-Stability%3F"
                   "&searchtype=title"),
        ("search", "https://www.semanticscholar.org/search?q=Grokking+%26+%CE%B1-Stability%3F"),
    ]


def test_citation_meta_tags():
    assert citation_meta(ARXIV) == (
        ("citation_title", "Grokking: α & Edge"),
        ("citation_author", "Ada Lovelace"), ("citation_author", "Alan Turing"),
        ("citation_date", "2025/09/05"),
        ("citation_arxiv_id", "2509.12345v2"),
        ("citation_pdf_url", "https://arxiv.org/pdf/2509.12345v2"),
        ("citation_doi", "10.1234/x(1)"),
    )
    assert citation_meta(Paper("u", "Untitled")) == (("citation_title", "Untitled"),)
