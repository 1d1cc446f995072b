#!/usr/bin/env bash
# Fuzzes the OData parsers and the request-body check with AFL++ on the stable toolchain
# (cargo-afl: instrumentation through rustc's own sanitizer-coverage pass, no nightly).
# Numbers for notes: it prints, per target, the executions and the crashes and hangs found.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    each target for SECONDS (default 60)
#
# Targets (crates/odata/fuzz/src/lib.rs): filter, orderby, select (and $expand), query (a
# whole raw query string), path (request paths and reference URLs), body (JSON bodies
# checked against entity and complex types). Seeds are the inputs of the odata crate's
# tests (crates/odata/fuzz/seeds/TARGET.txt, one per line), plus a token dictionary.
#
# Installs cargo-afl from crates.io when it is missing (it builds AFL++ itself). The fuzz
# crate is its own workspace, so nothing here touches the main build or `cargo test`.
# Findings are kept in target/fuzz/afl/TARGET/default/crashes/; replay one with
#   target/fuzz/release/TARGET < FILE
# and add it to the odata crate's tests as a regression test. Exit status 1 when a target
# crashed or hung.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-60}
shift || true
targets=${*:-filter orderby select query path body}
fuzz_crate="$root/crates/odata/fuzz"
target_dir="${CARGO_TARGET_DIR:-$root/target}/fuzz"
out="$target_dir/afl"

if ! cargo afl --version >/dev/null 2>&1; then
  echo "== fuzz: installing cargo-afl from crates.io"
  cargo install cargo-afl --locked
fi

echo "== fuzz: building the instrumented targets"
(cd "$fuzz_crate" && CARGO_TARGET_DIR="$target_dir" cargo afl build --release --locked)

# afl-fuzz refuses to start on a machine set up for other work unless told these are fine:
# core dumps piped elsewhere, the CPU frequency governor, no core of its own to pin to.
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export AFL_QUIET=1

report="$out/report.txt"
mkdir -p "$out"
printf '%-8s %12s %10s %8s %6s %6s\n' target executions execs/s corpus crashes hangs | tee "$report"
found=0
for t in $targets; do
  seeds="$out/$t.in"
  rm -rf "$seeds" "$out/$t"
  mkdir -p "$seeds"
  n=0
  while IFS= read -r line || [ -n "$line" ]; do
    [ -n "$line" ] || continue
    n=$((n + 1))
    printf '%s' "$line" >"$seeds/seed-$n"
  done <"$fuzz_crate/seeds/$t.txt"
  # -V: stop after SECONDS; -t: a generous per-input timeout, as the machine may be busy.
  cargo afl fuzz -V "$secs" -t 2000 -x "$fuzz_crate/seeds/odata.dict" \
    -i "$seeds" -o "$out/$t" "$target_dir/release/$t" >"$out/$t.log" 2>&1 || {
    echo "afl-fuzz failed for $t:"
    tail -n 30 "$out/$t.log"
    exit 2
  }
  stat() { sed -n "s/^$1 *: *//p" "$out/$t/default/fuzzer_stats"; }
  crashes=$(stat saved_crashes)
  hangs=$(stat saved_hangs)
  printf '%-8s %12s %10s %8s %6s %6s\n' "$t" "$(stat execs_done)" "$(stat execs_per_sec)" \
    "$(stat corpus_count)" "$crashes" "$hangs" | tee -a "$report"
  if [ "$crashes" != 0 ] || [ "$hangs" != 0 ]; then
    found=1
  fi
done

echo "($secs s per target; findings under $out/TARGET/default/{crashes,hangs})"
exit "$found"
