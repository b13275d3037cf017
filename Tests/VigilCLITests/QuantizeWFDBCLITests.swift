import Foundation
import Testing
import VigilNumPy
import VigilRuntime
import VigilTestSupport

/// `vigil quantize --calibration DIR`: beats from WFDB records as calibration and
/// validation data.
enum QuantizeWFDB {
    static let repository = TestPaths.repository
    static let ds1 = TestPaths.datasets + "/mitdb-ds1"
    static var datasetsPresent: Bool { FileManager.default.fileExists(atPath: ds1 + "/101.hea") }
    static let normalization = repository.appendingPathComponent("Models/arrhythmia/rr_normalization.json").path

    /// A one-lead, format-16 record of `seconds` of synthetic ECG at 360 Hz: a QRS
    /// (1.2 mV Gaussian) and a T wave every 0.7–0.9 s. No annotations, so beats come
    /// from the QRS detector. The header gives no checksum.
    static func writeSyntheticRecord(_ name: String, in dir: URL, seconds: Int = 60) throws {
        let fs = 360, n = seconds * fs
        var signal = [Float](repeating: 0, count: n)
        var r = 0.5
        var k = 0
        while r < Double(seconds) - 1 {
            for (offset, width, amplitude) in [(0.0, 0.012, 1.2), (0.03, 0.01, -0.25), (0.25, 0.05, 0.3)] {
                let centre = (r + offset) * Double(fs)
                for i in max(0, Int(centre) - 80)..<min(n, Int(centre) + 80) {
                    let t = (Double(i) - centre) / (width * Double(fs))
                    signal[i] += Float(amplitude * Foundation.exp(-0.5 * t * t))
                }
            }
            r += 0.8 + 0.1 * sin(Double(k))
            k += 1
        }
        let adu = signal.map { Int16(($0 * 200).rounded()) }
        try Data(adu.withUnsafeBytes { Array($0) }).write(to: dir.appendingPathComponent("\(name).dat"))
        try Data("\(name) 1 \(fs) \(n)\n\(name).dat 16 200\n".utf8).write(to: dir.appendingPathComponent("\(name).hea"))
    }
}

