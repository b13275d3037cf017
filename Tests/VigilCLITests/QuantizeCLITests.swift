import Foundation
import Testing
import VigilNumPy
import VigilRuntime
import VigilTestSupport

/// `vigil quantize`. Runs only once `QuantizeCommand` is registered in `Vigil.swift`.
enum QuantizeCLI {
    static let registered: Bool = {
        guard let r = try? CLI.run(["quantize", "--help"]) else { return false }
        return r.status == 0 && r.stdout.contains("--calibration")
    }()

    /// Calibration data for the reference model: `count` beat-like windows, RR
    /// features and labels, in Keras layout ([N, 256, 1] and [N, 4]).
    static func data(count: Int, length: Int = 256, seed: UInt64) -> [(name: String, array: NumPyArray)] {
        var rng = SplitMix64(seed: seed)
        var beats: [Float] = [], rr: [Float] = []
        for _ in 0..<count {
            for t in 0..<length {
                let x = Float(t - 90) / 6
                beats.append((0.5 + rng.nextUnit()) * VMath.exp(-x * x) + 0.05 * (2 * rng.nextUnit() - 1))
            }
            for _ in 0..<4 { rr.append(0.6 + 0.8 * rng.nextUnit()) }
        }
        let labels = (0..<count).map { Int32($0 % 5) }
        return [
            ("input_0", NumPyArray(float32: beats, shape: [count, length, 1])),
            ("input_1", NumPyArray(float32: rr, shape: [count, 4])),
            ("labels", NumPyArray(dtype: .int32, shape: [count], bytes: labels.withUnsafeBytes { Array($0) })),
        ]
    }
}

@Suite("vigil quantize", .serialized, .enabled(if: QuantizeCLI.registered, "register QuantizeCommand in Vigil.swift"))
struct QuantizeCLITests {
    @Test func quantizesAndReports() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = try CLI.referencePackage(in: dir)
        let calibration = dir.appendingPathComponent("cal.npz").path
        try NumPyArchive.write(QuantizeCLI.data(count: 24, seed: 1), path: calibration)
        let validation = dir.appendingPathComponent("val.npz").path
        try NumPyArchive.write(QuantizeCLI.data(count: 20, seed: 2), path: validation)
        let output = dir.appendingPathComponent("ref.int8.vpkg").path
        let report = dir.appendingPathComponent("report.json").path
        let result = try CLI.run(["quantize", package.path, "--calibration", calibration, "--validation", validation,
                                  "--observer", "percentile", "-o", output, "--report", report])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("top-1 agreement"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect(json["samples"] as? Int == 20)
        let agreement = try #require(json["top1_agreement"] as? Double)
        #expect(agreement >= 0 && agreement <= 1)
        #expect((json["max_abs_error"] as? Double).map { $0 >= 0 && $0 < 1 } == true)
        let confusion = try #require(json["confusion_float"] as? [[Int]])
        #expect(confusion.count == 5 && confusion.joined().reduce(0, +) == 20)
        #expect(json["confusion_change"] is [[Int]])
        let sizes = try #require(json["sizes"] as? [String: [String: Int]])
        #expect(sizes["int8"]!["package_bytes"]! < sizes["float"]!["package_bytes"]!)
        #expect(sizes["int8"]!["arena_bytes"]! < sizes["float"]!["arena_bytes"]!)
        // The written package decodes and computes in int8 with float I/O.
        let decoded = try ModelPackage.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
        let g = try decoded.graph.validated()
        #expect(g.tensors.contains { $0.dtype == .int8 })
        #expect(g.tensors[g.inputs[0]].dtype == .float32 && g.tensors[g.outputs[0]].dtype == .float32)
        #expect(decoded.manifest.value(for: "quantization.observer") == "percentile(99.99)")

        // Quantizing the int8 package again is refused.
        let again = try CLI.run(["quantize", output, "--calibration", calibration, "-o", dir.appendingPathComponent("x.vpkg").path])
        #expect(again.status == 1)
        #expect(again.stderr.hasPrefix("error: ") && again.stderr.contains("already quantized"), "\(again.stderr)")
    }

    @Test func acceptsOneNpyPerInput() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = try CLI.referencePackage(in: dir)
        let arrays = QuantizeCLI.data(count: 8, seed: 3)
        let a = dir.appendingPathComponent("beat.npy").path, b = dir.appendingPathComponent("rr.npy").path
        try arrays[0].array.write(path: a)
        try arrays[1].array.write(path: b)
        let result = try CLI.run(["quantize", package.path, "--calibration", a, "--calibration", b, "--observer", "kl",
                                  "-o", dir.appendingPathComponent("q.vpkg").path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func badInputs() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = try CLI.referencePackage(in: dir).path
        let out = dir.appendingPathComponent("q.vpkg").path
        func expectError(_ args: [String], status: Int32, mentioning text: String) throws {
            let r = try CLI.run(["quantize", package] + args + ["-o", out])
            #expect(r.status == status, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: "), "\(args): \(r.stderr)")
            #expect(r.stderr.contains(text), "\(args): \(r.stderr)")
        }
        // Missing file.
        try expectError(["--calibration", dir.appendingPathComponent("nope.npz").path], status: 1, mentioning: "nope.npz")
        // Garbled archive.
        let garbled = dir.appendingPathComponent("garbled.npz")
        try Data("not a zip archive at all".utf8).write(to: garbled)
        try expectError(["--calibration", garbled.path], status: 1, mentioning: "garbled.npz")
        // Windows of the wrong length.
        let short = dir.appendingPathComponent("short.npz").path
        try NumPyArchive.write(QuantizeCLI.data(count: 4, length: 100, seed: 4), path: short)
        try expectError(["--calibration", short], status: 1, mentioning: "does not fit")
        // An archive without the second input.
        let partial = dir.appendingPathComponent("partial.npz").path
        try NumPyArchive.write([QuantizeCLI.data(count: 4, seed: 5)[0]], path: partial)
        try expectError(["--calibration", partial], status: 1, mentioning: "input_1")
        // Usage errors: unknown observer, no calibration data.
        let good = dir.appendingPathComponent("good.npz").path
        try NumPyArchive.write(QuantizeCLI.data(count: 4, seed: 6), path: good)
        try expectError(["--calibration", good, "--observer", "median"], status: 2, mentioning: "observer")
        try expectError([], status: 2, mentioning: "--calibration")
        // A missing package.
        let r = try CLI.run(["quantize", dir.appendingPathComponent("missing.vpkg").path, "--calibration", good, "-o", out])
        #expect(r.status == 1 && r.stderr.contains("missing.vpkg"))
    }
}
