import Foundation
import SwiftProtobuf
import Testing
@testable import VigilImport
import VigilRuntime

/// ConvTranspose along one axis imports as a convolution (ONNXImportTests'
/// convtranspose and keras_convtranspose match ONNX Runtime); every other form is
/// refused with the reason, the node named. The cases edit convtranspose.onnx.
struct ONNXConvTransposeTests {
    static func refusal(_ edit: (inout Onnx_ModelProto) -> Void) throws -> String? {
        let model = try Onnx_ModelProto(serializedBytes: try ONNXFixtures.bytes("convtranspose"))
        guard let error = ONNXFixtures.importError(model, name: "convtranspose.onnx", edit: edit) else { return nil }
        guard case .unsupportedAttribute(let node, let reason) = error else { return "\(error)" }
        #expect(node == "up")
        return reason
    }

    static func set(_ m: inout Onnx_ModelProto, _ name: String, ints: [Int64]? = nil, int: Int64? = nil, string: String? = nil) {
        var a = Onnx_AttributeProto()
        a.name = name
        if let ints { a.type = .ints; a.ints = ints }
        if let int { a.type = .int; a.i = int }
        if let string { a.type = .string; a.s = Data(string.utf8) }
        m.graph.node[0].attribute.removeAll { $0.name == name }
        m.graph.node[0].attribute.append(a)
    }

    @Test func groupsAreRefused() throws {
        let reason = try Self.refusal { Self.set(&$0, "group", int: 3) }
        #expect(reason?.contains("group 3") == true, "\(reason ?? "imported")")
    }

    @Test func dilationsAreRefused() throws {
        let reason = try Self.refusal { Self.set(&$0, "dilations", ints: [2]) }
        #expect(reason?.contains("dilations [2]") == true, "\(reason ?? "imported")")
    }

    @Test func autoPadIsRefused() throws {
        let reason = try Self.refusal { Self.set(&$0, "auto_pad", string: "SAME_UPPER") }
        #expect(reason?.contains("auto_pad") == true, "\(reason ?? "imported")")
    }

    @Test func padsAsLongAsTheKernelAreRefused() throws {
        let reason = try Self.refusal { Self.set(&$0, "pads", ints: [5, 0]) }
        #expect(reason?.contains("pads [5, 0]") == true, "\(reason ?? "imported")")
    }

    @Test func twoMovingAxesAreRefused() throws {
        // A 2-D ConvTranspose whose both spatial axes move: x [N, 3, 2, 10], W [3, 4, 2, 5].
        let reason = try Self.refusal { m in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = 2
            m.graph.input[0].type.tensorType.shape.dim.insert(dim, at: 2)
            let w = m.graph.initializer.firstIndex { $0.name == "W" }!
            var t = m.graph.initializer[w]
            let values = [Float](repeating: 0.5, count: 120)
            t.floatData = []
            t.rawData = values.withUnsafeBytes { Data($0) }
            t.dims = [3, 4, 2, 5]
            m.graph.initializer[w] = t
            Self.set(&m, "strides", ints: [1, 2]); Self.set(&m, "pads", ints: [0, 1, 0, 2]); Self.set(&m, "output_padding", ints: [0, 1])
            m.graph.output[0].type.tensorType.shape.dim.insert(dim, at: 2)
        }
        #expect(reason?.contains("along 2 spatial axes") == true, "\(reason ?? "imported")")
    }
}
