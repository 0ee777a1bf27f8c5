"""Command line: the only place that turns SitegenError into a one-line message and exit code.

Exit codes: 0 success (warnings may have been printed); 1 the command ran but found problems
it was asked to fail on (--strict, broken links); 2 it could not run (bad config, bad
arguments, unreadable content); 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sitegen import __version__
from sitegen.config import CONFIG_NAME, load_config
from sitegen.errors import SitegenError

log = logging.getLogger("sitegen")

EXAMPLES = {
    "import": "sitegen import               # content/dumps/*.txt -> content/papers/*.md\n"
              "  sitegen import --strict      # fail (exit 1) on any warning, e.g. in CI",
    "build": "sitegen build                # import, then write the site to _site/\n"
             "  sitegen build --base-url /my-review/ --output public",
}


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
        return text


def _setup_logging(verbosity: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(colour=sys.stderr.isatty()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel({-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen",
        description="Static literature-review sites from paper-listing dumps.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples:\n  " + "\n  ".join(EXAMPLES.values()),
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", default=CONFIG_NAME, type=Path,
                        help="path to config.yml (default: ./config.yml)")
    noise = common.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_const", const=-1, dest="verbosity",
                       default=0, help="only warnings and errors")
    noise.add_argument("-v", "--verbose", action="store_const", const=1, dest="verbosity",
                       help="more detail")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_text, description=help_text,
                              epilog="Example:\n  " + EXAMPLES[name],
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    imp = command("import", "Turn every dump into one Markdown page per paper, keeping your edits.")
    imp.add_argument("--strict", action="store_true",
                     help="exit with status 1 when any dump or page gave a warning")
    build = command("build", "Import, then render the whole site into the output folder.")
    build.add_argument("--output", type=Path, help="output folder (overrides output_dir)")
    build.add_argument("--base-url", help="path the site is served under, e.g. /my-review/")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _setup_logging(args.verbosity)
    try:
        if args.command == "import":
            from sitegen.importer import import_dumps

            config = load_config(args.config)
            report = import_dumps(config)
            return 1 if args.strict and report.problems else 0
        if args.command == "build":
            from sitegen.build import build_site

            config = load_config(args.config, output_dir=args.output, base_url=args.base_url)
            return build_site(config)
    except SitegenError as exc:
        log.error("%s", exc)
        return 2
    except KeyboardInterrupt:
        log.error("interrupted; the previous site and pages are unchanged")
        return 130
    return 0
