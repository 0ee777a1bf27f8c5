"""Theme lookup and assets: which folders templates and assets resolve through, first match
wins (as in MkDocs' theme.py): the site's theme_overrides, the chosen theme, then the default
theme. Assets get a content hash in their file name.

Kept apart from templates.py, which needs Jinja: the up-to-date check of a build
hashes the theme folders without importing either.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sitegen import urls
from sitegen.config import Config, resolve
from sitegen.errors import ConfigError, SitegenError

# Installed from a wheel the themes are package data; in a source checkout, top-level themes/.
BUILTIN_THEMES = next((p for p in (Path(__file__).resolve().parent / "themes",
                                   Path(__file__).resolve().parent.parent / "themes")
                       if p.is_dir()), Path(__file__).resolve().parent.parent / "themes")
DEFAULT_THEME = "default"


class AssetError(SitegenError):
    """A template asked for an asset no theme folder and no generator provides."""


# ---------------------------------------------------------------- theme lookup

@dataclass(frozen=True)
class Theme:
    """The folders a theme's files resolve through, first match wins."""

    folders: tuple[Path, ...]
    has_overrides: bool = False  # folders[0] is the site's theme_overrides

    @property
    def template_dirs(self) -> list[str]:
        return [str(f / "templates") for f in self.folders if (f / "templates").is_dir()]


def _asset_files(folders: tuple[Path, ...]) -> dict[str, Path]:
    """Asset name ('style.css', 'fonts/x.woff2') -> file; earlier folders win."""
    found: dict[str, Path] = {}
    for folder in folders:
        base = folder / "assets"
        for path in sorted(base.rglob("*")) if base.is_dir() else ():
            name = path.relative_to(base).as_posix()
            if path.is_file() and not any(p.startswith(".") for p in name.split("/")):
                found.setdefault(name, path)
    return found


def load_theme(config: Config) -> Theme:
    folders = []
    if config.theme_overrides is not None:
        overrides = resolve(config, config.theme_overrides)
        if not overrides.is_dir():
            raise _config_error(config, f"theme_overrides: folder {overrides} not found "
                                "(create it with templates/ and assets/, or remove the setting)")
        folders.append(overrides)
    folders.append(_theme_folder(config))
    default = BUILTIN_THEMES / DEFAULT_THEME
    if default.resolve() not in [f.resolve() for f in folders]:
        folders.append(default)  # a theme may ship only the templates it changes
    return Theme(tuple(folders), has_overrides=config.theme_overrides is not None)


def _theme_folder(config: Config) -> Path:
    name = config.theme
    if "/" in name or name.startswith("."):
        candidates = [resolve(config, Path(name))]
    else:
        candidates = [config.root / "themes" / name, BUILTIN_THEMES / name]
    for folder in candidates:
        if (folder / "templates").is_dir():
            return folder
    shipped = sorted(p.name for p in BUILTIN_THEMES.iterdir() if p.is_dir())
    raise _config_error(config, f"theme: no theme {name!r} with a templates/ folder in "
                        f"{' or '.join(str(c) for c in candidates)} "
                        f"(use one of {', '.join(shipped)}, or a path to a theme folder)")


def _config_error(config: Config, problem: str) -> ConfigError:
    return ConfigError(config.root / "config.yml", [problem])


# ---------------------------------------------------------------- assets

class Assets:
    """Asset name -> 'assets/<stem>.<hash><ext>', so a redeploy never mixes old and new files."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.paths = {name: _hashed(name, data) for name, data in sorted(files.items())}

    def path(self, name: str) -> str:
        try:
            return self.paths[name]
        except KeyError:
            known = ", ".join(self.paths) or "none"
            raise AssetError(f"asset {name!r} not found (known assets: {known}); add it to "
                             "the theme's assets/ folder or to theme_overrides/assets/") from None


def collect_assets(theme: Theme, generated: dict[str, bytes]) -> Assets:
    """Theme assets plus generated ones (search data), first match wins: the site's overrides,
    then generated files, then the theme's, so a theme cannot shadow a fresh search index."""
    split = 1 if theme.has_overrides else 0
    files = {name: path.read_bytes() for name, path in _asset_files(theme.folders[:split]).items()}
    for name, data in generated.items():
        files.setdefault(name, data)
    for name, path in _asset_files(theme.folders[split:]).items():
        if name not in files:
            files[name] = path.read_bytes()
    return Assets(files)


def _hashed(name: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:10]
    pure = PurePosixPath(name)
    return f"{urls.ASSETS}{pure.with_name(f'{pure.stem}.{digest}{pure.suffix}').as_posix()}"
