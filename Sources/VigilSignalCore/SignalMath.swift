/// Elementary functions in pure Swift.
///
/// The streaming chain must build without Foundation or libm (it will run in an
/// Embedded Swift device build), yet filter design, window design and noise
/// synthesis need sin, cos, exp and log. These are computed in `Double` with
/// argument reduction and short series; they are accurate to a few ulp over the
/// ranges used here, which is far below what any Float32 filter can resolve.
public enum SignalMath {
    public static let pi = 3.141592653589793238462643383279502884
    static let ln2 = 0.693147180559945309417232121458176568
    static let ln10 = 2.302585092994045684017991454684364208

    /// sin(x): reduce to [-π/4, π/4] by quadrant, then a Taylor series.
    public static func sin(_ x: Double) -> Double {
        let (r, q) = reduce(x)
        switch q & 3 {
        case 0: return sinKernel(r)
        case 1: return cosKernel(r)
        case 2: return -sinKernel(r)
        default: return -cosKernel(r)
        }
    }

    /// cos(x): same reduction as `sin`, shifted by one quadrant.
    public static func cos(_ x: Double) -> Double {
        let (r, q) = reduce(x)
        switch q & 3 {
        case 0: return cosKernel(r)
        case 1: return -sinKernel(r)
        case 2: return -cosKernel(r)
        default: return sinKernel(r)
        }
    }

    public static func tan(_ x: Double) -> Double { sin(x) / cos(x) }

    /// exp(x) = 2^k · exp(r), |r| ≤ ln2/2, with a Taylor series for exp(r).
    public static func exp(_ x: Double) -> Double {
        if x > 709.78 { return .infinity }
        if x < -745.2 { return 0 }
        let k = (x / ln2).rounded()
        let r = x - k * ln2
        var term = 1.0, sum = 1.0
        for n in 1...20 {
            term *= r / Double(n)
            sum += term
            if abs(term) < 1e-17 * abs(sum) { break }
        }
        return sum * pow2(Int(k))
    }

    /// Natural logarithm: x = m · 2^e with m in [√½, √2), then the atanh series.
    public static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return .infinity }
        var m = x.significand  // [1, 2)
        var e = Int(x.exponent)
        if m > 1.4142135623730951 { m /= 2; e += 1 }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var term = s, sum = 0.0
        var n = 1.0
        while n < 80 {
            sum += term / n
            term *= s2
            n += 2
            if abs(term) < 1e-18 { break }
        }
        return 2 * sum + Double(e) * ln2
    }

    public static func log10(_ x: Double) -> Double { log(x) / ln10 }

    /// 10^x, used to turn decibels into amplitude ratios.
    public static func pow10(_ x: Double) -> Double { exp(x * ln10) }

    /// The zeroth-order modified Bessel function of the first kind, for Kaiser windows.
    public static func besselI0(_ x: Double) -> Double {
        let half = x / 2
        var term = 1.0, sum = 1.0
        var k = 1.0
        while k < 500 {
            term *= (half / k) * (half / k)
            sum += term
            if term < 1e-17 * sum { break }
            k += 1
        }
        return sum
    }

    private static func pow2(_ k: Int) -> Double {
        if k > 1023 { return .infinity }
        if k < -1074 { return 0 }
        if k < -1022 { return Double(sign: .plus, exponent: -1022, significand: 1) * Double(sign: .plus, exponent: k + 1022, significand: 1) }
        return Double(sign: .plus, exponent: k, significand: 1)
    }

    /// Cody–Waite style reduction by π/2 with a two-part constant; exact enough for |x| < 1e6.
    private static func reduce(_ x: Double) -> (Double, Int) {
        let piOver2High = 1.5707963267341256e+00
        let piOver2Low = 6.0771005065061922e-11
        let piOver2Lower = 2.0222662487959506e-21
        let q = (x / (pi / 2)).rounded()
        let r = ((x - q * piOver2High) - q * piOver2Low) - q * piOver2Lower
        let qi = Int(q)
        return (r, qi & 3)
    }

    private static func sinKernel(_ r: Double) -> Double {
        let r2 = r * r
        var term = r, sum = r
        var n = 1.0
        for _ in 0..<12 {
            term *= -r2 / ((n + 1) * (n + 2))
            sum += term
            n += 2
        }
        return sum
    }

    private static func cosKernel(_ r: Double) -> Double {
        let r2 = r * r
        var term = 1.0, sum = 1.0
        var n = 0.0
        for _ in 0..<12 {
            term *= -r2 / ((n + 1) * (n + 2))
            sum += term
            n += 2
        }
        return sum
    }
}
