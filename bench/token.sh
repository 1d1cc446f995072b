#!/usr/bin/env bash
# Token benchmarks (issue 3): how fast the token endpoint issues client_credentials
# tokens, and whether the entity read keeps its ratio to a static route when the bearer
# token is a real one from the token endpoint rather than the development endpoint.
# Numbers for notes, never a pass/fail test.
#
#   bench/token.sh [RESULTS_MD]     appends a section to RESULTS_MD
#                                   (default bench/out/token.md; scripts/bench.sh token
#                                   passes bench/out/results.md)
#
# Setup as an operator would do it: `serve --dev --demo-size small` on SQLite in a fresh
# data folder (the demo roster to read), then `edugraph app create --json` and
# `edugraph app consent` against that folder while the server runs.
# Runs (wrk, 2 threads, 32 connections, BENCH_DURATION each, default 10s):
#   t-issue      POST /{tenant}/oauth2/v2.0/token, client_credentials (bench/token.lua)
#   t-mint       POST /_edugraph/tokens (signing alone, the reference for t-issue)
#   t-static     GET /_edugraph/version
#   t-user       GET /v1.0/education/users/{id}, token from the token endpoint
#   t-user-dev   the same read, token from POST /_edugraph/tokens (for comparison)
# EDUGRAPH_BENCH_BIN names the release binary (scripts/bench.sh sets it); otherwise it is
# built here. Only loopback addresses are loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out="$root/bench/out"
results=${1:-$out/token.md}
duration=${BENCH_DURATION:-10s}
threads=2
connections=32
mkdir -p "$out"

if ! command -v wrk >/dev/null; then
  echo "== token bench: installing wrk from Debian's packages"
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
bin=${EDUGRAPH_BENCH_BIN:-}
if [ -z "$bin" ]; then
  echo "== token bench: building the release binary"
  cargo build --release --locked -p edugraph-server --bin edugraph
  bin="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/edugraph"
fi

work=$(mktemp -d)
data="$work/data"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
log="$work/server.log"
"$bin" serve --dev --demo-size small --data-dir "$data" --listen "127.0.0.1:$port" \
  --log-format json >"$log" 2>&1 &
server_pid=$!
deadline=$((SECONDS + 120))
until curl -fsS --max-time 5 "$base/_edugraph/health" >/dev/null 2>&1; do
  if ! kill -0 "$server_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
    echo "the server did not become healthy:"; tail -n 40 "$log"; exit 1
  fi
  sleep 0.2
done

# The app, registered and consented from the command line against the live data folder.
tenant=$("$bin" tenant list --json --data-dir "$data" | json_field '[0]["tenantId"]')
app=$("$bin" app create --data-dir "$data" --tenant "$tenant" --name "token bench daemon" \
  --permissions EduRoster.Read.All --json)
client_id=$(json_field '["clientId"]' <<<"$app")
client_secret=$(json_field '["clientSecret"]' <<<"$app")
"$bin" app consent "$client_id" --data-dir "$data" --json >/dev/null
token_url="$base/$tenant/oauth2/v2.0/token"

token=$(curl -fsS "$token_url" -d grant_type=client_credentials --data-urlencode "client_id=$client_id" \
  --data-urlencode "client_secret=$client_secret" --data-urlencode "scope=https://graph.microsoft.com/.default" |
  json_field '["access_token"]')
dev_token=$(curl -fsS -X POST "$base/_edugraph/tokens" -H 'content-type: application/json' \
  -d '{"app": true, "roles": ["EduRoster.Read.All"]}' | json_field '["access_token"]')
user_id=$(curl -fsS -H "Authorization: Bearer $token" "$base/v1.0/education/users?\$top=1&\$select=id" |
  json_field '["value"][0]["id"]')

