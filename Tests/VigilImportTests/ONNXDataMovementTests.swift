import Foundation
import Testing
@testable import VigilImport
import VigilKernels
import VigilRuntime

/// Run-time Slice, Gather, Transpose, Expand and Concat-with-a-constant, and GRU/LSTM
/// in every direction, against ONNX Runtime (fixtures from
/// `make_data_movement_fixtures.py`), with the portable and the host kernels.
struct ONNXDataMovementTests {
    static let models = ["data_movement", "concat_constant", "recurrent_directions"]

    @Test("Imported data movement model matches ONNX Runtime", arguments: models)
    func matchesONNXRuntime(_ name: String) throws {
        try ONNXFixtures.expectMatchesONNXRuntime(name)
    }

    /// Each op becomes its Vigil op, with the batch kept as the batch (not imported
    /// batch-free), and the reshape after the transpose costs one run-time transpose.
    @Test func dataMovementStructure() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("data_movement"), name: "data_movement.onnx")
        #expect(!model.isBatchFree)
        let ops = model.graph.nodes.map(\.op)
        #expect(ops.contains(.slice(starts: [5, 0], steps: [-2, 2], sizes: [3, 3])), "\(ops)")
        #expect(ops.contains(.gather(axis: 1)), "\(ops)")
        #expect(ops.filter { if case .transpose = $0 { return true }; return false }.count == 1, "\(ops)")
        #expect(ops.contains(.expand(shape: [4, 5])), "\(ops)")
    }

    /// ONNX Runtime can run the constant Concat only at batch 1 (ONNX's Concat does not
    /// broadcast); Vigil repeats the constant for every item. Items b = 0, 1, 2 are the
    /// fixture's sample plus b, so each output is that input followed by the fixture's
    /// constant rows (its output's last two rows).
    @Test func constantOperandRepeatsOverTheBatch() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("concat_constant"), name: "concat_constant.onnx")
        let data = try FixtureData.load(ONNXFixtures.url("concat_constant", "json"))
        let sample = data.inputs[0].data, constantRows = Array(data.outputs[0].data[15...])
        let batch = (0..<3).flatMap { b in sample.map { $0 + Float(b) } }
        let outputs = try ModelRunner.run(model, inputs: [FixtureArray(name: "x", shape: [3, 3, 5], data: batch)], kernels: PortableKernels.self)
        let expected = (0..<3).flatMap { b in sample.map { $0 + Float(b) } + constantRows }
        #expect(outputs[0].shape == [3, 5, 5])
        #expect(outputs[0].data == expected)
    }

    @Test func recurrentDirectionsStructure() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("recurrent_directions"), name: "recurrent_directions.onnx")
        var directions: [RecurrentDirection] = []
        var peepholeNodes = 0, cellOutputs = 0
        for node in model.graph.nodes {
            switch node.op {
            case .gru(let a), .lstm(let a):
                directions.append(a.direction)
                if a.peepholes { peepholeNodes += 1 }
                if node.outputs.count == 2 { cellOutputs += 1 }
            default: break
            }
        }
        #expect(Set(directions) == [.bidirectional, .reverse], "\(directions)")
        #expect(peepholeNodes == 2, "the reverse LSTM's sequence and last-state nodes both have peepholes")
        #expect(cellOutputs == 1)
    }

    /// A Slice whose clamped range is empty cannot be a Vigil tensor; a constant that
    /// varies along the batch cannot be repeated over it. Both name the node.
    @Test func emptySliceAndBatchVaryingConstantAreRefused() throws {
        func model(_ nodes: [Onnx_NodeProto], inputShape: [Int64?], initializers: [Onnx_TensorProto]) -> Onnx_ModelProto {
            var graph = Onnx_GraphProto()
            graph.node = nodes
            graph.initializer = initializers
            var input = Onnx_ValueInfoProto()
            input.name = "x"
            var type = Onnx_TypeProto.Tensor()
            type.elemType = 1
            type.shape.dim = inputShape.map { size in
                var d = Onnx_TensorShapeProto.Dimension()
                if let size { d.dimValue = size } else { d.dimParam = "N" }
                return d
            }
            input.type.tensorType = type
            graph.input = [input]
            var output = Onnx_ValueInfoProto()
            output.name = "y"
            graph.output = [output]
            var proto = Onnx_ModelProto()
            proto.irVersion = 8
            var opset = Onnx_OperatorSetIdProto()
            opset.version = 17
            proto.opsetImport = [opset]
            proto.graph = graph
            return proto
        }
        func ints(_ name: String, _ values: [Int64]) -> Onnx_TensorProto {
            var t = Onnx_TensorProto()
            t.name = name
            t.dataType = 7
            t.dims = [Int64(values.count)]
            t.int64Data = values
            return t
        }
        func node(_ type: String, _ inputs: [String], name: String, axis: Int64? = nil) -> Onnx_NodeProto {
            var n = Onnx_NodeProto()
            n.opType = type
            n.input = inputs
            n.output = ["y"]
            n.name = name
            if let axis {
                var a = Onnx_AttributeProto()
                a.name = "axis"
                a.type = .int
                a.i = axis
                n.attribute = [a]
            }
            return n
        }
        func importError(_ proto: Onnx_ModelProto) -> ImportError? {
            do {
                _ = try ONNXImporter.importModel(proto, name: "model.onnx")
                return nil
            } catch {
                return error
            }
        }
        let empty = model([node("Slice", ["x", "s", "e", "a"], name: "empty_slice")], inputShape: [nil, 4],
                          initializers: [ints("s", [3]), ints("e", [1]), ints("a", [1])])
        #expect(importError(empty) == .shapeMismatch(node: "empty_slice", reason: "the slice of axis 1 is empty; Vigil tensors have no empty axes"))
        var varying = Onnx_TensorProto()
        varying.name = "c"
        varying.dataType = 1
        varying.dims = [2, 3]
        varying.floatData = [1, 2, 3, 4, 5, 6]
        let batchVarying = model([node("Concat", ["x", "c"], name: "varying_concat", axis: 1)], inputShape: [nil, 3], initializers: [varying])
        guard case .dynamicShape(let name, let reason)? = importError(batchVarying) else {
            Issue.record("a constant that varies along the batch was not refused as batch-dependent")
            return
        }
        #expect(name == "varying_concat")
        #expect(reason.contains("varies along the batch axis"))
    }
}
