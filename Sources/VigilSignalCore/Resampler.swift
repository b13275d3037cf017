/// Rational-ratio polyphase resampler with a Kaiser-windowed sinc low-pass.
///
/// Output sample m lies at time m / outputRate exactly (the prototype is
/// symmetric and centred, so there is no delay to correct), which is what makes
/// annotation mapping `round(n · L / M)` consistent with the samples.
///
/// Design: passband edge 0.75 × the lower Nyquist frequency, stopband edge at
/// the lower Nyquist frequency, Kaiser β chosen for `stopbandAttenuation` dB.
/// For 360 → 256 Hz that is 0–96 Hz passed, ≥ 128 Hz stopped, so nothing can
/// alias into 0–96 Hz. Each polyphase branch is normalized to unit DC gain.
/// `vigil qrs --filter-report` prints the measured ripple and attenuation.
public struct Resampler: Sendable {
    public let inputRate: Int
    public let outputRate: Int
    /// Interpolation factor L and decimation factor M (reduced).
    public let up: Int, down: Int
    public let passbandEdge: Double
    public let stopbandEdge: Double
    /// Taps per polyphase branch, and the branches laid out phase-major.
    let tapsPerPhase: Int
    let halfSpan: Int
    let coefficients: [Float]
    /// The centred prototype at the upsampled rate (index 0 is offset −halfLength), for response measurement.
    public let prototype: [Double]

    public enum DesignError: Error, Sendable, Equatable, CustomStringConvertible {
        case invalidRate(input: Int, output: Int)
        /// A rate outside `Resampler.Limits.rates`.
        case rateOutOfRange(input: Int, output: Int)
        /// The reduced interpolation or decimation factor exceeds `Resampler.Limits.maximumFactor`.
        case factorTooLarge(up: Int, down: Int)
        /// The prototype filter would need more than `Resampler.Limits.maximumFilterLength`
        /// taps (`Int.max` for a count beyond `Int`).
        case filterTooLong(taps: Int)
        /// The stopband attenuation lies outside `Resampler.Limits.stopbandAttenuation` dB.
        case invalidAttenuation(Double)

        public var description: String {
            switch self {
            case .invalidRate(let i, let o): "cannot resample \(i) Hz to \(o) Hz: rates must be positive"
            case .rateOutOfRange(let i, let o):
                "cannot resample \(i) Hz to \(o) Hz: rates must lie within Resampler.Limits.rates (\(Limits.rates.lowerBound)…\(Limits.rates.upperBound) Hz)"
            case .factorTooLarge(let up, let down):
                "resampling factors \(up)/\(down) exceed Resampler.Limits.maximumFactor (\(Limits.maximumFactor))"
            case .filterTooLong(let taps):
                "the resampling filter would need \(taps == Int.max ? "more than \(Int.max)" : "\(taps)") taps, above Resampler.Limits.maximumFilterLength (\(Limits.maximumFilterLength))"
            case .invalidAttenuation:
                // No Double formatting: this module compiles as Embedded Swift.
                "stopband attenuation outside Resampler.Limits.stopbandAttenuation (\(Int(Limits.stopbandAttenuation.lowerBound))…\(Int(Limits.stopbandAttenuation.upperBound)) dB)"
            }
        }
    }

    /// What a resampler may cost. Rates come from record headers, so the design is
    /// budgeted before anything is allocated: a rate pair outside these is refused
    /// with a `DesignError` that names the limit.
    public enum Limits {
        /// Input and output rates in Hz: what an ECG front end can mean (1 Hz to
        /// 100 kHz, above the 32 kHz that pacing-pulse detection samples at).
        public static let rates = 1...100_000
        /// Largest reduced interpolation factor L and decimation factor M. Keeps the
        /// polyphase table (L branches) and every index product (2·r·L, r < M) inside
        /// a 32-bit `Int`.
        public static let maximumFactor = 1 << 14
        /// Most taps of the prototype low-pass at the upsampled rate (8 bytes each, plus
        /// 4 in the polyphase table): 2^20 taps, 12 MiB, a design of well under a second.
        public static let maximumFilterLength = 1 << 20
        /// Stopband attenuations the Kaiser design is asked for, in dB.
        public static let stopbandAttenuation: ClosedRange<Double> = 21...200
    }

