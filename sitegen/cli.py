"""Command line: the only place that turns SitegenError into a one-line message and exit code.

Exit codes: 0 success (warnings may have been printed); 1 the command ran but found problems
it was asked to fail on (import or build --strict with warnings, `check` findings);
2 it could not run (bad config, bad arguments, unreadable content, a full disk, port in
use); 3 sitegen itself failed (a bug: -v shows the traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
import textwrap
from pathlib import Path

from sitegen import __version__
from sitegen.config import CONFIG_NAME, Config, load_config, require_folder
from sitegen.errors import SitegenError

log = logging.getLogger("sitegen")

EXAMPLES = {
    "import": "sitegen import               # content/dumps/*.txt -> content/papers/*.md\n"
              "  sitegen import --strict      # fail (exit 1) on any warning, e.g. in CI",
    "build": "sitegen build                # import, then write the site to _site/\n"
             "  sitegen build --base-url /my-review/ --output public",
    "serve": "sitegen serve                # preview on http://127.0.0.1:8000<base_url>\n"
             "  sitegen serve --port 8001 --base-url /",
    "check": "sitegen check                # check the built site in _site/\n"
             "  sitegen check --json > report.json",
    "enrich": "sitegen enrich --dry-run     # which papers Hugging Face knows, nothing written\n"
              "  sitegen enrich               # write their arxiv: and authors:, then git diff",
    "tags": "sitegen tags grokking-at-the-edge   # why that paper has (or lacks) each tag",
    "new": "sitegen new my-review        # a new review that builds at once\n"
           "  sitegen new my-review --install 'sitegen @ git+https://github.com/you/sitegen'",
}
EXIT_CODES = ("Exit status: 0 done; 1 done, but problems were found (check, --strict);\n"
              "2 could not run (the message names the file and the fix); 3 a bug in sitegen;\n"
              "130 interrupted.")


class _Formatter(logging.Formatter):
    """Warnings and errors as `warning: ...`, in colour only on a terminal."""

    COLOURS = {logging.WARNING: "33", logging.ERROR: "31"}

    def __init__(self, colour: bool):
        super().__init__()
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.levelno >= logging.WARNING:
            label = record.levelname.lower()
            if self.colour:
                label = f"\033[{self.COLOURS.get(record.levelno, '31')}m{label}\033[0m"
            text = f"{label}: {text}"
        if record.exc_info and record.levelno < logging.WARNING:  # tracebacks with -v only
            text += "\n" + self.formatException(record.exc_info)
        return text


def _setup_logging(verbosity: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    # NO_COLOR: the no-color.org convention for turning colours off even on a terminal.
    handler.setFormatter(_Formatter(colour=sys.stderr.isatty() and not os.environ.get("NO_COLOR")))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel({-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen",
        description="Static literature-review sites from paper-listing dumps.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples:\n  " + "\n  ".join(EXAMPLES.values()) + "\n\n" + EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    noise = argparse.ArgumentParser(add_help=False)
    level = noise.add_mutually_exclusive_group()
    level.add_argument("-q", "--quiet", action="store_const", const=-1, dest="verbosity",
                       default=0, help="only warnings and errors")
    level.add_argument("-v", "--verbose", action="store_const", const=1, dest="verbosity",
                       help="more detail")
    common = argparse.ArgumentParser(add_help=False, parents=[noise])
    common.add_argument("-c", "--config", type=Path,
                        help="path to config.yml (default: ./config.yml)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, parents: list | None = None) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=parents or [common], help=help_text,
                              description=textwrap.fill(help_text, 79),
                              epilog="Examples:\n  " + EXAMPLES[name] + "\n\n" + EXIT_CODES,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    def site_options(cmd: argparse.ArgumentParser, what: str) -> None:
        cmd.add_argument("--output", type=Path, help=f"{what} (overrides output_dir)")
        cmd.add_argument("--base-url", help="path the site is served under, e.g. /my-review/ "
                         "(overrides base_url)")
        cmd.add_argument("--site-url", help="absolute address of the published site, e.g. "
                         "https://you.github.io/my-review/ (overrides site_url)")

    imp = command("import", "Turn every dump into one Markdown page per paper, keeping your edits.")
    imp.add_argument("--strict", action="store_true",
                     help="exit with status 1 when any dump or page gave a warning")
    build = command("build", "Import, then render the whole site into the output folder.")
    site_options(build, "output folder")
    build.add_argument("--strict", action="store_true",
                       help="exit with status 1 when the import gave a warning")
    build.add_argument("--no-wait", action="store_true",
                       help="exit with status 2 at once if another build of this site runs, "
                       "rather than wait for it")
    serve = command("serve", "Build, serve the site on 127.0.0.1 under base_url, and rebuild "
                    "and reload open pages whenever content, dumps, theme or config change.")
    site_options(serve, "output folder")
    serve.add_argument("--port", type=_port, default=8000,
                       help="port on 127.0.0.1 (default: 8000; 0 picks a free one)")
    check = command("check", "Check the built site: broken links and assets, links leaving "
                    "base_url, missing alt text and labels, duplicate ids, sitemap coverage.")
    site_options(check, "built site to check")
    check.add_argument("--json", action="store_true",
                       help="print the report as JSON on stdout (sorted, one line)")
    enrich = command("enrich", "Look papers without an arXiv id up on Hugging Face Papers by "
                     "title (needs network access) and write the id and author names of exact "
                     "title matches into their pages; never run by build.")
    enrich.add_argument("--dry-run", action="store_true",
                        help="look up and report, write no page")
    enrich.add_argument("--api-url", metavar="URL",
                        help="Hugging Face address (default: $SITEGEN_HF_URL or "
                             "https://huggingface.co)")
    tags = command("tags", "Explain a paper's tags: which taxonomy phrases matched where, each "
                   "tag's strength, and which tags were added by hand.")
    tags.add_argument("paper", metavar="PAPER",
                      help="the paper's slug or the path of its page")
    new = command("new", "Create a new review in DIR: config, sample dump, home page, "
                  "GitHub Pages workflow; it builds at once.", parents=[noise])
    new.add_argument("dir", type=Path, metavar="DIR", help="folder to create (new or empty)")
    new.add_argument("--title", help="site title (default: from the folder name)")
    new.add_argument("--install", metavar="REQUIREMENT",
                     help="pip requirement GitHub Actions installs sitegen with, written to "
                          "requirements.txt (default: where this sitegen came from, if public)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _setup_logging(args.verbosity)
    try:
        return _run(args)
    except SitegenError as exc:
        log.error("%s", exc)
        return 2
    except KeyboardInterrupt:
        log.error("interrupted; the previous site and pages are unchanged")
        return 130
    except Exception as exc:
        log.debug("traceback", exc_info=True)
        message = _os_error(exc) if isinstance(exc, OSError) else None
        if message:  # a full disk, a folder without permission: the user's to fix
            log.error("%s", message)
            return 2
        log.error("internal error: %s: %s (a bug in sitegen: run the command again with -v "
                  "for the traceback, and report it)", type(exc).__name__, exc)
        return 3


def _os_error(exc: OSError) -> str | None:
    """One line for a file system error, naming the path; None when no path is known and
    it is no disk's fault (then it is ours)."""
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
    name = (exc.filename2 if full else None) or exc.filename  # copies: filename2 is the target
    if name is None:
        return ("no space left on the disk (nothing was replaced: the previous site and your "
                "pages are as they were; free some space, then run the command again)"
                if full else None)
    path = Path(os.fsdecode(name))
    if full:
        folder = path.parent
        for parent in (path, *path.parents):  # the output is written beside it, then swapped
            if parent.name.endswith(".staging"):
                folder = parent.with_name(parent.name.removesuffix(".staging"))
        return (f"{_shown(folder)}: no space left on the disk holding this folder (nothing was "
                "replaced: the previous site and your pages are as they were; free some space, "
                "then run the command again)")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        if not path.exists():  # a file it was creating (a temporary one): the folder refused
            path = path.parent
        return (f"{_shown(path)}: {exc.strerror} (sitegen may not write or read there: change "
                "the permissions, or set another folder in config.yml)")
    return f"{_shown(path)}: {exc.strerror} (check the path, its permissions and free space)"


