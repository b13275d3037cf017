import Testing
import VigilRuntime
import VigilTestSupport

/// The fixed-point helpers against values derived by hand from their definitions
/// (gemmlowp fixedpoint.h, TFLite quantization_util.cc). Q31 means a raw int32 r
/// stands for r / 2^31.
struct FixedPointTests {
    typealias FP = FixedPoint

    @Test func saturatingRoundingDoublingHighMul() {
        // The only overflow: (-1) · (-1) = +1 is not representable in Q31 → INT32_MAX.
        #expect(FP.saturatingRoundingDoublingHighMul(.min, .min) == .max)
        // 0.5 · 0.5 = 0.25 = 2^29 raw, exact.
        #expect(FP.saturatingRoundingDoublingHighMul(1 << 30, 1 << 30) == 1 << 29)
        // 1 · 2^30: 2ab / 2^32 = 0.5 exactly; a positive tie rounds up to 1.
        #expect(FP.saturatingRoundingDoublingHighMul(1, 1 << 30) == 1)
        // -1 · 2^30: -0.5 exactly; the negative nudge is 1 - 2^30, so
        // (-2^30 + 1 - 2^30) / 2^31 = -0.99…, truncated to 0: ties go up (toward +∞).
        #expect(FP.saturatingRoundingDoublingHighMul(-1, 1 << 30) == 0)
        // -1 · (2^30 + 1): -0.5 - 2^-31, past the tie → -1.
        #expect(FP.saturatingRoundingDoublingHighMul(-1, (1 << 30) + 1) == -1)
        // 3 · 2^30 = 1.5 → 2; -3 · 2^30 = -1.5 → -1 (tie up).
        #expect(FP.saturatingRoundingDoublingHighMul(3, 1 << 30) == 2)
        #expect(FP.saturatingRoundingDoublingHighMul(-3, 1 << 30) == -1)
        // MAX · MAX = (2^31 - 1)^2 / 2^31 = 2^31 - 2 + 2^-31 → 2^31 - 2.
        #expect(FP.saturatingRoundingDoublingHighMul(.max, .max) == Int32.max - 1)
        // MIN · MAX = -(2^31 - 1) exactly.
        #expect(FP.saturatingRoundingDoublingHighMul(.min, .max) == -Int32.max)
    }

    @Test func roundingDivideByPOT() {
        // Exponent 0 is the identity.
        #expect(FP.roundingDivideByPOT(-7, 0) == -7)
        #expect(FP.roundingDivideByPOT(.min, 0) == .min)
        // Ties (x.5) round away from zero, both signs.
        #expect(FP.roundingDivideByPOT(1, 1) == 1)     // 0.5 → 1
        #expect(FP.roundingDivideByPOT(-1, 1) == -1)   // -0.5 → -1
        #expect(FP.roundingDivideByPOT(3, 1) == 2)     // 1.5 → 2
        #expect(FP.roundingDivideByPOT(-3, 1) == -2)   // -1.5 → -2
        #expect(FP.roundingDivideByPOT(6, 2) == 2)     // 1.5 → 2
        #expect(FP.roundingDivideByPOT(-6, 2) == -2)   // -1.5 → -2
        // Off the tie, to nearest.
        #expect(FP.roundingDivideByPOT(5, 2) == 1)     // 1.25 → 1
        #expect(FP.roundingDivideByPOT(-5, 2) == -1)   // -1.25 → -1
        #expect(FP.roundingDivideByPOT(7, 2) == 2)     // 1.75 → 2
        #expect(FP.roundingDivideByPOT(-7, 2) == -2)   // -1.75 → -2
        // Exponent 31: the whole int32 range maps to -1, 0, 1.
        #expect(FP.roundingDivideByPOT(.min, 31) == -1)       // exactly -1
        #expect(FP.roundingDivideByPOT(1 << 30, 31) == 1)     // 0.5 → 1
        #expect(FP.roundingDivideByPOT(-(1 << 30), 31) == -1) // -0.5 → -1
        #expect(FP.roundingDivideByPOT((1 << 30) - 1, 31) == 0)
        #expect(FP.roundingDivideByPOT(.max, 31) == 1)
    }

    @Test func multiplyByQuantizedMultiplier() {
        let half: Int32 = 1 << 30  // 0.5 as Q31
        // Shift 0: x · 0.5 with the high-multiply's rounding (ties toward +∞).
        #expect(FP.multiplyByQuantizedMultiplier(3, half, 0) == 2)
        #expect(FP.multiplyByQuantizedMultiplier(-3, half, 0) == -1)
        // Double rounding: 5 · 0.5 · 2^-1 = 1.25, but the high multiply first rounds
        // 2.5 to 3, and the rounding shift then takes 1.5 to 2 (single rounding: 1).
        #expect(FP.multiplyByQuantizedMultiplier(5, half, -1) == 2)
        #expect(FP.multiplyByQuantizedMultiplier(-5, half, -1) == -1)  // -2.5 → -2 → -1
        // A positive shift is a left shift before the multiply: 3 · 2 · 0.5 = 3.
        #expect(FP.multiplyByQuantizedMultiplier(3, half, 1) == 3)
        // Shift -31: 2^30 · 0.5 = 2^29, then / 2^31 = 0.25 → 0.
        #expect(FP.multiplyByQuantizedMultiplier(1 << 30, half, -31) == 0)
        // MAX · MAX → 2^31 - 2, / 2^31 = 0.99… → 1.
        #expect(FP.multiplyByQuantizedMultiplier(.max, .max, -31) == 1)
        // The saturating case passes through: MIN · MIN → MAX.
        #expect(FP.multiplyByQuantizedMultiplier(.min, .min, 0) == .max)
        // A typical requantization: acc 1000 · 0.3 (0.6 · 2^31 · 2^-1), rounds 300.
        let (m, s) = FP.quantizeMultiplier(0.3)
        #expect(FP.multiplyByQuantizedMultiplier(1000, m, s) == 300)
        #expect(FP.multiplyByQuantizedMultiplier(-1000, m, s) == -300)
    }

