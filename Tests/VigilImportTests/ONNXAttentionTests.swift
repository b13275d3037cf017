import Foundation
import SwiftProtobuf
import Testing
@testable import VigilImport
import VigilRuntime

/// tf2onnx writes Keras attention's einsums as Reshapes that merge the batch with the
/// heads ([N, H, L, d] → [N·H, L, d], the N·H computed by Shape → Gather → ReduceProd),
/// a MatMul of two such values, and a Reshape that splits the batch out again
/// (ModelFamilyTests' transformer.onnx matches onnxruntime). Anything else done to a
/// batch-merged value is refused, the node named. The cases edit transformer.onnx.
struct ONNXAttentionTests {
    static func transformer() throws -> Onnx_ModelProto {
        try Onnx_ModelProto(serializedBytes: try Data(contentsOf: ModelFamilyTests.directory.appendingPathComponent("transformer.onnx")))
    }

    static func node(_ model: Onnx_ModelProto, _ name: String) -> Int {
        model.graph.node.firstIndex { $0.name == name }!
    }

    /// The import error of the edited model.
    static func refusal(_ edit: (inout Onnx_ModelProto) -> Void) throws -> ImportError? {
        ONNXFixtures.importError(try transformer(), name: "transformer.onnx", edit: edit)
    }

