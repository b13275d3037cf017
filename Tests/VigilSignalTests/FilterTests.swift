import Foundation
import Testing
@testable import VigilSignal
@testable import VigilSignalCore

/// Filter designs and outputs against scipy.signal (butter, iirnotch, sosfilt),
/// and bit-identity of the streaming and block forms.
@Suite struct FilterTests {
    func design(_ name: String) throws -> (sos: [[Double]], output: [Double], hz: [Double], gain: [Double], input: [Float]) {
        let root = try Fixtures.json("filters.json")
        let d = try #require((root["designs"] as? [String: Any])?[name] as? [String: Any])
        return (array(d["sos"]).map { array($0).doubles }, array(d["output"]).doubles,
                array(d["response_hz"]).doubles, array(d["response_gain"]).doubles, array(root["input"]).doubles.map(Float.init))
    }

    static let fs = 256.0
    static let cases: [(String, BiquadCascade)] = [
        ("highpass_0.5_order2", ECGFilters.baselineWander(sampleRate: fs)),
        ("highpass_0.5_order4", ECGFilters.baselineWander(sampleRate: fs, order: 4)),
        ("lowpass_40_order2", BiquadCascade(BiquadCoefficients.butterworthQs(order: 2).map { .lowPass(cutoff: 40, sampleRate: fs, q: $0) })),
        ("lowpass_15_order4", BiquadCascade(BiquadCoefficients.butterworthQs(order: 4).map { .lowPass(cutoff: 15, sampleRate: fs, q: $0) })),
        ("notch_60_q30", ECGFilters.notch(mains: 60, sampleRate: fs)),
        ("notch_50_q30", ECGFilters.notch(mains: 50, sampleRate: fs)),
    ]

    @Test(arguments: cases.map(\.0))
    func coefficientsAndOutputMatchScipy(name: String) throws {
        let filter = try #require(Self.cases.first { $0.0 == name }?.1)
        let reference = try design(name)
        // The cascade's overall response equals scipy's (section order and pairing may differ).
        for (f, g) in zip(reference.hz, reference.gain) {
            let ours = filter.magnitude(at: f, sampleRate: Self.fs)
            #expect(abs(ours - g) <= 1e-4 * max(1, g), "\(name) at \(f) Hz: \(ours) vs \(g)")
        }
        // Filtering the same signal: Float32 arithmetic against scipy's float64.
        let output = filter.processed(reference.input)
        let scale = reference.output.map(abs).max()!
        for (a, b) in zip(output, reference.output) { #expect(abs(Double(a) - b) <= 2e-4 * scale, "\(name)") }
    }

    @Test(arguments: cases.map(\.0))
    func streamingEqualsBlock(name: String) throws {
        var streaming = try #require(Self.cases.first { $0.0 == name }?.1)
        let input = try design(name).input
        let block = streaming.processed(input)
        let stream = input.map { streaming.process($0) }
        #expect(stream == block)  // bit-identical
    }

    @Test func butterworthSectionQs() {
        // 4th order: Q = 1/(2 cos(π/8)) = 0.5412, 1/(2 cos(3π/8)) = 1.3066 (textbook values).
        let qs = BiquadCoefficients.butterworthQs(order: 4)
        #expect(abs(qs[0] - 0.541196) < 1e-6 && abs(qs[1] - 1.306563) < 1e-6)
    }

    @Test func notchRemovesMains() {
        let notch = ECGFilters.notch(mains: 50, sampleRate: 256)
        let tone = (0..<4096).map { Float(SignalMath.sin(2 * SignalMath.pi * 50 * Double($0) / 256)) }
        let out = notch.processed(tone)
        #expect(out.suffix(1024).map(abs).max()! < 0.01)
    }

    @Test func conditioningEqualsDetectorConditioning() {
        // The beat windows are cut from the detector's own conditioned samples; the block
        // conditioning filter must reproduce them bit for bit.
        var rng = SplitMix64(seed: 3)
        let x = (0..<5000).map { _ in Float(rng.gaussian()) }
        var detector = QRSDetector(sampleRate: 256)
        let streamed = x.map { v -> Float in _ = detector.process(v); return detector.conditionedSample }
        #expect(ECGFilters.conditioning(sampleRate: 256).processed(x) == streamed)
    }

    @Test func elementaryFunctions() {
        // Against exact values: sin(π/6) = 1/2, cos(π/3) = 1/2, exp(1) = e, log(10) = ln 10.
        #expect(abs(SignalMath.sin(SignalMath.pi / 6) - 0.5) < 1e-15)
        #expect(abs(SignalMath.cos(SignalMath.pi / 3) - 0.5) < 1e-15)
        #expect(abs(SignalMath.exp(1) - 2.718281828459045) < 1e-15)
        #expect(abs(SignalMath.log(10) - 2.302585092994046) < 1e-15)
        #expect(abs(SignalMath.sin(1000.5) - Foundation.sin(1000.5)) < 1e-12)
        #expect(abs(SignalMath.besselI0(2) - 2.2795853023360673) < 1e-13)
    }
}
