import Foundation
import Testing
import VigilNumPy
import VigilRuntime
import VigilTestSupport

/// The options issue #11 added: `vigil quantize --fault-detector`, `--float-output`,
/// beat-feature files with morphology features and a gate, `vigil dataset faults
/// --noise-half`, and what `vigil inspect` says of a gated contract.
@Suite("vigil: trained-model options", .serialized)
struct TrainedModelCLITests {
    static let models = TestPaths.repository.appendingPathComponent("Models")
    static let faultClasses = "none,noise,lead_fracture,lead_off,insulation_breach,saturation,mains_interference,dropout"

    /// 16 windows of 512 samples: ECG in mV and impedance in ohms (clipped at the
    /// detector's 4 kΩ open-circuit reading, as its calibration is).
    static func faultWindows(in dir: URL) throws -> String {
        var rng = SystemRandomNumberGenerator()
        let ecg = (0..<(16 * 512)).map { _ in Float.random(in: -2...2, using: &rng) }
        let ohms = (0..<(16 * 512)).map { _ in Float.random(in: 60...4000, using: &rng) }
        let path = dir.appendingPathComponent("windows.npz").path
        try NumPyArchive.write([("input_0", NumPyArray(float32: ecg, shape: [16, 512, 1])), ("input_1", NumPyArray(float32: ohms, shape: [16, 512, 1]))], path: path)
        return path
    }

    @Test func aFaultDetectorsContractIsStatedAndTheFloatPackageCarriesIt() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.faultWindows(in: dir)
        let int8 = dir.appendingPathComponent("f.int8.vpkg").path, float = dir.appendingPathComponent("f.vpkg").path
        let q = try CLI.run(["quantize", Self.models.appendingPathComponent("faults/faults.vpkg").path, "--calibration", data,
                             "--fault-detector", "signal,impedance", "--class-names", Self.faultClasses, "-o", int8, "--float-output", float])
        #expect(q.status == 0, "\(q.stderr)")
        for path in [int8, float] {
            let contract = try #require(try ModelPackage.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).inputContract)
            #expect(contract.isFaultDetector && contract.window?.length == 512 && contract.classes.count == 8)
            #expect(contract.inputs.map(\.role) == [.signalWindow, .impedanceWindow])
        }
    }

    @Test func faultDetectorOptionsThatCannotBeTrueAreRefused() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.faultWindows(in: dir)
        let package = Self.models.appendingPathComponent("faults/faults.vpkg").path
        let output = dir.appendingPathComponent("x.vpkg").path
        let cases: [([String], String)] = [
            (["--fault-detector", "signal", "--class-names", Self.faultClasses], "1 input roles for a model of 2 inputs"),
            (["--fault-detector", "signal,ohms", "--class-names", Self.faultClasses], "unknown input 'ohms'"),
            (["--fault-detector", "signal,impedance"], "--fault-detector needs --class-names"),
            (["--fault-detector", "signal,impedance", "--class-names", "a,b"], "no model output has one score per class"),
            (["--fault-detector", "signal,impedance", "--class-names", Self.faultClasses, "--beat-classifier"], "does not combine with beats"),
        ]
        for (options, message) in cases {
            let r = try CLI.run(["quantize", package, "--calibration", data, "-o", output] + options)
            #expect(r.status != 0 && r.stderr.contains(message), "\(options): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// A beat-feature file with a gate of the wrong size, or a morphology feature that
    /// does not exist, is refused with what is wrong.
    @Test func badBeatFeatureFilesAreRefused() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let calibration = dir.appendingPathComponent("cal.npz").path
        try NumPyArchive.write([("input_0", NumPyArray(float32: [Float](repeating: 0.5, count: 8 * 11), shape: [8, 11]))], path: calibration)
        let good = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.models.appendingPathComponent("arrhythmia/features.json"))) as! [String: Any]
        var shortGate = good
        var gate = good["gate"] as! [String: Any]
        gate["weights"] = [1.0, 2.0]
        shortGate["gate"] = gate
        var unknown = good
        var names = good["features"] as! [String]
        names[names.count - 1] = "morph:qrs_shape"
        unknown["features"] = names
        for (object, message) in [(shortGate, "the gate needs 11 finite weights"), (unknown, "unknown beat feature 'morph:qrs_shape'")] {
            let file = dir.appendingPathComponent("features.json")
            try JSONSerialization.data(withJSONObject: object).write(to: file)
            let r = try CLI.run(["quantize", Self.models.appendingPathComponent("arrhythmia/arrhythmia.vpkg").path, "--calibration", calibration,
                                 "--beat-classifier", "--rr-normalization", file.path, "--class-names", "N,S,V,F", "-o", dir.appendingPathComponent("y.vpkg").path])
            #expect(r.status != 0 && r.stderr.contains(message), "\(r.stderr)")
        }
    }

    @Test func inspectShowsTheGate() throws {
        let r = try CLI.run(["inspect", Self.models.appendingPathComponent("arrhythmia/arrhythmia.int8.vpkg").path, "--verify"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("morph:qrs_corr") && r.stdout.contains("variation/local"))
        #expect(r.stdout.contains("are settled as N without the model"))
        #expect(r.stdout.contains("self-test on the device kernels: golden vectors pass"))
    }

    @Test func aNoiseHalfThatDoesNotExistIsRefused() throws {
        let r = try CLI.run(["dataset", "faults", "--db", "/nonexistent", "--noise-half", "middle", "-o", "/tmp/x.h5"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--noise-half must be first or second, not 'middle'"))
    }

    static let ds1 = TestPaths.repository.appendingPathComponent("../shared/datasets/mitdb-ds1").standardized.path

    /// Calibration beats from WFDB records for a features-only model with morphology
    /// features: measured on a 256-sample window the contract states; an R-peak index
    /// that leaves no room for the regions is refused before any record is read.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: ds1 + "/101.hea"), "../shared/datasets is absent; WFDB calibration skipped"))
    func morphologyFeaturesFromWFDBRecords() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = Self.models.appendingPathComponent("arrhythmia/arrhythmia.vpkg").path
        let features = Self.models.appendingPathComponent("arrhythmia/features.json").path
        let output = dir.appendingPathComponent("w.vpkg").path
        let common = ["quantize", package, "--calibration", Self.ds1, "--calibration-records", "101", "--rr-normalization", features,
                      "--centers", "detected", "--class-names", "N,S,V,F", "-o", output]
        let good = try CLI.run(common)
        #expect(good.status == 0, "\(good.stderr)")
        let contract = try #require(try ModelPackage.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))).inputContract)
        #expect(contract.window == InputContract.BeatWindow(length: 256, rPeakIndex: 90) && contract.rr?.gate != nil)
        let bad = try CLI.run(common + ["--r-index", "40"])
        #expect(bad.status == 1 && bad.stderr.contains("morphology features need 300 ms before the R peak"), "\(bad.stderr)")
    }
}