@Suite("vigil quantize with WFDB records", .serialized, .enabled(if: QuantizeCLI.registered, "register QuantizeCommand in Vigil.swift"))
struct QuantizeWFDBCLITests {
    /// Runs everywhere: synthetic records, R peaks from the detector, the dataset's RR features.
    @Test func calibratesOnSyntheticRecords() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let records = dir.appendingPathComponent("records")
        try FileManager.default.createDirectory(at: records, withIntermediateDirectories: true)
        try QuantizeWFDB.writeSyntheticRecord("s1", in: records)
        try QuantizeWFDB.writeSyntheticRecord("s2", in: records)
        let package = try CLI.referencePackage(in: dir)
        let report = dir.appendingPathComponent("report.json").path
        let result = try CLI.run(["quantize", package.path, "--calibration", records.path, "--centers", "detected",
                                  "--calibration-beats", "60", "-o", dir.appendingPathComponent("q.vpkg").path, "--report", report])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("calibration: 60 beats from 2 record(s)"), "\(result.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect(json["calibration_samples"] as? Int == 60)
        // No annotations: no labels, so no confusion matrix.
        #expect(json["confusion_float"] == nil)
    }

    @Test func badRecordsAndModels() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = try CLI.referencePackage(in: dir).path
        let out = dir.appendingPathComponent("q.vpkg").path
        func expectError(_ model: String, _ args: [String], status: Int32 = 1, mentioning texts: String...) throws {
            let r = try CLI.run(["quantize", model] + args + ["-o", out])
            #expect(r.status == status, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: "), "\(args): \(r.stderr)")
            for text in texts { #expect(r.stderr.contains(text), "\(args): \(r.stderr)") }
        }
        // A folder without records.
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try expectError(package, ["--calibration", empty.path], mentioning: "no WFDB records")

        // A header that does not parse, and a signal file shorter than its header says.
        let bad = dir.appendingPathComponent("bad")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try Data("garbage here\n".utf8).write(to: bad.appendingPathComponent("g1.hea"))
        try expectError(package, ["--calibration", bad.path], mentioning: "g1.hea", "invalid header")
        try QuantizeWFDB.writeSyntheticRecord("t1", in: bad, seconds: 20)
        let dat = bad.appendingPathComponent("t1.dat")
        try Data(try Data(contentsOf: dat).prefix(1000)).write(to: dat)
        try expectError(package, ["--calibration", bad.path, "--calibration-records", "t1", "--centers", "detected"],
                        mentioning: "t1.dat", "truncated")
        // Reference centers need annotations.
        try QuantizeWFDB.writeSyntheticRecord("u1", in: bad, seconds: 20)
        try expectError(package, ["--calibration", bad.path, "--calibration-records", "u1"], mentioning: "u1.atr", "--centers detected")

        // A model whose input is neither a beat window nor RR features: the Keras GRU fixture takes [32, 3].
        let gru = dir.appendingPathComponent("gru.vpkg").path
        let imported = try CLI.run(["import", QuantizeWFDB.repository.appendingPathComponent("Tests/VigilImportTests/Fixtures/keras/k3_gru.keras").path, "-o", gru])
        try #require(imported.status == 0, "\(imported.stderr)")
        try expectError(gru, ["--calibration", empty.path], mentioning: "input 0", "[32, 3]", "[W, 1]")
        // RR features of another count than the model's [4] input.
        let three = dir.appendingPathComponent("three.json")
        try Data(#"{"features": ["pre/long", "post/long", "pre/post"]}"#.utf8).write(to: three)
        try expectError(package, ["--calibration", empty.path, "--rr-normalization", three.path], mentioning: "input 1", "[4]")
        // A window shorter than the R-peak index.
        try expectError(package, ["--calibration", empty.path, "--r-index", "300"], mentioning: "input 0", "[256, 1]")
        // Malformed normalization files.
        let unknown = dir.appendingPathComponent("unknown.json")
        try Data(#"{"features": ["pre/qt", "a", "b", "c"]}"#.utf8).write(to: unknown)
        try expectError(package, ["--calibration", empty.path, "--rr-normalization", unknown.path], mentioning: "unknown beat feature 'pre/qt'")
        let zeroStd = dir.appendingPathComponent("zero.json")
        try Data(#"{"features": ["pre/long", "post/long", "local/long", "pre/post"], "mean": [0, 0, 0, 0], "std": [1, 0, 1, 1]}"#.utf8).write(to: zeroStd)
        try expectError(package, ["--calibration", empty.path, "--rr-normalization", zeroStd.path], mentioning: "std")
        // WFDB options without a WFDB folder are usage errors.
        let npz = dir.appendingPathComponent("cal.npz").path
        try NumPyArchive.write(QuantizeCLI.data(count: 4, seed: 7), path: npz)
        try expectError(package, ["--calibration", npz, "--rr-normalization", QuantizeWFDB.normalization], status: 2, mentioning: "WFDB")
        try expectError(package, ["--calibration", empty.path, "--centers", "middle"], status: 2, mentioning: "--centers")
    }

    /// Two DS1 records calibrate the trained reference model with its own RR
    /// standardization; a held-out record validates it.
    @Test(.enabled(if: QuantizeWFDB.datasetsPresent, "../shared/datasets is absent; MIT-BIH calibration test skipped"))
    func calibratesOnMITBIH() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = dir.appendingPathComponent("ref.vpkg").path
        let imported = try CLI.run(["import", QuantizeWFDB.repository.appendingPathComponent("Models/arrhythmia/reference.onnx").path, "-o", package])
        try #require(imported.status == 0, "\(imported.stderr)")
        let report = dir.appendingPathComponent("report.json").path
        let result = try CLI.run(["quantize", package, "--calibration", QuantizeWFDB.ds1, "--calibration-records", "101,208",
                                  "--calibration-beats", "300", "--rr-normalization", QuantizeWFDB.normalization,
                                  "--validation", QuantizeWFDB.ds1, "--validation-records", "119", "--validation-beats", "300",
                                  "-o", dir.appendingPathComponent("ref.int8.vpkg").path, "--report", report])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect(json["calibration_samples"] as? Int == 300)
        #expect(json["samples"] as? Int == 300)
        #expect((json["calibration_source"] as? String)?.contains("pre/local, post/local, pre/post, local_s (standardized)") == true)
        let confusion = try #require(json["confusion_float"] as? [[Int]])
        #expect(confusion.joined().reduce(0, +) == 300)
        // Record 119 holds N and V beats (de Chazal); both classes appear.
        #expect(confusion[0].reduce(0, +) > 0 && confusion[2].reduce(0, +) > 0)
        // int8 follows float on nearly every beat (README: 99 % on the held-out records).
        let agreement = try #require(json["top1_agreement"] as? Double)
        #expect(agreement >= 0.95, "top-1 agreement \(agreement)")
    }
}