    @Test func anOpOutsideTheMergedPathIsRefused() throws {
        // The scores' MatMul of two batch-merged values, made an Add.
        let error = try Self.refusal { m in m.graph.node[Self.node(m, "MatMul__229")].opType = "Add" }
        guard case .dynamicShape(let node, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(node == "MatMul__229")
        #expect(reason.contains("merges the batch with 2 rows"), "\(reason)")
    }

    @Test func aTransposeMovingTheMergedAxisIsRefused() throws {
        let error = try Self.refusal { m in
            let i = Self.node(m, "Transpose__295")
            var perm = Onnx_AttributeProto()
            perm.name = "perm"; perm.type = .ints; perm.ints = [1, 0, 2]
            m.graph.node[i].attribute = [perm]
        }
        guard case .dynamicShape(let node, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(node == "Transpose__295")
        #expect(reason.contains("moves axis 0"), "\(reason)")
    }

    @Test func aMergedValueTimesABatchedOneIsRefused() throws {
        // The scores' MatMul reading the un-merged key instead of the merged one.
        let error = try Self.refusal { m in m.graph.node[Self.node(m, "MatMul__229")].input[1] = "Transpose__205:0" }
        guard case .dynamicShape(let node, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(node == "MatMul__229")
        #expect(reason.contains("one merging the batch"), "\(reason)")
    }

    @Test func splittingOutAnotherBatchIsRefused() throws {
        // The scores reshaped to a first dimension that is neither the batch nor the batch times k.
        let error = try Self.refusal { m in
            var t = Onnx_TensorProto()
            t.name = "test_shape"; t.dataType = 7; t.dims = [3]; t.int64Data = [-1, 32, 32]
            m.graph.initializer.append(t)
            m.graph.node[Self.node(m, "Reshape__240")].input[1] = "test_shape"
        }
        guard case .dynamicShape(let node, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(node == "Reshape__240")
        #expect(reason.contains("does not keep the batch first"), "\(reason)")
    }
}

/// Reductions of run-time data Vigil does not run are refused with the reason, the node
/// named (transformer.onnx's closing ReduceMean, over time, edited).
struct ONNXReductionRefusalTests {
    static let mean = "transformer_1/global_average_pooling1d_1_1/Mean"

    static func reason(_ edit: @escaping (inout Onnx_NodeProto) -> Void) throws -> String? {
        let error = ONNXFixtures.importError(try ONNXAttentionTests.transformer(), name: "transformer.onnx") { m in
            edit(&m.graph.node[m.graph.node.firstIndex { $0.name == Self.mean }!])
        }
        switch error {
        case nil: return nil
        case .unsupportedAttribute(let node, let reason)?, .dynamicShape(let node, let reason)?:
            #expect(node == Self.mean)
            return reason
        case let other?: return "\(other)"
        }
    }

    static func axes(_ n: inout Onnx_NodeProto, _ axes: [Int64]) {
        for i in n.attribute.indices where n.attribute[i].name == "axes" { n.attribute[i].ints = axes }
    }

    @Test func overTheBatchIsRefused() throws {
        let r = try Self.reason { Self.axes(&$0, [0]) }
        #expect(r?.contains("over the batch axis") == true, "\(r ?? "imported")")
    }

    @Test func aProductOfMoreRowsThanTheLimitIsRefused() throws {
        // 32 steps × 16 features = 512 rows, over ReduceProd's 64 (dimensions kept).
        let r = try Self.reason { n in
            n.opType = "ReduceProd"
            Self.axes(&n, [1, 2])
            for i in n.attribute.indices where n.attribute[i].name == "keepdims" { n.attribute[i].i = 1 }
        }
        #expect(r?.contains("at most 64 rows") == true, "\(r ?? "imported")")
    }

    @Test func anAxisListedTwiceIsRefused() throws {
        let r = try Self.reason { Self.axes(&$0, [1, -2]) }
        #expect(r?.contains("listed twice") == true, "\(r ?? "imported")")
    }
}

/// Reduce* folding over constants, values worked out by hand.
struct ReduceFoldingTests {
    typealias R = ONNXGraphConverter.Reduction
    let x = ConstantTensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])

    @Test func floatReductions() throws {
        #expect(try ConstantFolding.reduce(R.sum, x, axes: [1], keepDims: true) == ConstantTensor(shape: [2, 1], floats: [6, 15]))
        #expect(try ConstantFolding.reduce(R.mean, x, axes: [0], keepDims: false) == ConstantTensor(shape: [3], floats: [2.5, 3.5, 4.5]))
        #expect(try ConstantFolding.reduce(R.prod, x, axes: [0, 1], keepDims: false) == ConstantTensor(shape: [], floats: [720]))
        #expect(try ConstantFolding.reduce(R.max, x, axes: [1], keepDims: false) == ConstantTensor(shape: [2], floats: [3, 6]))
        #expect(try ConstantFolding.reduce(R.min, x, axes: [0], keepDims: true) == ConstantTensor(shape: [1, 3], floats: [1, 2, 3]))
    }

    @Test func aProductOverTheBatchIsTheBatchTimesTheRest() throws {
        // Shape of [N, 2, 32, 8] gathered at [0, 1]: [N, 2]; its product is N·2.
        let dims = ConstantTensor(shape: [2], ints: [ConstantTensor.batchSymbol, 2])
        let product = try ConstantFolding.reduce(R.prod, dims, axes: [0], keepDims: true)
        #expect(product.ints == [ConstantTensor.batchTimes(2)])
        #expect(ConstantTensor.batchFactor(product.ints[0]) == 2)
        #expect(ConstantTensor.batchFactor(ConstantTensor.batchSymbol) == 1)
        #expect(ConstantTensor.batchFactor(-1) == nil)
        // Max of two equal batch dimensions (einsum's broadcast) stays the batch.
        let same = try ConstantFolding.binary(.max, dims, dims)
        #expect(same.ints == dims.ints)
        // A sum, or the batch times itself, needs the batch size.
        #expect(throws: ConstantFolding.Failure.self) { try ConstantFolding.reduce(R.sum, dims, axes: [0], keepDims: true) }
        let twoBatches = ConstantTensor(shape: [2], ints: [ConstantTensor.batchSymbol, ConstantTensor.batchSymbol])
        #expect(throws: ConstantFolding.Failure.self) { try ConstantFolding.reduce(R.prod, twoBatches, axes: [0], keepDims: true) }
    }
}
