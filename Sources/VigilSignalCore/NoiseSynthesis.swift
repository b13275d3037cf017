/// Noise addition at a chosen signal-to-noise ratio, as the MIT-BIH Noise
/// Stress Test does it (WFDB `nst`): the signal power S is taken from the QRS
/// amplitudes, S = (mean peak-to-peak QRS amplitude)² / 8 (the power of a
/// sine of that amplitude), the noise power N is the mean square of the
/// zero-mean noise, and the noise is scaled by √(S / (N · 10^(SNR/10))).
public enum NoiseSynthesis {
    /// NST signal power from the peak-to-peak amplitude in ±`halfWidth` samples
    /// of each R peak; the largest and smallest 5 % of amplitudes are dropped first.
    public static func signalPower(_ signal: [Float], rPeaks: [Int], halfWidth: Int) -> Double {
        var amplitudes: [Float] = []
        for r in rPeaks where r - halfWidth >= 0 && r + halfWidth < signal.count {
            var lo = signal[r], hi = signal[r]
            for i in (r - halfWidth)...(r + halfWidth) { lo = min(lo, signal[i]); hi = max(hi, signal[i]) }
            amplitudes.append(hi - lo)
        }
        guard !amplitudes.isEmpty else { return 0 }
        amplitudes.sort()
        let trim = amplitudes.count / 20
        let kept = amplitudes[trim..<(amplitudes.count - trim)]
        let mean = Double(kept.reduce(0, +)) / Double(kept.count)
        return mean * mean / 8
    }

    /// Mean square of `noise` after removing its mean.
    public static func noisePower(_ noise: ArraySlice<Float>) -> Double {
        guard !noise.isEmpty else { return 0 }
        let mean = noise.reduce(0.0) { $0 + Double($1) } / Double(noise.count)
        return noise.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(noise.count)
    }

    /// The factor that scales `noise` to `snrDB` against signal power `signalPower`.
    public static func gain(signalPower: Double, noisePower: Double, snrDB: Double) -> Double {
        guard noisePower > 0 else { return 0 }
        return (signalPower / (noisePower * SignalMath.pow10(snrDB / 10))).squareRoot()
    }

    /// Adds `noise` (zero-mean, scaled to `snrDB`) to `signal[range]`; `noise` is
    /// read from `noiseStart` and must be at least as long as the range.
    public static func add(_ noise: [Float], from noiseStart: Int, to signal: inout [Float], range: Range<Int>,
                           signalPower: Double, snrDB: Double) {
        let segment = noise[noiseStart..<(noiseStart + range.count)]
        let mean = Float(segment.reduce(0.0) { $0 + Double($1) } / Double(max(1, segment.count)))
        let g = Float(gain(signalPower: signalPower, noisePower: noisePower(segment), snrDB: snrDB))
        for (k, i) in range.enumerated() { signal[i] += g * (segment[noiseStart + k] - mean) }
    }

    /// Electrode-motion-like noise when no recorded `em` is at hand: a
    /// low-pass (≈ 0.5–10 Hz) random process with occasional baseline steps
    /// that relax over ~0.3 s, the character of electrode motion artefact.
    public static func electrodeMotionLike(count: Int, sampleRate: Double, rng: inout SplitMix64) -> [Float] {
        var band = BiquadCascade([.highPass(cutoff: 0.5, sampleRate: sampleRate), .lowPass(cutoff: 10, sampleRate: sampleRate)])
        var out = [Float](repeating: 0, count: count)
        var step: Float = 0
        let relax = Float(SignalMath.exp(-1 / (0.3 * sampleRate)))
        for i in 0..<count {
            if rng.uniform() < 0.5 / sampleRate { step += Float(rng.gaussian() * 3) }
            step *= relax
            out[i] = band.process(Float(rng.gaussian())) + step
        }
        return out
    }
}
