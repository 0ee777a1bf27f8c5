"""Placeholder: the importer lands with the dumps parser (owned by the import work)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    problems: list[str] = field(default_factory=list)


def import_dumps(config) -> ImportReport:
    return ImportReport()
