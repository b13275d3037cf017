#!/usr/bin/env bash
# Compiles VigilSignalCore, the Foundation-free part of the signal chain (filters, QRS detector, beat
# windows, RR features, fault synthesis, annotation and sample decoding,
# resampler) as Embedded Swift for a Cortex-M4F, as a device build would.
set -euo pipefail
cd "$(dirname "$0")/../../Sources/VigilSignalCore"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
files=(SignalMath Biquad BiquadCascade ECGFilters RingBuffer QRSDetector RRFeatures BeatWindow BeatStream
       SplitMix64 NoiseSynthesis FaultSynthesis LeadImpedance AnnotationCode Annotation AnnotationCoding
       SignalFormat SignalGroupDecoder BeatMatching Resampler)
swiftc -target armv7em-none-none-eabi -enable-experimental-feature Embedded -wmo -Osize \
  -parse-as-library -module-name VigilSignalCore \
  -emit-module -emit-module-path "$out/VigilSignalCore.swiftmodule" \
  -c "${files[@]/%/.swift}" -o "$out/VigilSignalCore.o"
echo "embedded check: VigilSignal streaming core compiles for armv7em-none-none-eabi ($(stat -c %s "$out/VigilSignalCore.o") bytes)"
