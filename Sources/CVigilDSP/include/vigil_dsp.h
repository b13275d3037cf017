/* The Cortex-M4 DSP instructions the device kernels use (ARMv7E-M: SXTB16, SMLAD),
   named where Swift cannot name them, with portable C for other targets so that the
   same kernels build and are tested on the host. Results are identical: SMLAD's sum
   wraps modulo 2^32 (it only sets the Q flag on overflow), as the portable one does. */
#ifndef VIGIL_DSP_H
#define VIGIL_DSP_H
#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define VIGIL_DSP_NATIVE 1
/* Bytes 0 and 2 of x, sign-extended to the two halfwords. */
__attribute__((always_inline)) static inline uint32_t vigil_sxtb16(uint32_t x) { return (uint32_t)__builtin_arm_sxtb16((int32_t)x); }
/* Bytes 1 and 3 of x, sign-extended to the two halfwords (SXTB16 with ROR #8). */
__attribute__((always_inline)) static inline uint32_t vigil_sxtb16_odd(uint32_t x) { return (uint32_t)__builtin_arm_sxtb16((int32_t)((x >> 8) | (x << 24))); }
/* acc + lo(x)·lo(y) + hi(x)·hi(y), the halfwords signed. */
__attribute__((always_inline)) static inline int32_t vigil_smlad(uint32_t x, uint32_t y, int32_t acc) { return __builtin_arm_smlad((int32_t)x, (int32_t)y, acc); }
#else
#define VIGIL_DSP_NATIVE 0
static inline uint32_t vigil_sxtb16(uint32_t x) {
    return (uint32_t)(uint16_t)(int16_t)(int8_t)(x & 0xFFu) | ((uint32_t)(uint16_t)(int16_t)(int8_t)((x >> 16) & 0xFFu) << 16);
}
static inline uint32_t vigil_sxtb16_odd(uint32_t x) { return vigil_sxtb16(x >> 8); }
static inline int32_t vigil_smlad(uint32_t x, uint32_t y, int32_t acc) {
    uint32_t lo = (uint32_t)((int32_t)(int16_t)(x & 0xFFFFu) * (int32_t)(int16_t)(y & 0xFFFFu));
    uint32_t hi = (uint32_t)((int32_t)(int16_t)(x >> 16) * (int32_t)(int16_t)(y >> 16));
    return (int32_t)((uint32_t)acc + lo + hi);
}
#endif

/* TFLite's MultiplyByQuantizedMultiplier (gemmlowp's double rounding), as
   VigilRuntime's FixedPoint computes it, in C so that the device build gets one SMULL
   and a few shifts where the Swift build calls helpers: x · m · 2^(shift − 31), a
   positive shift applied as a left shift before the high multiply (wrapping), a
   negative one as a rounding right shift after it (exponent clamped to 0…31). */
__attribute__((always_inline)) static inline int32_t vigil_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
    int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int32_t a = (int32_t)((uint32_t)x * (left > 31 ? 0u : (uint32_t)1 << left));
    int32_t high;
    if (a == multiplier && a == INT32_MIN) {
        high = INT32_MAX;
    } else {
        int64_t ab = (int64_t)a * (int64_t)multiplier;
        int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
        high = (int32_t)((ab + nudge) / ((int64_t)1 << 31));
    }
    int32_t e = right < 0 ? 0 : (right > 31 ? 31 : right);
    int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    int32_t remainder = high & mask;
    int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
    return (high >> e) + (remainder > threshold ? 1 : 0);
}

/* 1 when the DSP instructions are used, 0 for the portable C. */
static inline int vigil_dsp_native(void) { return VIGIL_DSP_NATIVE; }

#endif
