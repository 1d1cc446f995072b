#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this script):
#   0. formatting (cargo fmt --check) and lints (cargo clippy, warnings are errors);
#   1. unit, in-process HTTP and store-contract tests on SQLite (cargo test);
#   2. the store contract suite and the HTTP tests again on a throwaway PostgreSQL
#      cluster that scripts/pg-test-cluster.sh installs (if missing) and starts;
#   3. the compatibility suite: the real binary driven by the official Python Graph SDK;
#   4. the README and docs examples, run as written against the real binary
#      (scripts/examples.sh); a failing block fails the suite.
# Set EDUGRAPH_SKIP_COMPAT=1, EDUGRAPH_SKIP_PG=1 or EDUGRAPH_SKIP_EXAMPLES=1 to leave a
# stage out while iterating.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test (SQLite)"
cargo test --workspace --locked

if [ "${EDUGRAPH_SKIP_PG:-0}" != 1 ]; then
  echo "== cargo test (PostgreSQL)"
  scripts/pg-test-cluster.sh run -- cargo test --workspace --locked
fi

if [ "${EDUGRAPH_SKIP_COMPAT:-0}" != 1 ]; then
  echo "== compatibility suite (msgraph-sdk against the real binary)"
  scripts/compat.sh
fi
if [ "${EDUGRAPH_SKIP_EXAMPLES:-0}" != 1 ]; then
  echo "== README and docs examples (as written, against the real binary)"
  scripts/examples.sh
fi
echo "== all tests passed"
