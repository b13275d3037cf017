import Foundation
import Testing
@testable import VigilImport
import VigilKernels
import VigilRuntime

/// ONNX import against ONNX Runtime: every model of `Fixtures/onnx` (made by
/// `make_onnx_fixtures.py`) is imported, run with the portable and the host kernels,
/// and compared with ONNX Runtime's outputs within 1e-5 relative + 1e-6 absolute.
struct ONNXImportTests {
    static let relative: Float = 1e-5
    static let absolute: Float = 1e-6

    static let models = ["reference_cnn", "keras_lstm", "keras_separable", "gru_reset_after", "gru_sequence",
                         "lstm_time_major", "ncw_cnn", "shape_chain", "transposed_conv", "keras_tensordot",
                         "convtranspose", "keras_convtranspose", "resampling", "keras_upsampling"]

    @Test("Imported model matches ONNX Runtime", arguments: models)
    func matchesONNXRuntime(_ name: String) throws {
        try ONNXFixtures.expectMatchesONNXRuntime(name)
    }

    /// The reference CNN imports to the expected Vigil ops: tf2onnx's unsqueezes,
    /// squeezes and 2-D convolutions become plain 1-D convolutions with fused
    /// bias and ReLU, and nothing is transposed.
    @Test func referenceModelStructure() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("reference_cnn"), name: "reference_cnn.onnx")
        let ops = model.graph.nodes.map(\.op.name)
        #expect(ops.filter { $0 == "Conv1D" }.count == 3)
        #expect(ops.filter { $0 == "Dense" }.count == 2)
        #expect(ops.contains("Softmax"))
        #expect(!ops.contains("Add"), "conv and dense biases were not folded: \(ops)")
        #expect(!ops.contains("relu"), "ReLU was not fused: \(ops)")
        #expect(model.source.hasPrefix("onnx opset 17, producer tf2onnx"), "\(model.source)")
        #expect(model.inputLayouts.map(\.isNative) == [true, true])
        #expect(model.outputLayouts.map(\.isNative) == [true])
        #expect(model.graph.tensors[model.graph.inputs[0]].shape == [256, 1])
        #expect(model.graph.tensors[model.graph.outputs[0]].shape == [5])
    }

    /// A channels-first model reads its input channels last, and BatchNormalization is
    /// folded into the convolution before it.
    @Test func channelsFirstInputAndBatchNormFolding() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("ncw_cnn"), name: "ncw_cnn.onnx")
        #expect(model.inputLayouts == [.channelsFirst])
        #expect(model.graph.tensors[model.graph.inputs[0]].shape == [32, 4])
        #expect(!model.graph.nodes.contains { $0.op == .affine }, "BatchNormalization was not folded")
    }

    /// Transposes around a convolution become relabels: the only reshape-free graph is
    /// conv, softmax and a dense layer.
    @Test func transposesVanish() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("transposed_conv"), name: "transposed_conv.onnx")
        #expect(model.graph.nodes.map(\.op.name) == ["Conv1D", "Softmax", "Dense"])
        #expect(model.inputLayouts == [.native(rank: 3)])
        #expect(model.outputLayouts == [.channelsFirst])
    }

    /// An ONNX-native recurrent model takes [T, N, F] input: the batch is framework
    /// axis 1, and the layout says so.
    @Test func timeMajorInputLayout() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("lstm_time_major"), name: "lstm_time_major.onnx")
        #expect(model.inputLayouts == [TensorLayout(storedAxes: [1, 0, 2], frameworkRank: 3)])
        #expect(model.outputLayouts == [TensorLayout(storedAxes: [1, 2], frameworkRank: 3)])
    }

    @Test func importsFromPath() throws {
        let model = try ONNXImporter.importModel(atPath: ONNXFixtures.url("gru_reset_after", "onnx").path)
        #expect(model.graph.nodes.contains { if case .gru(let a) = $0.op { return a.resetAfter } else { return false } })
    }

    @Test func layoutRoundTrip() {
        let layout = TensorLayout.channelsFirst
        let values: [Float] = (0..<24).map(Float.init)
        let stored = layout.toVigil(values, frameworkShape: [2, 3, 4])
        #expect(stored?.count == 24)
        #expect(stored?[1] == 4)  // [0, l=0, c=1] is framework [0, 1, 0]
        #expect(layout.toFramework(stored ?? [], storedShape: [2, 4, 3]) == values)
    }
}
