import Foundation
import Testing
@testable import VigilImport

/// Hostile files through the command line: a WFDB header with an impossible sampling
/// frequency, sample count or byte offset given to `vigil qrs`, and an ONNX convolution
/// padded by 10^6 given to `vigil import`, each end in `error:` naming the limit and
/// exit status 1, promptly, never a trap.
@Suite("resource limits on the command line", .serialized)
struct ResourceLimitCLITests {
    /// A folder holding one record, rec, with `header` and a small 16-bit signal file.
    static func database(header: String) throws -> URL {
        let dir = try CLI.temporaryDirectory()
        try header.write(to: dir.appendingPathComponent("rec.hea"), atomically: true, encoding: .utf8)
        try Data(repeating: 0, count: 16).write(to: dir.appendingPathComponent("rec.dat"))
        return dir
    }

    static func expectRefusal(_ arguments: [String], in dir: URL? = nil, naming message: String) throws {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try CLI.run(arguments, in: dir)
        #expect(result.status == 1, "\(arguments): status \(result.status), \(result.stderr)")
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        #expect(clock.now - start < .seconds(10), "\(arguments) took \(clock.now - start)")
    }

    @Test(arguments: ["1e19", "1e308", "inf", "1e9", "1e15"])
    func qrsRefusesAnImpossibleSamplingFrequency(fs: String) throws {
        let dir = try Self.database(header: "rec 1 \(fs) 8\nrec.dat 16 200 12 0 0 0 0 MLII\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.expectRefusal(["qrs", "--db", dir.path], naming: "WFDBLimits.samplingFrequency")
        try Self.expectRefusal(["qrs", "--db", dir.path, "--bench", "--repeats", "1"], naming: "WFDBLimits.samplingFrequency")
    }

    @Test func qrsRefusesHugeSampleCountsAndByteOffsets() throws {
        let cases = [
            ("rec 1 360 9223372036854775807\nrec.dat 16 200 12 0 0 0 0 MLII\n", "WFDBLimits.maximumSampleCount"),
            ("rec 1 360 9223372036854775800\nrec.dat 16 200 12 0 0 0 0 MLII\n", "WFDBLimits.maximumSampleCount"),
            ("rec 1 360 8\nrec.dat 16+9223372036854775800 200 12 0 0 0 0 MLII\n", "WFDBLimits.maximumByteOffset"),
            ("rec 1 360\nrec.dat 16+9223372036854775807 200 12 0 0 0 0 MLII\n", "WFDBLimits.maximumByteOffset"),
        ]
        for (header, limit) in cases {
            let dir = try Self.database(header: header)
            defer { try? FileManager.default.removeItem(at: dir) }
            try Self.expectRefusal(["qrs", "--db", dir.path], naming: limit)
        }
    }

    /// A 1-D convolution over 16 samples padded by 10^6 on each side.
    @Test func importRefusesAConvolutionPaddedByAMillion() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var node = Onnx_NodeProto()
        node.opType = "Conv"; node.name = "padded"; node.input = ["x", "W"]; node.output = ["y"]
        var pads = Onnx_AttributeProto()
        pads.name = "pads"; pads.type = .ints; pads.ints = [1_000_000, 1_000_000]
        node.attribute = [pads]
        var weight = Onnx_TensorProto()
        weight.name = "W"; weight.dataType = 1; weight.dims = [16, 16, 3]; weight.floatData = [Float](repeating: 0.01, count: 16 * 16 * 3)
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        model.opsetImport = [opset]
        model.graph.node = [node]
        model.graph.initializer = [weight]
        func value(_ name: String, _ dims: [Int64?]) -> Onnx_ValueInfoProto {
            var v = Onnx_ValueInfoProto()
            v.name = name
            v.type.tensorType.elemType = 1
            v.type.tensorType.shape.dim = dims.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                if let d { dim.dimValue = d } else { dim.dimParam = "N" }
                return dim
            }
            return v
        }
        model.graph.input = [value("x", [nil, 16, 16])]
        model.graph.output = [value("y", [nil, 16, nil])]
        let file = dir.appendingPathComponent("padded.onnx")
        try Data(model.serializedBytes() as [UInt8]).write(to: file)
        try Self.expectRefusal(["import", file.path, "-o", "padded.vpkg"], in: dir, naming: "Graph.maximumPadding")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("padded.vpkg").path))
    }
}
