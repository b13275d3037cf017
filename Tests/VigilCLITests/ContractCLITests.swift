import Foundation
import Testing
import VigilNumPy
import VigilReferenceModel
import VigilRuntime

/// The input contract and golden vectors through the command line: `vigil quantize`
/// states the contract, `vigil inspect --verify` and `vigil run` self-test.
@Suite("vigil contract and self-test", .serialized)
struct ContractCLITests {
    static let rrFile = QuantizeWFDB.repository.appendingPathComponent("Models/arrhythmia/rr_normalization.json").path

    /// The reference model quantized with the RR features named: the package must carry
    /// the whole contract, classes and standardization included.
    @Test func quantizeStatesTheContractAndInspectVerifiesIt() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = try CLI.referencePackage(in: dir)
        let calibration = dir.appendingPathComponent("cal.npz").path
        try NumPyArchive.write(QuantizeCLI.data(count: 16, seed: 5), path: calibration)
        let output = dir.appendingPathComponent("ref.int8.vpkg").path
        let q = try CLI.run(["quantize", package.path, "--calibration", calibration, "--beat-classifier", "--rr-normalization", Self.rrFile,
                             "--r-index", "90", "--class-names", "N,S,V,F,Q", "-o", output])
        #expect(q.status == 0, "\(q.stderr)")

        let decoded = try ModelPackage.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
        let contract = try #require(decoded.inputContract)
        #expect(contract.isBeatClassifier)
        #expect(contract.window == InputContract.BeatWindow(length: 256, rPeakIndex: 90))
        #expect(contract.rr?.features.map(\.name) == ["pre/local", "post/local", "pre/post", "local_s"])
        #expect(contract.rr?.mean.first.map { abs($0 - 0.99993) < 1e-4 } == true)
        #expect(contract.classes == ["N", "S", "V", "F", "Q"] && contract.labelMapping == .aamiDeChazal)
        #expect(decoded.golden?.tolerance == 0)

        let inspect = try CLI.run(["inspect", output, "--verify"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("beat features: pre/local"))
        #expect(inspect.stdout.contains("self-test on the host kernels: golden vectors pass"))
        #expect(inspect.stdout.contains("self-test on the device kernels: golden vectors pass"))
        let json = try CLI.run(["inspect", output, "--json", "--verify"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let device = try #require(object["device_arena_bytes"] as? Int), host = try #require(object["host_arena_bytes"] as? Int)
        #expect(device > 0 && host > 0)
        #expect((object["contract"] as? [String: Any])?["sample_rate"] as? Int == 256)
    }

    /// Flip one golden output byte and re-seal the digests (as a careless tool could):
    /// the structure is valid, the model no longer reproduces what its maker saw.
    @Test func aPackageThatFailsItsSelfTestIsRefused() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let graph = try ReferenceModel.arrhythmia().validated().optimized()
        let interpreter = try Interpreter<PortableKernels>(graph: graph, batch: 1)
        interpreter.invoke()
        var outputs = [Array(interpreter.outputBytes(0))]
        outputs[0][1] ^= 0x20
        let golden = GoldenVectors(batch: 1, inputs: graph.inputs.indices.map { Array(interpreter.inputBytes($0)) }, outputs: outputs, tolerance: 1e-5)
        let url = dir.appendingPathComponent("bad.vpkg")
        try Data(ModelPackage(manifest: Manifest(name: "bad"), graph: graph, golden: golden).encoded()).write(to: url)

        let inspect = try CLI.run(["inspect", url.path, "--verify"])
        #expect(inspect.status == 1)
        #expect(inspect.stderr.hasPrefix("error: ") && inspect.stderr.contains("self-test on the host kernels failed"), "\(inspect.stderr)")
        let plain = try CLI.run(["inspect", url.path])
        #expect(plain.status == 0)

        let x = dir.appendingPathComponent("x.npy").path, rr = dir.appendingPathComponent("rr.npy").path
        try NumPyArray(float32: [Float](repeating: 0.1, count: 256), shape: [1, 256, 1]).write(path: x)
        try NumPyArray(float32: [1, 1, 1, 1], shape: [1, 4]).write(path: rr)
        let run = try CLI.run(["run", url.path, "--input", x, "--input", rr, "-o", dir.appendingPathComponent("y.npy").path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("self-test failed: output 0"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("y.npy").path))
    }
}
