#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store's contract tests.
#
#   scripts/pg-test-cluster.sh run -- CMD ARGS...   start a cluster, run CMD with
#                                                   EDUGRAPH_TEST_PG_URL set, then stop and
#                                                   delete the cluster (also on failure)
#   scripts/pg-test-cluster.sh start                start a cluster and print its URL; the
#                                                   data folder goes to standard error
#   scripts/pg-test-cluster.sh stop DIR             stop and delete a cluster from `start`
#
# Installs PostgreSQL from the distribution's packages (apt-get) when initdb/pg_ctl are
# missing. Works as root: the cluster then belongs to an unprivileged user (`postgres`,
# created if needed), because initdb refuses to run as root. Each call makes a fresh
# cluster in a temporary folder on a free port on 127.0.0.1, so calls never collide.
set -euo pipefail

log() { echo "pg-test-cluster: $*" >&2; }
die() { log "$*"; exit 1; }

# --- binaries ----------------------------------------------------------------------------

find_bindir() {
    local dir
    # Debian keeps the server binaries out of PATH, one folder per major version.
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
        echo "$dir"
    elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"
    fi
}

ensure_postgres() {
    BINDIR=$(find_bindir)
    [[ -n "$BINDIR" ]] && return
    [[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed; run this script as root to install it, or install the 'postgresql' package"
    command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is not available"
    log "installing PostgreSQL (apt-get install postgresql)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    BINDIR=$(find_bindir)
    [[ -n "$BINDIR" ]] || die "PostgreSQL was installed but initdb/pg_ctl were not found"
}

# --- running as the cluster's owner --------------------------------------------------------

OWNER=""
ensure_owner() {
    if [[ $(id -u) -ne 0 ]]; then
        return
    fi
    OWNER=postgres
    if ! id "$OWNER" >/dev/null 2>&1; then
        log "creating system user $OWNER"
        useradd --system --no-create-home --shell /usr/sbin/nologin "$OWNER"
    fi
}

as_owner() {
    if [[ -n "$OWNER" ]]; then
        runuser -u "$OWNER" -- "$@"
    else
        "$@"
    fi
}

# --- the cluster -------------------------------------------------------------------------

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_cluster() {
    ensure_postgres
    ensure_owner
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/edugraph-pg.XXXXXX")
    [[ -n "$OWNER" ]] && chown "$OWNER" "$DIR"
    # Trust auth on a loopback-only, throwaway cluster; durability off for speed.
    as_owner "$BINDIR/initdb" -D "$DIR/data" -U postgres --auth=trust --no-locale --encoding=UTF8 >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    local port tries=0
    while :; do
        port=$((20000 + RANDOM % 20000))
        tries=$((tries + 1))
        [[ $tries -le 50 ]] || die "no free port found"
        port_in_use "$port" && continue
        if as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start \
            -o "-p $port -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >>"$DIR/pg_ctl.log" 2>&1; then
            break
        fi
        # Someone took the port between the check and the start: try another one.
        [[ $tries -lt 10 ]] || { cat "$DIR/pg_ctl.log" "$DIR/server.log" >&2; die "could not start PostgreSQL"; }
    done
    echo "$port" >"$DIR/port"
    as_owner "$BINDIR/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c "CREATE DATABASE edugraph_test" >/dev/null
    URL="postgres://postgres@127.0.0.1:$port/edugraph_test"
}

stop_cluster() {
    local dir=$1
    [[ -f "$dir/data/PG_VERSION" ]] || die "$dir is not a cluster made by this script"
    BINDIR=$(find_bindir)
    ensure_owner
    as_owner "$BINDIR/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start)
        start_cluster
        log "cluster in $DIR; stop it with: $0 stop $DIR"
        echo "$URL"
        ;;
    stop)
        [[ $# -eq 2 ]] || die "usage: $0 stop DIR"
        stop_cluster "$2"
        ;;
    run)
        shift
        [[ "${1:-}" == "--" ]] && shift
        [[ $# -gt 0 ]] || die "usage: $0 run -- CMD ARGS..."
        start_cluster
        trap 'stop_cluster "$DIR"' EXIT
        log "PostgreSQL on $URL"
        # The command runs in the background so that a signal to this script is handled at
        # once (passed on to the command), not after the command ends; the EXIT trap then
        # removes the cluster.
        EDUGRAPH_TEST_PG_URL="$URL" "$@" &
        child=$!
        trap 'kill -TERM "$child" 2>/dev/null || true' INT TERM
        while :; do
            status=0
            wait "$child" || status=$?
            # `wait` also returns when a trapped signal arrives: wait on until the child is gone.
            kill -0 "$child" 2>/dev/null || break
        done
        exit "$status"
        ;;
    *)
        sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
