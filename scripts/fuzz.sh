#!/usr/bin/env bash
# Fuzzes what clients send (the OData parsers, the request-body check) and the roster CSV
# readers with AFL++ on the stable toolchain (cargo-afl: instrumentation through rustc's own
# sanitizer-coverage pass, no nightly). Numbers for notes: it prints, per target, the
# executions and the crashes and hangs found.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    each target for SECONDS (default 60; default
#                                            targets: all of both crates)
#
# Targets, by crate (docs/fuzzing.md):
#   crates/odata/fuzz (src/lib.rs): filter, orderby, select (and $expand), query (a whole
#     raw query string), path (request paths and reference URLs), body (JSON bodies
#     checked against entity and complex types); dictionary seeds/odata.dict.
#   crates/rostering/fuzz (src/lib.rs): csv (the CSV table reader on one file), sds_v1,
#     sds_v21 (and the retired v2), oneroster (1.1 and 1.2), each on a whole file set in
#     one input, and detect (format detection over named files, then the reader);
#     dictionary seeds/csv.dict.
# Seeds of a target are CRATE/fuzz/seeds/TARGET.txt (one seed per line) or the files of
# the folder CRATE/fuzz/seeds/TARGET/ (one seed per file, for multi-line inputs).
#
# Installs cargo-afl from crates.io when it is missing (it builds AFL++ itself). Each fuzz
# crate is its own workspace, so nothing here touches the main build or `cargo test`.
# Findings are kept in target/fuzz/afl/TARGET/default/crashes/; replay one with
#   target/fuzz/release/TARGET < FILE
# and add it to the crate's tests as a regression test. Exit status 1 when a target
# crashed or hung, 2 when it could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-60}
shift || true

# target, crate (under crates/), dictionary (in the crate's fuzz/seeds/).
catalog="
filter     odata      odata.dict
orderby    odata      odata.dict
select     odata      odata.dict
query      odata      odata.dict
path       odata      odata.dict
body       odata      odata.dict
csv        rostering  csv.dict
sds_v1     rostering  csv.dict
sds_v21    rostering  csv.dict
oneroster  rostering  csv.dict
detect     rostering  csv.dict
"
targets=${*:-$(awk 'NF { print $1 }' <<<"$catalog")}
field() { awk -v t="$1" -v f="$2" '$1 == t { print $f }' <<<"$catalog"; }
crates=""
for t in $targets; do
  c=$(field "$t" 2)
  if [ -z "$c" ]; then
    echo "unknown fuzz target: $t (known: $(awk 'NF { printf "%s ", $1 }' <<<"$catalog"))" >&2
    exit 2
  fi
  case " $crates " in *" $c "*) ;; *) crates="$crates $c" ;; esac
done
target_dir="${CARGO_TARGET_DIR:-$root/target}/fuzz"
out="$target_dir/afl"

if ! cargo afl --version >/dev/null 2>&1; then
  echo "== fuzz: installing cargo-afl from crates.io"
  cargo install cargo-afl --locked
fi

# Both crates build into one folder: the target names are distinct, so every binary is
# target/fuzz/release/TARGET.
for c in $crates; do
  echo "== fuzz: building the instrumented targets of crates/$c/fuzz"
  (cd "$root/crates/$c/fuzz" && CARGO_TARGET_DIR="$target_dir" cargo afl build --release --locked)
done

# afl-fuzz refuses to start on a machine set up for other work unless told these are fine:
# core dumps piped elsewhere, the CPU frequency governor, no core of its own to pin to.
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export AFL_QUIET=1

report="$out/report.txt"
mkdir -p "$out"
row='%-10s %12s %10s %8s %6s %6s\n'
printf "$row" target executions execs/s corpus crashes hangs | tee "$report"
found=0
for t in $targets; do
  fuzz_crate="$root/crates/$(field "$t" 2)/fuzz"
  seeds="$out/$t.in"
  rm -rf "$seeds" "$out/$t"
  mkdir -p "$seeds"
  if [ -d "$fuzz_crate/seeds/$t" ]; then
    cp "$fuzz_crate/seeds/$t"/* "$seeds/"
  else
    n=0
    while IFS= read -r line || [ -n "$line" ]; do
      [ -n "$line" ] || continue
      n=$((n + 1))
      printf '%s' "$line" >"$seeds/seed-$n"
    done <"$fuzz_crate/seeds/$t.txt"
  fi
  # -V: stop after SECONDS; -t: a generous per-input timeout, as the machine may be busy.
  cargo afl fuzz -V "$secs" -t 2000 -x "$fuzz_crate/seeds/$(field "$t" 3)" \
    -i "$seeds" -o "$out/$t" "$target_dir/release/$t" >"$out/$t.log" 2>&1 || {
    echo "afl-fuzz failed for $t:"
    tail -n 30 "$out/$t.log"
    exit 2
  }
  stat() { sed -n "s/^$1 *: *//p" "$out/$t/default/fuzzer_stats"; }
  crashes=$(stat saved_crashes)
  hangs=$(stat saved_hangs)
  printf "$row" "$t" "$(stat execs_done)" "$(stat execs_per_sec)" \
    "$(stat corpus_count)" "$crashes" "$hangs" | tee -a "$report"
  if [ "$crashes" != 0 ] || [ "$hangs" != 0 ]; then
    found=1
  fi
done

echo "($secs s per target; findings under $out/TARGET/default/{crashes,hangs})"
exit "$found"
