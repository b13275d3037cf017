import Foundation
import SwiftProtobuf
import Testing
@testable import VigilImport
import VigilRuntime

/// tf2onnx writes a Keras 3 GRU as a Loop over the time steps; Vigil unrolls it at
/// import (ModelFamilyTests' bigru.onnx matches onnxruntime). A Loop it cannot unroll is
/// refused with the reason, the node named. The cases edit bigru.onnx's first Loop.
struct ONNXLoopTests {
    static let loopName = "bigru_1/bidirectional_1/forward_gru_1/while_loop"

    static func bigru() throws -> Onnx_ModelProto {
        try Onnx_ModelProto(serializedBytes: try Data(contentsOf: ModelFamilyTests.directory.appendingPathComponent("bigru.onnx")))
    }

    static func loopIndex(_ m: Onnx_ModelProto) -> Int { m.graph.node.firstIndex { $0.name == loopName }! }

    static func refusal(_ edit: (inout Onnx_ModelProto) -> Void) throws -> ImportError? {
        ONNXFixtures.importError(try bigru(), name: "bigru.onnx", edit: edit)
    }

    static func setTripCount(_ m: inout Onnx_ModelProto, _ value: Int64) {
        var t = Onnx_TensorProto()
        t.name = "test_trip_count"; t.dataType = 7; t.int64Data = [value]
        m.graph.initializer.append(t)
        m.graph.node[loopIndex(m)].input[0] = "test_trip_count"
    }

    @Test func theUnrolledLoopKeepsOneCopyOfItsWeights() throws {
        let model = try ONNXImporter.importModel(try Self.bigru(), name: "bigru.onnx")
        // Per direction: kernel [8, 36], recurrent kernel [12, 36], two biases [36]
        // (36 = 3 gates × 12 units), and the Dense [24, 5] + [5]: 1,709 parameters.
        // Copied per step they would be 32 × 1,584 + 125 ≈ 50,800 floats; shared, the
        // graph holds them once, with a few small constants beside them (the first
        // step's folded products with the zero state, the 1 of 1 − z).
        let parameters = 2 * (8 * 36 + 12 * 36 + 2 * 36) + 24 * 5 + 5
        let floats = model.graph.tensors.filter { $0.isConstant && $0.dtype == .float32 }.map { $0.shape.reduce(1, *) }.reduce(0, +)
        #expect(floats >= parameters && floats < parameters * 11 / 10, "\(floats) floats of constants")
    }

    @Test func aTripCountOverTheLimitIsRefused() throws {
        let error = try Self.refusal { Self.setTripCount(&$0, Int64(ImportLimits.maximumLoopIterations) + 1) }
        guard case .unsupportedAttribute(let node, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(node == Self.loopName)
        #expect(reason.contains("at most"), "\(reason)")
    }

    @Test func aTripCountComputedAtRunTimeIsRefused() throws {
        let error = try Self.refusal { m in m.graph.node[Self.loopIndex(m)].input[0] = "input_0" }
        guard case .unsupportedAttribute(let node, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(node == Self.loopName)
        #expect(reason.contains("trip count"), "\(reason)")
    }

    @Test func aConditionFromRunTimeDataIsRefused() throws {
        // The body's condition output made the hidden state (run-time data).
        let error = try Self.refusal { m in
            let i = Self.loopIndex(m)
            var body = m.graph.node[i].attribute[0].g
            body.output[0].name = body.output[1 + 1].name  // Identity_4: the new state
            m.graph.node[i].attribute[0].g = body
        }
        guard case .unsupportedAttribute(let node, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(node == Self.loopName)
        #expect(reason.contains("condition"), "\(reason)")
    }

    @Test func aBodyRedefiningAnOuterValueIsMalformed() throws {
        let error = try Self.refusal { m in
            let i = Self.loopIndex(m)
            var body = m.graph.node[i].attribute[0].g
            body.node[body.node.count - 1].output[0] = "input_0"
            m.graph.node[i].attribute[0].g = body
        }
        guard case .malformedFile(_, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("redefines 'input_0'"), "\(reason)")
    }

    @Test func aLoopOfNoIterationIsRefusedWhereItsScanIsRead() throws {
        // A trip count of 0: the state is its initial zeros and the scan output empty,
        // which Vigil (no empty tensors) refuses where it is read.
        let error = try Self.refusal { Self.setTripCount(&$0, 0) }
        guard case .shapeMismatch(let node, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(node == Self.loopName)
        #expect(reason.contains("runs no iteration"), "\(reason)")
    }

    /// A Loop of 1,024 iterations around a Loop of 1,024 around two Identity nodes:
    /// 2 million body copies from a file of a few hundred bytes, refused at the budget.
    @Test func nestedLoopsStopAtTheUnrolledNodeBudget() throws {
        func node(_ type: String, _ inputs: [String], _ outputs: [String], body: Onnx_GraphProto? = nil) -> Onnx_NodeProto {
            var n = Onnx_NodeProto()
            n.opType = type; n.name = outputs[0] + "_node"; n.input = inputs; n.output = outputs
            if let body {
                var a = Onnx_AttributeProto()
                a.name = "body"; a.type = .graph; a.g = body
                n.attribute = [a]
            }
            return n
        }
        func value(_ name: String, _ type: Int32, _ dims: [Int64]) -> Onnx_ValueInfoProto {
            ONNXFixtures.valueInfo(name, type, dims)
        }
        func constant(_ name: String, _ type: Int32, _ value: Int64) -> Onnx_TensorProto {
            var t = Onnx_TensorProto()
            t.name = name; t.dataType = type; t.int64Data = [value]
            if type == 9 { t.int64Data = []; t.int32Data = [Int32(value)] }
            return t
        }
        func body(_ prefix: String, inner: Onnx_GraphProto?) -> Onnx_GraphProto {
            var g = Onnx_GraphProto()
            g.name = prefix
            g.input = [value(prefix + "i", 7, []), value(prefix + "c", 9, []), value(prefix + "x", 1, [1, 4])]
            if let inner {
                g.node = [node("Loop", ["M", "true", prefix + "x"], [prefix + "y"], body: inner), node("Identity", [prefix + "c"], [prefix + "c2"])]
            } else {
                g.node = [node("Identity", [prefix + "x"], [prefix + "y"]), node("Identity", [prefix + "c"], [prefix + "c2"])]
            }
            g.output = [value(prefix + "c2", 9, []), value(prefix + "y", 1, [1, 4])]
            return g
        }
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        model.opsetImport = [opset]
        model.graph.initializer = [constant("M", 7, 1024), constant("true", 9, 1)]
        model.graph.input = [value("x", 1, [1, 4])]
        model.graph.node = [node("Loop", ["M", "true", "x"], ["y"], body: body("outer_", inner: body("inner_", inner: nil)))]
        model.graph.output = [value("y", 1, [1, 4])]
        do {
            _ = try ONNXImporter.importModel(model, name: "nested.onnx")
            Issue.record("imported")
        } catch {
            guard case .unsupportedAttribute(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("ImportLimits.maximumUnrolledLoopNodes"), "\(reason)")
        }
    }
}
