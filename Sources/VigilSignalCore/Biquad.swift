/// Coefficients of one second-order section, normalized so that a0 = 1:
/// y[n] = b0·x[n] + b1·x[n-1] + b2·x[n-2] − a1·y[n-1] − a2·y[n-2].
///
/// Designs follow the bilinear transform with frequency prewarping (the
/// "Audio EQ Cookbook" forms), computed in Double and stored in Float because
/// the implant's Cortex-M4F has single-precision hardware only.
public struct BiquadCoefficients: Sendable, Equatable {
    public var b0: Float, b1: Float, b2: Float, a1: Float, a2: Float

    public init(b0: Float, b1: Float, b2: Float, a1: Float, a2: Float) {
        self.b0 = b0; self.b1 = b1; self.b2 = b2; self.a1 = a1; self.a2 = a2
    }

    init(b0: Double, b1: Double, b2: Double, a0: Double, a1: Double, a2: Double) {
        self.init(b0: Float(b0 / a0), b1: Float(b1 / a0), b2: Float(b2 / a0), a1: Float(a1 / a0), a2: Float(a2 / a0))
    }

    private static func prewarp(_ frequency: Double, _ sampleRate: Double, _ q: Double) -> (cos: Double, alpha: Double) {
        let w0 = 2 * SignalMath.pi * frequency / sampleRate
        return (SignalMath.cos(w0), SignalMath.sin(w0) / (2 * q))
    }

    /// Second-order low-pass; Q = 1/√2 gives a Butterworth section.
    public static func lowPass(cutoff: Double, sampleRate: Double, q: Double = 0.7071067811865476) -> Self {
        let (c, alpha) = prewarp(cutoff, sampleRate, q)
        return Self(b0: (1 - c) / 2, b1: 1 - c, b2: (1 - c) / 2, a0: 1 + alpha, a1: -2 * c, a2: 1 - alpha)
    }

    /// Second-order high-pass; Q = 1/√2 gives a Butterworth section.
    public static func highPass(cutoff: Double, sampleRate: Double, q: Double = 0.7071067811865476) -> Self {
        let (c, alpha) = prewarp(cutoff, sampleRate, q)
        return Self(b0: (1 + c) / 2, b1: -(1 + c), b2: (1 + c) / 2, a0: 1 + alpha, a1: -2 * c, a2: 1 - alpha)
    }

    /// Second-order band-pass with 0 dB gain at the centre frequency.
    public static func bandPass(center: Double, sampleRate: Double, q: Double) -> Self {
        let (c, alpha) = prewarp(center, sampleRate, q)
        return Self(b0: alpha, b1: 0, b2: -alpha, a0: 1 + alpha, a1: -2 * c, a2: 1 - alpha)
    }

    /// Second-order notch: a zero pair on the unit circle at `center`, and a
    /// −3 dB width of exactly center/Q Hz (the bandwidth is prewarped, as
    /// scipy.signal.iirnotch does, rather than the cookbook's octave-based Q).
    public static func notch(center: Double, sampleRate: Double, q: Double) -> Self {
        let c = SignalMath.cos(2 * SignalMath.pi * center / sampleRate)
        let alpha = SignalMath.tan(SignalMath.pi * (center / q) / sampleRate)
        return Self(b0: 1, b1: -2 * c, b2: 1, a0: 1 + alpha, a1: -2 * c, a2: 1 - alpha)
    }

    /// Section Qs of an even-order Butterworth filter: one section per
    /// conjugate pole pair, Q_k = 1 / (2 cos θ_k) with θ_k = (2k+1)π / (2N).
    public static func butterworthQs(order: Int) -> [Double] {
        precondition(order >= 2 && order % 2 == 0, "Butterworth order must be even")
        return (0..<(order / 2)).map { k in
            1 / (2 * SignalMath.cos(Double(2 * k + 1) * SignalMath.pi / Double(2 * order)))
        }
    }
}

/// One second-order section with its state, transposed direct form II.
///
/// The streaming form (`process(_:)`, one sample in, one out) is what the
/// implant runs. The block form (`process(_:)` on a buffer) runs the very same
/// recurrence over a whole buffer, so both give bit-identical outputs.
public struct Biquad: Sendable {
    public let coefficients: BiquadCoefficients
    private var s1: Float = 0
    private var s2: Float = 0

    public init(_ coefficients: BiquadCoefficients) { self.coefficients = coefficients }

    @inline(__always)
    public mutating func process(_ x: Float) -> Float {
        let c = coefficients
        let y = c.b0 * x + s1
        s1 = c.b1 * x - c.a1 * y + s2
        s2 = c.b2 * x - c.a2 * y
        return y
    }

    /// Filters `samples` in place, continuing from the current state.
    public mutating func process(_ samples: inout [Float]) {
        let c = coefficients
        var a = s1, b = s2
        samples.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices {
                let x = buffer[i]
                let y = c.b0 * x + a
                a = c.b1 * x - c.a1 * y + b
                b = c.b2 * x - c.a2 * y
                buffer[i] = y
            }
        }
        s1 = a; s2 = b
    }

    /// Sets the state to the steady state for a constant input `x`, so a
    /// filter started on a signal with an offset does not ring.
    public mutating func settle(to x: Float) {
        let c = coefficients
        let dcGain = (c.b0 + c.b1 + c.b2) / (1 + c.a1 + c.a2)
        let y = dcGain * x
        s2 = c.b2 * x - c.a2 * y
        s1 = c.b1 * x - c.a1 * y + s2
    }

    public mutating func reset() { s1 = 0; s2 = 0 }
}
