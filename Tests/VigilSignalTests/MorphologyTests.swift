import Testing
import VigilRuntime
@testable import VigilSignalCore

/// The morphology tracker against beats made by hand: a narrow and a wide QRS (a sum of
/// Gaussians at 256 Hz, R at sample 90 of a 256-sample window).
@Suite struct MorphologyTests {
    static func beat(width: Double = 0.012, amplitude: Double = 1, shift: Int = 0, pWave: Double = 0.15) -> [Float] {
        (0..<256).map { i in
            let t = Double(i - 90 - shift) / 256
            let q = amplitude * SignalMath.exp(-(t * t) / (2 * width * width))
            let p = pWave * SignalMath.exp(-((t + 0.18) * (t + 0.18)) / (2 * 0.02 * 0.02))
            let tw = 0.3 * SignalMath.exp(-((t - 0.3) * (t - 0.3)) / (2 * 0.04 * 0.04))
            return Float(q + p + tw)
        }
    }

    static func measure(_ tracker: inout MorphologyTracker, _ beat: [Float]) -> BeatMorphology {
        beat.withUnsafeBufferPointer { tracker.measure(window: $0.baseAddress!) }
    }

    @Test func theSameBeatMatchesItsTemplateExactly() {
        var tracker = MorphologyTracker(sampleRate: 256, rPeakIndex: 90)
        let normal = Self.beat()
        for _ in 0..<20 {
            let m = Self.measure(&tracker, normal)
            #expect(abs(m.qrsCorrelation - 1) < 1e-5 && abs(m.pCorrelation - 1) < 1e-5 && abs(m.tCorrelation - 1) < 1e-5)
            #expect(abs(m.amplitudeRatio - 1) < 1e-5 && abs(m.widthRatio - 1) < 1e-5 && m.residual < 1e-4)
        }
    }

    /// Twice the amplitude: correlation 1, amplitude ratio 2 (peak-to-peak scales), the
    /// same width (area over peak does not change with scale), residual: the QRS part of
    /// |2q − q| over |q|, 1 at the QRS (the P and T parts are unscaled, so it is < 1).
    @Test func aLargerBeatHasTheSameShape() {
        var tracker = MorphologyTracker(sampleRate: 256, rPeakIndex: 90)
        for _ in 0..<10 { _ = Self.measure(&tracker, Self.beat()) }
        let m = Self.measure(&tracker, Self.beat(amplitude: 2))
        #expect(m.qrsCorrelation > 0.99)
        #expect(abs(m.amplitudeRatio - 2) < 0.05)
        #expect(abs(m.widthRatio - 1) < 0.1)
        #expect(m.residual > 0.5 && m.residual < 1.1)
    }

    /// A wide beat (σ 40 ms against 12 ms, as a ventricular beat) correlates poorly over
    /// the QRS and is several times as wide; it starts a template of its own and does
    /// not displace the dominant one, so the next normal beat still matches.
    @Test func aWideBeatStandsOutAndTheDominantBeatStays() {
        var tracker = MorphologyTracker(sampleRate: 256, rPeakIndex: 90)
        for _ in 0..<10 { _ = Self.measure(&tracker, Self.beat()) }
        let wide = Self.measure(&tracker, Self.beat(width: 0.04, pWave: 0))
        #expect(wide.widthRatio > 2)
        #expect(wide.residual > 0.5)
        #expect(wide.pCorrelation < 0.5)
        let next = Self.measure(&tracker, Self.beat())
        #expect(abs(next.qrsCorrelation - 1) < 1e-5 && abs(next.widthRatio - 1) < 1e-5)
    }

    /// A detector that marks the same complex 4 samples late: aligned, it still matches
    /// (every shift within ±6 samples is tried).
    @Test func aBeatMarkedOffItsPeakIsAligned() {
        var tracker = MorphologyTracker(sampleRate: 256, rPeakIndex: 90)
        for _ in 0..<10 { _ = Self.measure(&tracker, Self.beat()) }
        let shifted = Self.measure(&tracker, Self.beat(shift: -4))
        #expect(shifted.qrsCorrelation > 0.999)
        #expect(abs(shifted.widthRatio - 1) < 1e-3)
    }

    @Test func windowsTooShortForTheRegionsAreTold() {
        #expect(MorphologyTracker.fits(windowLength: 256, rPeakIndex: 90, sampleRate: 256))
        #expect(!MorphologyTracker.fits(windowLength: 256, rPeakIndex: 60, sampleRate: 256))
        #expect(!MorphologyTracker.fits(windowLength: 160, rPeakIndex: 90, sampleRate: 256))
    }

    /// The dataset's columns and the contract's feature names are one list.
    @Test func theDatasetColumnsAreTheContractsFeatures() {
        #expect(BeatMorphology.names == InputContract.Morphology.allCases.map(\.name))
        var m = BeatMorphology()
        m.qrsCorrelation = 1; m.pCorrelation = 2; m.tCorrelation = 3; m.amplitudeRatio = 4; m.widthRatio = 5; m.widthSeconds = 6; m.residual = 7
        #expect(InputContract.Morphology.allCases.map { m[Int($0.rawValue)] } == [1, 2, 3, 4, 5, 6, 7])
        #expect(m.values == [1, 2, 3, 4, 5, 6, 7])
    }
}
