import Foundation
import Testing
@testable import VigilImport
import VigilRuntime

/// Models whose inputs fix their first axis import batch-free (one sample) when that
/// axis cannot be Vigil's batch; models with a symbolic batch import as before.
struct ONNXBatchFreeTests {
    static func valueInfo(_ name: String, _ dims: [Int64?]) -> Onnx_ValueInfoProto {
        ONNXFixtures.valueInfo(name, 1, dims)
    }

    static func model(_ op: String, inputs: [Onnx_ValueInfoProto], axis: Int64? = nil) -> Onnx_ModelProto {
        var node = Onnx_NodeProto()
        node.opType = op
        node.input = inputs.map(\.name)
        node.output = ["y"]
        if let axis {
            var attribute = Onnx_AttributeProto()
            attribute.name = "axis"
            attribute.type = .int
            attribute.i = axis
            node.attribute = [attribute]
        }
        var graph = Onnx_GraphProto()
        graph.node = [node]
        graph.input = inputs
        graph.output = [valueInfo("y", [])]
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        var model = Onnx_ModelProto()
        model.opsetImport = [opset]
        model.graph = graph
        return model
    }

    @Test func layoutRoundTripsThroughTheUnitBatch() {
        let layout = TensorLayout.batchFree(rank: 2)
        #expect(layout.isBatchFree && !layout.isNative)
        #expect(layout.storedShape(frameworkShape: [2, 3]) == [1, 2, 3])
        #expect(layout.frameworkShape(storedShape: [1, 2, 3]) == [2, 3])
        #expect(layout.frameworkShape(storedShape: [2, 2, 3]) == nil)
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        #expect(layout.toVigil(values, frameworkShape: [2, 3]) == values)
        #expect(layout.toFramework(values, storedShape: [1, 2, 3]) == values)
        #expect(!TensorLayout.native(rank: 3).isBatchFree)
    }

    @Test func concatAlongAFixedFirstAxisImportsBatchFree() throws {
        let model = try ONNXImporter.importModel(Self.model("Concat", inputs: [Self.valueInfo("a", [2, 3]), Self.valueInfo("b", [1, 3])], axis: 0), name: "concat")
        #expect(model.isBatchFree)
        #expect(model.graph.tensors[model.graph.outputs[0]].shape == [3, 3])
        let a = FixtureArray(name: "a", shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let b = FixtureArray(name: "b", shape: [1, 3], data: [7, 8, 9])
        let outputs = try ModelRunner.run(model, inputs: [a, b], kernels: PortableKernels.self)
        #expect(outputs.count == 1)
        #expect(outputs.first?.shape == [3, 3])
        #expect(outputs.first?.data == [1, 2, 3, 4, 5, 6, 7, 8, 9])
    }

    @Test func rankOneInputsImportBatchFree() throws {
        let model = try ONNXImporter.importModel(Self.model("Add", inputs: [Self.valueInfo("a", [3]), Self.valueInfo("b", [3])]), name: "add")
        #expect(model.isBatchFree)
        let outputs = try ModelRunner.run(model, inputs: [FixtureArray(name: "a", shape: [3], data: [1, 2, 3]),
                                                          FixtureArray(name: "b", shape: [3], data: [10, 20, 30])], kernels: PortableKernels.self)
        #expect(outputs.first?.shape == [3])
        #expect(outputs.first?.data == [11, 22, 33])
    }

    @Test func softmaxOverAFixedFirstAxisImportsBatchFree() throws {
        let model = try ONNXImporter.importModel(Self.model("Softmax", inputs: [Self.valueInfo("x", [2, 1])], axis: 0), name: "softmax")
        #expect(model.isBatchFree)
        let outputs = try ModelRunner.run(model, inputs: [FixtureArray(name: "x", shape: [2, 1], data: [0, 0])], kernels: PortableKernels.self)
        #expect(outputs.first?.data == [0.5, 0.5])
    }

    @Test func fixedBatchThatWorksAsABatchStaysBatched() throws {
        let model = try ONNXImporter.importModel(Self.model("Relu", inputs: [Self.valueInfo("x", [2, 3])]), name: "relu")
        #expect(!model.isBatchFree)
        #expect(model.graph.tensors[model.graph.inputs[0]].shape == [3])
    }

    @Test func symbolicBatchStillRejectsWorkAlongIt() {
        #expect(throws: ImportError.self) {
            try ONNXImporter.importModel(Self.model("Softmax", inputs: [Self.valueInfo("x", [nil, 3])], axis: 0), name: "softmax")
        }
    }
}
