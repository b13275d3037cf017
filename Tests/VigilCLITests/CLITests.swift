import Foundation
import Testing
import VigilNumPy
import VigilRuntime
import VigilReferenceModel
import VigilTestSupport

/// Runs the built `vigil` executable as a user would and checks exit codes, stderr
/// messages and files. The binary sits next to the test bundle in the build folder.
struct CLI {
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vigil")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL { try TestPaths.temporaryDirectory(prefix: "vigil-cli") }

    /// Writes the reference model as a package into `directory`.
    static func referencePackage(in directory: URL) throws -> URL {
        let graph = try ReferenceModel.arrhythmia().validated().optimized()
        let url = directory.appendingPathComponent("reference.vpkg")
        try Data(ModelPackage(manifest: Manifest(name: "reference"), graph: graph).encoded()).write(to: url)
        return url
    }
}

@Suite("vigil command line", .serialized)
struct CLITests {
    @Test func helpAndUsageErrors() throws {
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("bench"))
        let unknown = try CLI.run(["frobnicate"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("error: "))
        let badThreads = try CLI.run(["bench", "--threads", "0"])
        #expect(badThreads.status == 2)
        #expect(badThreads.stderr.contains("--threads must be at least 1"))
        let notANumber = try CLI.run(["bench", "--runs", "many"])
        #expect(notANumber.status == 2)
    }

    @Test func benchJSONReportsZeroAllocations() throws {
        let result = try CLI.run(["bench", "--json", "--runs", "200", "--seconds", "0.05", "--batch", "8"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in ["p50_us", "p99_us", "throughput_per_s", "arena_bytes", "allocations_per_invoke"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["allocations_per_invoke"] as? Double == 0)
        #expect(object["macs"] as? Int == 751_904)
    }

    @Test func runAndInspectAPackage() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = try CLI.referencePackage(in: dir)
        let inspect = try CLI.run(["inspect", package.path, "--json"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        #expect(object["macs"] as? Int == 751_904)
        #expect((object["nodes"] as? [Any])?.count == 10)

        // Two beats: the run's outputs must be probability rows (each sums to 1).
        var beats = [Float](repeating: 0, count: 2 * 256)
        for t in 0..<256 { beats[t] = t == 90 ? 1 : 0; beats[256 + t] = Float(t % 10) / 10 }
        try NumPyArray(float32: beats, shape: [2, 256, 1]).write(path: dir.appendingPathComponent("beat.npy").path)
        try NumPyArray(float32: [0.8, 0.8, 0.8, 1, 0.5, 0.9, 0.7, 0.6], shape: [2, 4]).write(path: dir.appendingPathComponent("rr.npy").path)
        let run = try CLI.run(["run", package.path, "--input", "beat.npy", "--input", "rr.npy", "-o", "out.npy"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let out = try NumPyArray.read(path: dir.appendingPathComponent("out.npy").path)
        #expect(out.shape == [2, 5])
        let p = out.floats
        #expect(abs(p[0..<5].reduce(0, +) - 1) < 1e-5 && abs(p[5..<10].reduce(0, +) - 1) < 1e-5)
    }

    @Test func badInputsGiveSpecificErrors() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = try CLI.referencePackage(in: dir)
        try NumPyArray(float32: [1, 2, 3], shape: [1, 3]).write(path: dir.appendingPathComponent("wrong.npy").path)
        try NumPyArray(float32: [Float](repeating: 0, count: 256), shape: [1, 256, 1]).write(path: dir.appendingPathComponent("beat.npy").path)
        try Data("not numpy".utf8).write(to: dir.appendingPathComponent("garbage.npy"))
        let bytes = try Data(contentsOf: package)
        try bytes.prefix(bytes.count / 2).write(to: dir.appendingPathComponent("truncated.vpkg"))
        var flipped = bytes
        flipped[flipped.count - 100] ^= 0xFF
        try flipped.write(to: dir.appendingPathComponent("flipped.vpkg"))

        let cases: [([String], String)] = [
            (["run", package.path, "--input", "wrong.npy", "--input", "wrong.npy", "-o", "o.npy"], "does not fit input 'beat'"),
            (["run", package.path, "--input", "beat.npy", "-o", "o.npy"], "takes 2 input(s), 1 given"),
            (["run", package.path, "--input", "garbage.npy", "--input", "beat.npy", "-o", "o.npy"], "not a NumPy .npy file"),
            (["run", "missing.vpkg", "--input", "beat.npy", "-o", "o.npy"], "cannot read the package"),
            (["inspect", "truncated.vpkg"], "truncated"),
            (["inspect", "flipped.vpkg"], "does not match its SHA-256 digest"),
            (["import", "model.pt", "-o", "x.vpkg"], "unknown model format '.pt'"),
            (["import", "missing.onnx", "-o", "x.vpkg"], "missing.onnx"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments, in: dir)
            #expect(result.status == 1, "\(arguments): status \(result.status), \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.vpkg").path))
    }
}

/// The README's list of what each importer translates is `vigil supported`'s output,
/// byte for byte, so it cannot drift from the importers' tables.
struct SupportedListTests {
    @Test func readmeSectionIsTheCommandsOutput() throws {
        let output = try CLI.run(["supported"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("`MultiHeadAttention`") && output.stdout.contains("`LayerNormalization`"))
        let readme = try String(contentsOf: TestPaths.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = "<!-- vigil supported: begin -->\n", end = "<!-- vigil supported: end -->"
        guard let start = readme.range(of: begin), let stop = readme.range(of: end, range: start.upperBound..<readme.endIndex) else {
            Issue.record("README.md has no vigil supported section")
            return
        }
        #expect(String(readme[start.upperBound..<stop.lowerBound]) == output.stdout, "README is stale: run Scripts/update-supported.sh")
    }
}