    @Test func frexp() {
        #expect(FP.frexp(8).fraction == 0.5 && FP.frexp(8).exponent == 4)
        #expect(FP.frexp(-3).fraction == -0.75 && FP.frexp(-3).exponent == 2)
        #expect(FP.frexp(0.5).fraction == 0.5 && FP.frexp(0.5).exponent == 0)
        #expect(FP.frexp(1).fraction == 0.5 && FP.frexp(1).exponent == 1)
        // The smallest subnormal, 2^-1074 = 0.5 · 2^-1073.
        #expect(FP.frexp(.leastNonzeroMagnitude).fraction == 0.5)
        #expect(FP.frexp(.leastNonzeroMagnitude).exponent == -1073)
        #expect(FP.frexp(0).fraction == 0 && FP.frexp(0).exponent == 0)
    }

    @Test func quantizeMultiplier() {
        func q(_ m: Double) -> [Int32] { let r = FP.quantizeMultiplier(m); return [r.multiplier, r.shift] }
        #expect(q(0) == [0, 0])
        #expect(q(0.5) == [1 << 30, 0])            // frexp(0.5) = 0.5 · 2^0
        #expect(q(1) == [1 << 30, 1])              // 0.5 · 2^1
        #expect(q(0.75) == [1_610_612_736, 0])     // 0.75 · 2^31
        #expect(q(-0.75) == [-1_610_612_736, 0])
        // 1/3 = (2/3) · 2^-1; 2/3 · 2^31 = 1431655765.33 → 1431655765.
        #expect(q(1.0 / 3.0) == [1_431_655_765, -1])
        // A tie: (0.5 + 2^-32) · 2^31 = 2^30 + 0.5 → rounds away from zero.
        #expect(q(0.5 + 0x1p-32) == [(1 << 30) + 1, 0])
        // A fraction that rounds up to 2^31 is halved and the shift incremented.
        #expect(q(1 - 0x1p-40) == [1 << 30, 1])
        // Smallest shift kept: 2^-32 = 0.5 · 2^-31; one more halving flushes to zero.
        #expect(q(0x1p-32) == [1 << 30, -31])
        #expect(q(0x1p-33) == [0, 0])
    }

    @Test func softmaxHelpers() {
        // exp(0) is exactly one (INT32_MAX in Q0.31).
        #expect(FP.expOnNegativeValues(0, integerBits: 5) == .max)
        // exp(-1) with 5 integer bits: -1.0 is -(1 << 26). It is computed as
        // exp(-1/4) (polynomial) · exp(-1/4) · exp(-1/2) (barrel-shifter constants), three
        // roundings and the polynomial's error away from exp(-1) = 790015084 / 2^31; the
        // bit-exact check of the whole softmax is the LiteRT comparison.
        let e1 = FP.expOnNegativeValues(-(1 << 26), integerBits: 5)
        #expect(abs(Int64(e1) - 790_015_084) < 2_000)  // 1e-6 relative
        // 1 / (1 + 0) = 1 (saturated one), 1 / (1 + 0.5) = 2/3 within the Newton error.
        #expect(abs(Int64(FP.oneOverOnePlusXForXIn01(1 << 30)) - 1_431_655_765) < 64)
    }
}

/// LiteRT's reference FULLY_CONNECTED requantizes as `(int32) round((double) acc * m)`;
/// Vigil's integer-only emulation must agree with that definition (evaluated here with
/// the host's IEEE doubles) everywhere, ties included.
struct ExactRequantizationTests {
    @Test func matchesDoubleDefinition() {
        var g = SplitMix64(seed: 42)
        for i in 0..<200_000 {
            let acc = Int32(truncatingIfNeeded: g.next() >> UInt64(33 + i % 31))  // small and large accumulators
            let signed = i % 2 == 0 ? acc : -acc
            let m = Double(g.next() >> 11) * 0x1p-53 * (i % 3 == 0 ? 1e-3 : 1e-5)
            let (mantissa, exponent) = FixedPoint.decompose(m)
            let expected = Int32(clamping: Int64((Double(signed) * m).rounded(.toNearestOrAwayFromZero)))
            #expect(FixedPoint.roundedProduct(signed, mantissa: mantissa, exponent: exponent) == expected, "acc \(signed), m \(m)")
            if FixedPoint.roundedProduct(signed, mantissa: mantissa, exponent: exponent) != expected { break }
        }
        // Exact ties: 3 · 0.5 = 1.5 → 2, -3 · 0.5 → -2, 5 · 0.25 = 1.25 → 1.
        let (h, he) = FixedPoint.decompose(0.5)
        #expect(FixedPoint.roundedProduct(3, mantissa: h, exponent: he) == 2)
        #expect(FixedPoint.roundedProduct(-3, mantissa: h, exponent: he) == -2)
        let (q, qe) = FixedPoint.decompose(0.25)
        #expect(FixedPoint.roundedProduct(5, mantissa: q, exponent: qe) == 1)
        // The product's own rounding matters: m = 1/3 (a double just below 1/3).
        let (t, te) = FixedPoint.decompose(1.0 / 3.0)
        #expect(FixedPoint.roundedProduct(3, mantissa: t, exponent: te) == Int32((3.0 * (1.0 / 3.0)).rounded(.toNearestOrAwayFromZero)))
    }
}
