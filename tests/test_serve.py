"""`sitegen serve` as a user meets it: a real server process on 127.0.0.1, real files edited,
pages fetched over HTTP (and in Chromium) until the rebuild shows, with bounded waits."""

from __future__ import annotations

import http.client
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

WAIT = 90.0  # seconds: a rebuild of the example site takes a few


class Server:
    """`sitegen serve --port 0` in a subprocess; `stop()` (or the fixture) ends it."""

    def __init__(self, root: Path, log: Path, *args: str):
        self.log = log
        with log.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sitegen", "serve", "--port", "0", *args], cwd=root,
                stdout=subprocess.PIPE, stderr=err, text=True)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()),
                         daemon=True).start()
        try:
            first = lines.get(timeout=WAIT)
        except queue.Empty:
            first = ""
        match = re.match(r"Serving (http://127\.0\.0\.1:(\d+)(/\S*)) \(Ctrl-C to stop\)", first)
        if not match:
            self.stop()
            pytest.fail(f"no 'Serving' line: {first!r}; log:\n{self.text()}")
        self.url, self.port, self.base = match.group(1), int(match.group(2)), match.group(3)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        """GET a raw path (not normalised, not redirected): status, headers, body."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def events(self) -> Iterator[str]:
        """The versions the live-reload stream announces, as they come."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        conn.request("GET", self.base + "_sitegen/events")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.getheader("Content-Type").startswith(
            "text/event-stream")
        try:
            while line := resp.readline().decode():
                if line.startswith("data: "):
                    yield line.removeprefix("data: ").strip()
        finally:
            conn.close()

    def stop(self, sig: int = signal.SIGINT) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.proc.stdout.close()
        return self.proc.returncode


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def run(root: Path, *args: str) -> Server:
        servers.append(Server(root, tmp_path / f"serve{len(servers)}.log", *args))
        return servers[-1]

    yield run
    for server in servers:
        server.stop(signal.SIGKILL)


