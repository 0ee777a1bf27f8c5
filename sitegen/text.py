"""How the site writes dates and counts in English: one month table, one plural."""

from __future__ import annotations

import datetime as dt

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def month_abbr(month: int) -> str:
    """'Jan' for 1: in date labels and chart labels (lowercased, BibTeX's month macros)."""
    return MONTHS[month - 1][:3]


def date_label(day: dt.date | None) -> str:
    """'3 Mar 2025', or '' when unknown."""
    return f"{day.day} {month_abbr(day.month)} {day.year}" if day else ""


def plural(count: int, word: str) -> str:
    """'1 paper', '2 papers': the `plural` filter of every template, and every summary."""
    return f"{count} {word}" + ("" if count == 1 else "s")
