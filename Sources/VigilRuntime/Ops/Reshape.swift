/// Reshape: the same bytes under another per-sample shape, of any type (float, int8
/// keeping its parameters, plain integers); at run time a copy.

// MARK: - Shape inference

extension Graph {
    mutating func inferReshape(_ c: NodeContext, _ target: [Int]) throws(GraphError) {
        let name = c.name
        try c.expectInputs(1...1); try c.expectOutputs(1)
        let x = try c.activation(0)
        var known = 1
        var unknown = -1
        for (i, d) in target.enumerated() {
            if d == -1 {
                if unknown >= 0 { throw .badAttribute(node: name, reason: "more than one -1 in target shape \(target)") }
                unknown = i
            } else if d <= 0 {
                throw .badAttribute(node: name, reason: "target shape \(target) has a zero or negative dimension")
            } else {
                let (product, overflow) = known.multipliedReportingOverflow(by: d)
                if overflow || product > Graph.maximumElements {
                    throw .shapeMismatch(node: name, reason: "target shape \(target) is larger than the input \(x.shape)")
                }
                known = product
            }
        }
        if target.count > 8 { throw .badAttribute(node: name, reason: "target rank \(target.count) above 8") }
        var shape = target
        if unknown >= 0 {
            if x.elementCount % known != 0 { throw .shapeMismatch(node: name, reason: "cannot reshape \(x.shape) to \(target)") }
            shape[unknown] = x.elementCount / known
        }
        if shape.isEmpty || known * (unknown >= 0 ? shape[unknown] : 1) != x.elementCount {
            throw .shapeMismatch(node: name, reason: "cannot reshape \(x.shape) (\(x.elementCount) elements) to \(target)")
        }
        try setOutput(c, shape, dtype: x.dtype)
    }
}

// MARK: - Compilation

extension Interpreter {
    /// One contiguous copy, whatever the element type; also the step of a max pool fused
    /// into the int8 convolution before it (Ops/Conv1D.swift), which copies the rows
    /// the convolution left pooled.
    static func compileCopy(_ b: inout StepBuilder) {
        b.append(.copy(bytes: b.batch * b.graph.tensors[b.out].byteCount, from: UnsafeRawPointer(b.raw(b.node.inputs[0])), to: b.raw(b.out)))
    }
}
