/// A small, seedable, platform-independent random generator (SplitMix64), so
/// synthesized noise and faults, the reference model's weights and test data are
/// reproducible from a seed on any machine, the device included. The one copy in
/// Vigil: tests reach it through VigilTestSupport.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits, as a Float.
    public mutating func nextUnit() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// `count` values uniform in [−limit, limit), drawn with `nextUnit()`.
    public mutating func uniform(count: Int, limit: Float) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        for i in 0..<count { out[i] = (2 * nextUnit() - 1) * limit }
        return out
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }

    /// Standard normal (Box–Muller), computed with the pure-Swift elementary functions.
    public mutating func gaussian() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * SignalMath.log(u1)).squareRoot() * SignalMath.cos(2 * SignalMath.pi * u2)
    }
}
