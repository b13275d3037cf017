/// Fixed-point arithmetic of the TFLite int8 specification: gemmlowp's rounding
/// primitives, TFLite's `MultiplyByQuantizedMultiplier` (the double-rounding form
/// that TFLite builds by default, `TFLITE_SINGLE_ROUNDING=0`, and that LiteRT's
/// BUILTIN_REF kernels use) and `QuantizeMultiplier`.
///
/// Every function uses explicit 32/64-bit integer types: `Int` is 32 bits on a
/// Cortex-M4, and the results must not depend on the platform. Overflow that C++
/// leaves undefined but that wraps on every target TFLite runs on is written with
/// wrapping operators here.
public enum FixedPoint {
    /// gemmlowp `SaturatingRoundingDoublingHighMul`: the high 32 bits of 2·a·b,
    /// rounded to nearest with ties away from zero; the one overflowing case,
    /// INT32_MIN · INT32_MIN, saturates to INT32_MAX.
    @inlinable @inline(__always)
    public static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == Int32.min { return Int32.max }
        let ab = Int64(a) &* Int64(b)
        let nudge: Int64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30))
        // Division truncates toward zero, as C++'s does.
        return Int32(truncatingIfNeeded: (ab &+ nudge) / (1 << 31))
    }

    /// gemmlowp `RoundingDivideByPOT`: x / 2^exponent rounded to nearest, ties away
    /// from zero. `exponent` in 0...31.
    @inlinable @inline(__always)
    public static func roundingDivideByPOT(_ x: Int32, _ exponent: Int32) -> Int32 {
        let e = exponent < 0 ? 0 : (exponent > 31 ? 31 : exponent)
        let mask = Int32(truncatingIfNeeded: (Int64(1) << Int64(e)) &- 1)
        let remainder = x & mask
        let threshold = (mask >> 1) &+ (x < 0 ? 1 : 0)
        return (x >> e) &+ (remainder > threshold ? 1 : 0)
    }

    /// TFLite `MultiplyByQuantizedMultiplier` (double rounding): x · m · 2^(shift − 31),
    /// a positive shift applied as a left shift before the high multiply, a negative
    /// one as a rounding right shift after it.
    @inlinable @inline(__always)
    public static func multiplyByQuantizedMultiplier(_ x: Int32, _ multiplier: Int32, _ shift: Int32) -> Int32 {
        let left: Int32 = shift > 0 ? shift : 0
        let right: Int32 = shift > 0 ? 0 : -shift
        return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x &* (Int32(1) << left), multiplier), right)
    }

    /// `frexp` on the bits of a Double: x = fraction · 2^exponent with |fraction| in
    /// [0.5, 1); zero, infinities and NaN come back unchanged with exponent 0.
    public static func frexp(_ x: Double) -> (fraction: Double, exponent: Int32) {
        let bits = x.bitPattern
        let sign = bits & (1 << 63)
        var biased = Int32(truncatingIfNeeded: (bits >> 52) & 0x7FF)
        var mantissa = bits & ((1 << 52) - 1)
        if biased == 0x7FF { return (x, 0) }
        if biased == 0 {
            if mantissa == 0 { return (x, 0) }
            // Subnormal: normalise the mantissa so its leading one sits at bit 52.
            biased = 1
            while mantissa & (1 << 52) == 0 {
                mantissa <<= 1
                biased -= 1
            }
            mantissa &= (1 << 52) - 1
        }
        // Biased exponent 1022 puts the value in [0.5, 1).
        let fraction = Double(bitPattern: sign | (UInt64(1022) << 52) | mantissa)
        return (fraction, biased - 1022)
    }

    /// TFLite `QuantizeMultiplier`: m = q · 2^shift with q a Q31 int32 mantissa in
    /// [2^30, 2^31) (or 0). q = round(frexp fraction · 2^31), ties away from zero as
    /// `std::round` does; a mantissa that rounds up to 2^31 is halved with the shift
    /// incremented; a shift below −31 flushes to (0, 0).
    public static func quantizeMultiplier(_ m: Double) -> (multiplier: Int32, shift: Int32) {
        if m == 0 || !m.isFinite { return (0, 0) }
        var (fraction, shift) = frexp(m)
        let negative = fraction < 0
        if negative { fraction = -fraction }
        // fraction · 2^31 has at most 53 significant bits: split it exactly into its
        // integer part and the bit below the binary point (the rounding bit).
        let bits = fraction.bitPattern
        let significand = (bits & ((1 << 52) - 1)) | (1 << 52)  // fraction · 2^53
        var q = Int64((significand + (1 << 21)) >> 22)  // round(fraction · 2^31), ties away
        if q == (1 << 31) {
            q /= 2
            shift += 1
        }
        if shift < -31 { return (0, 0) }
        if negative { q = -q }
        return (Int32(truncatingIfNeeded: q), shift)
    }

    /// A positive double as its 53-bit significand and exponent: m = mantissa · 2^exponent.
    public static func decompose(_ m: Double) -> (mantissa: UInt64, exponent: Int32) {
        if !(m > 0) || !m.isFinite { return (0, 0) }
        let bits = m.bitPattern
        let biased = Int32(truncatingIfNeeded: (bits >> 52) & 0x7FF)
        let fraction = bits & ((1 << 52) - 1)
        if biased == 0 { return (fraction, -1074) }
        return (fraction | (1 << 52), biased - 1075)
    }

    /// `(int32) round((double) x * m)` for m = mantissa · 2^exponent, computed exactly
    /// with integers: the IEEE product (rounded to 53 bits, to nearest even) and then
    /// C's `round` (to nearest, ties away from zero), saturated to int32.
    @inlinable
    public static func roundedProduct(_ x: Int32, mantissa: UInt64, exponent: Int32) -> Int32 {
        if x == 0 || mantissa == 0 { return 0 }
        let negative = x < 0
        let magnitude = UInt64(x.magnitude)
        // The 85-bit product from two 32 × 32 → 64-bit multiplies (one UMULL each on a
        // 32-bit core, where a 64 × 64 → 128-bit product is a library routine).
        let p0 = (magnitude & 0xFFFF_FFFF) &* (mantissa & 0xFFFF_FFFF)
        let p1 = (magnitude & 0xFFFF_FFFF) &* (mantissa &>> 32)
        let low = p0 &+ (p1 &<< 32)
        let high = (p1 &>> 32) &+ (low < p0 ? 1 : 0)
        let bits = high != 0 ? 128 - high.leadingZeroBitCount : 64 - low.leadingZeroBitCount
        var t: UInt64
        var e = exponent
        if bits > 53 {
            // Round the exact product to 53 significant bits, ties to even.
            let r = UInt64(bits - 53)  // at most 31: |x| < 2^32, mantissa < 2^53
            t = (low &>> r) | (high &<< (64 - r))
            let remainder = low & ((1 &<< r) - 1)
            let half: UInt64 = 1 &<< (r - 1)
            if remainder > half || (remainder == half && t & 1 == 1) { t += 1 }
            e += Int32(r)
        } else {
            t = low
        }
        var q: UInt64
        if e >= 0 {
            q = e > 31 ? UInt64.max : (t > (UInt64.max &>> UInt64(e)) ? UInt64.max : t &<< UInt64(e))
        } else {
            let k = UInt64(-e)
            if k > 63 {
                q = 0
            } else {
                q = t &>> k
                let remainder = t & ((1 &<< k) - 1)
                if remainder >= (UInt64(1) &<< (k - 1)) { q += 1 }
            }
        }
        if negative { return q >= (1 << 31) ? Int32.min : -Int32(q) }
        return q >= (1 << 31) - 1 ? Int32.max : Int32(q)
    }

    // MARK: - gemmlowp fixed-point math (raw int32 values with a number of integer bits)

    /// gemmlowp `SaturatingRoundingMultiplyByPOT<exponent>`: a saturating left shift
    /// for a positive exponent, a rounding right shift for a negative one.
    @inlinable
    public static func saturatingRoundingMultiplyByPOT(_ x: Int32, _ exponent: Int32) -> Int32 {
        if exponent == 0 { return x }
        if exponent < 0 { return roundingDivideByPOT(x, -exponent) }
        let threshold: Int32 = (Int32(1) << (31 - exponent)) &- 1
        if x > threshold { return Int32.max }
        if x < -threshold { return Int32.min }
        return x << exponent
    }

    /// gemmlowp `Rescale`: a raw value with `from` integer bits as one with `to`.
    @inlinable
    public static func rescale(_ x: Int32, from: Int32, to: Int32) -> Int32 {
        saturatingRoundingMultiplyByPOT(x, from - to)
    }

    /// gemmlowp `RoundingHalfSum` for int32: (a + b) / 2 rounded away from zero.
    @inlinable
    public static func roundingHalfSum(_ a: Int32, _ b: Int32) -> Int32 {
        let sum = Int64(a) + Int64(b)
        let sign: Int64 = sum >= 0 ? 1 : -1
        return Int32(truncatingIfNeeded: (sum + sign) / 2)
    }

    /// gemmlowp `exp_on_interval_between_negative_one_quarter_and_0_excl` (Q0.31 in and out).
    @inlinable
    public static func expOnIntervalBetweenNegativeOneQuarterAnd0Excl(_ a: Int32) -> Int32 {
        let constantTerm: Int32 = 1895147668  // exp(-1/8)
        let oneThird: Int32 = 715827883
        let x = a &+ (1 << 28)  // a + 1/8
        let x2 = saturatingRoundingDoublingHighMul(x, x)
        let x3 = saturatingRoundingDoublingHighMul(x2, x)
        let x4 = saturatingRoundingDoublingHighMul(x2, x2)
        let x4Over4 = roundingDivideByPOT(x4, 2)
        let poly = roundingDivideByPOT(saturatingRoundingDoublingHighMul(x4Over4 &+ x3, oneThird) &+ x2, 1)
        return constantTerm &+ saturatingRoundingDoublingHighMul(constantTerm, x &+ poly)
    }

    /// gemmlowp `exp_on_negative_values`: exp(a) for a ≤ 0 given with `integerBits`
    /// integer bits; the result is Q0.31.
    @inlinable
    public static func expOnNegativeValues(_ a: Int32, integerBits: Int32) -> Int32 {
        let fractionalBits = 31 - integerBits
        let oneQuarter: Int32 = Int32(1) << (fractionalBits - 2)
        let mask = oneQuarter &- 1
        let aModQuarterMinusOneQuarter = (a & mask) &- oneQuarter
        var result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(rescale(aModQuarterMinusOneQuarter, from: integerBits, to: 0))
        let remainder = aModQuarterMinusOneQuarter &- a
        // exp(-2^k) for k = -2 ... 4, as Q0.31.
        let multipliers: (Int32, Int32, Int32, Int32, Int32, Int32, Int32) = (1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242)
        @inline(__always) func barrel(_ exponent: Int32, _ multiplier: Int32) {
            if integerBits > exponent {
                let shiftAmount = fractionalBits + exponent
                if remainder & (Int32(1) << shiftAmount) != 0 {
                    result = saturatingRoundingDoublingHighMul(result, multiplier)
                }
            }
        }
        barrel(-2, multipliers.0)
        barrel(-1, multipliers.1)
        barrel(0, multipliers.2)
        barrel(1, multipliers.3)
        barrel(2, multipliers.4)
        barrel(3, multipliers.5)
        barrel(4, multipliers.6)
        if integerBits > 5 {
            let clamp = -(Int32(1) << (36 - integerBits))  // -32.0
            if a < clamp { result = 0 }
        }
        if a == 0 { result = Int32.max }
        return result
    }

    /// gemmlowp `one_over_one_plus_x_for_x_in_0_1`: 1 / (1 + a) for a in [0, 1), Q0.31
    /// in and out, by three Newton–Raphson steps.
    @inlinable
    public static func oneOverOnePlusXForXIn01(_ a: Int32) -> Int32 {
        let halfDenominator = roundingHalfSum(a, Int32.max)
        let c48Over17: Int32 = 1515870810       // Q2.29
        let cNeg32Over17: Int32 = -1010580540   // Q2.29
        var x = c48Over17 &+ saturatingRoundingDoublingHighMul(halfDenominator, cNeg32Over17)
        let oneQ2: Int32 = 1 << 29
        for _ in 0..<3 {
            let halfDenominatorTimesX = saturatingRoundingDoublingHighMul(halfDenominator, x)
            let oneMinus = oneQ2 &- halfDenominatorTimesX
            x = x &+ rescale(saturatingRoundingDoublingHighMul(x, oneMinus), from: 4, to: 2)
        }
        // ExactMulByPot<-1> makes x a Q1.30 value with the same raw bits.
        return rescale(x, from: 1, to: 0)
    }

    /// Leading zero bits of a 32-bit pattern (32 for zero).
    @inlinable
    public static func countLeadingZeros(_ x: UInt32) -> Int32 { Int32(x.leadingZeroBitCount) }

    /// TFLite `GetReciprocal`: 1 / x for x with `integerDigits` integer bits, as a
    /// Q0.31 mantissa and the number of bits the result must move.
    @inlinable
    public static func reciprocal(_ x: Int32, integerDigits: Int32) -> (scale: Int32, bitsOverUnit: Int32) {
        let headroomPlusOne = countLeadingZeros(UInt32(bitPattern: x))
        let bitsOverUnit = integerDigits - headroomPlusOne
        let shifted = (UInt32(bitPattern: x) << UInt32(headroomPlusOne)) &- (UInt32(1) << 31)
        return (oneOverOnePlusXForXIn01(Int32(bitPattern: shifted)), bitsOverUnit)
    }
}
