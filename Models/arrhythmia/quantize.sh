#!/bin/sh
# Imports the trained reference model and quantizes it to int8, reporting float vs
# int8 agreement on the held-out records (validation.npz). Run from the repository root:
#   Models/arrhythmia/quantize.sh [observer] [calibration]
# observer: minmax (default), percentile, kl. calibration: npz (default: calibration.npz,
# made by train_reference.py) or wfdb (beats of the DS1 training records read by
# Vigil's signal chain, RR features standardized as in training; DATASETS names the
# folder, default ../shared/datasets/mitdb-ds1).
# --rr-normalization (with --beat-classifier for npz data) states the model's RR features and their standardization in the
# package's input contract, so the device runs it from the package alone.
# VIGIL names the binary (default: swift run's release build).
set -eu
HERE=$(dirname "$0")
OBSERVER=${1:-minmax}
CALIBRATION=${2:-npz}
VIGIL=${VIGIL:-"swift run -c release vigil"}
DATASETS=${DATASETS:-../shared/datasets/mitdb-ds1}
case "$CALIBRATION" in
npz) set -- --calibration "$HERE/calibration.npz" --beat-classifier --rr-normalization "$HERE/rr_normalization.json" ;;
# DS1 without the held-out records 106 119 209 215 223 (train_reference.py).
wfdb) set -- --calibration "$DATASETS" --calibration-records 101 108 109 112 114 115 116 118 122 124 201 203 205 207 208 220 230 \
          --rr-normalization "$HERE/rr_normalization.json" ;;
*) echo "calibration must be npz or wfdb, not $CALIBRATION" >&2; exit 2 ;;
esac
$VIGIL import "$HERE/reference.onnx" -o /tmp/ref.vpkg
$VIGIL quantize /tmp/ref.vpkg "$@" --validation "$HERE/validation.npz" \
    --observer "$OBSERVER" --class-names N,S,V,F,Q -o /tmp/ref.int8.vpkg --report /tmp/ref.int8.report.json
