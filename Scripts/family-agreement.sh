#!/usr/bin/env bash
# The float-vs-int8 agreement of the issue #10 model families (README, "Whole models"):
# each family's .keras imported, quantized by `vigil quantize` (calibration: the 300
# DS1 training beats of Models/arrhythmia/calibration.npz; validation: the 2,000
# held-out beats of validation.npz), integer-only and with --float-head, with the
# minmax and percentile observers. Prints a Markdown table. Uses the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product vigil 2>&1 | grep -E "error|Compiling vigil" || true
vigil=.build/debug/vigil
families=Tests/VigilImportTests/Fixtures/families
data=Models/arrhythmia
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "| family | int8 / float ops | minmax | percentile | `--float-head`: int8 / float ops | minmax | percentile |"
echo "|---|---|---|---|---|---|---|"
for f in bn_after_act rr_norm bigru bilstm residual transformer; do
  "$vigil" import "$families/$f.keras" -o "$scratch/$f.vpkg" > /dev/null
  row="| $f"
  for head in "" --float-head; do
    for observer in minmax percentile; do
      out=$("$vigil" quantize "$scratch/$f.vpkg" -o "$scratch/$f.int8.vpkg" --observer $observer $head \
        --calibration $data/calibration.npz --validation $data/validation.npz)
      if [ $observer = minmax ]; then row="$row | $(echo "$out" | grep -o '[0-9]* int8 ops, [0-9]* float ops' | sed 's/ int8 ops, / \/ /; s/ float ops//')"; fi
      row="$row | $(echo "$out" | grep -o 'agreement [0-9.]* %' | sed 's/agreement //')"
    done
  done
  echo "$row |"
done
