import Foundation
import Testing
@testable import VigilImport
import VigilKernels
import VigilRuntime

/// 2-D and 3-D Conv, MaxPool, AveragePool and global pools against ONNX Runtime
/// (fixtures from `make_window_fixtures.py`), run with the portable and the host
/// kernels, within the tolerance of `ONNXImportTests`.
struct ONNXWindowTests {
    static let models = ["conv2d_grouped", "conv3d_same_lower", "pool2d", "pool3d", "maxpool_indices", "conv_batch_free"]

    @Test("Imported window model matches ONNX Runtime", arguments: models)
    func matchesONNXRuntime(_ name: String) throws {
        try ONNXFixtures.expectMatchesONNXRuntime(name)
    }

    /// NCHW in, NHWC stored: the input is stored channels last and the output is
    /// labelled so, with no transpose at run time.
    @Test func twoDimensionalConvolutionReadsChannelsLast() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("conv2d"), name: "conv2d.onnx")
        #expect(model.graph.nodes.map(\.op.name) == ["Conv2D"])
        let nhwc = TensorLayout(storedAxes: [0, 2, 3, 1], frameworkRank: 4)
        #expect(model.inputLayouts == [nhwc])
        #expect(model.outputLayouts == [nhwc])
        #expect(model.graph.tensors[model.graph.inputs[0]].shape == [8, 8, 2])
        guard case .convND(let a) = model.graph.nodes[0].op else { return }
        #expect(a.window == WindowND(kernel: [3, 3], padBegin: [1, 1], padEnd: [1, 1]))
    }

    /// Groups, stride with dilation and the ReLU after the conv land in one Conv2D; the
    /// weight is stored [K0, K1, Cin/groups, Cout].
    @Test func groupedConvolutionFusesReLU() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("conv2d_grouped"), name: "conv2d_grouped.onnx")
        #expect(model.graph.nodes.count == 1)
        guard case .convND(let a) = model.graph.nodes[0].op else {
            Issue.record("expected a convND, got \(model.graph.nodes.map(\.op.name))")
            return
        }
        #expect(a.groups == 2 && a.activation == .relu)
        #expect(a.window == WindowND(kernel: [3, 2], strides: [2, 1], dilations: [2, 2], padBegin: [1, 0], padEnd: [2, 1]))
        #expect(model.graph.tensors[model.graph.nodes[0].inputs[1]].shape == [3, 2, 2, 6])
    }

    /// Ceil mode, counted padding and SAME_UPPER are attributes of the N-d pools; global
    /// pools flatten the spatial axes into one and reuse the 1-D global pools.
    @Test func poolingAttributes() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("pool2d"), name: "pool2d.onnx")
        let ops = model.graph.nodes.map(\.op)
        #expect(ops.contains(.maxPoolND(PoolNDAttributes(window: WindowND(kernel: [3, 2], strides: [2, 2], dilations: [1, 2], padBegin: [1, 0], padEnd: [1, 1]), ceilMode: true), columnMajorIndices: false)))
        #expect(ops.contains(.averagePoolND(PoolNDAttributes(window: WindowND(kernel: [3, 2], strides: [2, 2], padBegin: [1, 0], padEnd: [1, 1]), ceilMode: true), countIncludePad: true)))
        // SAME_UPPER over 7 × 6 with stride (2, 1): 2 + 2 padding, the odd one after.
        #expect(ops.contains(.averagePoolND(PoolNDAttributes(window: WindowND(kernel: [3, 3], strides: [2, 1], padBegin: [1, 1], padEnd: [1, 1])), countIncludePad: false)))
        #expect(ops.contains(.globalAveragePool1D) && ops.contains(.globalMaxPool1D))
    }

    /// A 1-D pooling the 1-D ops cannot express (here ceil mode adding a window while
    /// padding is counted) runs as a one-axis N-d pool; a plain one stays a 1-D op.
    @Test func oneDimensionalFallback() throws {
        func pool(_ attributes: [Onnx_AttributeProto]) throws -> ImportedModel {
            var node = Onnx_NodeProto()
            node.opType = "AveragePool"
            node.name = "pool"
            node.input = ["x"]
            node.output = ["y"]
            node.attribute = attributes
            return try ONNXImporter.importModel(ONNXWindowTests.model(node, input: [-1, 2, 8], output: 3), name: "pool.onnx")
        }
        func ints(_ name: String, _ v: [Int64]) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto(); a.name = name; a.type = .ints; a.ints = v; return a
        }
        func int(_ name: String, _ v: Int64) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto(); a.name = name; a.type = .int; a.i = v; return a
        }
        let plain = try pool([ints("kernel_shape", [3]), ints("strides", [2])])
        #expect(plain.graph.nodes.map(\.op.name) == ["AveragePool1D"])
        let counted = try pool([ints("kernel_shape", [3]), ints("strides", [2]), ints("pads", [1, 1]), int("ceil_mode", 1), int("count_include_pad", 1)])
        #expect(counted.graph.nodes.map(\.op) == [.averagePoolND(PoolNDAttributes(window: WindowND(kernel: [3], strides: [2], padBegin: [1], padEnd: [1]), ceilMode: true), countIncludePad: true)])
        // By hand, for channel values v0…v7: windows start at −1, 1, 3, 5 and (ceil mode)
        // 7. The first four lie in the padded input [−1, 9) and divide by 3; the last
        // covers 7, 8 of it (9 is past the padding) and divides by 2.
        let channel0: [Float] = (0..<8).map(Float.init), channel1: [Float] = (10..<18).map(Float.init)
        let outputs = try ModelRunner.run(counted, inputs: [FixtureArray(name: "x", shape: [1, 2, 8], data: channel0 + channel1)], kernels: PortableKernels.self)
        let expected: [Float] = [1.0 / 3, 2, 4, 6, 3.5] + [7, 12, 14, 16, 8.5]
        #expect(outputs[0].shape == [1, 2, 5])
        #expect(ModelRunner.compare(outputs, [FixtureArray(name: "y", shape: [1, 2, 5], data: expected)], relative: 1e-6, absolute: 0) == nil)
    }

    /// A model that imports batch-free (a per-item constant state) runs its windows with
    /// ONNX's N axis as a leading window axis of 1: a 1-D Conv becomes a 2-D convND over
    /// [N, L, C], a 2-D one a 3-D convND; the global pools keep the items apart too.
    /// ONNX Runtime's values are checked in `matchesONNXRuntime`.
    @Test func batchFreeWindowsRunAlongTheItems() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("conv_batch_free"), name: "conv_batch_free.onnx")
        #expect(model.isBatchFree)
        let ops = model.graph.nodes.map(\.op)
        #expect(ops.contains(.convND(ConvNDAttributes(window: WindowND(kernel: [1, 3], strides: [1, 2], padBegin: [0, 1], padEnd: [0, 1]), activation: .relu))))
        #expect(ops.contains(.convND(ConvNDAttributes(window: WindowND(kernel: [1, 2, 3], padBegin: [0, 0, 1], padEnd: [0, 1, 1])))))
        #expect(ops.contains(.maxPoolND(PoolNDAttributes(window: WindowND(kernel: [1, 2])), columnMajorIndices: false)))
        #expect(ops.contains(.averagePoolND(PoolNDAttributes(window: WindowND(kernel: [1, 3], padBegin: [0, 1], padEnd: [0, 1])), countIncludePad: false)))
        #expect(ops.contains(.averagePoolND(PoolNDAttributes(window: WindowND(kernel: [1, 5])), countIncludePad: false)))
        #expect(ops.contains(.maxPoolND(PoolNDAttributes(window: WindowND(kernel: [1, 5])), columnMajorIndices: false)))
        // The inputs are stored channels last ([N, L, C] and [N, H, W, C]), so no transpose runs.
        #expect(!ops.contains { $0.name == "Transpose" })
        #expect(model.inputLayouts == [TensorLayout(storedAxes: [-1, 0, 2, 1], frameworkRank: 3), TensorLayout(storedAxes: [-1, 0, 2, 3, 1], frameworkRank: 4)])
    }

    /// MaxPool's Indices number each ONNX item's channels in turn, which the N-d kernel's
    /// numbering of one batch-free sample cannot: the batch-free conversion refuses them
    /// rather than give wrong indices (the importer then reports the batched attempt's error).
    @Test func batchFreeMaxPoolIndicesAreRejected() throws {
        var node = Onnx_NodeProto()
        node.opType = "MaxPool"
        node.name = "pool"
        node.input = ["x"]
        node.output = ["y", "indices"]
        var kernel = Onnx_AttributeProto(); kernel.name = "kernel_shape"; kernel.type = .ints; kernel.ints = [2]
        node.attribute = [kernel]
        var model = ONNXWindowTests.model(node, input: [2, 3, 4], output: 3)
        model.graph.output.append(model.graph.output[0])
        model.graph.output[1].name = "indices"
        model.graph.output[1].type.tensorType.elemType = 7
        var converter = ONNXGraphConverter(path: "pool.onnx", opset: 17, inputLayouts: [:], batchFree: true)
        #expect(throws: ImportError.unsupportedAttribute(node: "pool", reason: "MaxPool's Indices of a batch-free input with 2 items: Vigil numbers positions across the items within each channel, ONNX numbers each item's channels in turn")) {
            _ = try converter.convert(model.graph)
        }
    }

    /// Per-axis attributes that do not fit the input's spatial axes are named errors.
    @Test func mismatchedAttributesAreRejected() throws {
        var node = Onnx_NodeProto()
        node.opType = "MaxPool"
        node.name = "bad_pool"
        node.input = ["x"]
        node.output = ["y"]
        var kernel = Onnx_AttributeProto(); kernel.name = "kernel_shape"; kernel.type = .ints; kernel.ints = [2, 2]
        var strides = Onnx_AttributeProto(); strides.name = "strides"; strides.type = .ints; strides.ints = [2]
        node.attribute = [kernel, strides]
        #expect(throws: ImportError.unsupportedAttribute(node: "bad_pool", reason: "strides [2], dilations [1, 1] or pads [0, 0, 0, 0] do not fit 2 spatial axes")) {
            try ONNXImporter.importModel(ONNXWindowTests.model(node, input: [-1, 1, 4, 4], output: 4), name: "bad.onnx")
        }
    }

    /// A one-node model over input shape `input` (-1: symbolic batch).
    static func model(_ node: Onnx_NodeProto, input: [Int64], output rank: Int) -> Onnx_ModelProto {
        func value(_ name: String, _ dims: [Int64]) -> Onnx_ValueInfoProto {
            var v = Onnx_ValueInfoProto()
            v.name = name
            var t = Onnx_TypeProto.Tensor()
            t.elemType = 1
            t.shape.dim = dims.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                if d < 0 { dim.dimParam = "N" } else { dim.dimValue = d }
                return dim
            }
            v.type.tensorType = t
            return v
        }
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        m.opsetImport = [opset]
        m.graph.node = [node]
        m.graph.input = [value("x", input)]
        m.graph.output = [value("y", [Int64](repeating: 1, count: rank))]
        return m
    }
}
