"""Papers per month as small SVG bar charts, drawn at build time.

No script and no colour in the SVG itself: bars and axis carry classes that the theme's CSS
colours through custom properties (`--chart-bar`, `--chart-axis`), so dark mode and theme
overrides apply. Each chart has a `<title>` and `<desc>` (the SVG is `role="img"`), and the
template shows the same numbers in a table for readers who cannot see the bars.

All charts of a site share one time axis (the months from its oldest to its newest dated
paper), so the chart on one tag page can be compared with another's. Over more than
MAX_MONTHS months the bars are years instead.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from sitegen.model import Paper
from sitegen.text import month_abbr, plural

MAX_MONTHS = 120  # longer spans are drawn per year
WIDTH = 600  # viewBox units; the SVG scales to the width of its container
HEIGHT = 120
SMALL_HEIGHT = 36  # small multiples on the home page


@dataclass(frozen=True)
class Axis:
    """The buckets every chart of a site uses: months (or years), oldest first."""

    unit: str  # 'month' or 'year'
    keys: tuple[tuple[int, int], ...]  # (year, month); month 0 when the unit is a year
    labels: tuple[str, ...]  # 'Jan 2024' or '2024'

    def key(self, day: dt.date) -> tuple[int, int]:
        return (day.year, day.month if self.unit == "month" else 0)


@dataclass(frozen=True)
class Series:
    """One line of bars: all papers, or one tag's."""

    name: str
    path: str  # page the series is about ('' for all papers)
    counts: tuple[int, ...]  # per bucket of the axis
    total: int  # dated papers counted
    undated: int
    svg: Markup
    summary: str  # one sentence, the chart's text alternative


@dataclass(frozen=True)
class Chart:
    """What a template shows: the series' SVGs and one table of the same numbers (only the
    buckets in which some series has a paper, so the table stays short)."""

    title: str  # 'Papers per month'
    unit: str  # 'Month' or 'Year': the heading of the table's first column
    first: str  # label of the first bucket
    last: str
    series: tuple[Series, ...]
    rows: tuple[tuple[str, tuple[int, ...]], ...]  # (bucket label, count per series)


def axis(papers: Iterable[Paper]) -> Axis | None:
    """The site's time axis, from its oldest to its newest dated paper; None if none is dated."""
    dates = [p.date for p in papers if p.date]
    if not dates:
        return None
    first, last = min(dates), max(dates)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months > MAX_MONTHS:
        keys = tuple((y, 0) for y in range(first.year, last.year + 1))
        return Axis("year", keys, tuple(str(y) for y, _ in keys))
    keys = tuple(((first.year * 12 + first.month - 1 + i) // 12,
                  (first.month - 1 + i) % 12 + 1) for i in range(months))
    return Axis("month", keys, tuple(f"{month_abbr(m)} {y}" for y, m in keys))


def _counts(papers: Iterable[Paper], ax: Axis) -> tuple[tuple[int, ...], int, int]:
    tally = Counter(ax.key(p.date) for p in papers if p.date)
    undated = sum(1 for p in papers if not p.date)
    return tuple(tally.get(k, 0) for k in ax.keys), sum(tally.values()), undated


def series(name: str, path: str, papers: tuple[Paper, ...], ax: Axis, chart_id: str,
           height: int = HEIGHT) -> Series:
    counts, total, undated = _counts(papers, ax)
    unit = ax.unit
    peak = max(counts, default=0)
    if total:
        best = counts.index(peak)
        summary = (f"{plural(total, 'dated paper')} from {ax.labels[0]} to {ax.labels[-1]}; "
                   f"the most in one {unit}: {peak} in {ax.labels[best]}.")
    else:
        summary = f"No dated papers between {ax.labels[0]} and {ax.labels[-1]}."
    if undated:
        summary += f" {plural(undated, 'undated paper')} not shown."
    title = f"{name}: papers per {unit}"
    return Series(name, path, counts, total, undated,
                  svg(counts, ax.labels, chart_id, title, summary, height), summary)


def svg(counts: tuple[int, ...], labels: tuple[str, ...], chart_id: str, title: str,
        summary: str, height: int = HEIGHT) -> Markup:
    """Bars scaled to the highest count; each bar has a tooltip (`<title>`)."""
    peak = max(counts, default=0) or 1
    step = WIDTH / max(1, len(counts))
    gap = step * 0.15 if step > 3 else 0
    ident = escape(chart_id)
    parts = [f'<svg class="chart-svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
             f'height="{height}" role="img" preserveAspectRatio="none" '
             f'aria-labelledby="{ident}-t {ident}-d" focusable="false">',
             f'<title id="{ident}-t">{escape(title)}</title>',
             f'<desc id="{ident}-d">{escape(summary)}</desc>']
    for i, (count, label) in enumerate(zip(counts, labels, strict=True)):
        if not count:
            continue
        bar = max(1.0, (height - 2) * count / peak)
        parts.append(f'<rect class="chart-bar" x="{_f(i * step + gap / 2)}" '
                     f'y="{_f(height - 1 - bar)}" width="{_f(step - gap)}" height="{_f(bar)}">'
                     f"<title>{escape(label)}: {count}</title></rect>")
    parts.append(f'<line class="chart-axis" vector-effect="non-scaling-stroke" x1="0" '
                 f'y1="{height - 0.5}" x2="{WIDTH}" y2="{height - 0.5}"></line></svg>')
    return Markup("".join(parts))  # safe: every text escaped, numbers formatted here


def chart(title_name: str, lines: list[tuple[str, str, tuple[Paper, ...]]], ax: Axis,
          chart_id: str) -> Chart:
    """A chart of one or more series: the first drawn large, the others as small multiples."""
    made = tuple(series(name, path, papers, ax, f"{chart_id}-{i}",
                        HEIGHT if i == 0 else SMALL_HEIGHT)
                 for i, (name, path, papers) in enumerate(lines))
    rows = tuple((label, tuple(s.counts[i] for s in made))
                 for i, label in enumerate(ax.labels) if any(s.counts[i] for s in made))
    return Chart(f"{title_name} per {ax.unit}", ax.unit.capitalize(), ax.labels[0],
                 ax.labels[-1], made, rows)


def _f(value: float) -> str:
    """Coordinates with two decimals and no trailing zeros: short and reproducible."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


