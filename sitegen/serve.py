"""`sitegen serve`: build, serve the site under base_url on 127.0.0.1, rebuild on change.

The preview serves the very files `sitegen build` writes. The one addition is a small script
put into HTML *responses* (never into the files), which listens on a Server-Sent Events
stream and reloads the page when a rebuild changed the site. A failed build leaves the last
good site on disk (the build swaps its output in only when complete); pages then show the
error until a save fixes it, and the server keeps running.

Three kinds of thread share one `Preview`: watchfiles threads note changed paths, the main
thread rebuilds, and the HTTP server's threads answer requests. The lock keeps a request from
reading the output folder while a build swaps it.
"""

from __future__ import annotations

import hashlib
import html
import logging
import mimetypes
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import watchfiles

from sitegen.config import Config, load_config, resolve
from sitegen.errors import SitegenError, shown

log = logging.getLogger(__name__)
logging.getLogger("watchfiles").setLevel(logging.WARNING)  # we say what changed ourselves

HOST = "127.0.0.1"  # a preview is for this machine only; never listen on other interfaces
# Served under base_url. The build never writes names starting with '_' (output.py refuses
# them, as GitHub Pages would not serve them), so no page of the site can take these URLs.
ENDPOINTS = "_sitegen/"
EVENTS = "events"
SCRIPT = "reload.js"
PING_SECONDS = 15.0  # an SSE comment this often lets a thread notice a closed tab

RELOAD_JS = b"""\
// Added by `sitegen serve` to pages it serves, never to the built site: reloads the page when
// a rebuild changed the site, or shows (and later clears) a build error.
(function () {
  var script = document.currentScript;
  var shown = script.dataset.version;
  var events = new EventSource(new URL("events", script.src));
  events.onmessage = function (event) {
    if (event.data !== shown) {
      events.close();
      location.reload();
    }
  };
})();
"""

ERROR_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed · sitegen serve</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 48rem;
       padding: 0 1rem; }}
