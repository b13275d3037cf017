#!/usr/bin/env bash
# Imports, quantizes and packages the trained models (the last step of make_models.sh,
# which writes the calibration and validation data under WORK):
#   Models/arrhythmia/arrhythmia.vpkg, arrhythmia.int8.vpkg, arrhythmia.int8.report.json
#   Models/faults/faults.vpkg, faults.int8.vpkg, faults.int8.report.json
# Each package carries its whole input contract and golden vectors; each report gives
# float vs int8 top-1 agreement on held-out data (beats of DS1 fold 0's records that
# the gate passes to the network; fault windows of the held-out records).
set -euo pipefail
cd "$(dirname "$0")/../.."
VIGIL=${VIGIL:-.build/release/vigil}
WORK=${WORK:-.build/models}
A=Models/arrhythmia F=Models/faults
"$VIGIL" import "$A/arrhythmia.keras" --name arrhythmia --version 1.0.0 -o "$WORK/arrhythmia.imported.vpkg"
"$VIGIL" quantize "$WORK/arrhythmia.imported.vpkg" --calibration "$WORK/arrhythmia/calibration.npz" \
    --validation "$WORK/arrhythmia/validation.npz" --beat-classifier --rr-normalization "$A/features.json" \
    --class-names N,S,V,F -o "$A/arrhythmia.int8.vpkg" --float-output "$A/arrhythmia.vpkg" --report "$A/arrhythmia.int8.report.json"
"$VIGIL" import "$F/faults.keras" --name faults --version 1.0.0 -o "$WORK/faults.imported.vpkg"
"$VIGIL" quantize "$WORK/faults.imported.vpkg" --calibration "$WORK/faults/calibration.npz" \
    --validation "$WORK/faults/validation.npz" --fault-detector signal,impedance \
    --class-names none,noise,lead_fracture,lead_off,insulation_breach,saturation,mains_interference,dropout \
    -o "$F/faults.int8.vpkg" --float-output "$F/faults.vpkg" --report "$F/faults.int8.report.json"
