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
}
