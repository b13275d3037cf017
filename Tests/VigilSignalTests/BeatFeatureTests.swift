import Foundation
import Testing
@testable import VigilSignal
@testable import VigilSignalCore

@Suite struct BeatFeatureTests {
    @Test func handDerivedRRFeatures() {
        // R at 0, 256, 512, 896, 1152 (256 Hz): intervals 1, 1, 1.5, 1 s.
        let features = RRBatch.features(rPeaks: [0, 256, 512, 896, 1152], configuration: .init(sampleRate: 256, localCount: 2, longCount: 3))
        #expect(features.map(\.sample) == [256, 512, 896])
        let f = features.map(\.features)
        #expect(f[0] == RRFeatures(preRR: 1, postRR: 1, localRR: 1, longRR: 1))
        #expect(f[1] == RRFeatures(preRR: 1, postRR: 1.5, localRR: 1, longRR: 1))
        // Beat at 896: local = mean(1, 1.5) = 1.25; long = mean(1, 1, 1.5) = 7/6.
        #expect(f[2].preRR == 1.5 && f[2].postRR == 1 && f[2].localRR == 1.25 && abs(f[2].longRR - 7.0 / 6) < 1e-6)
        #expect(abs(f[2].normalized[0] - 1.5 / (7.0 / 6)) < 1e-6 && f[2].normalized[3] == 1.5)
        // Variation: the last 2 intervals up to the beat's pre-RR are 1 and 1.5 s, one pair, |1.5 − 1| = 0.5 s.
        #expect(f[2].variationRR == 0.5)
    }

    @Test func streamingRREqualsBatch() {
        var rng = SplitMix64(seed: 11)
        var peaks = [100]
        for _ in 0..<900 { peaks.append(peaks.last! + 120 + Int(rng.next() % 300)) }
        let configuration = RRConfiguration(sampleRate: 256)
        var tracker = RRTracker(configuration: configuration)
        let streamed = peaks.compactMap { tracker.add(rPeak: $0) }
        let batch = RRBatch.features(rPeaks: peaks, configuration: configuration)
        #expect(streamed.count == batch.count)
        #expect(zip(streamed, batch).allSatisfy { $0.sample == $1.sample && $0.features == $1.features })
    }

    @Test func streamingBeatsEqualBatch() {
        let ecg = SyntheticECG(seconds: 100, rr: { 0.55 + 0.45 * Double(($0 * 3) % 7) / 7 })
        var stream = BeatStream(sampleRate: 256)
        let streamed = ecg.samples.compactMap { stream.process($0) }
        var detector = QRSDetector(sampleRate: 256)
        let peaks = ecg.samples.compactMap { detector.process($0) }.map(\.sample)
        let conditioned = ECGFilters.conditioning(sampleRate: 256).processed(ecg.samples)
        let batch = BeatBatch.beats(conditioned: conditioned, rPeaks: peaks, rr: RRConfiguration(sampleRate: 256))
        #expect(streamed.count == batch.count && streamed.count > 100)
        #expect(streamed == batch)
    }

    @Test func windowShape() {
        let shape = BeatWindowShape()
        #expect(shape.length == 256 && shape.rPeakIndex == 90 && shape.samplesAfterPeak == 165)
        let signal = (0..<1000).map(Float.init)
        #expect(shape.window(in: signal, at: 500)?.first == 410 && shape.window(in: signal, at: 500)?[90] == 500)
        #expect(shape.window(in: signal, at: 89) == nil && shape.window(in: signal, at: 835) == nil)
        #expect(shape.window(in: signal, at: 834)?.last == 999)
    }
}
