#ifndef VIGIL_CFUZZDRIVER_H
#define VIGIL_CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for programs that have their own main (SwiftPM gives each
/// executable one, `<Module>_main`); `-sanitize=fuzzer` links its definition.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

/// Runs libFuzzer on `callback` with the process's arguments.
static inline int vigil_fuzz_main(int argc, char **argv, int (*callback)(const uint8_t *, size_t)) {
    return LLVMFuzzerRunDriver(&argc, &argv, callback);
}
#endif
