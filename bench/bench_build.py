"""Whole-process build benchmark: synthetic reviews of 1k-50k papers, four scenarios.

    .venv/bin/python bench/bench_build.py                      # 1k, 5k, 10k, 50k; 3 runs each
    .venv/bin/python bench/bench_build.py --sizes 1000 5000 --runs 5
    .venv/bin/python bench/bench_build.py --sizes 5000 --against ../main   # A/B, interleaved

Each review is written as card-layout dumps (500 papers a dump, with authors, dates and
upvotes) made from the example dumps by bench/synth.py, plus the example's config.yml
(taxonomy) and hand-written pages, in a RAM disk (/dev/shm) when there is one. Scenarios,
each timed as a whole `sitegen build` process (median of --runs), from the same starting
state every run:

  first    dumps only: import writes every page, then the site (a review's first build)
  full     pages exist, no cache, no output (a fresh clone on CI without a restored cache)
  noop     nothing changed since the last build
  dump     one new dump of 100 papers lands
  template one template (tag.html, via theme_overrides) changes

With --against, every run of every scenario is timed with the other checkout's sitegen too,
right after this one's, so both columns see the same machine load; its table follows.

Reported: wall time, the build's own per-stage times, pages rendered (not taken from the
last build), peak memory (max RSS of the build process), output size, the largest HTML
page, search index size raw and gzipped, and microseconds per paper.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from synth import synthetic_papers  # noqa: E402

SCENARIOS = ("first", "full", "noop", "dump", "template")
PER_DUMP = 500


def write_dump(path: Path, papers, seed: int) -> None:
    """Card layout as Hugging Face shows it; some cards lack authors, upvotes or a year."""
    lines = ["new", "", "Get trending papers in your email inbox!", "", "Subscribe", "",
             "Daily Papers", "", "byAK and the research community", ""]
    for i, paper in enumerate(papers):
        lines += [paper.title, "", paper.abstract, ""]
        if (i + seed) % 7:
            lines.append(f"  • {(i * 7 + seed) % 12 + 1} authors")
        lines.append("·")
        votes = f" {(i * 13 + seed) % 90}" if (i + seed) % 5 else ""
        lines += [paper.date.strftime("%b %-d, %Y") + votes, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def make_review(root: Path, n: int) -> Path:
    shutil.copytree(REPO / "content", root / "content",
                    ignore=shutil.ignore_patterns("papers", "dumps"))
    (root / "content" / "dumps").mkdir()
    (root / "content" / "papers").mkdir()
    # The example's settings but tag_labels, which only rename tags and which a checkout
    # older than them (--against) would refuse.
    config = (REPO / "config.yml").read_text(encoding="utf-8")
    (root / "config.yml").write_text(config.split("\ntag_labels:")[0] + "\n", encoding="utf-8")
    (root / "node_modules").symlink_to(REPO / "node_modules")
    papers = synthetic_papers(n, seed=0)
    for start in range(0, n, PER_DUMP):
        write_dump(root / "content" / "dumps" / f"{start // PER_DUMP:04d}.txt",
                   papers[start:start + PER_DUMP], seed=start)
    extra = synthetic_papers(100, seed=n + 1)
    write_dump(root / "new-dump.txt", extra, seed=1)  # lands in the "dump" scenario
    (root / "overrides" / "templates").mkdir(parents=True)  # see prepare("template")
    with open(root / "config.yml", "a", encoding="utf-8") as config:
        config.write("\ntheme_overrides: overrides\n")
    return root


def build(root: Path, repo: Path = REPO) -> tuple[float, int, dict[str, float], str]:
    """(wall seconds, peak RSS in MB, stage times, stderr) of one `sitegen build` process;
    the stages include 'rendered': pages rendered rather than taken from the last build."""
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(repo)}  # this checkout's sitegen, installed or not
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", "build"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"build failed in {root}:\n{err}")
    summary = (re.findall(r"time: (.*)", err) or [""])[-1]
    stages = {name: float(sec) for name, sec in re.findall(r"(\w+) (\d+\.\d+)s", summary)
              if name != "total"}
    if built := re.search(r": (\d+) pages \(.*; (\d+) pages unchanged", err):
        stages["rendered"] = float(int(built[1]) - int(built[2]))
    return wall, usage.ru_maxrss // 1024, stages, err


def snapshot(root: Path, into: Path) -> None:
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir()
    for name in ("content", "_site", ".sitegen-cache", "overrides"):
        if (root / name).exists():
            shutil.copytree(root / name, into / name, symlinks=True)


def restore(root: Path, saved: Path) -> None:
    for name in ("content", "_site", ".sitegen-cache", "overrides"):
        shutil.rmtree(root / name, ignore_errors=True)
        if (saved / name).exists():
            shutil.copytree(saved / name, root / name, symlinks=True)


def prepare(root: Path, scenario: str, clean: Path, built: Path, repo: Path = REPO) -> None:
    """Put the review in the scenario's starting state (not timed). "template": the
    checkout's own tag.html, changed, as an override (each checkout's templates differ)."""
    if scenario == "first":
        restore(root, clean)
    elif scenario == "full":
        restore(root, built)
        shutil.rmtree(root / "_site", ignore_errors=True)
        shutil.rmtree(root / ".sitegen-cache", ignore_errors=True)
    else:
        restore(root, built)
        if scenario == "dump":
            shutil.copy(root / "new-dump.txt", root / "content" / "dumps" / "9999.txt")
        elif scenario == "template":
            tag = (repo / "themes" / "default" / "templates" / "tag.html").read_text()
            (root / "overrides" / "templates" / "tag.html").write_text(tag.replace(
                "{% block content %}", "{% block content %}<!-- changed -->", 1))


def sizes(root: Path) -> tuple[int, int, int, int]:
    """Output bytes, search index bytes raw and gzipped, and the largest HTML page's bytes."""
    out = root / "_site"
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    index = [p.read_bytes() for p in out.glob("assets/search-*") if p.is_file()  # whole
             and not p.name.endswith(".js")] + [p.read_bytes() for p in out.glob(
                 "assets/search-*/*")]  # or in pieces
    largest = max((p.stat().st_size for p in out.rglob("*.html")), default=0)
    return (total, sum(map(len, index)), sum(len(gzip.compress(raw, 6)) for raw in index),
            largest)


