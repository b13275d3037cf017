#!/usr/bin/env bash
# Regenerates Sources/VigilImport/ONNX/onnx.pb.swift from Scripts/onnx/onnx.proto.
#
# The .proto is the copy shipped in the onnx 1.23.2 Python wheel (package `onnx`, the
# non-ML variant). The Swift code is generated with swift-protobuf 1.39.0's plugin so
# that it matches the SwiftProtobuf runtime Package.swift resolves; types are internal
# because only the importer reads them.
#
# Usage: Scripts/onnx/generate-onnx-swift.sh [path/to/protoc-gen-swift]
# Without an argument the plugin is built from a swift-protobuf 1.39.0 checkout in
# $SWIFT_PROTOBUF_DIR (default /tmp/swift-protobuf; cloned if missing).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
plugin="${1:-}"

if [[ -z "$plugin" ]]; then
    src="${SWIFT_PROTOBUF_DIR:-/tmp/swift-protobuf}"
    if [[ ! -d "$src" ]]; then
        git clone "${SWIFT_PROTOBUF_URL:-https://github.com/apple/swift-protobuf.git}" "$src"
    fi
    git -C "$src" checkout --quiet 1.39.0
    swift build --package-path "$src" -c release --product protoc-gen-swift
    plugin="$src/.build/release/protoc-gen-swift"
fi

protoc --version | grep -q "libprotoc" || { echo "error: protoc not found" >&2; exit 1; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
protoc --plugin=protoc-gen-swift="$plugin" \
    --proto_path="$here" \
    --swift_opt=Visibility=Internal \
    --swift_out="$out" \
    "$here/onnx.proto"
cp "$out/onnx.pb.swift" "$root/Sources/VigilImport/ONNX/onnx.pb.swift"
echo "wrote Sources/VigilImport/ONNX/onnx.pb.swift"
