// The two x86 instructions sequences Vigil's int8 host kernels need and Swift cannot
// name: VNNI's vpdpbusd (u8 x s8 dot products of four, accumulated in int32) and a
// 16-lane gemmlowp requantization built on vpmuldq (signed 32 x 32 -> 64-bit
// products). Everything else in the kernels is Swift SIMD.
//
// The functions are static inline with per-function target attributes: they are
// inlined into Swift code compiled for a CPU that has these features, and the Swift
// side only calls them when Package.swift detected the CPU (VIGIL_VNNI,
// VIGIL_AVX512), so no build selects an instruction its machine lacks.
#ifndef CVIGILX86_H
#define CVIGILX86_H

#include <stdint.h>

typedef int32_t vigil_i32x16 __attribute__((ext_vector_type(16)));

#if defined(__x86_64__)
#include <immintrin.h>

/// acc + Σ_{j<4} a.u8[4i+j] · b.s8[4i+j] in each int32 lane i, wrapping (vpdpbusd).
static inline __attribute__((always_inline, target("avx512f,avx512vnni")))
vigil_i32x16 vigil_dot_u8s8(vigil_i32x16 acc, vigil_i32x16 a, vigil_i32x16 b) {
    return (vigil_i32x16)_mm512_dpbusd_epi32((__m512i)acc, (__m512i)a, (__m512i)b);
}

/// The lane-wise maximum (vpmaxsd); Swift's generic pointwiseMax is not inlined.
static inline __attribute__((always_inline, target("avx512f")))
vigil_i32x16 vigil_max_i32x16(vigil_i32x16 a, vigil_i32x16 b) {
    return (vigil_i32x16)_mm512_max_epi32((__m512i)a, (__m512i)b);
}

/// LiteRT's FULLY_CONNECTED requantization of 16 accumulators, as LiteRT computes it:
/// (int32) round((double) acc * m) saturated to int32 (round: to nearest, ties away
/// from zero), then + offset, the activation clamp, and the low byte of each lane
/// stored where `mask` has a bit. Each lane's m is the double FixedPoint.decompose
/// took apart, rebuilt from its bits (the caller checks that it did come from there):
/// (exponent + 1075) << 52 with the fraction for a normal double, the mantissa alone
/// for a subnormal one.
static inline __attribute__((always_inline, target("avx512f,avx512bw,avx512vl,avx512dq")))
void vigil_requantize_double16(vigil_i32x16 acc, const uint64_t *mantissas, const int32_t *exponents,
                               int32_t offset, int32_t low, int32_t high, int8_t *out, uint16_t mask) {
    const __m512i fraction = _mm512_set1_epi64((1LL << 52) - 1);
    const __m512i hidden = _mm512_set1_epi64(1LL << 52);
    const __m512d half = _mm512_set1_pd(0.5), one = _mm512_set1_pd(1.0);
    const __m512d sign = _mm512_castsi512_pd(_mm512_set1_epi64((long long)0x8000000000000000ULL));
    __m256i rounded[2];
    for (int part = 0; part < 2; part++) {
        const __mmask8 lanes = (__mmask8)(mask >> (8 * part));
        const __m512i mantissa = _mm512_maskz_loadu_epi64(lanes, mantissas + 8 * part);
        const __m512i exponent = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(lanes, exponents + 8 * part));
        const __m512i normalBits = _mm512_or_si512(_mm512_slli_epi64(_mm512_add_epi64(exponent, _mm512_set1_epi64(1075)), 52),
                                                   _mm512_and_si512(mantissa, fraction));
        const __m512i bits = _mm512_mask_blend_epi64(_mm512_test_epi64_mask(mantissa, hidden), mantissa, normalBits);
        const __m256i a = part == 0 ? _mm512_castsi512_si256((__m512i)acc) : _mm512_extracti64x4_epi64((__m512i)acc, 1);
        const __m512d product = _mm512_mul_pd(_mm512_cvtepi32_pd(a), _mm512_castsi512_pd(bits));
        // Truncate, then step away from zero where the dropped part (exact) is at least
        // one half; infinities stay infinite and saturate below.
        __m512d t = _mm512_roundscale_pd(product, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        const __m512d dropped = _mm512_abs_pd(_mm512_sub_pd(product, t));
        const __m512d away = _mm512_or_pd(_mm512_and_pd(product, sign), one);
        t = _mm512_mask_add_pd(t, _mm512_cmp_pd_mask(dropped, half, _CMP_GE_OQ), t, away);
        t = _mm512_min_pd(_mm512_max_pd(t, _mm512_set1_pd(-2147483648.0)), _mm512_set1_pd(2147483647.0));
        rounded[part] = _mm512_cvttpd_epi32(t);
    }
    __m512i y = _mm512_inserti64x4(_mm512_castsi256_si512(rounded[0]), rounded[1], 1);
    y = _mm512_add_epi32(y, _mm512_set1_epi32(offset));
    y = _mm512_max_epi32(y, _mm512_set1_epi32(low));
    y = _mm512_min_epi32(y, _mm512_set1_epi32(high));
    _mm_mask_storeu_epi8(out, mask, _mm512_cvtepi32_epi8(y));
}

