import Foundation
import SwiftProtobuf
import Testing
@testable import VigilImport
import VigilKernels
import VigilNumPy
import VigilQuantize
import VigilRuntime

/// ONNX Runtime's quantized formats (issue #10): the families quantized by
/// onnxruntime.quantization (QDQ and QOperator, int8 and uint8 activations, int8
/// per-channel weights) and a QLinearMatMul / MatMulInteger model built with onnx.helper
/// (Fixtures/quantized/make_quantized_fixtures.py). Each imports and computes what ONNX
/// Runtime computes node by node (graph optimizations off: the ONNX definitions), on
/// 32 held-out beats, with the portable and the host kernels.
///
/// The tolerance is one step of the output's quantization, and most values must match
/// exactly: Vigil's Quantize rounds ties away from zero (TFLite's rule) where ONNX
/// rounds them to even, and float accumulation order can move a value across a rounding
/// boundary, so an intermediate value can land one step apart.
struct ONNXQuantizedFormatTests {
    static let cases: [(name: String, step: Float)] = [
        ("bn_after_act_qdq_int8", 1 / 255), ("rr_norm_qdq_uint8", 1 / 255), ("residual_qdq_int8", 1 / 255),
        ("transformer_qdq_int8", 1 / 255), ("bn_after_act_qop_int8", 1 / 255), ("residual_qop_uint8", 1 / 255),
        ("rr_norm_qop_int8", 1 / 255), ("qoperator_matmul", 0.2),
    ]

    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/quantized") }

    @Test("A quantized ONNX model imports and matches ONNX Runtime's node-by-node run", arguments: cases.map(\.name))
    func matchesONNXRuntime(_ name: String) throws {
        let step = Self.cases.first { $0.name == name }!.step
        let model = try ModelImporter.importModel(path: Self.directory.appendingPathComponent("\(name).onnx").path)
        #expect(model.graph.nodes.contains { $0.op == .quantize }, "\(name): the quantized data must stay quantized")
        let arrays = try NumPyArchive.read(path: Self.directory.appendingPathComponent("\(name).npz").path)
        var inputs: [NumPyArray] = []
        while let a = arrays.first(where: { $0.name == "input_\(inputs.count)" }) { inputs.append(a.array) }
        let want = try #require(arrays.first { $0.name == "reference_0" }?.array).floats
        for kernels in ModelFamilyTests.Kernels.allCases {
            let outputs = switch kernels {
            case .portable: try KerasModelRun.run(model, inputs: inputs, kernels: PortableKernels.self)
            case .host: try KerasModelRun.run(model, inputs: inputs, kernels: HostKernels.self)
            }
            let got = try #require(outputs.first).values
            try #require(got.count == want.count)
            var exact = 0, worst: Float = 0
            for i in got.indices {
                let d = abs(got[i] - want[i])
                worst = max(worst, d.isNaN ? .infinity : d)
                if d <= 1e-6 + 1e-5 * abs(want[i]) { exact += 1 }
            }
            #expect(worst <= step * 1.001, "\(name) (\(kernels)): a value is \(worst) from ONNX Runtime's, more than one output step (\(step))")
            #expect(Double(exact) >= 0.98 * Double(got.count), "\(name) (\(kernels)): only \(exact) of \(got.count) values match exactly")
            print("\(name) (\(kernels)): \(exact)/\(got.count) exact, worst \(worst)")
        }
    }

    /// Lowered to Vigil's int8 kernels with the model's own parameters (no calibration):
    /// Conv and Dense run in int8 and the top-1 class agrees with ONNX Runtime's on all
    /// samples but at most one (a beat near a tie), both its node-by-node run and its
    /// own int8 kernels. Values differ
    /// more than in the float run above: TFLite's fixed-point requantization and ONNX
    /// Runtime's float one round a few intermediate values a step apart, and the
    /// BatchNormalization scales and the attention grow those steps (the test prints the
    /// largest difference, in output steps).
    @Test("A quantized ONNX model lowers to int8 kernels that agree with ONNX Runtime", arguments: cases.map(\.name).filter { $0 != "qoperator_matmul" })
    func lowersToInt8Kernels(_ name: String) throws {
        let step = Self.cases.first { $0.name == name }!.step
        let model = try ModelImporter.importModel(path: Self.directory.appendingPathComponent("\(name).onnx").path)
        #expect(PostTrainingQuantizer.carriesQuantization(model.graph))
        let (lowered, summary) = try PostTrainingQuantizer().lowerQDQ(model.graph)
        let weighted = lowered.nodes.filter { if case .conv1D = $0.op { return true }; if case .dense = $0.op { return true }; return false }
        #expect(!weighted.isEmpty && weighted.allSatisfy { lowered.tensors[$0.inputs[0]].dtype == .int8 }, "\(name): float \(summary.floatNodes)")
        let arrays = try NumPyArchive.read(path: Self.directory.appendingPathComponent("\(name).npz").path)
        var inputs: [NumPyArray] = []
        while let a = arrays.first(where: { $0.name == "input_\(inputs.count)" }) { inputs.append(a.array) }
        var imported = model
        imported.graph = lowered
        let got = try #require(try KerasModelRun.run(imported, inputs: inputs, kernels: HostKernels.self).first).values
        for reference in ["reference_0", "ort_0"] {
            let want = try #require(arrays.first { $0.name == reference }?.array).floats
            try #require(got.count == want.count)
            let classes = 5, samples = got.count / classes
            func top1(_ v: [Float], _ i: Int) -> Int { (0..<classes).max { v[i * classes + $0] < v[i * classes + $1] }! }
            let agree = (0..<samples).filter { top1(got, $0) == top1(want, $0) }.count
            let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            print("\(name) lowered (\(summary.int8Nodes.count) int8, \(summary.floatNodes.count) float ops) vs \(reference): top-1 \(agree)/\(samples), worst \(worst / step) steps")
            // A beat near a tie may flip: at most one of the 32.
            #expect(agree >= samples - 1, "\(name): top-1 agrees with \(reference) on \(agree) of \(samples)")
        }
    }

