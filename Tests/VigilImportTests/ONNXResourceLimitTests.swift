import Foundation
import Testing
@testable import VigilImport
import VigilRuntime

/// ONNX models within every size limit whose cost is not: a convolution padded by 10^6,
/// a pool with huge windows, a MatMul of too many matrix slices. Each import ends
/// quickly in an error that names the limit, before any golden vector is computed.
struct ONNXResourceLimitTests {
    static func ints(_ name: String, _ values: [Int64]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name; a.type = .ints; a.ints = values
        return a
    }

    /// A one-node float model over input x of `shape` (nil: the batch), output y.
    static func model(_ op: String, input shape: [Int64?], output rank: Int, attributes: [Onnx_AttributeProto] = [],
                      initializers: [Onnx_TensorProto] = []) -> Onnx_ModelProto {
        var node = ONNXIntegerImportTests.node(op, "hostile", ["x"] + initializers.map(\.name), ["y"])
        node.attribute += attributes
        return ONNXIntegerImportTests.model([node], inputs: [ONNXFixtures.valueInfo("x", 1, shape)],
                                            outputs: [ONNXFixtures.valueInfo("y", 1, [nil] + [Int64?](repeating: 1, count: rank - 1))],
                                            initializers: initializers)
    }

    /// Imports `model`, expecting an invalid graph, within `seconds`.
    static func rejection(_ model: Onnx_ModelProto, seconds: Int = 3) -> GraphError? {
        let clock = ContinuousClock()
        let start = clock.now
        defer { #expect(clock.now - start < .seconds(seconds), "the refusal took \(clock.now - start)") }
        guard case .invalidGraph(let error)? = ONNXIntegerImportTests.importError(model) else {
            Issue.record("expected an invalid graph, got \(String(describing: ONNXIntegerImportTests.importError(model)))")
            return nil
        }
        return error
    }

    @Test(arguments: [1, 2])
    func convolutionPaddedByAMillionIsRefused(spatial: Int) throws {
        let kernel = [Int64](repeating: 3, count: spatial)
        let weight = ONNXIntegerImportTests.initializer("W", 1, [8, 4] + kernel, floats: [Float](repeating: 0.1, count: 32 * Int(pow(3.0, Double(spatial)))))
        let m = Self.model("Conv", input: [nil, 4] + [Int64?](repeating: 16, count: spatial), output: spatial + 2,
                           attributes: [Self.ints("pads", [Int64](repeating: 1_000_000, count: 2 * spatial))], initializers: [weight])
        guard case .badAttribute(let node, let reason)? = Self.rejection(m) else { Issue.record("\(String(describing: Self.rejection(m)))"); return }
        #expect(node == "hostile")
        #expect(reason.contains("1000000") && reason.contains("Graph.maximumPadding"))
    }

    @Test func poolWithHugeWindowsIsRefused() {
        let m = Self.model("MaxPool", input: [nil, 1, 4096, 4096], output: 4, attributes: [Self.ints("kernel_shape", [2048, 2048])])
        guard case .workBudgetExceeded(let node, _, _, let budget)? = Self.rejection(m) else { Issue.record("\(String(describing: Self.rejection(m)))"); return }
        #expect(node == "hostile" && budget == Graph.maximumWorkPerSample)
        #expect(GraphError.workBudgetExceeded(node: node, work: 1, total: 2, budget: budget).message.contains("Graph.maximumWorkPerSample"))
    }

    @Test func matMulOfTooManySlicesIsRefused() {
        let slices: Int64 = 4096
        let b = ONNXIntegerImportTests.initializer("B", 1, [slices, 1, 1], floats: [Float](repeating: 1, count: Int(slices)))
        let m = Self.model("MatMul", input: [nil, slices, 1, 1], output: 4, initializers: [b])
        guard case .stepBudgetExceeded(let node, let steps, let limit)? = Self.rejection(m) else { Issue.record("\(String(describing: Self.rejection(m)))"); return }
        #expect(node == "hostile" && steps == Int(slices) && limit.contains("Graph.maximumMatMulSlices"))
    }
}
