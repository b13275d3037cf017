#!/usr/bin/env bash
# Runs a device image on QEMU's mps2-an386 (Cortex-M4F) with semihosting and the
# instruction clock (`-icount shift=0`: one virtual nanosecond per instruction):
#   Device/run.sh IMAGE.elf MODE [ARGUMENTS...]      (modes: Device/Image/main.swift)
# The image's exit status is the script's; 124 when it runs over DEVICE_TIMEOUT
# seconds (default 600).
set -euo pipefail
if [ $# -lt 2 ]; then echo "usage: Device/run.sh IMAGE.elf MODE [ARGUMENTS...]" >&2; exit 2; fi
image=$1; shift
args=""
for a in "$@"; do
  case "$a" in *,*) echo "error: semihosting arguments cannot hold a comma: $a" >&2; exit 2 ;; esac
  args="$args${args:+,}arg=$a"
done
exec timeout "${DEVICE_TIMEOUT:-600}" qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
  -icount shift=0,align=off,sleep=off -semihosting-config enable=on,target=native,"$args" -kernel "$image"
