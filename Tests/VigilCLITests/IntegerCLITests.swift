import Foundation
import Testing
import VigilNumPy
import VigilRuntime

/// `vigil run` on a package with plain integer inputs and a constant output.
@Suite("vigil run with integer tensors")
struct IntegerCLITests {
    /// y = x − [1, 2, 3] on int16 x [N, 3], and the constant int64 output [7, 8].
    static func package(in directory: URL) throws -> URL {
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: .int16, shape: [3])
        let c = [Int16(1), 2, 3].withUnsafeBytes { g.addConstant(name: "c", dtype: .int16, shape: [3], bytes: $0) }
        let k = [Int64(7), 8].withUnsafeBytes { g.addConstant(name: "k", dtype: .int64, shape: [2], bytes: $0) }
        let y = g.addTensor(name: "y")
        g.inputs = [x]
        g.nodes = [Node(name: "sub", op: .sub(activation: .linear), inputs: [x, c], outputs: [y])]
        g.outputs = [y, k]
        let url = directory.appendingPathComponent("integers.vpkg")
        try Data(ModelPackage(manifest: Manifest(name: "integers"), graph: try g.validated()).encoded()).write(to: url)
        return url
    }

    @Test func runsOnIntegerArrays() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = try Self.package(in: dir)
        let x: [Int16] = [-32768, 0, 10, 5, 5, 5]
        try NumPyArray(dtype: .int16, shape: [2, 3], bytes: x.withUnsafeBytes { Array($0) }).write(path: dir.appendingPathComponent("x.npy").path)
        let run = try CLI.run(["run", package.path, "--input", "x.npy", "-o", "out.npz"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let outputs = try NumPyArchive.read(path: dir.appendingPathComponent("out.npz").path)
        let y = try #require(outputs.first { $0.name == "y" }?.array)
        // −32768 − 1 wraps to 32767; 0 − 2, 10 − 3; then 5 − [1, 2, 3].
        #expect(y.dtype == .int16 && y.shape == [2, 3] && y.doubles == [32767, -2, 7, 4, 3, 2])
        // The constant output keeps its own shape, without a batch axis.
        let k = try #require(outputs.first { $0.name == "k" }?.array)
        #expect(k.dtype == .int64 && k.shape == [2] && k.doubles == [7, 8])

        try NumPyArray(float32: [1, 2, 3], shape: [1, 3]).write(path: dir.appendingPathComponent("f.npy").path)
        let wrong = try CLI.run(["run", package.path, "--input", "f.npy", "-o", "out.npz"], in: dir)
        #expect(wrong.status == 1 && wrong.stderr.contains("does not match input 'x' (int16)"), "\(wrong.stderr)")
    }
}
