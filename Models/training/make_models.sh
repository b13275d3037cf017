#!/usr/bin/env bash
# Retrains both models of issue #11 from the shared datasets and packages them
# (`make models`; about 7 minutes on two cores, not run in CI):
#   1. `vigil dataset beats` over DS1 and `vigil dataset faults` (training records with
#      noise from the first half of each NST record; held-out records with the second);
#   2. train_arrhythmia.py and train_faults.py (Keras, pinned in requirements.txt);
#   3. package.sh: import, quantize, package, with the float vs int8 reports.
# PYTHON names an interpreter with requirements.txt installed (default python3),
# VIGIL the binary (default: the release build), DATASETS the shared datasets.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
VIGIL=${VIGIL:-.build/release/vigil}
DATASETS=${DATASETS:-../shared/datasets}
WORK=${WORK:-.build/models}
mkdir -p "$WORK"
[ -x "$VIGIL" ] || swift build -c release --product vigil
"$VIGIL" dataset beats --db "$DATASETS/mitdb-ds1" -o "$WORK/ds1-beats.h5"
"$PYTHON" Models/training/train_arrhythmia.py --beats "$WORK/ds1-beats.h5" --out Models/arrhythmia --data-out "$WORK/arrhythmia"
# The fault detector's split: 15 DS1 records to train on, 7 held out.
"$VIGIL" dataset faults --db "$DATASETS/mitdb-ds1" --noise-db "$DATASETS/nstdb" --per-record 400 --noise-half first \
    --records 101 108 109 112 114 115 116 118 122 124 201 205 207 209 223 -o "$WORK/faults-train.h5"
"$VIGIL" dataset faults --db "$DATASETS/mitdb-ds1" --noise-db "$DATASETS/nstdb" --per-record 200 --noise-half second --seed 2 \
    --records 106 119 203 208 215 220 230 -o "$WORK/faults-test.h5"
"$PYTHON" Models/training/train_faults.py --train "$WORK/faults-train.h5" --test "$WORK/faults-test.h5" --out Models/faults --data-out "$WORK/faults"
WORK="$WORK" VIGIL="$VIGIL" Models/training/package.sh
