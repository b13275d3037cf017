#!/usr/bin/env bash
# Measures instructions per node on the emulated Cortex-M4F for the cost model and
# writes Sources/VigilImplant/Measurements (commit the result):
#   models/NAME.json   per package of Device/packages.sh and per int8 package in
#                      Models/, 20 random inputs
#   beat-loop.json     the beat loop over 5 minutes of DS1 record 208 with the trained
#                      arrhythmia cascade (Models/arrhythmia/arrhythmia.int8.vpkg: its
#                      morphology features and gate; DATASETS, default ../shared/datasets)
set -euo pipefail
cd "$(dirname "$0")/.."
VIGIL=${VIGIL:-.build/debug/vigil}
DATASETS=${DATASETS:-../shared/datasets}
Device/packages.sh
out=Sources/VigilImplant/Measurements
mkdir -p "$out/models"
for p in .build-device/packages/*int8*.vpkg Models/*/*.int8.vpkg; do
  name=$(basename "$p" .vpkg)
  echo "measuring $name"
  "$VIGIL" device run "$p" --random 20 --measurement "$out/models/$name.json" > /dev/null
done
"$VIGIL" device run Models/arrhythmia/arrhythmia.int8.vpkg --random 20 \
  --record "$DATASETS/mitdb-ds1/208" --seconds 300 --beat-loop-measurement "$out/beat-loop.json"
