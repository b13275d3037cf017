/// A chain of second-order sections with fixed memory (two state values per
/// section). Streaming and block forms run the same arithmetic in the same
/// order, so they agree bit for bit.
public struct BiquadCascade: Sendable {
    public private(set) var sections: [Biquad]

    public init(_ coefficients: [BiquadCoefficients]) {
        sections = coefficients.map(Biquad.init)
    }

    @inline(__always)
    public mutating func process(_ x: Float) -> Float {
        var y = x
        for i in sections.indices { y = sections[i].process(y) }
        return y
    }

    /// Block form: each section filters the whole buffer in turn.
    public mutating func process(_ samples: inout [Float]) {
        for i in sections.indices { sections[i].process(&samples) }
    }

    public func processed(_ samples: [Float]) -> [Float] {
        var copy = self
        var out = samples
        copy.process(&out)
        return out
    }

    /// Starts every section at its steady state for a constant input `x`.
    public mutating func settle(to x: Float) {
        var value = x
        for i in sections.indices {
            sections[i].settle(to: value)
            let c = sections[i].coefficients
            value *= (c.b0 + c.b1 + c.b2) / (1 + c.a1 + c.a2)
        }
    }

    public mutating func reset() { for i in sections.indices { sections[i].reset() } }

    /// |H(e^{jω})| at `frequency`, evaluated in Double from the stored (Float) coefficients.
    public func magnitude(at frequency: Double, sampleRate: Double) -> Double {
        let w = 2 * SignalMath.pi * frequency / sampleRate
        let c1 = SignalMath.cos(w), s1 = SignalMath.sin(w)
        let c2 = SignalMath.cos(2 * w), s2 = SignalMath.sin(2 * w)
        var gain = 1.0
        for section in sections {
            let k = section.coefficients
            let nr = Double(k.b0) + Double(k.b1) * c1 + Double(k.b2) * c2
            let ni = -(Double(k.b1) * s1 + Double(k.b2) * s2)
            let dr = 1 + Double(k.a1) * c1 + Double(k.a2) * c2
            let di = -(Double(k.a1) * s1 + Double(k.a2) * s2)
            gain *= ((nr * nr + ni * ni) / (dr * dr + di * di)).squareRoot()
        }
        return gain
    }
}