/// TFLite's per-channel requantization of 16 int32 accumulators, lane for lane what
/// FixedPoint.multiplyByQuantizedMultiplier does, then + offset, the activation clamp,
/// and the low byte of each lane stored where `mask` has a bit.
///
/// The saturating rounding doubling high multiply is (x·m + 2^30) >> 31: gemmlowp's
/// nudge of 1 − 2^30 for negative products, with C's truncating division, rounds the
/// same way as this floor. Its one saturating case, Int32.min · Int32.min, needs a
/// multiplier of Int32.min, which the caller excludes. Rows computed once per layer:
/// `oddMultiplier` holds each odd lane's multiplier in the even lane below it (where
/// vpmuldq reads it), and the rounding divide by 2^right takes `remainderMask` =
/// 2^right − 1 and `threshold` = remainderMask >> 1.
static inline __attribute__((always_inline, target("avx512f,avx512bw,avx512vl")))
void vigil_requantize16(vigil_i32x16 acc, vigil_i32x16 multiplier, vigil_i32x16 oddMultiplier,
                        vigil_i32x16 left, vigil_i32x16 right, vigil_i32x16 remainderMask, vigil_i32x16 threshold,
                        int32_t offset, int32_t low, int32_t high, int8_t *out, uint16_t mask) {
    const __m512i x = _mm512_sllv_epi32((__m512i)acc, (__m512i)left);
    const __m512i half = _mm512_set1_epi64(1LL << 30);
    // Bits 31...62 of x·m + 2^30: the even lanes' 64-bit products shifted down, the odd
    // lanes' shifted up by one into the high half.
    const __m512i even = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, (__m512i)multiplier), half), 31);
    const __m512i odd = _mm512_slli_epi64(_mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), (__m512i)oddMultiplier), half), 1);
    const __m512i product = _mm512_mask_blend_epi32(0xAAAA, even, odd);
    // Rounding divide by 2^right, ties away from zero: one more where the remainder
    // exceeds the threshold (itself one more for negative values).
    const __m512i remainder = _mm512_and_si512(product, (__m512i)remainderMask);
    const __m512i limit = _mm512_sub_epi32((__m512i)threshold, _mm512_srai_epi32(product, 31));
    __m512i y = _mm512_srav_epi32(product, (__m512i)right);
    y = _mm512_mask_add_epi32(y, _mm512_cmpgt_epi32_mask(remainder, limit), y, _mm512_set1_epi32(1));
    y = _mm512_add_epi32(y, _mm512_set1_epi32(offset));
    y = _mm512_max_epi32(y, _mm512_set1_epi32(low));
    y = _mm512_min_epi32(y, _mm512_set1_epi32(high));
    _mm_mask_storeu_epi8(out, mask, _mm512_cvtepi32_epi8(y));
}
#endif

#endif
