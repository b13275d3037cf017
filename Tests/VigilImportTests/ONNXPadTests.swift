import Foundation
import SwiftProtobuf
import Testing
@testable import VigilImport
import VigilRuntime

/// ONNX Pad as tf2onnx writes it before a causal Conv1D (zeros along time) imports
/// (ModelFamilyTests' residual.onnx matches onnxruntime); every other Pad is refused
/// with the reason, the node named. The cases edit the first Pad of residual.onnx.
struct ONNXPadTests {
    static func residual() throws -> Onnx_ModelProto {
        let url = ModelFamilyTests.directory.appendingPathComponent("residual.onnx")
        return try Onnx_ModelProto(serializedBytes: try Data(contentsOf: url))
    }

    /// Imports the edited model and returns the reason of its unsupported-attribute error.
    static func refusal(_ edit: (inout Onnx_ModelProto) -> Void) throws -> String? {
        var model = try residual()
        edit(&model)
        do {
            _ = try ONNXImporter.importModel(model, name: "residual.onnx")
            return nil
        } catch {
            guard case .unsupportedAttribute(let node, let reason) = error else { return "\(error)" }
            #expect(node.hasSuffix("/Pad"), "\(node)")
            return reason
        }
    }

    static var firstPad: Int { 0 }

    /// Sets the first Pad's pads (an initializer shared by several Pads: replaced by a new one).
    static func setPads(_ model: inout Onnx_ModelProto, _ pads: [Int64]) {
        var t = Onnx_TensorProto()
        t.name = "test_pads"
        t.dataType = 7  // INT64
        t.dims = [Int64(pads.count)]
        t.int64Data = pads
        model.graph.initializer.append(t)
        model.graph.node[firstPad].input[1] = "test_pads"
    }

    @Test func reflectModeIsRefused() throws {
        let reason = try Self.refusal { m in
            var a = Onnx_AttributeProto()
            a.name = "mode"; a.type = .string; a.s = Data("reflect".utf8)
            m.graph.node[Self.firstPad].attribute.append(a)
        }
        #expect(reason?.contains("mode 'reflect'") == true, "\(reason ?? "imported")")
    }

    @Test func paddingTheChannelsIsRefused() throws {
        let reason = try Self.refusal { Self.setPads(&$0, [0, 0, 1, 0, 0, 0]) }
        #expect(reason?.contains("Pad along ONNX axis 2") == true, "\(reason ?? "imported")")
    }

    @Test func paddingTwoAxesIsRefused() throws {
        let reason = try Self.refusal { Self.setPads(&$0, [0, 4, 1, 0, 0, 0]) }
        #expect(reason?.contains("more than one axis") == true, "\(reason ?? "imported")")
    }

    @Test func negativePaddingIsRefused() throws {
        let reason = try Self.refusal { Self.setPads(&$0, [0, -4, 0, 0, 0, 0]) }
        #expect(reason?.contains("Pad amounts -4") == true, "\(reason ?? "imported")")
    }

    @Test func nonZeroValueIsRefused() throws {
        let reason = try Self.refusal { m in
            var t = Onnx_TensorProto()
            t.name = "test_value"; t.dataType = 1; t.floatData = [1.5]
            m.graph.initializer.append(t)
            m.graph.node[Self.firstPad].input.append("test_value")
        }
        #expect(reason?.contains("Pad value [1.5]") == true, "\(reason ?? "imported")")
    }
}
