import Foundation
import Testing
import VigilImport
import VigilKernels
import VigilNumPy
import VigilRuntime
import VigilTestSupport

/// Hostile zip archives through the commands that read them, and `vigil run`'s
/// streaming against a whole-batch run.
@Suite("vigil on hostile input", .serialized, .timeLimit(.minutes(2)))
struct HostileInputCLITests {
    static let kerasModel = TestPaths.repository.appendingPathComponent("Tests/VigilImportTests/Fixtures/keras/k3_reference.keras").path

    func expectError(_ arguments: [String], in dir: URL, mentioning messages: [String]) throws {
        let result = try CLI.run(arguments, in: dir)
        #expect(result.status == 1, "\(arguments): status \(result.status), \(result.stderr)")
        #expect(result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
        for message in messages { #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)") }
    }

    @Test func importRefusesHostileKerasArchives() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let zip = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.kerasModel)))
        try Data(ZipForge.withCentralDirectoryOffset(zip, UInt32(zip.count + 4096))).write(to: dir.appendingPathComponent("forged.keras"))
        try expectError(["import", "forged.keras", "-o", "x.vpkg"], in: dir, mentioning: ["forged.keras", "central directory", "past the end"])
        let bomb = ZipForge.archive([
            .init("config.json", Array("{}".utf8)),
            .init("model.weights.h5", [UInt8](repeating: 0, count: 4 << 20), deflated: true, declaredSize: 10),
        ])
        try Data(bomb).write(to: dir.appendingPathComponent("bomb.keras"))
        try expectError(["import", "bomb.keras", "-o", "x.vpkg"], in: dir, mentioning: ["inflates past the 10 bytes it declares", "ImportLimits.maximumKerasWeightsBytes"])
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.vpkg").path))
    }

    /// `.npz` files that trapped or could run out of memory: a forged central
    /// directory offset and a member inflating past its declared size.
    func hostileArchives(in dir: URL) throws -> [(file: String, messages: [String])] {
        var calibration: [ZipForge.Member] = []
        for (name, array) in QuantizeCLI.data(count: 8, seed: 3) { calibration.append(.init(name + ".npy", array.encoded())) }
        let honest = ZipForge.archive(calibration)
        try Data(ZipForge.withCentralDirectoryOffset(honest, UInt32(honest.count + 1))).write(to: dir.appendingPathComponent("forged.npz"))
        calibration[0] = .init("input_0.npy", NumPyArray(float32: [Float](repeating: 0, count: 1 << 20), shape: [4096, 256, 1]).encoded(),
                               deflated: true, declaredSize: 10)
        try Data(ZipForge.archive(calibration)).write(to: dir.appendingPathComponent("bomb.npz"))
        return [("forged.npz", ["central directory", "past the end"]),
                ("bomb.npz", ["'input_0.npy' inflates past the 10 bytes it declares", "NumPyLimits.maximumArrayBytes"])]
    }

    @Test func quantizeAndCheckRefuseHostileArchives() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = try CLI.referencePackage(in: dir)
        for (file, messages) in try hostileArchives(in: dir) {
            if QuantizeCLI.registered {
                try expectError(["quantize", package.path, "--calibration", file, "-o", "q.vpkg"], in: dir, mentioning: [file] + messages)
            }
            try expectError(["import", Self.kerasModel, "-o", "k.vpkg", "--check", file], in: dir, mentioning: [file] + messages)
        }
    }

    /// 100 beats run 32 at a time (three whole chunks and a partial one), written as
    /// they run: the file equals a whole-batch run, and so does the .npz output.
    @Test func runStreamsLargeBatchesExactly() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try CLI.referencePackage(in: dir)
        let count = 100
        var rng = SplitMix64(seed: 11)
        let beats = NumPyArray(float32: (0..<(count * 256)).map { _ in 2 * rng.nextUnit() - 1 }, shape: [count, 256, 1])
        let rr = NumPyArray(float32: (0..<(count * 4)).map { _ in 0.5 + rng.nextUnit() }, shape: [count, 4])
        try beats.write(path: dir.appendingPathComponent("beat.npy").path)
        try rr.write(path: dir.appendingPathComponent("rr.npy").path)
        let package = try ModelPackage.decode([UInt8](try Data(contentsOf: url)))
        let whole = try PackageArrays.run(package, inputs: [(beats, "beat"), (rr, "rr")], chunk: count, kernels: HostKernels.self)
        #expect(whole[0].array.shape == [count, 5])
        for output in ["out.npy", "out.npz"] {
            let run = try CLI.run(["run", url.path, "--input", "beat.npy", "--input", "rr.npy", "-o", output, "--chunk", "32"], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
            let path = dir.appendingPathComponent(output).path
            let streamed = output.hasSuffix(".npy") ? try NumPyArray.read(path: path) : try #require(try NumPyArchive.read(path: path).first).array
            #expect(streamed == whole[0].array, "\(output)")
        }
        // A chunk size larger than the batch runs it whole.
        let once = try CLI.run(["run", url.path, "--input", "beat.npy", "--input", "rr.npy", "-o", "once.npy"], in: dir)
        #expect(once.status == 0, "\(once.stderr)")
        #expect(try NumPyArray.read(path: dir.appendingPathComponent("once.npy").path) == whole[0].array)
        let bad = try CLI.run(["run", url.path, "--input", "beat.npy", "--input", "rr.npy", "-o", "o.npy", "--chunk", "0"], in: dir)
        #expect(bad.status == 2 && bad.stderr.contains("--chunk must be at least 1"), "\(bad.stderr)")
    }
}
