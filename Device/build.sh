#!/usr/bin/env bash
# Builds the device self-test image: VigilCrypto and VigilRuntime compiled whole as
# Embedded Swift for the Cortex-M4F (armv7em, hard float, -Osize, function sections),
# Device/SelfTest/main.swift against them, linked by the Swift toolchain's ld.lld with
# --gc-sections against Debian's picolibc (thumb/v7e-m+fp/hard, semihosting) and
# gcc-arm-none-eabi's libgcc (the EABI helpers), with Device/implant-m4.ld.
# Writes .build-device/selftest.elf and prints its section sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-device
mkdir -p "$out/modules"
picolibc=/usr/lib/picolibc/arm-none-eabi/lib/thumb/v7e-m+fp/hard
libgcc=$(arm-none-eabi-gcc -mthumb -mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16 -print-libgcc-file-name)
flags=(-target armv7em-none-none-eabi -enable-experimental-feature Embedded -enable-experimental-feature Extern
       -wmo -Osize -parse-as-library -Xcc -mcpu=cortex-m4 -Xcc -mfloat-abi=hard -Xcc -mfpu=fpv4-sp-d16
       -Xllvm -float-abi=hard -Xfrontend -function-sections -I "$out/modules")
for module in VigilCrypto VigilRuntime; do
  mapfile -t files < <(find "Sources/$module" -name '*.swift' | sort)
  swiftc "${flags[@]}" -module-name "$module" -emit-module -emit-module-path "$out/modules/$module.swiftmodule" \
    -c "${files[@]}" -o "$out/modules/$module.o"
done
swiftc "${flags[@]}" -c Device/SelfTest/main.swift -o "$out/selftest.o"
ld.lld -T Device/implant-m4.ld --gc-sections "$picolibc/crt0-semihost.o" "$out/selftest.o" \
  "$out/modules/VigilRuntime.o" "$out/modules/VigilCrypto.o" -L"$picolibc" -lc -lsemihost "$libgcc" -o "$out/selftest.elf"
arm-none-eabi-size "$out/selftest.elf"
