"""Placeholder: search data lands with the search work (owned by the search work)."""

from __future__ import annotations


def search_assets(site, config) -> dict[str, bytes]:
    return {}