    public init(from inputRate: Int, to outputRate: Int, stopbandAttenuation: Double = 80) throws(DesignError) {
        guard inputRate > 0, outputRate > 0 else { throw .invalidRate(input: inputRate, output: outputRate) }
        guard Limits.rates.contains(inputRate), Limits.rates.contains(outputRate) else {
            throw .rateOutOfRange(input: inputRate, output: outputRate)
        }
        guard Limits.stopbandAttenuation.contains(stopbandAttenuation) else { throw .invalidAttenuation(stopbandAttenuation) }
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let g = gcd(inputRate, outputRate)
        let up = outputRate / g, down = inputRate / g
        guard up <= Limits.maximumFactor, down <= Limits.maximumFactor else { throw .factorTooLarge(up: up, down: down) }
        let nyquist = Double(min(inputRate, outputRate)) / 2
        let upsampledRate = Double(inputRate) * Double(up)
        // Kaiser's formulas for β and length, the length budgeted before any allocation.
        let a = stopbandAttenuation
        let transition = 2 * SignalMath.pi * (nyquist - 0.75 * nyquist) / upsampledRate
        let estimate = ((a - 7.95) / (2.285 * transition)).rounded(.up) + 1
        guard estimate.isFinite, estimate <= Double(Limits.maximumFilterLength) else {
            throw .filterTooLong(taps: estimate.isFinite && estimate < 0x1p62 ? Int(estimate) : .max)
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.up = up
        self.down = down
        passbandEdge = 0.75 * nyquist
        stopbandEdge = nyquist
        let beta = a > 50 ? 0.1102 * (a - 8.7) : (a >= 21 ? 0.5842 * pow(a - 21, 0.4) + 0.07886 * (a - 21) : 0)
        let length = Int(estimate)
        let halfLength = length / 2
        let cutoff = (passbandEdge + stopbandEdge) / 2 / upsampledRate  // cycles per upsampled sample
        var proto = [Double](repeating: 0, count: 2 * halfLength + 1)
        let i0Beta = SignalMath.besselI0(beta)
        for j in -halfLength...halfLength {
            let x = Double(j)
            let sinc = j == 0 ? 1 : SignalMath.sin(2 * SignalMath.pi * cutoff * x) / (2 * SignalMath.pi * cutoff * x)
            let r = x / Double(halfLength)
            let window = SignalMath.besselI0(beta * max(0, 1 - r * r).squareRoot()) / i0Beta
            proto[j + halfLength] = 2 * cutoff * sinc * window
        }
        prototype = proto
        // Branch p holds h(i·L + p) for i in −K…K; output m uses input q − i where m·M = q·L + p.
        // Stored reversed (so the dot product walks the input forwards) and zero-padded
        // to a multiple of 8 taps for SIMD.
        let span = halfLength / up + 1
        halfSpan = span
        let taps = 2 * span + 1
        tapsPerPhase = (taps + 7) / 8 * 8
        var table = [Float](repeating: 0, count: up * tapsPerPhase)
        for p in 0..<up {
            var branch = [Double](repeating: 0, count: taps)
            for t in 0..<taps {
                let j = (t - span) * up + p
                if abs(j) <= halfLength { branch[t] = proto[j + halfLength] }
            }
            let sum = branch.reduce(0, +)
            for t in 0..<taps { table[p * tapsPerPhase + (taps - 1 - t)] = Float(branch[t] / sum) }
        }
        coefficients = table
    }

    /// Number of output samples for `count` input samples: every m with m·M/L < count.
    public func outputCount(forInput count: Int) -> Int { Resampler.scaled(count, by: up, over: down, roundingUp: true) }

    /// Maps an input sample number to the nearest output sample (annotation positions).
    public func mapToOutput(_ n: Int) -> Int { Resampler.scaled(n, by: up, over: down, roundingUp: false) }

    /// Maps an output sample number back to the nearest input sample.
    public func mapToInput(_ m: Int) -> Int { Resampler.scaled(m, by: down, over: up, roundingUp: false) }

    /// n·p/q rounded up, or to the nearest (halves up), for n ≥ 0, without forming n·p:
    /// n = a·q + r gives a·p + (r·p)/q, and r·p < 2^28 by `Limits.maximumFactor`. Sample
    /// numbers come from annotation files, so a product that leaves `Int` saturates
    /// instead of trapping.
    static func scaled(_ n: Int, by p: Int, over q: Int, roundingUp: Bool) -> Int {
        guard n >= 0 else { return -scaled(n == Int.min ? Int.max : -n, by: p, over: q, roundingUp: roundingUp) }
        let a = n / q, r = n % q
        let rest = roundingUp ? (r * p + q - 1) / q : (2 * r * p + q) / (2 * q)
        let (whole, overflow) = a.multipliedReportingOverflow(by: p)
        if overflow || whole > Int.max - rest { return Int.max }
        return whole + rest
    }

    /// Resamples a whole signal. Samples beyond either end are taken equal to the end sample,
    /// so a signal with an offset does not start or end with a step.
    public func resample(_ input: [Float]) -> [Float] {
        let n = input.count
        guard n > 0 else { return [] }
        if up == 1 && down == 1 { return input }
        let count = outputCount(forInput: n)
        var output = [Float](repeating: 0, count: count)
        let padded = tapsPerPhase, span = halfSpan, L = up, M = down
        let taps = 2 * span + 1
        input.withUnsafeBufferPointer { x in
            coefficients.withUnsafeBufferPointer { h in
                output.withUnsafeMutableBufferPointer { y in
                    let xRaw = UnsafeRawPointer(x.baseAddress!), hRaw = UnsafeRawPointer(h.baseAddress!)
                    let stride = MemoryLayout<Float>.stride
                    // Output m reads phase p of input q, where m·M = q·L + p; both advance
                    // by M each output, so no product m·M is formed.
                    let stepQ = M / L, stepP = M % L
                    var q = 0, p = 0
                    for m in 0..<count {
                        defer {
                            q += stepQ; p += stepP
                            if p >= L { p -= L; q += 1 }
                        }
                        let base = p * padded
                        let oldest = q + span - (taps - 1)  // input index paired with the first stored tap
                        if oldest >= 0 && oldest + padded <= n {
                            var acc = SIMD8<Float>()
                            var t = 0
                            while t < padded {
                                let hv = hRaw.loadUnaligned(fromByteOffset: (base + t) * stride, as: SIMD8<Float>.self)
                                let xv = xRaw.loadUnaligned(fromByteOffset: (oldest + t) * stride, as: SIMD8<Float>.self)
                                acc += hv * xv
                                t += 8
                            }
                            y[m] = acc.sum()
                        } else {
                            var acc: Float = 0
                            for t in 0..<taps {
                                let i = min(max(oldest + t, 0), n - 1)
                                acc += h[base + t] * x[i]
                            }
                            y[m] = acc
                        }
                    }
                }
            }
        }
        return output
    }

    /// Measured magnitude response of the prototype (normalized to DC) at
    /// `frequency` Hz of the upsampled stream.
    public func prototypeGain(at frequency: Double) -> Double {
        let upsampledRate = Double(inputRate) * Double(up)
        let w = 2 * SignalMath.pi * frequency / upsampledRate
        let half = prototype.count / 2
        var re = 0.0, dc = 0.0
        for (index, h) in prototype.enumerated() {
            let j = Double(index - half)
            re += h * SignalMath.cos(w * j)  // symmetric: the imaginary part cancels
            dc += h
        }
        return abs(re / dc)
    }

    /// Passband ripple (dB, peak deviation from 0 dB over 0…passbandEdge) and
    /// stopband attenuation (dB, minimum over stopbandEdge…upsampled Nyquist), on a grid.
    public func measuredResponse(gridPoints: Int = 400) -> (passbandRippleDB: Double, stopbandAttenuationDB: Double) {
        var ripple = 0.0
        for i in 0...gridPoints {
            let f = passbandEdge * Double(i) / Double(gridPoints)
            ripple = max(ripple, abs(20 * SignalMath.log10(prototypeGain(at: f))))
        }
        let nyquist = Double(inputRate) * Double(up) / 2
        var attenuation = Double.infinity
        let stopPoints = gridPoints * 8
        for i in 0...stopPoints {
            let f = stopbandEdge + (nyquist - stopbandEdge) * Double(i) / Double(stopPoints)
            attenuation = min(attenuation, -20 * SignalMath.log10(max(prototypeGain(at: f), 1e-300)))
        }
        return (ripple, attenuation)
    }
}

private func pow(_ x: Double, _ y: Double) -> Double { SignalMath.exp(y * SignalMath.log(x)) }
