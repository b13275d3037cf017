@testable import VigilSignal
@testable import VigilSignalCore

/// A hand-built ECG for detector tests: Gaussian QRS complexes (σ = 12 ms) of
/// `amplitude` mV at known R times, T waves (σ = 40 ms, 0.3 mV) 250 ms after
/// each R, slow baseline wander and a little noise. The R times are the truth.
struct SyntheticECG {
    var samples: [Float]
    var rPeaks: [Int]

    init(rate: Double = 256, seconds: Double, rr: (Int) -> Double, amplitude: (Int) -> Float = { _ in 1 }, seed: UInt64 = 7) {
        let count = Int(seconds * rate)
        var rng = SplitMix64(seed: seed)
        var x = (0..<count).map { i in Float(0.2 * SignalMath.sin(2 * SignalMath.pi * 0.25 * Double(i) / rate) + 0.01 * rng.gaussian()) }
        var peaks: [Int] = []
        var t = 0.5
        var k = 0
        while t < seconds - 0.5 {
            let r = Int((t * rate).rounded())
            peaks.append(r)
            let a = amplitude(k)
            for i in max(0, r - 40)..<min(count, r + 120) {
                let dt = Double(i - r) / rate
                x[i] += a * Float(SignalMath.exp(-dt * dt / (2 * 0.012 * 0.012)))
                let dtT = dt - 0.25
                x[i] += 0.3 * Float(SignalMath.exp(-dtT * dtT / (2 * 0.04 * 0.04)))
            }
            t += rr(k)
            k += 1
        }
        samples = x
        rPeaks = peaks
    }
}
