"""The few error types sitegen raises; cli.py turns them into one-line messages."""

from __future__ import annotations

from pathlib import Path


class SitegenError(Exception):
    """A problem the user can fix; the message says what to do."""


class ConfigError(SitegenError):
    """config.yml is invalid; carries every problem found, not just the first."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


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
