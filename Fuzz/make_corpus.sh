#!/usr/bin/env bash
# Writes the committed seed corpora (Fuzz/Corpus/<harness>/) from the test fixtures:
# the small files of each format, and packages `vigil import` makes of small ONNX
# fixtures. Run from anywhere after `swift build`; rerun when fixtures change.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=Fuzz/Corpus
vigil=${VIGIL:-.build/debug/vigil}
rm -rf "$corpus"
mkdir -p "$corpus"/{FuzzPackage,FuzzONNX,FuzzTFLite,FuzzKeras,FuzzNumPy,FuzzWFDBHeader,FuzzWFDBRecord,FuzzAnnotations,FuzzTUF}
small() { find "$@" -type f -size -16k | sort; }

for f in $(small Tests/VigilImportTests/Fixtures/onnx -name '*.onnx'); do cp "$f" "$corpus/FuzzONNX/"; done
for f in $(small Tests/VigilImportTests/Fixtures/tflite -name '*.tflite'); do cp "$f" "$corpus/FuzzTFLite/"; done
for f in $(small Tests/VigilImportTests/Fixtures/keras \( -name '*.h5' -o -name '*.keras' \) | head -12); do cp "$f" "$corpus/FuzzKeras/"; done
for f in $(small Tests/VigilNumPyTests/Fixtures Tests/VigilImportTests/Fixtures/keras \( -name '*.npy' -o -name '*.npz' \) | head -16); do
  cp "$f" "$corpus/FuzzNumPy/$(basename "$(dirname "$f")")-$(basename "$f")"
done
for f in Tests/VigilSignalTests/Fixtures/formats/*.hea; do
  cp "$f" "$corpus/FuzzWFDBHeader/"
  # Header (its signal file renamed r.dat), a NUL byte, then the signal file.
  name=$(basename "$f" .hea)
  { sed "s/^$name\\.dat /r.dat /; s/^$name /r /" "$f"; printf '\0'; cat "${f%.hea}.dat" 2>/dev/null || true; } > "$corpus/FuzzWFDBRecord/$name"
done
for f in $(small Tests/VigilSignalTests/Fixtures/annotations -type f); do cp "$f" "$corpus/FuzzAnnotations/"; done
# FuzzPackage reads a selector byte first: 0 a whole package, 1 its graph section,
# 2 an input contract section (sections cut out by the section table, DESIGN §8).
scratch=$(mktemp -d)
for f in $(small Tests/VigilImportTests/Fixtures/onnx -name '*.onnx' | head -8); do
  "$vigil" import "$f" -o "$scratch/$(basename "$f" .onnx).vpkg" > /dev/null 2>&1 || true
done
python3 - "$scratch" "$corpus/FuzzPackage" <<'PY'
import os, struct, sys
source, target = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(source)):
    data = open(os.path.join(source, name), "rb").read()
    base = os.path.splitext(name)[0]
    open(os.path.join(target, base + ".package"), "wb").write(b"\x00" + data)
    count = struct.unpack_from("<I", data, 12)[0]
    for i in range(count):
        kind, _, offset, length = struct.unpack_from("<IIQQ", data, 32 + 32 * i)
        selector = {2: b"\x01", 6: b"\x02"}.get(kind)
        if selector:
            open(os.path.join(target, base + (".graph" if kind == 2 else ".contract")), "wb").write(selector + data[offset:offset + length])
PY
rm -rf "$scratch"
# FuzzTUF reads a selector byte first (0 root, 1 timestamp, 2 snapshot, 3 targets): the
# metadata of a repository `vigil repo` writes, with a delegation and a rotated root.
tuf_seeds() {
  local scratch=$1 out=$2
  "$vigil" repo init "$scratch/repo" --threshold root=2 > /dev/null
  head -c 300 /dev/urandom > "$scratch/blob.vpkg"
  "$vigil" repo add "$scratch/repo" "$scratch/blob.vpkg" --delegate models > /dev/null
  "$vigil" repo publish "$scratch/repo" > /dev/null
  "$vigil" repo rotate "$scratch/repo" root > /dev/null
  local m=$scratch/repo/metadata
  { printf '\0'; cat "$m/1.root.json"; } > "$out/root-1"
  { printf '\0'; cat "$m/2.root.json"; } > "$out/root-2"
  { printf '\1'; cat "$m/timestamp.json"; } > "$out/timestamp"
  { printf '\2'; cat "$m/3.snapshot.json"; } > "$out/snapshot"
  { printf '\3'; cat "$m/2.targets.json"; } > "$out/targets-delegating"
  { printf '\3'; cat "$m/1.models.json"; } > "$out/targets-delegated"
}
scratch=$(mktemp -d)
tuf_seeds "$scratch" "$corpus/FuzzTUF"
rm -rf "$scratch"
du -sh "$corpus"/*
