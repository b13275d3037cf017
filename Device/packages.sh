#!/usr/bin/env bash
# Builds the int8 packages the device tests and measurements run, into
# .build-device/packages: converter-written .tflite fixtures (the DESIGN §11 model
# among them) imported, and the reference arrhythmia model quantized by vigil with its
# whole input contract (so the beat loop can run it), and three of the issue #10 model
# families quantized by vigil (the cost model's measurements of in-graph Quantize and
# Dequantize, and of other layer shapes). VIGIL names the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
VIGIL=${VIGIL:-.build/debug/vigil}
out=.build-device/packages
mkdir -p "$out"
for f in design_int8 family_transformer_int8 family_residual_int8 prelu_int8 split_int8; do
  "$VIGIL" import "Tests/VigilImportTests/Fixtures/tflite/$f.tflite" -o "$out/$f.vpkg" > /dev/null
done
"$VIGIL" import Models/arrhythmia/reference.onnx -o "$out/reference.vpkg" > /dev/null
"$VIGIL" quantize "$out/reference.vpkg" --calibration Models/arrhythmia/calibration.npz --beat-classifier \
  --rr-normalization Models/arrhythmia/rr_normalization.json --class-names N,S,V,F,Q -o "$out/arrhythmia_reference_int8.vpkg" > /dev/null
for f in bn_after_act rr_norm residual; do
  "$VIGIL" import "Tests/VigilImportTests/Fixtures/families/$f.keras" -o "$out/family_$f.vpkg" > /dev/null
  "$VIGIL" quantize "$out/family_$f.vpkg" --calibration Models/arrhythmia/calibration.npz -o "$out/family_${f}_vigil_int8.vpkg" > /dev/null
done
