import Foundation
import SwiftProtobuf
import Testing
@testable import VigilImport
import VigilRuntime

/// Resize along one axis, Tile and Where with a constant condition import (ONNXImportTests'
/// resampling and keras_upsampling match ONNX Runtime); the forms Vigil does not run are
/// refused with the reason, the node named. The cases edit resampling.onnx.
struct ONNXResamplingTests {
    static func refusal(_ edit: (inout Onnx_ModelProto) -> Void) throws -> (node: String, reason: String)? {
        let model = try Onnx_ModelProto(serializedBytes: try ONNXFixtures.bytes("resampling"))
        switch ONNXFixtures.importError(model, name: "resampling.onnx", edit: edit) {
        case nil: return nil
        case .unsupportedAttribute(let node, let reason)?, .dynamicShape(let node, let reason)?, .shapeMismatch(let node, let reason)?: return (node, reason)
        case let error?: return ("", "\(error)")
        }
    }

    static func index(_ m: Onnx_ModelProto, _ name: String) -> Int { m.graph.node.firstIndex { $0.name == name }! }

    static func setInitializer(_ m: inout Onnx_ModelProto, _ name: String, ints: [Int64]? = nil, floats: [Float]? = nil) {
        let i = m.graph.initializer.firstIndex { $0.name == name }!
        var t = Onnx_TensorProto()
        t.name = name
        if let ints { t.dataType = 7; t.dims = [Int64(ints.count)]; t.int64Data = ints }
        if let floats { t.dataType = 1; t.dims = [Int64(floats.count)]; t.floatData = floats }
        m.graph.initializer[i] = t
    }

    @Test func cubicResizeIsRefused() throws {
        let r = try Self.refusal { m in
            let i = Self.index(m, "linear")
            for k in m.graph.node[i].attribute.indices where m.graph.node[i].attribute[k].name == "mode" { m.graph.node[i].attribute[k].s = Data("cubic".utf8) }
        }
        #expect(r?.node == "linear" && r?.reason.contains("mode 'cubic'") == true, "\(String(describing: r))")
    }

    @Test func resizingTwoAxesIsRefused() throws {
        let r = try Self.refusal { Self.setInitializer(&$0, "up", floats: [1, 2, 2]) }
        #expect(r?.node == "nearest" && r?.reason.contains("along 2 axes") == true, "\(String(describing: r))")
    }

    @Test func resizingTheBatchIsRefused() throws {
        let r = try Self.refusal { Self.setInitializer(&$0, "up", floats: [2, 1, 1]) }
        #expect(r?.node == "nearest" && r?.reason.contains("batch axis") == true, "\(String(describing: r))")
    }

    @Test func tilingTheBatchIsRefused() throws {
        let r = try Self.refusal { Self.setInitializer(&$0, "reps", ints: [2, 1, 1]) }
        #expect(r?.node == "tile" && r?.reason.contains("repeats the batch") == true, "\(String(describing: r))")
    }

    @Test func aRunTimeConditionIsRefused() throws {
        let r = try Self.refusal { m in m.graph.node[Self.index(m, "where")].input[0] = "x" }
        #expect(r?.node == "where" && r?.reason.contains("condition computed at run time") == true, "\(String(describing: r))")
    }
}