def bench_size(n: int, runs: int, base: Path, repos: tuple[Path, ...] = (REPO,),
               scenarios: tuple[str, ...] = SCENARIOS) -> list[list[dict]]:
    """Rows per checkout in `repos`, each scenario's runs interleaved between them."""
    root = make_review(base / f"review-{n}", n)
    clean = base / f"clean-{n}"
    snapshot(root, clean)
    built, measured = [], []
    for i, repo in enumerate(repos):  # each its own cache: a cache is stamped by the code
        restore(root, clean)
        build(root, repo)  # the state the incremental scenarios start from
        built.append(base / f"built-{n}-{i}")
        snapshot(root, built[-1])
        measured.append(sizes(root))
    rows: list[list[dict]] = [[] for _ in repos]
    for scenario in scenarios:
        samples: list[list] = [[] for _ in repos]
        for _ in range(runs):
            for i, repo in enumerate(repos):
                prepare(root, scenario, clean, built[i], repo)
                samples[i].append(build(root, repo))
        for i, repo in enumerate(repos):
            out_bytes, index_raw, index_gz, largest = measured[i]
            wall = statistics.median(s[0] for s in samples[i])
            middle = min(samples[i], key=lambda s, wall=wall: abs(s[0] - wall))
            row = {"papers": n, "scenario": scenario, "wall": wall,
                   "rss": max(s[1] for s in samples[i]), "stages": middle[2],
                   "us_per_paper": wall / n * 1e6, "output": out_bytes,
                   "index": index_raw, "index_gz": index_gz, "largest": largest}
            rows[i].append(row)
            print(f"  {n:>6} {scenario:<9} {wall:7.2f} s  {row['rss']:5d} MB  "
                  + ", ".join(f"{k} {v:.2f}" for k, v in middle[2].items())
                  + (f"  ({repo})" if len(repos) > 1 else ""), flush=True)
    for folder in (root, clean, *built):
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def table(rows: list[dict]) -> str:
    head = ("| papers | scenario | wall (s) | µs/paper | peak RSS (MB) | slowest stages (s) "
            "| pages rendered | output (MB) | largest page (KB) | index raw / gz (MB) |\n"
            "|---:|---|---:|---:|---:|---|---:|---:|---:|---:|")
    lines = [head]
    for r in rows:
        stages = sorted(((k, v) for k, v in r["stages"].items() if k != "rendered"),
                        key=lambda kv: -kv[1])[:3]
        lines.append(
            f"| {r['papers']:,} | {r['scenario']} | {r['wall']:.2f} | {r['us_per_paper']:.0f} "
            f"| {r['rss']} | {', '.join(f'{k} {v:.2f}' for k, v in stages)} "
            f"| {r['stages'].get('rendered', 0):.0f} | {r['output'] / 1e6:.1f} "
            f"| {r['largest'] / 1e3:.0f} | {r['index'] / 1e6:.1f} / {r['index_gz'] / 1e6:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000, 50000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=SCENARIOS)
    parser.add_argument("--against", type=Path, metavar="CHECKOUT",
                        help="another sitegen checkout to time side by side (e.g. main)")
    args = parser.parse_args(argv)
    repos = (REPO, args.against.resolve()) if args.against else (REPO,)
    ram = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, output in {'RAM disk' if ram else 'temp folder'}")
    rows: list[list[dict]] = [[] for _ in repos]
    with tempfile.TemporaryDirectory(dir=ram) as tmp:
        for n in args.sizes:
            for mine, theirs in zip(rows, bench_size(n, args.runs, Path(tmp), repos,
                                                            args.scenarios), strict=True):
                mine += theirs
    for repo, repo_rows in zip(repos, rows, strict=True):
        print(f"\n{repo}:" if len(repos) > 1 else "")
        print(table(repo_rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
