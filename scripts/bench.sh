#!/usr/bin/env bash
# The issue's performance measurements; they produce numbers for notes, never a pass/fail
# test. Writes bench/out/results.md (and the raw wrk output beside it).
#
#   scripts/bench.sh            all parts
#   scripts/bench.sh a          only (a): entity read vs static route, small demo
#   scripts/bench.sh b          only (b): the generated district
#   scripts/bench.sh token      only (t): client_credentials issuance, and (a)'s read
#                               with a token from the token endpoint (bench/token.sh)
#   scripts/bench.sh l          only (l): a class's members page vs the same bytes from the
#                               reference server
#   scripts/bench.sh s          only (s): sign-in cost: peak memory of a 200-request
#                               wrong-password burst, and known vs unknown account
#                               latency (bench/signin.py)
#   scripts/bench.sh p          only (p): 200 concurrent PATCHes of one user, each setting
#                               another property: throughput, p99, all applied
#                               (bench/patch.py)
#   scripts/bench.sh i          only (i): School Data Sync from files: the generated
#                               district imported, re-imported unchanged and with a 1 %
#                               change, on SQLite and PostgreSQL, beside sqlite3 .import
#                               of the same files (bench/import.sh)
#
# (a) `serve --dev --demo-size small` on SQLite (a file in a temporary data folder) with
#     the default log level (EDUGRAPH_LOG and RUST_LOG unset); wrk at 32 connections
#     against the reference server (bench/refserver: bare axum, a static JSON body, built
#     from this repo), GET /_edugraph/version (static JSON through the server's whole
#     middleware stack) and an authenticated GET /v1.0/education/users/{id}; prints the
#     three rates and their ratios (target: the entity read reaches at least half the
#     reference's rate).
# (b) `serve --dev --demo-size district` on SQLite; time from start to healthy (seeding);
#     wrk at 32 connections, --latency, rotating over every class's members and every
#     student's `$filter=student/externalId eq '...'` (targets: p99 < 10 ms); peak
#     resident memory of the server while under load, from /proc (target < 150 MB).
#
# BENCH_DURATION (default 10s) sets each wrk run's length. BENCH_BIN_DIR names a folder
# holding already built release binaries `edugraph` and `refserver` (no build then). Installs wrk from Debian's
# packages when it is missing. Only loopback addresses are ever loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
parts=${1:-abltspi}
duration=${BENCH_DURATION:-10s}
threads=2
connections=32
out="$root/bench/out"
mkdir -p "$out"

if ! command -v wrk >/dev/null; then
  echo "== bench: installing wrk from Debian's packages"
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

if [ -n "${BENCH_BIN_DIR:-}" ]; then
  # Binaries kept from an earlier build (to measure before and after a change alike).
  bin="$BENCH_BIN_DIR/edugraph"
  ref_bin="$BENCH_BIN_DIR/refserver"
else
  echo "== bench: building the release binaries (server and bench/refserver)"
  cargo build --release --locked -p edugraph-server -p edugraph-bench-ref --bin edugraph --bin refserver
  target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  bin="$target_dir/release/edugraph"
  ref_bin="$target_dir/release/refserver"
fi