pre {{ white-space: pre-wrap; background: #fff0f0; color: #600; padding: 1rem;
      border-left: 4px solid #c00; }}
</style>
</head>
<body>
<main>
<h1>The build failed</h1>
<pre id="sitegen-error">{message}</pre>
<p>Save a fix for what the message above says (it names the file and line): this page
reloads by itself when the site builds again. The preview server keeps running; the last
good build is still on disk.</p>
</main>
</body>
</html>
"""


@dataclass(frozen=True)
class WatchTargets:
    """What to watch for one configuration: folders (recursively) and the config file."""

    folders: tuple[Path, ...]
    config_file: Path
    ignored: tuple[Path, ...]  # the build's own output, staging and cache folders


def watch_targets(config: Config, config_file: Path) -> WatchTargets:
    """Dumps, content, papers, a local theme and theme overrides; never the build's output."""
    candidates = [resolve(config, p) for p in (config.dumps_dir, config.papers_dir,
                                               config.content_dir)]
    if config.theme_overrides is not None:
        candidates.append(resolve(config, config.theme_overrides))
    by_path = "/" in config.theme or config.theme.startswith(".")  # as theme.load_theme reads it
    local_theme = (resolve(config, Path(config.theme)) if by_path
                   else config.root / "themes" / config.theme)
    candidates.append(local_theme)
    folders: list[Path] = []
    for folder in sorted({c.resolve() for c in candidates if c.is_dir()}):
        if not any(folder.is_relative_to(f) for f in folders):  # inside one already watched
            folders.append(folder)
    out = resolve(config, config.output_dir).resolve()
    ignored = (out, out.with_name(out.name + ".staging"), out.with_name(out.name + ".old"),
               resolve(config, config.cache_dir).resolve())
    return WatchTargets(tuple(folders), config_file.resolve(), ignored)


class _Filter(watchfiles.DefaultFilter):
    """watchfiles' editor-junk filter, plus hidden files (sitegen skips them as input: page
    writes go through '.name.tmp' files) and the folders the build itself writes."""

    ignore_entity_patterns = (*watchfiles.DefaultFilter.ignore_entity_patterns, r"^\.")

    def __init__(self, ignored: tuple[Path, ...]):
        super().__init__(ignore_paths=[str(p) for p in ignored])


class Watcher:
    """Runs watchfiles in background threads and reports changed paths to `notify`."""

    def __init__(self, notify: Callable[[set[str]], None]):
        self.notify = notify
        self.targets: WatchTargets | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def watch(self, targets: WatchTargets) -> None:
        """Start watching `targets`; restarts the threads only when the targets changed."""
        if targets == self.targets:
            return
        self.stop()
        self.targets = targets
        self._stop = threading.Event()
        config_filter = _Filter(targets.ignored)
        jobs = [(targets.folders, True, _Filter(targets.ignored)),
                # The config's folder holds .venv, node_modules, .git...: watch it flat.
                ((targets.config_file.parent,), False,
                 lambda change, path: (Path(path) == targets.config_file
                                       and config_filter(change, path)))]
        for paths, recursive, accept in jobs:
            if paths:
                thread = threading.Thread(target=self._run, args=(paths, recursive, accept,
                                                                  self._stop), daemon=True)
                thread.start()
                self._threads.append(thread)
        log.debug("watching %s and %s", ", ".join(map(str, targets.folders)),
                  targets.config_file)

    def _run(self, paths: tuple[Path, ...], recursive: bool,
             accept: Callable[[watchfiles.Change, str], bool], stop: threading.Event) -> None:
        try:
            for changes in watchfiles.watch(*paths, watch_filter=accept, stop_event=stop,
                                            recursive=recursive, raise_interrupt=False,
                                            debounce=800, step=100):
                self.notify({path for _, path in changes})
        except Exception as exc:  # e.g. a watched folder was deleted
            log.debug("watcher failed", exc_info=True)
            log.warning("%s: stopped watching (%s); restart sitegen serve to watch again",
                        ", ".join(map(str, paths)), exc)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []


class Preview:
    """The state every thread shares: the last good config, the version, the error if any."""

    def __init__(self, config_path: Path, overrides: dict[str, Any], config: Config):
        self.config_path = config_path
        self.overrides = overrides
        self.config = config  # the last config that loaded; base_url and output come from it
        self.version = ""
        self.error: str | None = None
        self.stopping = False
        self.lock = threading.Lock()  # held while a build runs and while a file is read
        self.changed = threading.Condition()  # notified when `version` changes or on stop
        self._pending: set[str] = set()
        self._wake = threading.Event()

    @property
    def output(self) -> Path:
        return resolve(self.config, self.config.output_dir)

    # ------------------------------------------------------------ building

    def notify(self, paths: set[str]) -> None:
        """Called from watcher threads."""
        with self.changed:
            self._pending |= paths
        self._wake.set()

    def wait_for_changes(self, timeout: float) -> set[str]:
        if not self._wake.wait(timeout):
            return set()
        self._wake.clear()
        with self.changed:
            paths, self._pending = self._pending, set()
        return paths

    def rebuild(self) -> None:
        """Build once; afterwards pages show either the new site or the build's error."""
        from sitegen.build import build_site  # the renderer's entry point

        started = time.perf_counter()
        with self.lock:
            try:
                config = load_config(self.config_path, **self.overrides)
                # In this process, without forking: watcher and server threads run here.
                build_site(config, fork=False)  # 1: built with import warnings, a site still
                self.config = config
                version, error = _version(self.output), None
            except SitegenError as exc:
                version, error = _error_version(str(exc)), str(exc)
            except Exception as exc:  # a bug in a stage must not stop the preview
                log.debug("build crashed", exc_info=True)
                error = (f"internal error: {type(exc).__name__}: {exc} (a bug in sitegen; "
                         "run sitegen serve -v to see where, and report it)")
                version = _error_version(error)
        if error:
            log.error("%s", error)
        else:
            log.info("built in %.1fs%s", time.perf_counter() - started,
                     "" if version != self.version else " (no change in the output)")
        with self.changed:
            self.error = error
            if version != self.version:
                self.version = version
                self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()

    def versions(self) -> Iterator[str | None]:
        """The current version, then each new one; None every PING_SECONDS meanwhile."""
        seen = None
        while True:
            with self.changed:
                self.changed.wait_for(lambda seen=seen: self.version != seen or self.stopping,
                                      timeout=PING_SECONDS)
                if self.stopping:
                    return
                current = self.version
            yield current if current != seen else None
            seen = current


def _version(folder: Path) -> str:
    """A fingerprint of the output, so a rebuild that changed nothing reloads nothing: every
    file's name, size and mtime (one stat each, no byte read). A build that finds nothing
    to do leaves every file as it was; pages it takes from the cache keep their mtime."""
    from sitegen.build import listing

    return hashlib.blake2b(repr(sorted(listing(folder).items())).encode(),
                           digest_size=8).hexdigest()


def _error_version(message: str) -> str:
    return "error-" + hashlib.blake2b(message.encode(), digest_size=8).hexdigest()


# ---------------------------------------------------------------- HTTP

class _Server(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream must not keep the process alive
    preview: Preview


class Handler(BaseHTTPRequestHandler):
    """Serves the output folder under base_url, the way GitHub Pages serves a project site."""

    server: _Server
    server_version = "sitegen-serve"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s %s", self.address_string(), format % args)

    def _answer(self, body: bool) -> None:
        preview = self.server.preview
        path = unquote(urlsplit(self.path).path)
        base = preview.config.base_url
        if path.endswith(f"/{ENDPOINTS}{EVENTS}"):  # any prefix: base_url may have changed
            return self._events(preview) if body else self._send(200, b"", "text/event-stream")
        if path.endswith(f"/{ENDPOINTS}{SCRIPT}"):
            return self._send(200, RELOAD_JS if body else b"", "text/javascript", body=body)
        if not path.startswith(base):
            if path == "/" or path + "/" == base:  # the bare host: show the site
                return self._redirect(base)
            text = (f"Nothing here: this preview serves the site under {base} (base_url in "
                    f"{preview.config_path.name}). Open {base}")
            return self._send(404, text.encode(), "text/plain", body=body)
        rel = path[len(base):]
        if preview.error is not None and _is_page(rel):
            page = ERROR_PAGE.format(message=html.escape(preview.error)).encode()
            return self._send(500, self._with_script(page, preview), "text/html", body=body)
        self._file(preview, rel, body)

    def _file(self, preview: Preview, rel: str, body: bool) -> None:
        status = 200
        with preview.lock:  # not while a build swaps the folder
            output = preview.output
            file = _within(output, rel)
            if file is not None and file.is_dir():
                if rel and not rel.endswith("/"):  # as Pages does: 'tags' -> 'tags/'
                    return self._redirect(urlsplit(self.path).path + "/")
                file = file / "index.html"
            if file is None or not file.is_file():
                status, file = 404, output / "404.html"
            data = file.read_bytes() if file.is_file() else b"Not found"
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind == "text/html":
            data = self._with_script(data, preview)
        self._send(status, data, kind, body=body)

    def _with_script(self, page: bytes, preview: Preview) -> bytes:
        tag = (f'<script src="{html.escape(preview.config.base_url)}{ENDPOINTS}{SCRIPT}" '
               f'data-version="{preview.version}"></script>\n').encode()
        end = page.lower().rfind(b"</body>")
        return page[:end] + tag + page[end:] if end >= 0 else page + tag

    def _events(self, preview: Preview) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            for version in preview.versions():
                self.wfile.write(f"data: {version}\n\n".encode() if version else b": ping\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the tab was closed or reloaded
            pass
        self.close_connection = True

    def _redirect(self, location: str) -> None:
        # Temporary: browsers keep permanent redirects, which would outlive a base_url change.
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, data: bytes, kind: str, body: bool = True) -> None:
        if kind.startswith("text/") or kind in ("application/json", "application/xml",
                                                "image/svg+xml"):
            kind += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")  # a reload must show the new build
        self.end_headers()
        if body:
            self.wfile.write(data)


def _is_page(rel: str) -> bool:
    """Paths a browser opens as a page (shown the error while the build is broken)."""
    name = rel.rsplit("/", 1)[-1]
    return name == "" or name.endswith(".html") or "." not in name


def _within(root: Path, rel: str) -> Path | None:
    """`root/rel`, or None for anything that could leave `root` ('..', absolute, NUL)."""
    parts = [p for p in rel.split("/") if p]
    if any(p in (".", "..") or "\\" in p or "\0" in p for p in parts):
        return None
    return root.joinpath(*parts)


# ---------------------------------------------------------------- the command

def serve(config_path: Path, overrides: dict[str, Any], port: int = 8000) -> int:
    """Build, serve and rebuild until interrupted (Ctrl-C or SIGTERM); returns 0.

    The URL goes to stdout once the first build is done, so a tool can wait for that line.
    """
    config = load_config(config_path, **overrides)  # unusable config: stop before serving
    preview = Preview(config_path, overrides, config)
    try:
        server = _Server((HOST, port), Handler)
    except OSError as exc:
        raise SitegenError(f"{HOST}:{port}: cannot listen there ({exc.strerror}); stop the "
                           "other server or choose another port with --port") from None
    server.preview = preview
    watcher = Watcher(preview.notify)
    watcher.watch(watch_targets(config, config_path))  # before building: miss no save
    _stop_on_sigterm()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    try:
        preview.rebuild()
        thread.start()
        url = f"http://{HOST}:{server.server_address[1]}{preview.config.base_url}"
        print(f"Serving {url} (Ctrl-C to stop)", flush=True)
        while True:
            changed = preview.wait_for_changes(timeout=1.0)
            if changed:
                names = sorted(str(shown(Path(p))) for p in changed)
                log.info("changed: %s%s", ", ".join(names[:3]),
                         f" and {len(names) - 3} more" if len(names) > 3 else "")
                preview.rebuild()
                watcher.watch(watch_targets(preview.config, config_path))
    except KeyboardInterrupt:
        log.info("stopped")
    finally:
        preview.stop()
        watcher.stop()
        if thread.is_alive():
            server.shutdown()
        server.server_close()
    return 0


def _stop_on_sigterm() -> None:
    """`kill` stops the preview as Ctrl-C does: cleanly, with exit status 0."""
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)
