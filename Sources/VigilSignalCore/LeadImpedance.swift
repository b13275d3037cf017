/// A synthetic lead-impedance channel, streamed one value per ECG sample.
///
/// Normal leads read 300–1500 Ω; this model picks a baseline in that range and
/// drifts slowly around it (a bounded random walk with a time constant of
/// minutes, the scale of tissue and temperature changes), with small
/// measurement noise. Faults override it: open circuit (lead-off, fracture
/// "break") reads tens of kΩ; an insulation breach reads under 200 Ω.
public struct LeadImpedanceModel: Sendable {
    public let baseline: Double
    private var drift: Double = 0
    private let pull: Double
    private let stepSize: Double
    private var rng: SplitMix64

    public static let normalRange = 300.0...1500.0

    public init(sampleRate: Double, seed: UInt64, baseline: Double? = nil) {
        var rng = SplitMix64(seed: seed)
        self.baseline = baseline ?? rng.uniform(400, 1200)
        pull = 1 / (120 * sampleRate)  // mean reversion over ~2 minutes
        stepSize = 40 / sampleRate.squareRoot() // ~±40 Ω of drift over a second-scale walk
        self.rng = rng
    }

    /// The next impedance value (Ω), always inside `normalRange`.
    public mutating func next() -> Float {
        drift += -pull * drift + stepSize * 0.02 * rng.gaussian()
        let value = baseline * (1 + 0.15 * tanh(drift / baseline * 20)) + 2 * rng.gaussian()
        return Float(min(max(value, Self.normalRange.lowerBound), Self.normalRange.upperBound))
    }

    private func tanh(_ x: Double) -> Double {
        let e = SignalMath.exp(2 * max(min(x, 20), -20))
        return (e - 1) / (e + 1)
    }
}
