#!/usr/bin/env bash
# The compatibility suite: the real `edugraph` binary, driven by the official Python Graph
# SDK (compat/, pinned in compat/requirements.txt).
#
#   scripts/compat.sh [pytest args...]      e.g. scripts/compat.sh -k delta -x
#
# 1. prepares the virtual environment and builds the binary (scripts/python-env.sh);
# 2. starts `edugraph serve --in-memory --dev` on a free loopback port, waits for
#    /_edugraph/health, mints an app token with POST /_edugraph/tokens;
# 3. runs pytest, then stops the server whatever happened. The MSAL tests
#    (compat/test_msal.py) start their own HTTPS instance of the same binary
#    (EDUGRAPH_BIN) on a fresh data folder, and stop it themselves.
# 4. runs compat/sds (School Data Sync, retired from the SDK) as a second pytest against
#    the same server, with msgraph-beta-sdk 1.18.0 ($sds_sdk) first on PYTHONPATH: it is
#    the package `msgraph_beta` like the current pin, so the two cannot share a process.
#    It runs last because its sync, like any SDS sync, deactivates the tenant's `sis`
#    users that its files do not list (the demo data the other tests read).
# The pytest arguments go to both runs; a run they select nothing in (pytest's exit
# status 5) is no failure as long as the other selected something.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

. scripts/python-env.sh

port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
work=$(mktemp -d)
log="$work/server.log"

"$bin" serve --in-memory --dev --listen "127.0.0.1:$port" >"$log" 2>&1 &
server_pid=$!
stop_server() {
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop_server EXIT

show_log() {
  echo "---- server log (last 60 lines) ----"
  tail -n 60 "$log" || true
}

echo "== compat: waiting for $base/_edugraph/health"
deadline=$((SECONDS + 120))
until curl -fsS "$base/_edugraph/health" >/dev/null 2>&1; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited before it became healthy"
    show_log
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "the server did not become healthy within 120 s"
    show_log
    exit 1
  fi
  sleep 0.2
done

token=$(curl -fsS -X POST "$base/_edugraph/tokens" -H 'content-type: application/json' \
  -d '{"app": true, "roles": ["EduRoster.ReadWrite.All"]}' |
  "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin).get("access_token") or "")') || token=
if [ -z "$token" ]; then
  echo "could not obtain an app token from $base/_edugraph/tokens"
  show_log
  exit 1
fi

echo "== compat: pytest against $base"
pytest_run() {
  EDUGRAPH_URL="$base" EDUGRAPH_APP_TOKEN="$token" EDUGRAPH_BIN="$bin" \
    "$venv/bin/python" -m pytest -c "$root/compat/pytest.ini" --rootdir "$root/compat" "$@"
}
status=0
pytest_run --ignore "$root/compat/sds" "$root/compat" "$@" || status=$?
echo "== compat: School Data Sync with msgraph-beta-sdk 1.18.0 ($sds_sdk)"
sds_status=0
PYTHONPATH="$root/$sds_sdk${PYTHONPATH:+:$PYTHONPATH}" pytest_run "$root/compat/sds" "$@" || sds_status=$?
# Exit status 5 (no test selected, e.g. `-k` naming only tests of the other run) is no
# failure unless both runs selected nothing.
if [ "$status" -eq 5 ] && [ "$sds_status" -ne 5 ]; then
  status=0
fi
if [ "$sds_status" -ne 5 ] && [ "$status" -eq 0 ]; then
  status=$sds_status
fi
if [ "$status" -ne 0 ]; then
  show_log
fi
exit "$status"
