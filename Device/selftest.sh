#!/usr/bin/env bash
# Runs each package's golden vectors on the emulated Cortex-M4F: QEMU's mps2-an386
# with semihosting (the image reads the package from the host and prints the
# verdict). Fails when any package fails or the emulator runs over 120 s.
#   Device/selftest.sh PACKAGE.vpkg ...
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for package in "$@"; do
  if verdict=$(timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
      -semihosting-config enable=on,target=native,arg=selftest.elf,arg="$package" \
      -kernel .build-device/selftest.elf 2>&1); then
    echo "device self-test: $package: $verdict"
  else
    echo "device self-test: $package FAILED: $verdict"
    status=1
  fi
done
exit $status
