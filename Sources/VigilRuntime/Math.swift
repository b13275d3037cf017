/// Elementary functions written out in Swift so that the core needs no C library and
/// gives the same float results on the host and on a Cortex-M4F.
public enum VMath {
    /// e^x with Cody–Waite range reduction and a degree-7 polynomial; under 2 ulp on
    /// the normal range, 0 below the subnormal range, +inf above ln(Float.max).
    @inlinable
    public static func exp(_ x: Float) -> Float {
        if !(x == x) { return x }
        if x > 88.72284 { return .infinity }
        if x < -103.97208 { return 0 }
        let n = (x * 1.4426950408889634).rounded(.toNearestOrEven)
        let r = (x - n * 0.693145751953125) - n * 1.4286068203094172e-06
        var p: Float = 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        return scaleByPowerOfTwo(p, Int32(n))
    }

    /// p · 2^n for n in about [-151, 128], including results in the subnormal range.
    @inlinable
    public static func scaleByPowerOfTwo(_ p: Float, _ n: Int32) -> Float {
        var value = p
        var k = n
        if k > 127 {
            value *= Float(bitPattern: UInt32(127 + 127) << 23)
            k -= 127
        } else if k < -126 {
            value *= Float(bitPattern: UInt32(1) << 23)  // 2^-126
            k += 126
            if k < -126 {
                value *= Float(bitPattern: UInt32(1) << 23)
                k += 126
            }
        }
        return value * Float(bitPattern: UInt32(k + 127) << 23)
    }

    /// e^x − 1 without cancellation near zero.
    @inlinable
    public static func expm1(_ x: Float) -> Float {
        if x > -0.7 && x < 1.3 {
            // Taylor series; the 13th term is below 1e-9 on this interval.
            var p: Float = 1.0 / 479001600.0
            p = p * x + 1.0 / 39916800.0
            p = p * x + 1.0 / 3628800.0
            p = p * x + 1.0 / 362880.0
            p = p * x + 1.0 / 40320.0
            p = p * x + 1.0 / 5040.0
            p = p * x + 1.0 / 720.0
            p = p * x + 1.0 / 120.0
            p = p * x + 1.0 / 24.0
            p = p * x + 1.0 / 6.0
            p = p * x + 0.5
            p = p * x + 1.0
            return p * x
        }
        return exp(x) - 1
    }

    @inlinable
    public static func tanh(_ x: Float) -> Float {
        if !(x == x) { return x }
        let a = x < 0 ? -x : x
        let t: Float
        if a < 0.625 {
            let e = expm1(2 * a)
            t = e / (e + 2)
        } else if a > 9.1 {
            t = 1
        } else {
            t = 1 - 2 / (exp(2 * a) + 1)
        }
        return x < 0 ? -t : t
    }

    @inlinable
    public static func sigmoid(_ x: Float) -> Float {
        1 / (1 + exp(-x))
    }

    /// ln x for finite x > 0, in double precision: x = m·2^e with m in [√½, √2), then
    /// ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.1716, summed to s^23 (the next
    /// term is below 2^-53 of the sum).
    @usableFromInline
    static func logDouble(_ x: Double) -> Double {
        var bits = x.bitPattern
        var e = Int((bits >> 52) & 0x7FF)
        if e == 0 {  // subnormal: scale by 2^54 first
            bits = (x * 18014398509481984.0).bitPattern
            e = Int((bits >> 52) & 0x7FF) - 54
        }
        e -= 1023
        var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        if m > 1.4142135623730951 {
            m *= 0.5
            e += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var p = 1.0 / 23.0
        var k = 21.0
        while k >= 1 {
            p = p * s2 + 1 / k
            k -= 2
        }
        return Double(e) * 0.6931471805599453 + 2 * s * p
    }

    /// ln x (nan below 0, −inf at 0).
    @inlinable
    public static func log(_ x: Float) -> Float {
        if !(x == x) || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return x }
        return Float(logDouble(Double(x)))
    }

    /// ln(1 + x) without cancellation near zero.
    @inlinable
    public static func log1p(_ x: Float) -> Float {
        if !(x == x) || x < -1 { return .nan }
        if x == -1 { return -.infinity }
        if x == .infinity { return x }
        let a = x < 0 ? -x : x
        if a < 1e-4 {
            let d = Double(x)
            return Float(d - d * d / 2 + d * d * d / 3)
        }
        return Float(logDouble(1 + Double(x)))
    }

