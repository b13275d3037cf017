import Foundation
import Testing
@testable import VigilImport
import VigilRuntime

/// ONNX models with integer run-time data, constant outputs, Dropout masks and opset
/// 11, built with the protobuf types; expected values are derived by hand beside each.
struct ONNXIntegerImportTests {
    static func valueInfo(_ name: String, _ elemType: Int32, _ dims: [Int64?]) -> Onnx_ValueInfoProto {
        ONNXFixtures.valueInfo(name, elemType, dims)
    }

    static func node(_ op: String, _ name: String, _ inputs: [String], _ outputs: [String], ints: [String: Int64] = [:], floats: [String: Float] = [:]) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = name
        node.input = inputs
        node.output = outputs
        for (key, value) in ints.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = key; a.type = .int; a.i = value
            node.attribute.append(a)
        }
        for (key, value) in floats.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = key; a.type = .float; a.f = value
            node.attribute.append(a)
        }
        return node
    }

    static func initializer(_ name: String, _ dataType: Int32, _ dims: [Int64], ints: [Int32] = [], floats: [Float] = []) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = dataType
        t.dims = dims
        t.int32Data = ints
        t.floatData = floats
        return t
    }

    static func model(_ nodes: [Onnx_NodeProto], inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto], initializers: [Onnx_TensorProto] = [], opset: Int64 = 17) -> Onnx_ModelProto {
        var graph = Onnx_GraphProto()
        graph.node = nodes
        graph.input = inputs
        graph.output = outputs
        graph.initializer = initializers
        var set = Onnx_OperatorSetIdProto()
        set.version = opset
        var model = Onnx_ModelProto()
        model.opsetImport = [set]
        model.graph = graph
        return model
    }

    static func importModel(_ m: Onnx_ModelProto) throws(ImportError) -> ImportedModel {
        try ONNXImporter.importModel(m, name: "test.onnx")
    }

    static func importError(_ m: Onnx_ModelProto) -> ImportError? {
        do { _ = try importModel(m); return nil } catch { return error }
    }

    // ONNX element types.
    static let float: Int32 = 1, uint8: Int32 = 2, int8: Int32 = 3, int32: Int32 = 6, int64: Int32 = 7, bool: Int32 = 9

    @Test func integerInputsComputeAtRunTime() throws {
        // z = (x + y) / y on int8 [N, 3].
        let m = Self.model([Self.node("Add", "add", ["x", "y"], ["s"]), Self.node("Div", "div", ["s", "y"], ["z"])],
                           inputs: [Self.valueInfo("x", Self.int8, [nil, 3]), Self.valueInfo("y", Self.int8, [nil, 3])],
                           outputs: [Self.valueInfo("z", Self.int8, [nil, 3])])
        let model = try Self.importModel(m)
        #expect(model.graph.inputs.map { model.graph.tensors[$0].dtype } == [.int8, .int8])
        // 127 + 1 wraps to −128, / 1 = −128; (−7 + 2) / 2 = −2.5 → −2; (9 + −4) / −4 = −1.25 → −1.
        let outputs = try ModelRunner.run(model, inputs: [FixtureArray(name: "x", shape: [1, 3], data: [127, -7, 9], dtype: "int8"),
                                                          FixtureArray(name: "y", shape: [1, 3], data: [1, 2, -4], dtype: "int8")], kernels: PortableKernels.self)
        #expect(outputs[0].data == [-128, -2, -1] && outputs[0].dtype == "int8")
    }

    @Test func integerClipUsesTheTypesRange() throws {
        // Clip(x, min = 0) on uint8 keeps [0, 255]: max defaults to UInt8.max, not a float.
        let m = Self.model([Self.node("Clip", "clip", ["x", "lo"], ["y"])],
                           inputs: [Self.valueInfo("x", Self.uint8, [nil, 3])], outputs: [Self.valueInfo("y", Self.uint8, [nil, 3])],
                           initializers: [Self.initializer("lo", Self.uint8, [], ints: [7])])
        let model = try Self.importModel(m)
        #expect(model.graph.nodes.map(\.op) == [.clamp])
        let outputs = try ModelRunner.run(model, inputs: [FixtureArray(name: "x", shape: [1, 3], data: [0, 8, 255], dtype: "uint8")], kernels: PortableKernels.self)
        #expect(outputs[0].data == [7, 8, 255])
    }

    @Test func mixedElementTypesNameTheNode() {
        let m = Self.model([Self.node("Add", "add", ["x", "y"], ["z"])],
                           inputs: [Self.valueInfo("x", Self.int32, [nil, 3]), Self.valueInfo("y", Self.int64, [nil, 3])],
                           outputs: [Self.valueInfo("z", Self.int32, [nil, 3])])
        guard case .invalidGraph(.typeMismatch(let node, let reason))? = Self.importError(m) else {
            Issue.record("expected a type mismatch, got \(String(describing: Self.importError(m)))"); return
        }
        #expect(node == "add" && reason.contains("int64") && reason.contains("int32"))
    }

    @Test func runTimeCastsOfIntegersAreRefused() {
        let m = Self.model([Self.node("Cast", "cast", ["x"], ["y"], ints: ["to": 1])],
                           inputs: [Self.valueInfo("x", Self.int32, [nil, 3])], outputs: [Self.valueInfo("y", Self.float, [nil, 3])])
        guard case .unsupportedAttribute(let node, let reason)? = Self.importError(m) else { Issue.record("accepted"); return }
        #expect(node == "cast" && reason.contains("int32"))
    }

    @Test func shapeOutputsAreInt64Constants() throws {
        // Shape(x, start = 1) of x [N, 4, 5] is [4, 5] whatever N: a constant output.
        let m = Self.model([Self.node("Shape", "shape", ["x"], ["s"], ints: ["start": 1]), Self.node("Relu", "relu", ["x"], ["y"])],
                           inputs: [Self.valueInfo("x", Self.float, [nil, 4, 5])],
                           outputs: [Self.valueInfo("s", Self.int64, [2]), Self.valueInfo("y", Self.float, [nil, 4, 5])])
        let model = try Self.importModel(m)
        let s = model.graph.tensors[model.graph.outputs[0]]
        #expect(s.isConstant && s.dtype == .int64 && s.shape == [2])
        let x = FixtureArray(name: "x", shape: [2, 4, 5], data: (0..<40).map { Float($0) - 20 })
        let outputs = try ModelRunner.run(model, inputs: [x], kernels: PortableKernels.self)
        #expect(outputs[0].shape == [2] && outputs[0].data == [4, 5] && outputs[0].dtype == "int64")
        #expect(outputs[1].data == x.data.map { max($0, 0) })

        // The constant output survives the package file.
        let package = ModelPackage(manifest: Manifest(name: "shape"), graph: model.graph, golden: GoldenVectors(batch: 1, inputs: [], outputs: [], tolerance: 0))
        let decoded = try ModelPackage.decode(package.encoded())
        #expect(decoded.graph == model.graph)
        let interpreter = try Interpreter<PortableKernels>(graph: decoded.graph, batch: 3)
        let bytes = interpreter.outputBytes(0)
        #expect((0..<2).map { bytes.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) } == [4, 5])
    }

    @Test func theBatchSizeIsNoConstant() {
        // Shape of x [N, 4] holds N, which a static graph does not know.
        let m = Self.model([Self.node("Shape", "shape", ["x"], ["s"])],
                           inputs: [Self.valueInfo("x", Self.float, [nil, 4])], outputs: [Self.valueInfo("s", Self.int64, [2])])
        guard case .dynamicShape(let node, _)? = Self.importError(m) else { Issue.record("accepted"); return }
        #expect(node == "s")
    }

    @Test func aGraphWithoutInputs() throws {
        var value = Onnx_AttributeProto()
        value.name = "value"; value.type = .tensor
        value.t = Self.initializer("v", Self.int32, [2], ints: [-3, 70000])
        var constant = Self.node("Constant", "constant", [], ["c"])
        constant.attribute = [value]
        let model = try Self.importModel(Self.model([constant], inputs: [], outputs: [Self.valueInfo("c", Self.int32, [2])]))
        #expect(model.graph.inputs.isEmpty && model.graph.nodes.isEmpty)
        let outputs = try ModelRunner.run(model, inputs: [], kernels: PortableKernels.self)
        #expect(outputs[0].data == [-3, 70000] && outputs[0].dtype == "int32")
    }

    @Test func theDropoutMaskIsAllTrue() throws {
        // Inference Dropout of x [2, 3] (fixed, so imported as one sample): y = x and a
        // bool mask of x's shape, every element kept.
        let m = Self.model([Self.node("Dropout", "dropout", ["x"], ["y", "mask"])],
                           inputs: [Self.valueInfo("x", Self.float, [2, 3])],
                           outputs: [Self.valueInfo("y", Self.float, [2, 3]), Self.valueInfo("mask", Self.bool, [2, 3])])
        let model = try Self.importModel(m)
        let mask = model.graph.tensors[model.graph.outputs[1]]
        #expect(mask.isConstant && mask.dtype == .bool && mask.shape == [2, 3])
        let outputs = try ModelRunner.run(model, inputs: [FixtureArray(name: "x", shape: [2, 3], data: [1, 2, 3, 4, 5, 6])], kernels: PortableKernels.self)
        #expect(outputs[0].data == [1, 2, 3, 4, 5, 6])
        #expect(outputs[1].data == [1, 1, 1, 1, 1, 1] && outputs[1].dtype == "bool")
    }

    @Test func randomTrainingDropoutIsRefused() {
        let ratio = Self.initializer("ratio", Self.float, [], floats: [0.5])
        let m = Self.model([Self.node("Dropout", "dropout", ["x", "ratio", "training"], ["y"])],
                           inputs: [Self.valueInfo("x", Self.float, [nil, 3])], outputs: [Self.valueInfo("y", Self.float, [nil, 3])],
                           initializers: [ratio, Self.initializer("training", Self.bool, [], ints: [1])])
        guard case .unsupportedAttribute(let node, let reason)? = Self.importError(m) else { Issue.record("accepted"); return }
        #expect(node == "dropout" && reason.contains("cannot be reproduced"))
    }

    @Test func opset11ImportsWhereItsOpsMeanTheSame() throws {
        // Dropout-10/11 (ratio attribute) at inference is the identity.
        let dropout = Self.model([Self.node("Dropout", "dropout", ["x"], ["y"], floats: ["ratio": 0.2])],
                                 inputs: [Self.valueInfo("x", Self.float, [nil, 3])], outputs: [Self.valueInfo("y", Self.float, [nil, 3])], opset: 11)
        let model = try Self.importModel(dropout)
        let outputs = try ModelRunner.run(model, inputs: [FixtureArray(name: "x", shape: [1, 3], data: [-1, 0, 1])], kernels: PortableKernels.self)
        #expect(outputs[0].data == [-1, 0, 1])

        // Squeeze-11 takes its axes as an attribute: refused, naming the node.
        let squeeze = Self.model([Self.node("Squeeze", "squeeze", ["x"], ["y"])],
                                 inputs: [Self.valueInfo("x", Self.float, [nil, 1, 3])], outputs: [Self.valueInfo("y", Self.float, [nil, 3])], opset: 11)
        guard case .unsupportedVersion(let reason)? = Self.importError(squeeze) else { Issue.record("accepted"); return }
        #expect(reason.contains("squeeze") && reason.contains("opset 13"))

        // Opset 10 stays refused.
        guard case .unsupportedVersion? = Self.importError(Self.model(dropout.graph.node, inputs: dropout.graph.input, outputs: dropout.graph.output, opset: 10)) else {
            Issue.record("opset 10 accepted"); return
        }
    }
}