    // MARK: - Bad input: each edit of qoperator_matmul.onnx is refused, the node named.

    static func refusal(_ edit: (inout Onnx_ModelProto) -> Void) throws -> (node: String, reason: String)? {
        let bytes = try Data(contentsOf: directory.appendingPathComponent("qoperator_matmul.onnx"))
        let model = try Onnx_ModelProto(serializedBytes: bytes)
        switch ONNXFixtures.importError(model, name: "qoperator_matmul.onnx", edit: edit) {
        case nil: return nil
        case .unsupportedAttribute(let node, let reason)?, .shapeMismatch(let node, let reason)?, .unsupportedOp(let node, let reason, _)?: return (node, reason)
        case let error?: return ("", "\(error)")
        }
    }

    /// Replaces initializer `name` with `values` of ONNX element type `type`.
    static func set(_ m: inout Onnx_ModelProto, _ name: String, type: Int32, dims: [Int64] = [], ints: [Int32] = [], floats: [Float] = []) {
        let i = m.graph.initializer.firstIndex { $0.name == name }!
        m.graph.initializer[i] = ONNXIntegerImportTests.initializer(name, type, dims, ints: ints, floats: floats)
    }

    static func node(_ m: Onnx_ModelProto, _ name: String) -> Int { m.graph.node.firstIndex { $0.name == name }! }

    @Test func aZeroScaleIsRefused() throws {
        let r = try Self.refusal { Self.set(&$0, "xs", type: 1, floats: [0]) }
        #expect(r?.node == "quantize" && r?.reason.contains("must be finite and greater than 0") == true, "\(String(describing: r))")
    }

    @Test func aZeroPointOutsideItsTypeIsRefused() throws {
        let r = try Self.refusal { Self.set(&$0, "xz", type: 2, ints: [300]) }
        #expect(r?.node == "quantize" && r?.reason.contains("zero point 300 is outside uint8") == true, "\(String(describing: r))")
    }

    @Test func aFloatZeroPointIsRefused() throws {
        let r = try Self.refusal { Self.set(&$0, "xz", type: 1, floats: [3]) }
        #expect(r?.node == "quantize" && r?.reason.contains("Vigil reads int8 or uint8 zero points") == true, "\(String(describing: r))")
    }

    @Test func perAxisQuantizationOfRunTimeDataIsRefused() throws {
        let r = try Self.refusal { m in
            Self.set(&m, "x2s", type: 1, dims: [16], floats: [Float](repeating: 0.04, count: 16))
            Self.set(&m, "x2z", type: 3, dims: [16], ints: [Int32](repeating: -3, count: 16))
        }
        #expect(r?.node == "quantize2" && r?.reason.contains("with 16 scales") == true, "\(String(describing: r))")
    }

    @Test func dequantizingWithOtherParametersIsRefused() throws {
        let r = try Self.refusal { m in m.graph.node[Self.node(m, "dequantize")].input[1] = "xs" }
        #expect(r?.node == "dequantize" && r?.reason.contains("not those it was quantized with") == true, "\(String(describing: r))")
    }

    @Test func aRunTimeMatMulIntegerOperandIsRefused() throws {
        let r = try Self.refusal { m in m.graph.node[Self.node(m, "matmul_integer")].input[1] = "x2q" }
        #expect(r?.node == "matmul_integer" && r?.reason.contains("must be known at import") == true, "\(String(describing: r))")
    }

    @Test func anUnknownContribOpIsRefused() throws {
        let r = try Self.refusal { m in
            let i = Self.node(m, "qlinear_matmul")
            m.graph.node[i].domain = "com.microsoft"
            m.graph.node[i].opType = "QLinearWhere"
        }
        #expect(r?.node == "qlinear_matmul" && r?.reason.contains("com.microsoft.QLinearWhere") == true, "\(String(describing: r))")
    }
}
