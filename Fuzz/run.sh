#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Fuzz/Harnesses, one per parser) with the fuzzer and
# address sanitizers and runs each for FUZZ_SECONDS (default 60) from the committed
# seeds (Fuzz/Corpus/<harness>), the inputs that once crashed a harness
# (Fuzz/Regressions/<harness>, read at the start of every run) and the corpus earlier runs
# grew (.build-fuzz/corpus).
# Fails when any harness finds a crash, a leak, a timeout (FUZZ_TIMEOUT seconds for one
# input, default 10) or an input needing more than FUZZ_RSS_MB (default 2048) of memory;
# the input that did it is kept in .build-fuzz/artifacts. FUZZ_JOBS runs that many
# harnesses at once (default 1; the long runs use 2, one per core). FUZZ_SEED fixes
# libFuzzer's random seed (default 1, so a CI run retraces the same inputs from the
# committed seeds; 0 lets libFuzzer pick one, as the long runs do).
#   make fuzz                          # every harness, 60 s each
#   FUZZ_SECONDS=1200 FUZZ_JOBS=2 FUZZ_SEED=0 make fuzz
#   FUZZ_HARNESSES="FuzzONNX FuzzTFLite" make fuzz
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
config=${FUZZ_CONFIG:-release}
harnesses=${FUZZ_HARNESSES:-"FuzzPackage FuzzONNX FuzzTFLite FuzzKeras FuzzNumPy FuzzWFDBHeader FuzzWFDBRecord FuzzAnnotations FuzzTUF"}
scratch=.build-fuzz
export VIGIL_FUZZ=1
# A Swift trap must reach libFuzzer as the crash it is; the Swift backtracer would run
# first and trip the address sanitizer in its own memory reads.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
mkdir -p "$scratch/artifacts" "$scratch/logs"

for h in $harnesses; do
  swift build -c "$config" --scratch-path "$scratch" --product "$h" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld 2>&1 | grep -E "error|warning: unre|Compiling|Build" | tail -3 \
    || { echo "fuzz: building $h failed"; exit 1; }
  [ -x "$scratch/$config/$h" ] || { echo "fuzz: $scratch/$config/$h was not built"; exit 1; }
done

run() {
  local h=$1
  local corpus="$scratch/corpus/$h"
  mkdir -p "$corpus"
  local seeds=("Fuzz/Corpus/$h")
  [ -d "Fuzz/Regressions/$h" ] && seeds+=("Fuzz/Regressions/$h")
  "$scratch/$config/$h" "$corpus" "${seeds[@]}" -max_total_time="$seconds" -seed="${FUZZ_SEED:-1}" -timeout="${FUZZ_TIMEOUT:-10}" \
    -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -malloc_limit_mb="${FUZZ_RSS_MB:-2048}" -print_final_stats=1 \
    -artifact_prefix="$scratch/artifacts/$h-" > "$scratch/logs/$h.log" 2>&1
  local status=$?
  local execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/logs/$h.log" | grep -o '[0-9]*$')
  local size=$(ls "$corpus" | wc -l)
  if [ $status -eq 0 ]; then
    echo "fuzz: $h ok: ${execs:-?} inputs in ${seconds} s, corpus $size files"
  else
    echo "fuzz: $h FAILED (exit $status), see $scratch/logs/$h.log and $scratch/artifacts/:"
    grep -E "ERROR|==[0-9]+==|Fatal error|SUMMARY|Test unit written" "$scratch/logs/$h.log" | head -8 | sed 's/^/  /'
  fi
  return $status
}

passed=0; failed=0
set -- $harnesses
while [ $# -gt 0 ]; do
  pids=(); names=()
  for _ in $(seq 1 "$jobs"); do
    [ $# -gt 0 ] || break
    run "$1" & pids+=($!); names+=("$1"); shift
  done
  for pid in "${pids[@]}"; do
    if wait "$pid"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  done
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
