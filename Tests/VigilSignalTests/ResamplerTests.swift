import Foundation
import Testing
@testable import VigilSignal
@testable import VigilSignalCore

/// Resampling: ratios, design figures, tone preservation and annotation mapping,
/// each checked against hand-derived values.
@Suite struct ResamplerTests {
    @Test(arguments: [(360, 256, 32, 45), (250, 256, 128, 125), (128, 256, 2, 1), (256, 360, 45, 32)])
    func reducedRatios(from: Int, to: Int, up: Int, down: Int) throws {
        let r = try Resampler(from: from, to: to)
        #expect(r.up == up && r.down == down)
        // 30 min at 360 Hz = 650 000 samples → 650 000 · 32/45 = 462 222.2, so 462 223 outputs.
        if from == 360 && to == 256 { #expect(r.outputCount(forInput: 650_000) == 462_223) }
    }

    @Test(arguments: [(360, 256), (250, 256), (128, 256)])
    func designMeetsSpecification(from: Int, to: Int) throws {
        let r = try Resampler(from: from, to: to)
        let m = r.measuredResponse(gridPoints: 200)
        #expect(m.passbandRippleDB < 0.01)
        #expect(m.stopbandAttenuationDB > 75)
    }

    @Test(arguments: [(360, 256, 10.0), (250, 256, 40.0), (128, 256, 17.0), (360, 256, 90.0)])
    func tonesKeepAmplitudeAndPhase(from: Int, to: Int, hz: Double) throws {
        let r = try Resampler(from: from, to: to)
        let input = (0..<(from * 4)).map { Float(SignalMath.sin(2 * SignalMath.pi * hz * Double($0) / Double(from))) }
        let output = r.resample(input)
        // Away from the edges, output m must equal sin(2π·hz·m/to): no delay, unit gain.
        for m in (to / 2)..<(output.count - to / 2) {
            let expected = SignalMath.sin(2 * SignalMath.pi * hz * Double(m) / Double(to))
            #expect(abs(Double(output[m]) - expected) < 2e-3, "m=\(m)")
        }
    }

    @Test func aliasesAreRemoved() throws {
        // 150 Hz at 360 Hz would alias to 106 Hz at 256 Hz; it lies in the stopband.
        let r = try Resampler(from: 360, to: 256)
        let input = (0..<3600).map { Float(SignalMath.sin(2 * SignalMath.pi * 150 * Double($0) / 360)) }
        let output = r.resample(input)
        #expect(output[256..<(output.count - 256)].map(abs).max()! < 1e-3)
    }

    @Test func annotationMapping() throws {
        let r = try Resampler(from: 360, to: 256)
        // Sample 45 at 360 Hz is t = 0.125 s = sample 32 at 256 Hz; 100 → 71.1 → 71; 1000 → 711.1 → 711.
        #expect(r.mapToOutput(45) == 32 && r.mapToOutput(100) == 71 && r.mapToOutput(1000) == 711)
        #expect(r.mapToInput(32) == 45 && r.mapToInput(711) == 1000)
        // Round trip stays within one input sample.
        for n in stride(from: 0, to: 650_000, by: 997) { #expect(abs(r.mapToInput(r.mapToOutput(n)) - n) <= 1) }
    }

    @Test func edgesHoldTheEndValues() throws {
        let r = try Resampler(from: 360, to: 256)
        let out = r.resample([Float](repeating: 2.5, count: 1000))
        #expect(out.allSatisfy { abs($0 - 2.5) < 1e-5 })
    }

    @Test func invalidRates() {
        #expect(throws: Resampler.DesignError.invalidRate(input: 0, output: 256)) { try Resampler(from: 0, to: 256) }
    }
}
