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

    public enum DesignError: Error, Sendable, Equatable {
        case invalidRate(input: Int, output: Int)
    }

    public init(from inputRate: Int, to outputRate: Int, stopbandAttenuation: Double = 80) throws(DesignError) {
        guard inputRate > 0, outputRate > 0 else { throw .invalidRate(input: inputRate, output: outputRate) }
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let g = gcd(inputRate, outputRate)
        self.inputRate = inputRate
        self.outputRate = outputRate
        up = outputRate / g
        down = inputRate / g
        let nyquist = Double(min(inputRate, outputRate)) / 2
        passbandEdge = 0.75 * nyquist
        stopbandEdge = nyquist
        let upsampledRate = Double(inputRate * up)
        // Kaiser's formulas for β and length.
        let a = stopbandAttenuation
        let beta = a > 50 ? 0.1102 * (a - 8.7) : (a >= 21 ? 0.5842 * pow(a - 21, 0.4) + 0.07886 * (a - 21) : 0)
        let transition = 2 * SignalMath.pi * (stopbandEdge - passbandEdge) / upsampledRate
        let length = Int(((a - 7.95) / (2.285 * transition)).rounded(.up)) + 1
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
    public func outputCount(forInput count: Int) -> Int { (count * up + down - 1) / down }

    /// Maps an input sample number to the nearest output sample (annotation positions).
    public func mapToOutput(_ n: Int) -> Int { (2 * n * up + down) / (2 * down) }

    /// Maps an output sample number back to the nearest input sample.
    public func mapToInput(_ m: Int) -> Int { (2 * m * down + up) / (2 * up) }

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
                    for m in 0..<count {
                        let position = m * M
                        let q = position / L, p = position - q * L
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
        let upsampledRate = Double(inputRate * up)
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
        let nyquist = Double(inputRate * up) / 2
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
