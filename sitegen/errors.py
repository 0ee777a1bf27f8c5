"""The few error types sitegen raises; cli.py turns them into one-line messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class SitegenError(Exception):
    """A problem the user can fix; the message says what to do."""


class ConfigError(SitegenError):
    """config.yml is invalid; carries every problem found, not just the first, each with its
    line when known: `config.yml:7: taxonomy: ...; config.yml:9: ...`."""

    def __init__(self, path: Path, problems: list[str], lines: Sequence[int | None] = ()):
        self.path = path
        self.problems = problems
        self.lines = [*lines, *[None] * (len(problems) - len(lines))]
        super().__init__("; ".join(f"{path}:{line}: {problem}" if line else f"{path}: {problem}"
                                   for problem, line in zip(problems, self.lines, strict=True)))


class SourceError(SitegenError):
    """A content file (page, template, dump) cannot be used as it is."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {message}")


def shown(path: Path) -> Path:
    """Paths in messages relative to where the user stands, when possible."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
