import Foundation
import Testing
import VigilDatasets
import VigilHDF5
@testable import VigilSignal
@testable import VigilSignalCore

/// The library entry points behind `vigil qrs` and `vigil dataset`, on a synthetic
/// record written as WFDB files (256 Hz, format 16, reference beats in `.atr`).
@Suite("Record replay: QRS scoring, timing, datasets")
struct ReplayLibraryTests {
    /// Writes `name` (60 s of SyntheticECG) into `folder`, with its R peaks as normal
    /// beats in `name.atr` unless `annotated` is false; returns the R peaks.
    @discardableResult
    static func writeRecord(_ name: String, in folder: String, annotated: Bool = true) throws -> [Int] {
        let ecg = SyntheticECG(seconds: 60, rr: { 0.8 + 0.1 * SignalMath.sin(Double($0)) })
        let adu = ecg.samples.map { Int16(($0 * 200).rounded()) }
        try Data(adu.withUnsafeBytes { Array($0) }).write(to: URL(fileURLWithPath: folder + "/" + name + ".dat"))
        try Data("\(name) 1 256 \(adu.count)\n\(name).dat 16 200\n".utf8).write(to: URL(fileURLWithPath: folder + "/" + name + ".hea"))
        if annotated {
            try AnnotationFile.write(ecg.rPeaks.map { Annotation(sample: $0, code: .normal) }, to: folder + "/" + name + ".atr")
        }
        return ecg.rPeaks
    }

    @Test func recordNamesAndFolderErrors() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: ReplayError.noRecords(folder: dir)) { try WFDBFolder.recordNames(in: dir, requested: []) }
        try writeRecordPair(in: dir)
        #expect(try WFDBFolder.recordNames(in: dir, requested: []) == ["a", "b"])
        #expect(try WFDBFolder.recordNames(in: dir, requested: ["b"]) == ["b"])
        #expect(throws: ReplayError.invalidRecordName("x/y")) { try WFDBFolder.recordNames(in: dir, requested: ["b", "x/y"]) }
        #expect(throws: ReplayError.noSuchFolder(dir + "/none")) { try WFDBFolder.recordNames(in: dir + "/none", requested: []) }
        #expect(ReplayError.noSuchFolder("db").description == "db: no such folder")
    }

    private func writeRecordPair(in dir: String) throws {
        try Self.writeRecord("a", in: dir)
        try Self.writeRecord("b", in: dir, annotated: false)
    }

    @Test func qrsEvaluationScoresAndWritesAnnotations() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeRecordPair(in: dir)
        var settings = QRSEvaluation.Settings()
        settings.skip = 0
        let evaluation = try QRSEvaluation.run(folder: dir, records: ["a", "a"], settings: settings, annotationFolder: dir + "/out")
        #expect(evaluation.records.map(\.name) == ["a", "a"])
        let a = evaluation.records[0].comparison
        #expect(a.referenceBeats > 50)
        // Nothing excluded: the detector's first seconds of learning cost a few beats.
        #expect(a.sensitivity > 0.8 && a.positivePredictivity > 0.99, "\(a)")
        #expect(evaluation.gross == a + a)
        let written = try AnnotationFile.read(dir + "/out/a.qrs")
        #expect(written.count == a.detections)
        #expect(throws: ReplayError.noReferenceAnnotations(path: dir + "/b.atr")) {
            try QRSEvaluation.run(folder: dir, records: ["a", "b"], settings: settings)
        }
        #expect(throws: ReplayError.record(.missingFile(path: dir + "/c.hea"))) {
            try QRSEvaluation.run(folder: dir, records: ["c"], settings: settings)
        }

        let timing = try QRSTiming.measure(dir + "/b", lead: "MLII", rate: 256, repeats: 2)
        #expect(timing.duration == 60)
        #expect(timing.beats > 50)
        #expect(timing.total.minimum <= timing.total.median)
    }

    @Test func beatAndFaultDatasetsBuildAndWrite() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeRecordPair(in: dir)
        var beatSettings = BeatDataset.Settings()
        beatSettings.centers = .reference
        var progress: [String] = []
        let beats = try BeatDataset.build(folder: dir, records: ["a"], settings: beatSettings) { progress.append("\($0): \($1)") }
        #expect(beats.count > 50)
        #expect(progress == ["a: \(beats.count)"])
        #expect(beats.matched.allSatisfy { $0 == 1 })
        #expect(beats.ec57.allSatisfy { $0 == 0 })
        #expect(beats.windows.count == beats.count * 256 && beats.rr.count == beats.count * 5 && beats.morphology.count == beats.count * 7)
        #expect(throws: ReplayError.noReferenceAnnotations(path: dir + "/b.atr")) {
            try BeatDataset.build(folder: dir, records: ["b"], settings: beatSettings)
        }
        try beats.write(to: dir + "/beats.h5")
        let beatFile = try HDF5File.open(dir + "/beats.h5")
        #expect(try beatFile.stringAttribute("format") == "vigil-beats-1")
        #expect(try beatFile.shape(of: "/windows") == [beats.count, 256])
        #expect(try beatFile.shape(of: "/morphology") == [beats.count, 7])
        #expect(try beatFile.shape(of: "/rr") == [beats.count, 5])
        #expect(try beatFile.readStrings("/records") == ["a"])

        var faultSettings = FaultDataset.Settings()
        faultSettings.perRecord = 12
        let faults = try FaultDataset.build(folder: dir, records: ["a", "b"], noiseFolder: nil, settings: faultSettings)
        #expect(faults.count == 24)
        #expect(faults.noiseSources == ["em-like"])
        #expect(Set(faults.labels).count == FaultKind.allCases.count)
        try faults.write(to: dir + "/faults.h5")
        let faultFile = try HDF5File.open(dir + "/faults.h5")
        #expect(try faultFile.stringAttribute("format") == "vigil-faults-1")
        #expect(try faultFile.shape(of: "/sample_labels") == [24, 512])
    }
}
