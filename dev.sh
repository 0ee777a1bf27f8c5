#!/usr/bin/env bash
# One entry point for a fresh clone; each command installs what it needs first.
#   ./dev.sh site    build the example site into _site/
#   ./dev.sh test    run the whole test suite (pytest args may follow)
set -euo pipefail
cd "$(dirname "$0")"

need_root() { # run a system install as root, or say what to run
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"
  else echo "dev.sh: please run as root: $*" >&2; exit 1; fi
}

setup_python() {
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,dev]'
}

setup_node() {
  if ! command -v npm >/dev/null; then
    need_root apt-get update -qq && need_root apt-get install -y -qq nodejs npm
  fi
  [ -f package-lock.json ] && npm ci --no-audit --no-fund --loglevel=error
  return 0
}

setup_browser() {
  # Playwright cannot download its own browser here: tests drive Debian's Chromium.
  if [ ! -x /usr/bin/chromium ]; then
    need_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive need_root apt-get install -y -qq chromium
  fi
}

case "${1:-}" in
  site) shift; setup_python; setup_node; .venv/bin/sitegen build "$@" ;;
  test) shift; setup_python; setup_node; setup_browser; .venv/bin/python -m pytest "$@" ;;
  *) sed -n '2,5p' "$0"; exit 2 ;;
esac
