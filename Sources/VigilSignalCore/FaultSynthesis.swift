/// Ground-truth labels of synthesized signal faults, numbered as stored in `faults.h5`.
public enum FaultKind: UInt8, Sendable, CaseIterable {
    case none = 0
    /// NST-style noise: baseline wander, muscle artefact or electrode motion at a set SNR.
    case noise = 1
    /// Conductor fracture: intermittent make-break spikes with impedance jumps.
    case leadFracture = 2
    /// Lead disconnected: flat line and an open-circuit impedance.
    case leadOff = 3
    /// Insulation breach: impedance under 200 Ω, attenuated ECG plus myopotential noise.
    case insulationBreach = 4
    /// Amplifier/ADC saturation: the signal clipped at the converter rails.
    case saturation = 5
    /// 50/60 Hz mains interference.
    case mainsInterference = 6
    /// Lost samples (read as zero by the front end).
    case dropout = 7

    public var name: String {
        switch self {
        case .none: "none"
        case .noise: "noise"
        case .leadFracture: "lead_fracture"
        case .leadOff: "lead_off"
        case .insulationBreach: "insulation_breach"
        case .saturation: "saturation"
        case .mainsInterference: "mains_interference"
        case .dropout: "dropout"
        }
    }
}

/// A stretch of ECG with its lead-impedance channel and per-sample labels,
/// the unit that fault synthesis works on.
public struct FaultedSegment: Sendable {
    public var ecg: [Float]
    public var impedance: [Float]
    /// `FaultKind.rawValue` per sample.
    public var labels: [UInt8]
    public var kind: FaultKind = .none
    /// SNR in dB for `.noise`, the mains frequency for `.mainsInterference`; nil otherwise.
    public var parameter: Double?

    public init(ecg: [Float], impedance: [Float]) {
        self.ecg = ecg
        self.impedance = impedance
        labels = [UInt8](repeating: 0, count: ecg.count)
    }
}

/// Applies one fault to a segment, drawing its parameters from `rng`. Each
/// fault marks the samples it touched; the segment's `kind` records what was applied.
public struct FaultSynthesizer: Sendable {
    public var sampleRate: Double
    /// ADC rails in mV (a 12-bit front end spanning ±`rail`).
    public var rail: Float = 5
    public var rng: SplitMix64

    public init(sampleRate: Double, seed: UInt64) {
        self.sampleRate = sampleRate
        rng = SplitMix64(seed: seed)
    }

    private mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
    private func samples(_ seconds: Double) -> Int { max(1, Int(seconds * sampleRate)) }

    /// Adds `noise` at an SNR drawn from `snrRange` (dB) over the whole segment.
    public mutating func addNoise(_ segment: inout FaultedSegment, noise: [Float], noiseStart: Int, signalPower: Double,
                                  snrRange: ClosedRange<Double> = -6...12) {
        let snr = rng.uniform(snrRange.lowerBound, snrRange.upperBound).rounded()
        NoiseSynthesis.add(noise, from: noiseStart, to: &segment.ecg, range: 0..<segment.ecg.count,
                           signalPower: signalPower, snrDB: snr)
        mark(&segment, 0..<segment.ecg.count, .noise)
        segment.parameter = snr
    }

    public mutating func apply(_ kind: FaultKind, to segment: inout FaultedSegment) {
        let n = segment.ecg.count
        guard n > 0 else { return }
        switch kind {
        case .none, .noise:
            segment.kind = kind
        case .leadFracture:
            // Make-break: 2–6 breaks, each a spike of 3–10 mV decaying over a few samples,
            // impedance jumping to 3–50 kΩ for 20–150 ms.
            for _ in 0..<int(2...6) {
                let at = int(0...(n - 1))
                let amplitude = Float(rng.uniform(3, 10)) * (rng.uniform() < 0.5 ? -1 : 1)
                let length = samples(rng.uniform(0.02, 0.15))
                let ohms = Float(rng.uniform(3_000, 50_000))
                for k in 0..<min(length, n - at) {
                    let i = at + k
                    segment.ecg[i] += amplitude * Float(SignalMath.exp(-Double(k) / 2))
                    segment.ecg[i] = min(max(segment.ecg[i], -rail), rail)
                    segment.impedance[i] = ohms
                    segment.labels[i] = kind.rawValue
                }
            }
        case .leadOff:
            // From a random point to the end: flat line near 0 mV, open circuit.
            let start = int(0...(n / 2))
            let ohms = Float(rng.uniform(20_000, 100_000))
            for i in start..<n {
                segment.ecg[i] = Float(rng.gaussian() * 0.005)
                segment.impedance[i] = ohms * Float(1 + 0.01 * rng.gaussian())
            }
            mark(&segment, start..<n, kind)
        case .insulationBreach:
            let start = int(0...(n / 2))
            let ohms = rng.uniform(60, 200)
            var muscle = BiquadCascade([.highPass(cutoff: 20, sampleRate: sampleRate), .lowPass(cutoff: min(100, sampleRate * 0.45), sampleRate: sampleRate)])
            let attenuation = Float(rng.uniform(0.3, 0.7))
            let noiseLevel = rng.uniform(0.05, 0.3)
            for i in start..<n {
                segment.ecg[i] = segment.ecg[i] * attenuation + muscle.process(Float(rng.gaussian() * noiseLevel))
                segment.impedance[i] = Float(ohms * (1 + 0.02 * rng.gaussian()))
            }
            mark(&segment, start..<n, kind)
        case .saturation:
            // A gain and offset excursion (e.g. after a pacing or defibrillation pulse) drives the front end into a rail.
            let start = int(0...(n / 2)), end = min(n, start + samples(rng.uniform(0.3, 2)))
            let gain = Float(rng.uniform(3, 8))
            let offset = rail * Float(rng.uniform(0.9, 1.5)) * (rng.uniform() < 0.5 ? -1 : 1)
            for i in start..<end { segment.ecg[i] = min(max(segment.ecg[i] * gain + offset, -rail), rail) }
            mark(&segment, start..<end, kind)
        case .mainsInterference:
            let frequency: Double = rng.uniform() < 0.5 ? 50 : 60
            let amplitude = rng.uniform(0.1, 1.0), phase = rng.uniform(0, 2 * SignalMath.pi)
            for i in 0..<n {
                segment.ecg[i] += Float(amplitude * SignalMath.sin(2 * SignalMath.pi * frequency * Double(i) / sampleRate + phase))
            }
            mark(&segment, 0..<n, kind)
            segment.parameter = frequency
        case .dropout:
            for _ in 0..<int(1...4) {
                let at = int(0...(n - 1)), length = samples(rng.uniform(0.01, 0.2))
                let end = min(n, at + length)
                for i in at..<end { segment.ecg[i] = 0 }
                mark(&segment, at..<end, kind)
            }
        }
        segment.kind = kind
    }

    private func mark(_ segment: inout FaultedSegment, _ range: Range<Int>, _ kind: FaultKind) {
        for i in range { segment.labels[i] = kind.rawValue }
        segment.kind = kind
    }
}
