"""The package as pip builds it: templates, assets and the command are in the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_ships_the_themes_and_the_command(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(tmp_path), str(REPO)], check=True, capture_output=True,
                   timeout=300)
    wheel = next(tmp_path.glob("sitegen-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(REPO / "themes").as_posix()
               for p in (REPO / "themes").rglob("*") if p.is_file()}
    assert shipped and {f"sitegen/themes/{n}" for n in shipped} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "sitegen = sitegen.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
