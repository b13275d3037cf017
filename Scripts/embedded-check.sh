#!/usr/bin/env bash
# Compiles the runtime core as Embedded Swift for a Cortex-M4F (armv7em, hard float),
# the way a device build does. Any Foundation import, existential, untyped throw or
# reflection in VigilRuntime makes this fail, and with it CI.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Every source of the module, the one-file-per-op kernels under Ops/ included.
mapfile -t sources < <(find Sources/VigilRuntime -name '*.swift' | sort)
swiftc -target armv7em-none-none-eabi -enable-experimental-feature Embedded -wmo -Osize \
  -parse-as-library -module-name VigilRuntime \
  -emit-module -emit-module-path "$out/VigilRuntime.swiftmodule" \
  -c "${sources[@]}" -o "$out/VigilRuntime.o"
size=$(stat -c %s "$out/VigilRuntime.o")
echo "embedded check: VigilRuntime compiles for armv7em-none-none-eabi (object $size bytes)"
