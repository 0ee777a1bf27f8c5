"""Shared fixtures: the real example project, a sub-path HTTP server, Debian's Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests are reproducible: the same examples on every run and machine, so CI passes
# or fails on the code, never on luck; a failure prints the blob to replay it with
# @reproduce_failure. No deadline: the machine may be shared and slow. Set
# HYPOTHESIS_PROFILE=explore to search with fresh random examples (and pin what it finds
# with @example).
settings.register_profile("sitegen", derandomize=True, deadline=None, print_blob=True,
                          database=None)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "sitegen"))

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_DUMPS = REPO / "content" / "dumps"
EXAMPLE_BASE = "/sub/path/"
EXAMPLE_SITE_URL = "https://reviewer.example.org/sub/path/"
CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")


def copy_example(dest: Path) -> Path:
    """A fresh copy of the example project in `dest` (config, dumps, hand-written pages,
    lunr.js through node_modules), no papers yet."""
    shutil.copytree(REPO / "content", dest / "content", ignore=shutil.ignore_patterns("papers"))
    (dest / "content" / "papers").mkdir()
    shutil.copy(REPO / "config.yml", dest / "config.yml")
    if (REPO / "node_modules").exists():
        (dest / "node_modules").symlink_to(REPO / "node_modules")
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The example project, no papers yet."""
    return copy_example(tmp_path / "review")


@pytest.fixture(scope="session")
def _imported_example(tmp_path_factory) -> Path:
    from sitegen.config import load_config
    from sitegen.importer import import_dumps

    root = copy_example(tmp_path_factory.mktemp("imported") / "review")
    import_dumps(load_config(root / "config.yml"))
    return root


@pytest.fixture
def imported(project: Path, _imported_example: Path) -> Path:
    """The example project with its dumps already imported (a copy: tests may edit it)."""
    shutil.rmtree(project / "content" / "papers")
    shutil.copytree(_imported_example / "content" / "papers", project / "content" / "papers")
    return project


@pytest.fixture(scope="session")
def built_example(tmp_path_factory) -> Path:
    """The example review imported and built once under a sub-path with a site_url; returns
    the project. Read-only: tests that change content build their own."""
    from sitegen.build import build_site
    from sitegen.config import load_config

    root = copy_example(tmp_path_factory.mktemp("built") / "review")
    config = load_config(root / "config.yml", base_url=EXAMPLE_BASE, site_url=EXAMPLE_SITE_URL)
    assert build_site(config) == 0
    return root


class _PrefixHandler(http.server.SimpleHTTPRequestHandler):
    """Serves `directory` under `prefix`, as GitHub Pages serves a project site."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if not clean.startswith(self.prefix) and clean + "/" != self.prefix:
            return os.path.join(self.directory, "__outside_prefix__")
        return super().translate_path("/" + clean[len(self.prefix):])

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture
def serve():
    """serve(folder, prefix='/') -> base URL such as http://127.0.0.1:PORT/sub/path/."""
    servers = []

    def start(folder: Path, prefix: str = "/") -> str:
        handler = type("Handler", (_PrefixHandler,), {"prefix": prefix})
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}{prefix}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright. Missing browser: skip locally, fail in CI."""
    required = os.environ.get("SITEGEN_REQUIRE_BROWSER") == "1" or os.environ.get("CI")
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if required:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield browser
        browser.close()
