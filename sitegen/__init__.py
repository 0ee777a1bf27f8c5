"""sitegen: static literature-review websites from paper-listing dumps."""

from __future__ import annotations

__version__ = "0.1.0"
