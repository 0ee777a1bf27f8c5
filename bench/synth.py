"""Synthetic papers for benchmarks, made from the example dumps.

`example_site()` imports the example dumps with sitegen's importer, in a scratch folder.
`synthetic_papers(n)` recombines the example papers' titles, sentences and tags into n distinct
papers, deterministically; each gets a made-up model name, so the vocabulary grows with n.
`write_pages()` writes them as content/papers/*.md so a full-build benchmark can use them.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.model import Paper, Site, slugify  # noqa: E402


def example_site(dumps_dir: Path = REPO / "content" / "dumps") -> Site:
    """The example review as sitegen imports it: dumps -> pages -> Site, in a scratch folder."""
    from sitegen.config import load_config
    from sitegen.importer import import_dumps
    from sitegen.site import load_site

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "review"
        shutil.copytree(dumps_dir, root / "content" / "dumps")
        (root / "content" / "papers").mkdir()
        shutil.copy(REPO / "config.yml", root / "config.yml")
        config = load_config(root / "config.yml")
        import_dumps(config)
        return load_site(config)


def example_papers() -> list[Paper]:
    return list(example_site().papers)


def synthetic_papers(n: int, seed: int = 0) -> list[Paper]:
    """n distinct papers recombined from the examples; same (n, seed) -> same papers."""
    rng = random.Random(seed)
    base = example_papers()
    sentences = [s for p in base for s in re.split(r"(?<=[.!?])\s+", p.abstract) if len(s) > 30]
    title_words = [w for p in base for w in p.title.split()]
    start = dt.date(2019, 1, 1)
    papers = []
    for i in range(n):
        # A made-up model name per paper: the vocabulary grows with n, as a real one does.
        name = _made_up_word(rng) + rng.choice(["", "-2", "-7B", "++", "Net", "-XL"])
        title = f"{name}: " + " ".join(rng.sample(title_words, rng.randint(4, 9)))
        abstract = " ".join(rng.sample(sentences, rng.randint(4, 8)))
        abstract = abstract.replace(" the model", f" {name}", 1)
        notes = "" if rng.random() < 0.7 else " ".join(rng.sample(sentences, 2))
        papers.append(Paper(
            slug=f"{slugify(title, max_len=60)}-{i}",
            title=title,
            abstract=abstract,
            date=start + dt.timedelta(days=rng.randrange(6 * 365)),
            tags=rng.choice(base).tags,
            notes=notes,
        ))
    return papers


def _made_up_word(rng: random.Random) -> str:
    syllables = ("ka", "lo", "mi", "ra", "ze", "tu", "vo", "ny", "qi", "xe", "do", "pa", "shu")
    word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
    return word.capitalize()


def write_pages(papers_dir: Path, papers: list[Paper]) -> None:
    """Write papers as content/papers/<slug>.md, as the importer would."""
    from sitegen.paper_files import new_page

    papers_dir.mkdir(parents=True, exist_ok=True)
    for paper in papers:
        (papers_dir / f"{paper.slug}.md").write_text(new_page(paper), encoding="utf-8")
