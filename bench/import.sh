#!/usr/bin/env bash
# Part (i) of scripts/bench.sh: School Data Sync from files. A generated district (SDS v1
# CSV) is imported into an empty tenant, imported again unchanged, then with a 1 % change
# (570 students moved to another section, 100 new students, 100 gone), on SQLite and on a
# throwaway PostgreSQL cluster; side by side, in the same run, `sqlite3 .import` of the
# same files into plain tables (the reference). Wall time and peak resident memory of
# each command come from GNU time. Appends a table to the results file given.
#
#   EDUGRAPH_BENCH_BIN=target/release/edugraph bench/import.sh bench/out/results.md
#   BENCH_IMPORT_SIZE=small (default district) for a quick try.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${EDUGRAPH_BENCH_BIN:?set EDUGRAPH_BENCH_BIN to the edugraph binary}
results=${1:?the results file}
size=${BENCH_IMPORT_SIZE:-district}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tool in sqlite3 /usr/bin/time; do
  if ! command -v "$tool" >/dev/null; then
    apt-get update -qq && apt-get install -y -qq sqlite3 time >/dev/null
  fi
done

csv="$work/csv"
"$bin" demo --csv "$csv" --size "$size" --format sds-v1 --seed 7 >/dev/null
rows=$(cat "$csv"/*.csv | wc -l)

# measure NAME CMD...: runs CMD under GNU time; appends "NAME seconds peak-MB exit" to
# $work/times.
measure() {
  local name=$1
  shift
  local status=0
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" >"$work/$name.out" 2>&1 || status=$?
  read -r secs kb <"$work/time.txt"
  echo "$name $secs $((kb / 1024)) $status" >>"$work/times"
  if [ "$status" != 0 ]; then
    echo "bench (i): $name exited $status:"
    tail -n 20 "$work/$name.out"
  fi
}

# The reference: every file into a plain table, one transaction per file.
import_script="$work/reference.sql"
{
  echo ".mode csv"
  for f in "$csv"/*.csv; do
    echo ".import '$f' $(basename "$f" .csv)"
  done
} >"$import_script"
measure reference sqlite3 "$work/reference.db" ".read $import_script"

# The 1 % change, written beside the original files.
changed="$work/changed"
cp -r "$csv" "$changed"
python3 - "$changed" <<'PY'
import csv, os, sys
folder = sys.argv[1]
def rows(name):
    with open(os.path.join(folder, name), newline="") as f:
        r = list(csv.reader(f))
    return r[0], r[1:]
def write(name, header, body):
    with open(os.path.join(folder, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(body)
sh, students = rows("Student.csv")
eh, enrollments = rows("StudentEnrollment.csv")
# A district's 1 %: 570 moves, 100 new, 100 gone (fewer for a small set).
n_change = min(100, len(students) // 10)
n_moves = min(570, len(enrollments) // 60)
gone = {s[0] for s in students[-n_change:]}
students = students[:-n_change]
enrollments = [e for e in enrollments if e[1] not in gone]
sections = sorted({e[0] for e in enrollments})
# Enrollments move to the next section (one that student is not in already).
taken = {(e[0], e[1]) for e in enrollments}
moved = 0
for i, e in enumerate(enrollments):
    if moved == n_moves:
        break
    if i % 50:
        continue
    nxt = sections[(sections.index(e[0]) + 1) % len(sections)]
    if (nxt, e[1]) in taken:
        continue
    taken.discard((e[0], e[1]))
    taken.add((nxt, e[1]))
    enrollments[i] = [nxt, e[1]]
    moved += 1
# New students, each enrolled in one section.
for n in range(n_change):
    template = students[n]
    sis = f"PNEW{n:04d}"
    students.append([sis, template[1], f"snew{n:04d}"] + template[3:5] + [sis] + template[6:])
    enrollments.append([sections[n % len(sections)], sis])
write("Student.csv", sh, students)
write("StudentEnrollment.csv", eh, enrollments)
print(f"moved {moved}, new {n_change}, gone {len(gone)}")
PY

# run_edugraph BACKEND STORE-FLAGS...: the three imports against one store.
run_edugraph() {
  local backend=$1
  shift
  "$bin" tenant create --name Bench --domain bench.example "$@" >/dev/null
  measure "$backend-first" "$bin" import "$csv" "$@"
  measure "$backend-again" "$bin" import "$csv" "$@"
  if [ "$backend" = sqlite ]; then
    sqlite3 -readonly "$work/data/edugraph.db" "SELECT COALESCE(MAX(seq), 0) FROM changes" >"$work/seq.again"
  fi
  measure "$backend-change" "$bin" import "$changed" "$@"
}
run_edugraph sqlite --data-dir "$work/data"
# The delta entries the 1 % change wrote (SQLite's change log), per entity type.
delta_entries=$(sqlite3 -readonly "$work/data/edugraph.db" \
  "SELECT entity_type || ': ' || COUNT(*) || ' entries for ' || COUNT(DISTINCT id) || ' entities' FROM changes WHERE seq > $(cat "$work/seq.again") GROUP BY entity_type" |
  paste -sd, -)
scripts/pg-test-cluster.sh run -- bash -c "
  $(declare -f measure run_edugraph)
  work='$work' bin='$bin' csv='$csv' changed='$changed'
  run_edugraph postgresql --database-url \"\$EDUGRAPH_TEST_PG_URL\"
"

secs() { awk -v n="$1" '$1 == n { print $2 }' "$work/times"; }
mb() { awk -v n="$1" '$1 == n { print $3 }' "$work/times"; }
ok() { awk -v n="$1" '$1 == n { print ($4 == 0 ? "" : " (failed)") }' "$work/times"; }
ref=$(secs reference)
{
  echo
  echo "## (i) School Data Sync from files: $size, SDS v1, $rows rows"
  echo
  echo "| run | seconds | x sqlite3 .import | peak RSS (MB) |"
  echo "|---|---:|---:|---:|"
  echo "| reference: sqlite3 .import into plain tables | $ref | 1.0 | $(mb reference) |"
  for run in sqlite-first sqlite-again sqlite-change postgresql-first postgresql-again postgresql-change; do
    s=$(secs "$run")
    [ -n "$s" ] || continue
    ratio=$(awk -v a="$s" -v b="$ref" 'BEGIN { printf "%.1f", a / b }')
    echo "| edugraph import, $run$(ok "$run") | $s | $ratio | $(mb "$run") |"
  done
  echo
  echo "Change-log (delta) entries the 1 % change wrote on SQLite: ${delta_entries:-none}."
  echo "The plan it applied: $(grep -E '^imported' "$work/sqlite-change.out" || echo '?')"
} >>"$results"
