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

/// Constants the importer computes from tiny ones (found by FuzzONNX: a 4 KB file whose
/// Expand asked for a 117-million-element constant) are bounded by
/// `ImportLimits.maximumFoldedConstantElements` before anything is allocated.
struct ONNXFoldedConstantLimitTests {
    static func int64s(_ name: String, _ values: [Int64]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = 7
        t.dims = [Int64(values.count)]
        t.int64Data = values
        return t
    }

    static func refusal(_ nodes: [Onnx_NodeProto], _ initializers: [Onnx_TensorProto]) -> String? {
        let m = ONNXIntegerImportTests.model(nodes, inputs: [ONNXFixtures.valueInfo("x", 1, [nil, 2])],
                                             outputs: [ONNXFixtures.valueInfo("y", 1, [nil, 2])], initializers: initializers)
        guard case .shapeMismatch(let node, let reason)? = ONNXIntegerImportTests.importError(m) else {
            Issue.record("expected a shape mismatch, got \(String(describing: ONNXIntegerImportTests.importError(m)))")
            return nil
        }
        return "\(node): \(reason)"
    }

    static let one = ONNXIntegerImportTests.initializer("one", 1, [], floats: [1])

    @Test func expandOfAScalarToMillionsIsRefused() {
        let limit = Int64(ImportLimits.maximumFoldedConstantElements)
        let reason = Self.refusal([
            ONNXIntegerImportTests.node("Expand", "grow", ["one", "shape"], ["big"]),
            ONNXIntegerImportTests.node("Add", "use", ["x", "big"], ["y"]),
        ], [Self.one, Self.int64s("shape", [1, limit + 1])])
        #expect(reason?.hasPrefix("grow: ") == true && reason?.contains("ImportLimits.maximumFoldedConstantElements") == true, "\(reason ?? "")")
    }

    @Test func concatenationDoublingPastTheLimitIsRefused() {
        // 2^20 elements, concatenated with itself five times: 2^25 at the end.
        let big = ONNXIntegerImportTests.node("Expand", "seed", ["one", "shape"], ["c0"])
        var nodes = [big]
        for i in 0..<5 {
            var n = ONNXIntegerImportTests.node("Concat", "double\(i)", ["c\(i)", "c\(i)"], ["c\(i + 1)"], ints: ["axis": 0])
            n.name = "double\(i)"
            nodes.append(n)
        }
        nodes.append(ONNXIntegerImportTests.node("ReduceSum", "use", ["c5"], ["y"]))
        let reason = Self.refusal(nodes, [Self.one, Self.int64s("shape", [1 << 20])])
        #expect(reason?.hasPrefix("double4: ") == true && reason?.contains("ImportLimits.maximumFoldedConstantElements") == true, "\(reason ?? "")")
    }

    @Test func gatherRepeatingAConstantPastTheLimitIsRefused() {
        let indices = Onnx_TensorProto.with {
            // 65,537 rows of 256: one row past 2^24 elements.
            $0.name = "indices"; $0.dataType = 7; $0.dims = [(1 << 16) + 1]
            $0.rawData = Data(count: 8 * ((1 << 16) + 1))
        }
        let reason = Self.refusal([
            ONNXIntegerImportTests.node("Gather", "repeat", ["table", "indices"], ["big"]),
            ONNXIntegerImportTests.node("ReduceSum", "use", ["big"], ["y"]),
        ], [ONNXIntegerImportTests.initializer("table", 1, [2, 256], floats: [Float](repeating: 1, count: 512)), indices])
        #expect(reason?.hasPrefix("repeat: ") == true && reason?.contains("ImportLimits.maximumFoldedConstantElements") == true, "\(reason ?? "")")
    }
}
