#!/usr/bin/env bash
# Instructions per request under valgrind's callgrind: the measure docs/performance.md
# steers by, since wall-clock rates drift on a shared machine and instruction counts do not.
# Numbers for notes, never a pass/fail test.
#
#   bench/callgrind.sh BIN_DIR [N]
#
# BIN_DIR holds release builds of `edugraph` and `refserver`. Each server runs under
# callgrind with instrumentation off while it starts (the small demo is seeded), then per
# route: instrumentation on, 50 keep-alive requests of warm-up, counters zeroed, N (default
# 500) keep-alive requests, a dump; the figure is the dump's total instructions (every
# server thread, user space) divided by N. Routes: the reference's static JSON, the
# reference serving the captured members page, `/_edugraph/version` (static JSON through
# the whole middleware stack), the authenticated `users/{id}`, and `classes/{id}/members`
# of the class with the most members among the first forty (as `scripts/bench.sh l`).
# Profiles stay in bench/out/callgrind/ for `callgrind_annotate`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin_dir=${1:?usage: bench/callgrind.sh BIN_DIR [N]}
n=${2:-500}
out="$PWD/bench/out/callgrind"
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_up() { # URL PID
  until curl -fsS --max-time 5 "$1" >/dev/null 2>&1; do
    kill -0 "$2" 2>/dev/null || { echo "server exited"; exit 1; }
    sleep 1
  done
}

# drive PORT PATH COUNT [TOKEN]: COUNT keep-alive GETs on one connection, each answered 200.
drive() {
  python3 - "$@" <<'EOF'
import http.client, sys
port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
token = sys.argv[4] if len(sys.argv) > 4 else ""
headers = {"Authorization": "Bearer " + token} if token else {}
conn = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(count):
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"{path}: {r.status}")
EOF
}

# measure LABEL PID PORT PATH [TOKEN]: prints LABEL and instructions per request.
measure() {
  local label=$1 pid=$2 port=$3 path=$4 token=${5:-}
  callgrind_control --instr=on "$pid" >/dev/null 2>&1
  drive "$port" "$path" 50 "$token"
  callgrind_control -z "$pid" >/dev/null 2>&1
  drive "$port" "$path" "$n" "$token"
  callgrind_control --dump="$label" "$pid" >/dev/null 2>&1
  callgrind_control --instr=off "$pid" >/dev/null 2>&1
  local file total
  file=$(ls -t "$work"/cg."$pid".* | head -n 1)
  cp "$file" "$out/$label.callgrind"
  total=$(awk '/^(summary|totals):/ {print $2; exit}' "$file")
  awk -v t="$total" -v n="$n" -v l="$label" 'BEGIN {printf "%-28s %8.1fk instructions/request\n", l, t / n / 1000}'
}

start() { # LOGNAME ARGS...: starts a binary under callgrind; sets pid, port.
  local name=$1
  shift
  port=$(free_port)
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.%p" \
    "$@" --listen "127.0.0.1:$port" >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
}

unset EDUGRAPH_LOG RUST_LOG
start edugraph "$bin_dir/edugraph" serve --dev --demo-size small --data-dir "$work/data" --log-format json
srv_pid=$pid srv_port=$port
wait_up "http://127.0.0.1:$srv_port/_edugraph/health" "$srv_pid"
base="http://127.0.0.1:$srv_port"
token=$(curl -fsS -X POST "$base/_edugraph/tokens" -H 'content-type: application/json' \
  -d '{"app": true, "roles": ["EduRoster.Read.All"]}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
read -r user_id class_id < <(python3 - "$base" "$token" <<'EOF'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    return urllib.request.urlopen(req).read()
user = json.loads(get("/v1.0/education/users?$top=1&$select=id"))["value"][0]["id"]
classes = json.loads(get("/v1.0/education/classes?$select=id&$top=40"))["value"]
sizes = [(int(get("/v1.0/education/classes/" + c["id"] + "/members/$count")), c["id"]) for c in classes]
print(user, max(sizes)[1])
EOF
)
members="/v1.0/education/classes/$class_id/members"
curl -fsS -H "Authorization: Bearer $token" "$base$members" -o "$work/members.json"

measure static "$srv_pid" "$srv_port" /_edugraph/version
measure user "$srv_pid" "$srv_port" "/v1.0/education/users/$user_id" "$token"
measure members "$srv_pid" "$srv_port" "$members" "$token"

start ref "$bin_dir/refserver"
wait_up "http://127.0.0.1:$port/" "$pid"
measure ref "$pid" "$port" /
start ref-list "$bin_dir/refserver" --file "$work/members.json"
wait_up "http://127.0.0.1:$port/" "$pid"
measure ref-members "$pid" "$port" /
echo "members page: $(wc -c <"$work/members.json") bytes"