work=$(mktemp -d)
server_pid=""
sampler_pid=""
stop_server() {
  if [ -n "$sampler_pid" ]; then kill "$sampler_pid" 2>/dev/null || true; wait "$sampler_pid" 2>/dev/null || true; fi
  sampler_pid=""
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server NAME SIZE: starts the release binary on SQLite in a fresh data folder and
# waits until /_edugraph/health answers; sets base, server_pid, startup_secs.
start_server() {
  local name=$1 size=$2 port started
  port=$(free_port)
  base="http://127.0.0.1:$port"
  log="$work/$name.log"
  started=$(date +%s.%N)
  "$bin" serve --dev --demo-size "$size" --data-dir "$work/$name-data" --listen "127.0.0.1:$port" \
    --log-format json >"$log" 2>&1 &
  server_pid=$!
  # Seeding the district takes a while; the port is bound first, so poll with a timeout.
  until curl -fsS --max-time 5 "$base/_edugraph/health" >/dev/null 2>&1; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the server exited during start-up:"; tail -n 40 "$log"; exit 1
    fi
    if (($(date +%s) - ${started%.*} > 900)); then
      echo "the server did not become healthy within 15 minutes"; tail -n 40 "$log"; exit 1
    fi
    sleep 0.5
  done
  startup_secs=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
  token=$(curl -fsS -X POST "$base/_edugraph/tokens" -H 'content-type: application/json' \
    -d '{"app": true, "roles": ["EduRoster.Read.All"]}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
}

# start_ref LOGNAME [refserver args]: starts bench/refserver on a free port and waits until
# it answers; sets ref_port and ref_pid. stop_ref stops it.
start_ref() {
  local log="$work/$1.log"
  shift
  ref_port=$(free_port)
  "$ref_bin" --listen "127.0.0.1:$ref_port" "$@" >"$log" 2>&1 &
  ref_pid=$!
  trap 'kill "$ref_pid" 2>/dev/null || true; stop_server; rm -rf "$work"' EXIT
  until curl -fsS --max-time 2 "http://127.0.0.1:$ref_port/" >/dev/null 2>&1; do
    kill -0 "$ref_pid" 2>/dev/null || { echo "refserver exited:"; cat "$log"; exit 1; }
    sleep 0.2
  done
}
stop_ref() {
  kill "$ref_pid" 2>/dev/null || true
  wait "$ref_pid" 2>/dev/null || true
  trap 'stop_server; rm -rf "$work"' EXIT
}

# Peak VmRSS (kB) of the server, sampled every 100 ms into $work/rss while it runs.
start_sampler() {
  : >"$work/rss"
  (while kill -0 "$server_pid" 2>/dev/null; do
    awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status" 2>/dev/null >>"$work/rss" || true
    sleep 0.1
  done) &
  sampler_pid=$!
}
peak_rss_mb() { sort -n "$work/rss" | tail -n 1 | awk '{printf "%.1f", $1 / 1024}'; }
hwm_mb() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$server_pid/status"; }

# bench LABEL URL [PATHS_FILE]: one wrk run; leaves its RESULT fields in r_* variables.
bench() {
  local label=$1 url=$2 paths=${3:-}
  echo "-- $label"
  BENCH_PATHS="$paths" wrk -t"$threads" -c"$connections" -d"$duration" --latency -s bench/wrk.lua \
    -H "Authorization: Bearer $token" "$url" | tee "$out/$label.txt"
  local line
  line=$(grep '^RESULT ' "$out/$label.txt")
  for field in rps p50_us p99_us non2xx socket_errors; do
    printf -v "r_$field" '%s' "$(sed -n "s/.* $field=\([0-9.]*\).*/\1/p" <<<"$line")"
  done
  if [ "$r_non2xx" != 0 ] || [ "$r_socket_errors" != 0 ]; then
    echo "warning: $label had $r_non2xx non-2xx responses and $r_socket_errors socket errors"
  fi
}
ms() { awk -v us="$1" 'BEGIN {printf "%.2f", us / 1000}'; }
verdict() { if awk "BEGIN {exit !($1)}"; then echo yes; else echo "**no**"; fi; }

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
{
  echo "# edugraph benchmarks"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown);"
  echo "machine: $(nproc) cores ($cpu), $mem; release build; SQLite store in a temporary folder;"
  echo "load: wrk -t$threads -c$connections -d$duration on the same machine (it shares the cores with the server);"
  echo "the server logs every request (JSON, to a file), as it does by default."
} >"$out/results.md"

if [[ $parts == *a* ]]; then
  echo "== bench (a): entity read vs static route and the bare axum reference (small demo)"
  # Default settings: the per-request log at its default level is part of what is measured.
  unset EDUGRAPH_LOG RUST_LOG
  start_server small small
  start_ref refserver
  user_id=$(curl -fsS -H "Authorization: Bearer $token" "$base/v1.0/education/users?\$top=1&\$select=id" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["value"][0]["id"])')
  duration=3s bench warmup-a "$base/v1.0/education/users/$user_id" >/dev/null
  bench a-ref "http://127.0.0.1:$ref_port/"
  ref_rps=$r_rps ref_p50=$r_p50_us ref_p99=$r_p99_us ref_err=$r_non2xx
  stop_ref
  bench a-static "$base/_edugraph/version"
  static_rps=$r_rps static_p50=$r_p50_us static_p99=$r_p99_us static_err=$r_non2xx
  bench a-user "$base/v1.0/education/users/$user_id"
  user_rps=$r_rps user_p50=$r_p50_us user_p99=$r_p99_us user_err=$r_non2xx
  # For reading the ratio: one trivial store round trip, no token, no JSON document.
  bench a-health "$base/_edugraph/health"
  health_rps=$r_rps health_p50=$r_p50_us health_p99=$r_p99_us health_err=$r_non2xx
  stop_server
  ratio=$(awk -v u="$user_rps" -v s="$static_rps" 'BEGIN {printf "%.2f", u / s}')
  ref_ratio=$(awk -v u="$user_rps" -v r="$ref_rps" 'BEGIN {printf "%.2f", u / r}')
  static_ref_ratio=$(awk -v s="$static_rps" -v r="$ref_rps" 'BEGIN {printf "%.2f", s / r}')
  echo "reference: $ref_rps req/s; static: $static_rps req/s; users/{id}: $user_rps req/s"
  echo "users/{id} / reference: $ref_ratio (target >= 0.5); static / reference: $static_ref_ratio; users/{id} / static: $ratio"
  {
    echo
    echo "## (a) Authenticated entity read vs a static route (small demo)"
    echo
    echo "| route | requests/s | p50 ms | p99 ms | non-2xx |"
    echo "|---|---:|---:|---:|---:|"
    echo "| reference: bare axum, static JSON (bench/refserver) | $ref_rps | $(ms "$ref_p50") | $(ms "$ref_p99") | $ref_err |"
    echo "| GET /_edugraph/version (static JSON) | $static_rps | $(ms "$static_p50") | $(ms "$static_p99") | $static_err |"
    echo "| GET /v1.0/education/users/{id} (bearer token) | $user_rps | $(ms "$user_p50") | $(ms "$user_p99") | $user_err |"
    echo "| GET /_edugraph/health (reference: one trivial store query) | $health_rps | $(ms "$health_p50") | $(ms "$health_p99") | $health_err |"
    echo
    echo "Ratio entity/reference: **$ref_ratio** (target ≥ 0.5: $(verdict "$ref_ratio >= 0.5"));"
    echo "static/reference: $static_ref_ratio; entity/static: $ratio. Default log level (one line per request)."
  } >>"$out/results.md"
fi

if [[ $parts == *b* ]]; then
  echo "== bench (b): generated district"
  start_server district district
  seeded=$(python3 - "$log" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    try:
        record = json.loads(line)
    except ValueError:
        continue
    fields = record.get("fields", record)
    if "seeded" in str(fields.get("message", "")):
        print(f"{fields.get('entities', '?')} entities, {fields.get('links', '?')} links")
        break
EOF
)
  echo "healthy after ${startup_secs}s ($seeded)"
  python3 bench/collect.py "$base" "$token" "$work"
  start_sampler
  bench b-members "$base/v1.0/education/classes" "$work/members.paths"
  members_p50=$r_p50_us members_p99=$r_p99_us members_rps=$r_rps members_err=$r_non2xx
  bench b-filter "$base/v1.0/education/users" "$work/filter.paths"
  filter_p50=$r_p50_us filter_p99=$r_p99_us filter_rps=$r_rps filter_err=$r_non2xx
  peak=$(peak_rss_mb)
  hwm=$(hwm_mb)
  stop_server
  {
    echo
    echo "## (b) District: 239 schools, 8,400 teachers, 57,000 students, 26,000 classes"
    echo
    echo "Seeded on start: $seeded; start to healthy (seeding included): ${startup_secs} s."
    echo "Requests rotate over all 26,000 classes / 57,000 students (bench/wrk.lua)."
    echo
    echo "| route | requests/s | p50 ms | p99 ms | p99 < 10 ms | non-2xx |"
    echo "|---|---:|---:|---:|:-:|---:|"
    echo "| GET /v1.0/education/classes/{id}/members | $members_rps | $(ms "$members_p50") | $(ms "$members_p99") | $(verdict "$members_p99 < 10000") | $members_err |"
    echo "| GET /v1.0/education/users?\$filter=student/externalId eq '…' | $filter_rps | $(ms "$filter_p50") | $(ms "$filter_p99") | $(verdict "$filter_p99 < 10000") | $filter_err |"
    echo
    echo "Resident memory of the server: peak under load **$peak MB** (target < 150 MB: $(verdict "$peak < 150"));"
    echo "high-water mark since start, seeding included (VmHWM): $hwm MB."
  } >>"$out/results.md"
fi

if [[ $parts == *l* ]]; then
  echo "== bench (l): a list page vs the same bytes served by the reference server"
  # The class with the most members among the first forty of the small demo (about
  # twenty), its members page captured to a file the reference server serves byte for byte.
  unset EDUGRAPH_LOG RUST_LOG
  start_server list small
  class_id=$(python3 - "$base" "$token" <<'EOF'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    return urllib.request.urlopen(req).read()
classes = json.loads(get("/v1.0/education/classes?$select=id&$top=40"))["value"]
sizes = [(int(get("/v1.0/education/classes/" + c["id"] + "/members/$count")), c["id"]) for c in classes]
print(max(sizes)[1])
EOF
)
  members_url="$base/v1.0/education/classes/$class_id/members"
  curl -fsS -H "Authorization: Bearer $token" "$members_url" -o "$work/members.json"
  page_kb=$(awk -v b="$(wc -c <"$work/members.json")" 'BEGIN {printf "%.1f", b / 1024}')
  page_items=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["value"]))' "$work/members.json")
  start_ref refserver-list --file "$work/members.json"
  duration=3s bench warmup-l "$members_url" >/dev/null
  bench l-ref "http://127.0.0.1:$ref_port/"
  lref_rps=$r_rps lref_p50=$r_p50_us lref_p99=$r_p99_us
  stop_ref
  bench l-members "$members_url"
  lm_rps=$r_rps lm_p50=$r_p50_us lm_p99=$r_p99_us lm_err=$r_non2xx
  stop_server
  list_ratio=$(awk -v u="$lm_rps" -v r="$lref_rps" 'BEGIN {printf "%.2f", u / r}')
  echo "members page ($page_items members, $page_kb KB): $lm_rps req/s; same bytes from the reference: $lref_rps req/s; ratio $list_ratio"
  {
    echo
    echo "## (l) A list page vs the same bytes from bare axum (small demo)"
    echo
    echo "| route | requests/s | p50 ms | p99 ms | non-2xx |"
    echo "|---|---:|---:|---:|---:|"
    echo "| reference: bench/refserver serving the captured page ($page_kb KB) | $lref_rps | $(ms "$lref_p50") | $(ms "$lref_p99") | 0 |"
    echo "| GET /v1.0/education/classes/{id}/members ($page_items members) | $lm_rps | $(ms "$lm_p50") | $(ms "$lm_p99") | $lm_err |"
    echo
    echo "Ratio members/reference: **$list_ratio** (aim ≥ 0.3)."
  } >>"$out/results.md"
fi

if [[ $parts == *t* ]]; then
  echo "== bench (t): tokens"
  EDUGRAPH_BENCH_BIN="$bin" bench/token.sh "$out/results.md"
fi

if [[ $parts == *s* ]]; then
  echo "== bench (s): sign-in cost"
  python3 bench/signin.py "$bin" "$out/results.md"
fi

if [[ $parts == *p* ]]; then
  echo "== bench (p): 200 concurrent PATCHes of one entity"
  start_server patch small
  trap 'stop_server; rm -rf "$work"' EXIT
  write_token=$(curl -fsS -X POST "$base/_edugraph/tokens" -H 'content-type: application/json' \
    -d '{"app": true, "roles": ["EduRoster.ReadWrite.All"]}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  python3 bench/patch.py "$base" "$write_token" "$out/results.md"
  stop_server
fi

if [[ $parts == *i* ]]; then
  echo "== bench (i): School Data Sync from files"
  EDUGRAPH_BENCH_BIN="$bin" bench/import.sh "$out/results.md"
fi

echo
cat "$out/results.md"
