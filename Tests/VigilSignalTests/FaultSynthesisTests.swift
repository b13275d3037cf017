import Foundation
import Testing
@testable import VigilSignal
@testable import VigilSignalCore

@Suite struct FaultSynthesisTests {
    @Test func noiseIsAddedAtTheRequestedSNR() {
        var rng = SplitMix64(seed: 5)
        let noise = (0..<4000).map { _ in Float(rng.gaussian()) }
        var signal = [Float](repeating: 0, count: 2000)
        let s = 0.5  // e.g. 2 mV peak-to-peak QRS: (2)² / 8
        NoiseSynthesis.add(noise, from: 1000, to: &signal, range: 0..<2000, signalPower: s, snrDB: 6)
        // The added noise power must be S / 10^(6/10).
        let added = NoiseSynthesis.noisePower(signal[...])
        #expect(abs(added - s / pow(10, 0.6)) < 1e-4 * added)
    }

    @Test func signalPowerFromQRSAmplitude() {
        // Rectangular "QRS" from −0.5 to +1.5 mV: 2 mV peak to peak, so S = 4 / 8 = 0.5.
        var x = [Float](repeating: -0.5, count: 3000)
        let peaks = stride(from: 200, to: 2800, by: 200).map { $0 }
        for r in peaks { for i in (r - 3)...(r + 3) { x[i] = 1.5 } }
        #expect(abs(NoiseSynthesis.signalPower(x, rPeaks: peaks, halfWidth: 12) - 0.5) < 1e-6)
    }

    func segment() -> FaultedSegment {
        let ecg = SyntheticECG(seconds: 4, rr: { _ in 0.8 }).samples
        var model = LeadImpedanceModel(sampleRate: 256, seed: 9)
        return FaultedSegment(ecg: ecg, impedance: ecg.map { _ in model.next() })
    }

    @Test(arguments: FaultKind.allCases.filter { $0 != .none && $0 != .noise })
    func faultsCarryTheirSignatureAndLabels(kind: FaultKind) {
        var synthesizer = FaultSynthesizer(sampleRate: 256, seed: 42)
        var s = segment()
        let clean = s.ecg
        synthesizer.apply(kind, to: &s)
        #expect(s.kind == kind)
        let faulty = s.labels.indices.filter { s.labels[$0] == kind.rawValue }
        #expect(!faulty.isEmpty)
        #expect(s.labels.allSatisfy { $0 == 0 || $0 == kind.rawValue })
        switch kind {
        case .leadOff:
            #expect(faulty.allSatisfy { s.impedance[$0] > 10_000 && abs(s.ecg[$0]) < 0.05 })
        case .insulationBreach:
            #expect(faulty.allSatisfy { s.impedance[$0] < 250 })
        case .leadFracture:
            #expect(faulty.allSatisfy { s.impedance[$0] >= 2_500 })
            #expect(faulty.contains { abs(s.ecg[$0] - clean[$0]) > 2 })
        case .saturation:
            #expect(faulty.contains { abs(s.ecg[$0]) == synthesizer.rail })
            #expect(s.ecg.allSatisfy { abs($0) <= synthesizer.rail })
        case .dropout:
            #expect(faulty.allSatisfy { s.ecg[$0] == 0 })
        case .mainsInterference:
            let f = s.parameter!
            #expect(f == 50 || f == 60)
            let removed = ECGFilters.notch(mains: f, sampleRate: 256).processed(zip(s.ecg, clean).map { $0 - $1 })
            #expect(removed.suffix(512).map(abs).max()! < 0.05)
        default: break
        }
        // Outside the fault the impedance stays normal.
        for i in s.labels.indices where s.labels[i] == 0 { #expect(LeadImpedanceModel.normalRange.contains(Double(s.impedance[i]))) }
    }

    @Test func impedanceDriftsInsideTheNormalRange() {
        var model = LeadImpedanceModel(sampleRate: 256, seed: 1)
        let hour = (0..<(256 * 3600)).map { _ in model.next() }
        #expect(hour.allSatisfy { LeadImpedanceModel.normalRange.contains(Double($0)) })
        #expect(hour.max()! - hour.min()! > 5)  // it drifts
    }

    @Test func synthesisIsReproducibleFromTheSeed() {
        var a = FaultSynthesizer(sampleRate: 256, seed: 3), b = FaultSynthesizer(sampleRate: 256, seed: 3)
        var s1 = segment(), s2 = segment()
        a.apply(.leadFracture, to: &s1)
        b.apply(.leadFracture, to: &s2)
        #expect(s1.ecg == s2.ecg && s1.impedance == s2.impedance && s1.labels == s2.labels)
    }
}
