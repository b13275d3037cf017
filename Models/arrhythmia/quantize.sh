#!/bin/sh
# Imports the trained reference model and quantizes it to int8, reporting float vs
# int8 agreement on the held-out records. Run from the repository root:
#   Models/arrhythmia/quantize.sh [observer]   (minmax, percentile, kl; default minmax)
# VIGIL names the binary (default: swift run's release build).
set -eu
HERE=$(dirname "$0")
OBSERVER=${1:-minmax}
VIGIL=${VIGIL:-"swift run -c release vigil"}
$VIGIL import "$HERE/reference.onnx" -o /tmp/ref.vpkg
$VIGIL quantize /tmp/ref.vpkg --calibration "$HERE/calibration.npz" --validation "$HERE/validation.npz" \
    --observer "$OBSERVER" --class-names N,S,V,F,Q -o /tmp/ref.int8.vpkg --report /tmp/ref.int8.report.json
