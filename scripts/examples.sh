#!/usr/bin/env bash
# The README and docs examples, run as a reader would paste them (compat/examples.py):
# every shell and Python block of README.md and docs/*.md in order, against the real
# binary, each document in a fresh folder. A block fails the run unless it is marked
# `<!-- illustrative -->`.
#
#   scripts/examples.sh [FILE.md ...]      e.g. scripts/examples.sh docs/operator-api.md
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python-env.sh
echo "== examples: README.md and docs/*.md"
"$venv/bin/python" compat/examples.py "$bin" "$@"