def _port(text: str) -> int:
    port = int(text) if text.strip().isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port (a whole number from 0 to "
                                         "65535; 0 picks a free one)")
    return port


def _config(args: argparse.Namespace, *needed: str) -> Config:
    """config.yml with the command's flags; a -c file that does not exist is refused (only
    the default one may be missing), as is a missing folder the command reads."""
    if args.config is not None and not args.config.is_file():
        raise SitegenError(f"{args.config}: no config file there (check the -c path, or leave "
                           f"-c out to use ./{CONFIG_NAME})")
    config = load_config(args.config or CONFIG_NAME,
                         **(_overrides(args) if "output" in args else {}))
    for key in needed:
        require_folder(config, key)
    return config


def _overrides(args: argparse.Namespace) -> dict:
    return {"output_dir": args.output, "base_url": args.base_url, "site_url": args.site_url}


def _run(args: argparse.Namespace) -> int:
    if args.command == "import":
        from sitegen.importer import import_dumps

        report = import_dumps(_config(args))
        return 1 if args.strict and report.problems else 0
    if args.command == "build":
        from sitegen.build import build_site

        return build_site(_config(args, "content_dir"), strict=args.strict,
                          wait=not args.no_wait)
    if args.command == "serve":
        from sitegen.serve import serve

        _config(args, "content_dir")  # stop before serving: serve() reads it on every change
        return serve(args.config or Path(CONFIG_NAME), _overrides(args), port=args.port)
    if args.command == "check":
        return _check(args)
    if args.command == "new":
        return _new(args)
    if args.command == "tags":
        return _explain_tags(_config(args), args.paper)
    if args.command == "enrich":
        from sitegen.enrich import enrich, log_report

        report = enrich(_config(args), dry_run=args.dry_run, api_url=args.api_url)
        log_report(report, args.dry_run, _shown)
        return 0
    raise AssertionError(args.command)