@pytest.fixture
def imported(project: Path) -> Path:
    """The example project with its papers imported, so the first build is the only one."""
    result = subprocess.run([sys.executable, "-m", "sitegen", "import", "-q"], cwd=project,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return project


def wait_until(check: Callable[[], Any], what: str, server: Server) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        assert server.proc.poll() is None, f"server died; log:\n{server.text()}"
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; log:\n{server.text()[-3000:]}")


def without_script(html: str) -> str:
    return re.sub(r'<script src="[^"]*_sitegen/reload\.js"[^>]*></script>\n', "", html)


# ---------------------------------------------------------------- serving

def test_the_built_site_is_served_under_base_url(project, start):
    server = start(project, "--base-url", "/review/")
    assert server.base == "/review/"
    out = project / "_site"

    status, headers, home = server.get("/review/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<script src="/review/_sitegen/reload.js" data-version="' in home
    # The response is the built file plus the script; the file itself never has it.
    assert without_script(home) == (out / "index.html").read_text(encoding="utf-8")
    assert not [p for p in out.rglob("*") if p.is_file() and b"_sitegen" in p.read_bytes()]

    stylesheet = re.search(r'href="(assets/style\.[0-9a-f]+\.css)"', home).group(1)
    status, headers, css = server.get("/review/" + stylesheet)
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert css == (out / stylesheet).read_text(encoding="utf-8")

    assert server.get("/")[:2][0] == 302 and server.get("/")[1]["Location"] == "/review/"
    status, headers, _ = server.get("/review/tags")
    assert (status, headers["Location"]) == (302, "/review/tags/")
    status, _, text = server.get("/other/page/")
    assert status == 404 and "under /review/" in text
    status, _, missing = server.get("/review/papers/no-such-paper/")
    assert status == 404
    assert without_script(missing) == (out / "404.html").read_text(encoding="utf-8")
    status, _, text = server.get("/review/../config.yml")
    assert status == 404 and "taxonomy" not in text
    status, _, script = server.get("/review/_sitegen/reload.js")
    assert status == 200 and "new EventSource(" in script and "location.reload()" in script

    assert server.stop() == 0
    assert server.text().rstrip().endswith("stopped")


def test_a_saved_change_is_rebuilt_and_announced(imported, start):
    server = start(imported, "--base-url", "/review/", "-q")
    versions = server.events()
    first = next(versions)
    about = imported / "content" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nA sentence added while serving.\n",
                     encoding="utf-8")

    page = wait_until(lambda: (lambda r: r[0] == 200 and "added while serving" in r[2]
                               and r[2])(server.get("/review/about/")),
                      "the rebuilt about page", server)
    shown = re.search(r'data-version="([0-9a-f]+)"', page).group(1)
    assert shown != first
    assert shown in versions  # the open stream announced it: open pages reload
    assert server.stop(signal.SIGTERM) == 0


def test_a_build_error_shows_on_the_page_and_the_server_recovers(imported, start):
    server = start(imported, "--base-url", "/review/")
    config = imported / "config.yml"
    good_config = config.read_text(encoding="utf-8")
    _, _, home = server.get("/review/")
    stylesheet = re.search(r'href="(assets/style\.[0-9a-f]+\.css)"', home).group(1)

    config.write_text("base_url: [\n" + good_config, encoding="utf-8")
    status, _, page = wait_until(lambda: (lambda r: r[0] == 500 and r)(
        server.get("/review/about/")), "the error page", server)
    assert "<h1>The build failed</h1>" in page and "config.yml:" in page
    assert "_sitegen/reload.js" in page  # it reloads by itself once fixed
    assert server.get("/review/" + stylesheet)[0] == 200  # the last good build stays
    errors = [ln for ln in server.text().splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "config.yml:" in errors[0] and "Traceback" not in server.text()

    config.write_text(good_config, encoding="utf-8")
    wait_until(lambda: server.get("/review/about/")[0] == 200, "recovery", server)

    paper = sorted((imported / "content" / "papers").glob("*.md"))[0]
    good_paper = paper.read_text(encoding="utf-8")
    paper.write_text("---\ntitle: [unclosed\n---\nnotes\n", encoding="utf-8")
    status, _, page = wait_until(lambda: (lambda r: r[0] == 500 and r)(
        server.get("/review/")), "the error page for a broken paper", server)
    assert paper.name in page
    paper.write_text(good_paper, encoding="utf-8")
    status, _, page = wait_until(lambda: (lambda r: r[0] == 200 and r)(
        server.get("/review/")), "recovery from the broken paper", server)
    assert "The build failed" not in page
    assert server.stop() == 0


@pytest.mark.parametrize("case", ["impossible date", "config key twice", "config syntax"])
def test_the_error_page_names_the_file_and_line_to_fix(imported, start, case):
    """What the curator sees in the browser while a save broke the build: the message with
    the file and line, as the terminal prints it."""
    import html

    server = start(imported, "-q")
    wait_until(lambda: server.get(server.base)[0] == 200, "the first build", server)
    paper = sorted((imported / "content" / "papers").glob("*.md"))[0]
    config = imported / "config.yml"
    good = config.read_text(encoding="utf-8")
    if case == "impossible date":
        paper.write_text(paper.read_text(encoding="utf-8").replace(
            "---\n", "---\ndate: 2024-02-30\n", 1), encoding="utf-8")
        expected = re.escape(paper.name) + r":2: front matter: '2024-02-30' is not a valid date"
    elif case == "config key twice":
        config.write_text(good + "\nnewest_on_home: many\n", encoding="utf-8")
        line = good.count("\n") + 2
        expected = rf"config\.yml:{line}: newest_on_home: given twice \(first on line \d+\)"
    else:
        config.write_text("title: [\n" + good, encoding="utf-8")
        expected = r"config\.yml:\d+: did not find expected ',' or '\]' \(fix the YAML syntax\)"
    status, _, page = wait_until(lambda: (lambda r: r[0] == 500 and r)(
        server.get(server.base)), "the error page", server)
    shown = html.unescape(re.search(r'<pre id="sitegen-error">(.*?)</pre>', page, re.S)[1])
    assert re.search(expected, shown), shown
    assert server.stop() == 0


def test_open_pages_reload_themselves_in_the_browser(imported, start, browser):
    server = start(imported, "--base-url", "/review/", "-q")
    about = imported / "content" / "about.md"
    config = imported / "config.yml"
    good_config = config.read_text(encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(server.url + "about/")
        assert page.locator("h1").inner_text() == "About"
        page.wait_for_function("() => document.querySelector('script[data-version]')")

        about.write_text(about.read_text(encoding="utf-8") + "\nReloaded by itself.\n",
                         encoding="utf-8")
        page.wait_for_function("() => document.body.innerText.includes('Reloaded by itself')",
                               timeout=WAIT * 1000)
        config.write_text("title: [\n", encoding="utf-8")
        page.wait_for_function("() => document.querySelector('h1').innerText"
                               " === 'The build failed'", timeout=WAIT * 1000)
        assert "config.yml" in page.locator("#sitegen-error").inner_text()
        config.write_text(good_config, encoding="utf-8")
        page.wait_for_function("() => document.querySelector('h1').innerText === 'About'",
                               timeout=WAIT * 1000)
        assert "Reloaded by itself" in page.locator("main").inner_text()
    finally:
        page.close()


# ---------------------------------------------------------------- refusing to start

def test_a_port_in_use_is_one_line_and_exit_2(project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "sitegen", "serve", "--port", str(port)],
                                cwd=project, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(
        f"error: 127.0.0.1:{port}: cannot listen there")
    assert "choose another port with --port" in result.stderr


def test_a_config_broken_at_start_is_one_line_and_exit_2(project):
    (project / "config.yml").write_text("base_url: https://x.org/\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sitegen", "serve", "--port", "0"],
                            cwd=project, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "config.yml:1: base_url:" in result.stderr


def test_serve_url_follows_base_url_from_config(project, start):
    server = start(project)  # base_url '/' from config.yml
    assert urlsplit(server.url).path == "/"
    assert server.get("/")[0] == 200


# ---------------------------------------------------------------- what a rebuild costs

def test_a_rebuild_forks_nothing_and_reads_no_output_file(imported, monkeypatch):
    """The server's process has threads (watchers, requests), so its builds must not fork;
    and telling whether the output changed must not read the whole site (1.2 GB at 50k)."""
    import os

    from sitegen.config import load_config, resolve
    from sitegen.serve import Preview

    config = load_config(imported / "config.yml")
    out = resolve(config, config.output_dir)
    preview = Preview(imported / "config.yml", {}, config)

    def no_fork() -> int:
        raise AssertionError("forked from the server's process")

    reads: list[Path] = []
    read_bytes = Path.read_bytes

    def counted(path: Path) -> bytes:
        if path.is_relative_to(out):
            reads.append(path)
        return read_bytes(path)

    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setattr(Path, "read_bytes", counted)
    preview.rebuild()
    assert preview.error is None and (out / "index.html").is_file()
    first = preview.version
    preview.rebuild()  # nothing changed: the same version, open pages are not reloaded
    assert preview.version == first
    (imported / "content" / "about.md").write_text("# About\n\nChanged.\n", encoding="utf-8")
    preview.rebuild()
    assert preview.error is None and preview.version != first
    assert reads == []
