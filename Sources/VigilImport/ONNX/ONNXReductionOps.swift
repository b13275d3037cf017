import VigilRuntime

/// ReduceMean, ReduceSum, ReduceMax, ReduceMin and ReduceProd: folded when the data is
/// known at import (shape arithmetic, ReduceProd over a shape vector holding the batch
/// included); over run-time data, a reduction over axes other than the batch is a
/// global pooling of those axes (a sum: the mean times the count; a minimum: the
/// negated maximum of the negated data; a product: the rows multiplied in turn, for at
/// most `maximumProductRows` of them).
extension ONNXGraphConverter {
    enum Reduction: String {
        case mean = "ReduceMean", sum = "ReduceSum", max = "ReduceMax", min = "ReduceMin", prod = "ReduceProd"
    }

    static let maximumProductRows = 64

    /// The opset from which each reduction takes its axes as an input instead of an
    /// attribute.
    static func axesAreInput(_ r: Reduction, opset: Int) -> Bool {
        switch r {
        case .sum: return opset >= 13
        case .mean, .max, .min, .prod: return opset >= 18
        }
    }

    mutating func reduce(_ node: ONNXNode, _ r: Reduction) throws {
        let value = try input(node, 0)
        let shape = value.shape
        if shape.isEmpty {
            // A scalar reduces to itself.
            try setOutput(node, 0, value)
            return
        }
        let keepDims = try node.attributes.int("keepdims", default: 1) != 0
        let listed: [Int]?
        if Self.axesAreInput(r, opset: opset) {
            if node.attributes.has("axes") { throw ImportError.unsupportedAttribute(node: node.name, reason: "\(r.rawValue) of opset \(opset) takes its axes as an input, not an attribute") }
            listed = try constantInput(node, 1, role: "axes")?.ints.map { Int(clamping: $0) }
        } else {
            listed = try node.attributes.ints("axes")
        }
        var axes: [Int] = []
        for a in listed ?? [] {
            let n = try axis(a, rank: shape.count, node: node)
            if axes.contains(n) { throw ImportError.unsupportedAttribute(node: node.name, reason: "axis \(a) is listed twice") }
            axes.append(n)
        }
        if axes.isEmpty {
            if try node.attributes.int("noop_with_empty_axes", default: 0) != 0 {
                try setOutput(node, 0, value)
                return
            }
            axes = Array(shape.indices)
        }
        axes.sort()
        switch value {
        case .constant(let c):
            try setOutput(node, 0, .constant(try fold(node) { () throws(ConstantFolding.Failure) in try ConstantFolding.reduce(r, c, axes: axes, keepDims: keepDims) }))
        case .runtime(let v):
            try setOutput(node, 0, .runtime(try reduceRuntime(node, r, v, axes: axes, keepDims: keepDims)))
        }
    }

    /// A reduction of run-time data over `axes`: the reduced axes stored first,
    /// the kept ones after them as channels, pooled globally.
    private mutating func reduceRuntime(_ node: ONNXNode, _ r: Reduction, _ v: RuntimeValue, axes: [Int], keepDims: Bool) throws -> RuntimeValue {
        if !v.isBatchFree && axes.contains(v.batchAxis) { throw ImportError.dynamicShape(node: node.name, reason: "\(r.rawValue) over the batch axis") }
        let batch = v.isBatchFree ? -1 : v.batchAxis
        let kept = (0..<v.rank).filter { $0 != batch && !axes.contains($0) }
        if kept.isEmpty && !keepDims { throw ImportError.shapeMismatch(node: node.name, reason: "\(r.rawValue) of \(v.shape) over axes \(axes) leaves no axis besides the batch") }
        let positions = axes.reduce(1) { $0 * v.shape[$1] }
        let channels = kept.reduce(1) { $0 * v.shape[$1] }
        var id = try conform(v, to: [batch] + axes + kept, node: node, need: "\(r.rawValue) reads the reduced axes first")
        id = reshaped(id, to: [positions, channels], node: node)
        switch r {
        case .mean:
            id = emit(.globalAveragePool1D, [id], node: node, shape: [channels])
        case .sum:
            // The mean times the count of reduced elements.
            id = emit(.globalAveragePool1D, [id], node: node, suffix: "/mean", shape: [channels])
            let count = try weight(node.name + "/count", shape: [channels], values: [Float](repeating: Float(positions), count: channels), tensor: node.name)
            id = emit(.mul(activation: .linear), [id, count], node: node, shape: [channels])
        case .max:
            id = emit(.globalMaxPool1D, [id], node: node, shape: [channels])
        case .min:
            // min x = −max(−x).
            id = emit(.activation(.negate), [id], node: node, suffix: "/negated", shape: [positions, channels])
            id = emit(.globalMaxPool1D, [id], node: node, suffix: "/max", shape: [channels])
            id = emit(.activation(.negate), [id], node: node, shape: [channels])
        case .prod:
            // One row per reduced position, multiplied in order.
            if positions > Self.maximumProductRows {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "ReduceProd of run-time data over \(positions) elements; Vigil multiplies at most \(Self.maximumProductRows) rows")
            }
            let source = id
            func row(_ p: Int) -> TensorID {
                emit(.slice(starts: [p, 0], steps: [1, 1], sizes: [1, channels]), [source], node: node, suffix: "/row\(p)", shape: [1, channels])
            }
            id = row(0)
            for p in 1..<max(positions, 1) {
                id = emit(.mul(activation: .linear), [id, row(p)], node: node, suffix: p == positions - 1 ? "" : "/product\(p)", shape: [1, channels])
            }
            id = reshaped(id, to: [channels], node: node)
        }
        // The result's axes: the kept ones (renumbered without keepdims), stored in order.
        let number: (Int) -> Int = { a in keepDims ? a : a - axes.filter { $0 < a }.count }
        var shape = v.shape
        if keepDims { for a in axes { shape[a] = 1 } } else { shape = (0..<v.rank).filter { !axes.contains($0) }.map { v.shape[$0] } }
        let stored = kept.isEmpty ? [axes[axes.count - 1]] : kept.map(number)
        var result = RuntimeValue(id: id, shape: shape, storedAxes: [batch < 0 ? -1 : number(batch)] + stored)
        result.id = reshaped(id, to: result.storedShape, node: node)
        return result
    }
}