# run LABEL SCRIPT URL [wrk args...]: one wrk run; leaves its RESULT fields in r_*.
run() {
  local label=$1 script=$2 url=$3 line field
  shift 3
  echo "-- $label"
  BENCH_CLIENT_ID="$client_id" BENCH_CLIENT_SECRET="$client_secret" \
    wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$script" "$@" "$url" | tee "$out/$label.txt"
  line=$(grep '^RESULT ' "$out/$label.txt")
  for field in rps p50_us p99_us non2xx socket_errors; do
    printf -v "r_$field" '%s' "$(sed -n "s/.* $field=\([0-9.]*\).*/\1/p" <<<"$line")"
  done
  if [ "$r_non2xx" != 0 ] || [ "$r_socket_errors" != 0 ]; then
    echo "warning: $label had $r_non2xx non-2xx responses and $r_socket_errors socket errors"
  fi
}
ms() { awk -v us="$1" 'BEGIN {printf "%.2f", us / 1000}'; }
row() { echo "| $1 | $r_rps | $(ms "$r_p50_us") | $(ms "$r_p99_us") | $r_non2xx |"; }

# Idle share of all cores over 2 s before the runs: anything else running skews the rates.
cpu_idle() {
  local a b
  a=($(head -n 1 /proc/stat)); sleep 2; b=($(head -n 1 /proc/stat))
  awk -v i="$((b[4] + b[5] - a[4] - a[5]))" \
    -v t="$((b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + b[7] + b[8] - a[1] - a[2] - a[3] - a[4] - a[5] - a[6] - a[7] - a[8]))" \
    'BEGIN {printf "%.0f%%", 100 * i / t}'
}
idle=$(cpu_idle)
echo "== token bench against $base (CPU idle before the runs: $idle)"
duration=3s run t-warmup bench/wrk.lua "$base/v1.0/education/users/$user_id" \
  -H "Authorization: Bearer $token" >/dev/null
run t-issue bench/token.lua "$token_url"
issue_row=$(row "POST /{tenant}/oauth2/v2.0/token (client_credentials)")
issue_rps=$r_rps
BENCH_MINT=dev run t-mint bench/token.lua "$base/_edugraph/tokens"
mint_row=$(row "POST /_edugraph/tokens (reference: signing only, no client check, no audit)")
run t-static bench/wrk.lua "$base/_edugraph/version"
static_row=$(row "GET /_edugraph/version (static JSON)")
static_rps=$r_rps
run t-user bench/wrk.lua "$base/v1.0/education/users/$user_id" -H "Authorization: Bearer $token"
user_row=$(row "GET /v1.0/education/users/{id}, token from the token endpoint")
user_rps=$r_rps
run t-user-dev bench/wrk.lua "$base/v1.0/education/users/$user_id" -H "Authorization: Bearer $dev_token"
dev_row=$(row "GET /v1.0/education/users/{id}, token from /_edugraph/tokens")
dev_rps=$r_rps

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
real_ratio=$(ratio "$user_rps" "$static_rps")
dev_ratio=$(ratio "$dev_rps" "$static_rps")
verdict=$(awk -v r="$real_ratio" 'BEGIN {print (r >= 0.5) ? "yes" : "**no**"}')
echo "issuance: $issue_rps tokens/s; read with a real token: $user_rps req/s (ratio $real_ratio), dev token: $dev_rps req/s (ratio $dev_ratio)"
{
  echo
  echo "## (t) Token issuance, and reads with a real signed token (small demo)"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) cores;"
  echo "wrk -t$threads -c$connections -d$duration on the same machine; CPU idle just before the runs: $idle."
  echo "The app was registered with \`edugraph app create\` and consented with \`edugraph app consent\`;"
  echo "every issued token is RS256-signed and audited (appSignIn) in the SQLite store."
  echo
  echo "| route | requests/s | p50 ms | p99 ms | non-2xx |"
  echo "|---|---:|---:|---:|---:|"
  echo "$issue_row"
  echo "$mint_row"
  echo "$static_row"
  echo "$user_row"
  echo "$dev_row"
  echo
  echo "Client-credentials issuance: **$issue_rps tokens/s**."
  echo "Ratio entity/static with the token endpoint's token: **$real_ratio** (target ≥ 0.5: $verdict);"
  echo "with the development endpoint's token: $dev_ratio."
} >>"$results"
echo "== token bench: section appended to $results"
