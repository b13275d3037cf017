import Testing
import VigilQuantize
import VigilRuntime
@testable import VigilSignalCore
@testable import VigilSignal

/// The data side of `vigil quantize`: how WFDB beats are sampled and labelled, RR
/// feature names, and the float-vs-int8 comparison.
@Suite("Quantization data and report")
struct QuantizeDataTests {
    @Test func quotasSpreadBeatsEvenlyOverRecords() {
        #expect(WFDBBeatSource.quotas([100, 100, 100], limit: 0) == [100, 100, 100])
        #expect(WFDBBeatSource.quotas([100, 100, 100], limit: 30) == [10, 10, 10])
        // A short record gives its unused share to the others.
        #expect(WFDBBeatSource.quotas([2, 100, 100], limit: 30) == [2, 14, 14])
        #expect(WFDBBeatSource.quotas([5, 5], limit: 30) == [5, 5])
        #expect(WFDBBeatSource.evenlySpaced(2, of: 10) == [2, 7])
        #expect(WFDBBeatSource.evenlySpaced(12, of: 3) == [0, 1, 2])
    }

    @Test func beatLabelsTakeTheNearestReferenceWithinTolerance() {
        let reference = [100, 200, 300].map { Annotation(sample: $0, code: .normal) }
        let matched = BeatLabels.nearest([95, 160, 260, 420], in: reference, tolerance: 30)
        #expect(matched.map { $0?.sample } == [100, nil, nil, nil])
        #expect(BeatLabels.nearest([290], in: reference, tolerance: 10).map { $0?.sample } == [300])
    }

    @Test func rrFeatureNames() throws {
        let rr = try RRNormalization.parse(names: ["pre/local", "local_s"], mean: [1, 0.5], std: [2, 0.25], source: "test")
        let values = rr.values(RRFeatures(preRR: 0.8, postRR: 1, localRR: 0.8, longRR: 1))
        #expect(values.count == 2 && values[0] == 0 && abs(values[1] - 1.2) < 1e-6)
        #expect(rr.summary == "pre/local, local_s (standardized)")
        #expect(InputContract.RRFeatureSet.dataset.summary == "pre/long, post/long, local/long, pre/post")
        #expect(throws: DatasetError("test: unknown beat feature 'pre/median'; use A/B (a ratio) or A_s (seconds) with A, B one of pre, post, local, long, variation, or morph:M with M one of qrs_corr, p_corr, t_corr, qrs_amp, qrs_width, qrs_width_s, qrs_residual")) {
            try RRNormalization.parse(names: ["pre/median"], mean: nil, std: nil, source: "test")
        }
        #expect(throws: DatasetError.self) { try RRNormalization.parse(names: ["pre/post"], mean: [0], std: [0], source: "test") }
    }

    @Test func comparisonCountsAgreementAndConfusion() {
        var b = GraphBuilder()
        let x = b.input("x", shape: [3])
        b.output(x)
        let graph = b.graph
        // Three samples of three classes; int8 flips the second prediction.
        let float: [[Float]] = [[0.9, 0.05, 0.05, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6]]
        let int8: [[Float]] = [[0.9, 0.05, 0.05, 0.5, 0.4, 0.1, 0.2, 0.2, 0.6]]
        let c = QuantizeComparison(float: float, int8: int8, graph: graph, samples: 3, labels: [0, 1, 1])
        #expect(c.samples == 3 && c.agreements == 2)
        #expect(abs(c.maxAbsError - 0.4) < 1e-6)
        #expect(c.floatConfusion == [[1, 0, 0], [0, 1, 1], [0, 0, 0]])
        #expect(c.int8Confusion == [[1, 0, 0], [1, 0, 1], [0, 0, 0]])
    }
}