    /// The error function, in double precision: its Maclaurin series below 3, the
    /// complement's continued fraction above (`erfc`).
    @usableFromInline
    static func erfDouble(_ x: Double) -> Double {
        let a = x < 0 ? -x : x
        if a >= 3 { return x < 0 ? erfcDouble(a) - 1 : 1 - erfcDouble(a) }
        let x2 = x * x
        var term = x
        var sum = x
        var n = 1.0
        while n < 80 {
            term *= -x2 / n
            let t = term / (2 * n + 1)
            sum += t
            if (t < 0 ? -t : t) < 1e-17 * (sum < 0 ? -sum : sum) { break }
            n += 1
        }
        return sum * 1.1283791670955126
    }

    /// 1 − erf(x) for x ≥ 3: e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
    /// evaluated from the 60th level up (converged to double precision for x ≥ 3).
    @usableFromInline
    static func erfcDouble(_ x: Double) -> Double {
        if x < 3 { return 1 - erfDouble(x) }
        var f = x
        var k = 60.0
        while k >= 1 {
            f = x + (k / 2) / f
            k -= 1
        }
        let x2 = x * x
        if x2 > 745 { return 0 }
        let hi = Float(x2)
        return Double(exp(-hi)) * expDoubleSmall(Double(hi) - x2) / f * 0.5641895835477563
    }

    /// e^d for |d| tiny (the rounding of x² to float), to second order.
    @usableFromInline
    static func expDoubleSmall(_ d: Double) -> Double { 1 + d + d * d / 2 }

    @inlinable
    public static func erf(_ x: Float) -> Float {
        if !(x == x) { return x }
        return Float(erfDouble(Double(x)))
    }

    /// 1 − erf(x), accurate where erf(x) is near 1.
    @inlinable
    public static func erfc(_ x: Float) -> Float {
        if !(x == x) { return x }
        let d = Double(x)
        return Float(d >= 3 ? erfcDouble(d) : 1 - erfDouble(d))
    }

    /// e^x in double precision for the results of `pow`: x = n·ln 2 + r with |r| ≤ ln2/2
    /// (ln 2 in two parts), e^r by its Taylor series to r^16, scaled by 2^n.
    @usableFromInline
    static func expDouble(_ x: Double) -> Double {
        if !(x == x) { return x }
        if x > 709.78 { return .infinity }
        if x < -745.2 { return 0 }
        let n = (x * 1.4426950408889634).rounded(.toNearestOrEven)
        let r = (x - n * 0.6931471803691238) - n * 1.9082149292705877e-10
        var p = 1.0 / 20922789888000.0
        var k = 15.0
        while k >= 1 {
            p = p * r + 1 / Double(factorial(Int(k)))
            k -= 1
        }
        p = p * r + 1
        // 2^n in two steps, so that subnormal results keep their bits.
        let e = Int(n)
        let half = e / 2
        return p * Double(sign: .plus, exponent: half, significand: 1) * Double(sign: .plus, exponent: e - half, significand: 1)
    }

    @usableFromInline
    static func factorial(_ n: Int) -> Int {
        var f = 1
        for i in 1...max(n, 1) { f *= i }
        return f
    }

    /// x^y as ONNX Pow and C's pow: 1 when y is 0, NaN for x < 0 with a non-integer y,
    /// the sign of x^y for x < 0 from the parity of an integer y; computed as
    /// e^(y·ln|x|) in double precision.
    @inlinable
    public static func pow(_ x: Float, _ y: Float) -> Float {
        if y == 0 || x == 1 { return 1 }
        if x.isNaN || y.isNaN { return .nan }
        if x == -1 && y.isInfinite { return 1 }
        let yd = Double(y)
        let isInteger = y.rounded(.towardZero) == y
        // Floats of magnitude 2^24 and above are even integers.
        var odd = false
        if isInteger && y.magnitude < 16_777_216 { odd = Int(y) % 2 != 0 }
        if x == 0 {
            if y > 0 { return odd ? x : 0 }
            return odd ? (x.sign == .minus ? -.infinity : .infinity) : .infinity
        }
        if x < 0 && !isInteger { return .nan }
        let a = Double(x < 0 ? -x : x)
        if a == .infinity {
            let magnitude: Float = y > 0 ? .infinity : 0
            return x < 0 && odd ? -magnitude : magnitude
        }
        let magnitude = Float(expDouble(yd * logDouble(a)))
        return x < 0 && odd ? -magnitude : magnitude
    }
}
