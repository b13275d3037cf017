#!/usr/bin/env bash
# Builds the device image for one model package:
#   Device/build.sh PACKAGE.vpkg [IMAGE.elf]     (default .build-device/vigil-device.elf)
# VigilCrypto, VigilRuntime, VigilKernelsM4 (its DSP header Sources/CVigilDSP),
# VigilSignalCore and VigilFirmware compiled whole as
# Embedded Swift for the Cortex-M4F (armv7em, hard float, -Osize, function sections),
# Device/Image/main.swift and device.c against them, the package placed in model slot
# A by an .incbin, all linked by the Swift toolchain's ld.lld with --gc-sections
# against Debian's picolibc (thumb/v7e-m+fp/hard, semihosting) and gcc-arm-none-eabi's
# libgcc (the EABI helpers), with Device/implant-m4.ld. Objects are rebuilt only when
# a source is newer; linking a package takes a moment. Prints the section sizes.
# KERNELS=reference builds an image that runs the reference kernels only (to measure
# what the device kernels save); the default, dsp, runs CortexM4Kernels, linking only
# the kernels LINK names (see below; `vigil device run` passes the package's).
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: Device/build.sh PACKAGE.vpkg [IMAGE.elf]" >&2; exit 2; fi
package=$(realpath "$1")
[ -f "$package" ] || { echo "error: $1: no such package" >&2; exit 1; }
cd "$(dirname "$0")/.."
out=.build-device
image=${2:-$out/vigil-device.elf}
mkdir -p "$out/modules"
picolibc=/usr/lib/picolibc/arm-none-eabi/lib/thumb/v7e-m+fp/hard
cpu=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
libgcc=$(arm-none-eabi-gcc "${cpu[@]}" -print-libgcc-file-name)
flags=(-target armv7em-none-none-eabi -enable-experimental-feature Embedded -enable-experimental-feature Extern
       -wmo -Osize -parse-as-library -Xcc -mcpu=cortex-m4 -Xcc -mfloat-abi=hard -Xcc -mfpu=fpv4-sp-d16
       -Xllvm -float-abi=hard -Xfrontend -function-sections -I "$out/modules" -I Sources/CVigilDSP/include)
stale() { # target sources...: true when the target is missing or older than a source
  local target=$1; shift
  [ -f "$target" ] || return 0
  [ -n "$(find "$@" -newer "$target" -print -quit)" ]
}
changed=0
for module in VigilCrypto VigilRuntime VigilKernelsM4 VigilSignalCore VigilFirmware; do
  if [ $changed = 1 ] || stale "$out/modules/$module.o" "Sources/$module" Sources/CVigilDSP Device/build.sh; then
    mapfile -t files < <(find "Sources/$module" -name '*.swift' | sort)
    swiftc "${flags[@]}" -module-name "$module" -emit-module -emit-module-path "$out/modules/$module.swiftmodule" \
      -c "${files[@]}" -o "$out/modules/$module.o"
    touch "$out/modules/$module.o"  # the compiler leaves an unchanged object's time alone
    changed=1
  fi
done
# The kernels the image links (Device/Image/SelectedKernels.swift): LINK names
# KernelSet requirements, space-separated, or "all" (the default).
all=$(grep -o '#if LINK_[A-Za-z0-9]*' Device/Image/SelectedKernels.swift | sed 's/#if LINK_//' | tr '\n' ' ')
link=${LINK:-all}; [ "$link" = all ] && link=$all
defines=()
case "${KERNELS:-dsp}" in
  dsp)
    for k in $link; do
      case " $all " in *" $k "*) defines+=(-D "LINK_$k") ;; *) echo "error: LINK names no kernel '$k'" >&2; exit 2 ;; esac
    done
    list=$(for k in $link; do printf '"%s", ' "$k"; done)
    printf '// Written by Device/build.sh.\nlet linkedKernels: [String]? = [%s]\n' "$list" > "$out/linked.swift.new" ;;
  reference)
    defines=(-D VIGIL_REFERENCE_KERNELS)
    printf '// Written by Device/build.sh.\nlet linkedKernels: [String]? = nil\n' > "$out/linked.swift.new" ;;
  *) echo "error: KERNELS must be dsp or reference, not $KERNELS" >&2; exit 2 ;;
esac
# One object per selection, kept for the next build with the same one.
key=$(printf '%s %s' "${KERNELS:-dsp}" "$link" | sha256sum | cut -c1-16)
main=$out/main-$key.o
mkdir -p "$out/selection-$key"
cmp -s "$out/linked.swift.new" "$out/selection-$key/linked.swift" || mv "$out/linked.swift.new" "$out/selection-$key/linked.swift"
rm -f "$out/linked.swift.new"
if [ $changed = 1 ] || stale "$main" Device/Image/main.swift Device/Image/SelectedKernels.swift; then
  swiftc "${flags[@]}" "${defines[@]}" -module-name VigilDevice -c Device/Image/main.swift Device/Image/SelectedKernels.swift \
    "$out/selection-$key/linked.swift" -o "$main"
  touch "$main"
fi
if stale "$out/device.o" Device/Image/device.c; then
  clang --target=armv7em-none-eabi "${cpu[@]}" -Os -ffreestanding -ffunction-sections -c Device/Image/device.c -o "$out/device.o"
fi
printf '\t.section .vigil.model, "a"\n\t.balign 64\n\t.incbin "%s"\n' "$package" > "$out/model.S"
clang --target=armv7em-none-eabi "${cpu[@]}" -c "$out/model.S" -o "$out/model.o"
ld.lld -T Device/implant-m4.ld --gc-sections --icf=all "$picolibc/crt0-semihost.o" "$main" "$out/device.o" "$out/model.o" \
  "$out/modules/VigilFirmware.o" "$out/modules/VigilSignalCore.o" "$out/modules/VigilKernelsM4.o" "$out/modules/VigilRuntime.o" "$out/modules/VigilCrypto.o" \
  -L"$picolibc" -lc -lsemihost "$libgcc" -o "$image"
arm-none-eabi-size -A "$image" | awk '$1 ~ /^\.(init|text|rodata|ARM.exidx|data|tdata|tbss|bss|model)$/ {printf "%s %s  ", $1, $2} END {print ""}'
