#!/usr/bin/env bash
# Compiles the device half of Vigil as Embedded Swift for a Cortex-M4F (armv7em,
# hard float), the way a device build does: each module whole (every .swift file
# under Sources/<module>), in dependency order, each against the modules before it.
# Any Foundation import, existential, untyped throw or reflection in a device module
# makes this fail, and with it CI.
set -euo pipefail

# The device modules, dependencies first. VigilFirmware joins when it exists.
modules=(VigilCrypto VigilRuntime VigilKernelsM4 VigilSignalCore VigilFirmware)

cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for module in "${modules[@]}"; do
  if [ ! -d "Sources/$module" ]; then
    echo "embedded check: $module skipped (no Sources/$module)"
    continue
  fi
  mapfile -t files < <(find "Sources/$module" -name '*.swift' | sort)
  swiftc -target armv7em-none-none-eabi -enable-experimental-feature Embedded -wmo -Osize \
    -parse-as-library -module-name "$module" -I "$out" -I Sources/CVigilDSP/include \
    -emit-module -emit-module-path "$out/$module.swiftmodule" \
    -c "${files[@]}" -o "$out/$module.o"
  echo "embedded check: $module compiles for armv7em-none-none-eabi (${#files[@]} files, object $(stat -c %s "$out/$module.o") bytes)"
done