def _explain_tags(config: Config, paper: str) -> int:
    from sitegen.config import resolve
    from sitegen.paper_files import read_page
    from sitegen.tagging import MOST, STRONG, Tagger

    path = Path(paper)
    if not path.is_file():
        path = resolve(config, config.papers_dir) / f"{Path(paper).stem}.md"
    if not path.is_file():
        raise SitegenError(f"{paper}: no such paper page (give a slug from "
                           f"{config.papers_dir}/ or the path of a page)")
    found, _ = read_page(path)
    tagger = Tagger(config.taxonomy)
    lines = [f"{_shown(path)}: {', '.join(found.tag_slugs) or 'no tags'}"]
    matched = tagger.explain(found.title, found.abstract)
    for tag, strength, where in matched:
        has = "has it" if tagger.slugs[tag] in found.tag_slugs else "not given"
        lines.append(f"  {tag}: strength {strength} ({has}): {'; '.join(where)}")
    for slug in found.tag_slugs:
        if slug not in {tagger.slugs[t] for t, _, _ in matched}:
            lines.append(f"  {slug}: added by hand (no taxonomy phrase of it in the text)")
    lines.append(f"A tag needs strength {STRONG} (a phrase in the title counts 3, each one in "
                 f"the abstract 1); a paper gets its {MOST} strongest at most.")
    print("\n".join(lines))
    return 0


def _check(args: argparse.Namespace) -> int:
    from sitegen.build import Progress
    from sitegen.check import check_site
    from sitegen.config import resolve

    config = _config(args)
    folder = resolve(config, config.output_dir)
    report = check_site(folder, config.base_url, config.site_url, Progress("check"))
    shown = _shown(folder)
    if args.json:
        print(json.dumps(report.as_json(), sort_keys=True, separators=(",", ":")))
    else:
        for problem in report.problems:
            print(problem.text(shown))
    counts = ", ".join(f"{n} {kind}" for kind, n in report.counts().items())
    summary = f"checked {report.pages} pages and {report.files} files in {shown}"
    if report.problems:
        log.warning("%s: %d problem(s) (%s)", summary, len(report.problems), counts)
        return 1
    log.info("%s: no problems", summary)
    return 0


def _new(args: argparse.Namespace) -> int:
    from sitegen.scaffold import REQUIREMENTS, install_requirement, new_site

    requirement = args.install or install_requirement()
    written = new_site(args.dir, args.title, requirement)
    folder = _shown(args.dir)
    log.info("created %s: %s", folder, ", ".join(sorted(
        p.relative_to(args.dir).as_posix() for p in written)))
    if not requirement:
        log.warning("%s: names no sitegen for GitHub Actions to install (add its pip "
                    "requirement before publishing, or pass --install to sitegen new)",
                    folder / REQUIREMENTS)
    log.info("next: cd %s && sitegen serve", folder)
    return 0


def _shown(path: Path) -> Path:
    """`path` relative to the working folder when inside it: shorter messages."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path
