/// Clamp: a plain integer tensor clamped to two one-element constant bounds of its
/// type (ONNX Clip on integers; a float clip is `.activation(.clip)`).

// MARK: - Shape inference

extension Graph {
    /// Clamp: a plain integer activation and two one-element constant bounds.
    mutating func inferClamp(_ c: NodeContext) throws(GraphError) {
        let index = c.index, node = c.node
        if node.inputs.count != 3 { throw .wrongInputCount(node: node.name, expected: "3", got: node.inputs.count) }
        if node.outputs.count != 1 { throw .badAttribute(node: node.name, reason: "expects 1 output(s), has \(node.outputs.count)") }
        let x = tensors[node.inputs[0]]
        if x.isConstant { throw .badAttribute(node: node.name, reason: "input 0 ('\(x.name)') must be an activation, not a constant") }
        if !x.isPlainInteger {
            throw .typeMismatch(node: node.name, reason: "'\(x.name)' is \(Graph.typeDescription(x)); Clamp computes on plain integers (a float clip is an activation)")
        }
        for (i, role) in [(1, "min"), (2, "max")] {
            let t = tensors[node.inputs[i]]
            if !t.isConstant { throw .badAttribute(node: node.name, reason: "\(role) ('\(t.name)') must be a constant") }
            if t.elementCount != 1 { throw .shapeMismatch(node: node.name, reason: "\(role) '\(t.name)' has shape \(t.shape); it must hold one value") }
        }
        try setInferredOutput(ofNode: index, 0, shape: x.shape, dtype: x.dtype)
    }

    func checkIntegerClamp(_ c: NodeContext) throws(GraphError) {
        try requireSameIntegerType(c, 1); try requireSameIntegerType(c, 2)
    }
}

// MARK: - Compilation

extension Interpreter {
    static func compileClamp(_ b: inout StepBuilder) {
        let node = b.node
        func input(_ i: Int) -> UnsafeRawPointer { UnsafeRawPointer(b.raw(node.inputs[i])) }
        b.append(.integer(.clamp(count: b.batch * b.elements(b.out), input(0), min: input(1), max: input(2), b.raw(b.out)), b.ins[0].dtype))
    }
}

// MARK: - Reference kernels

extension IntegerKernels {
    /// min(max(x, lo), hi): where lo > hi every element becomes hi, as ONNX Clip does.
    public static func clamp<T: FixedWidthInteger>(count: Int, input: UnsafePointer<T>, min lo: T, max hi: T, output: UnsafeMutablePointer<T>) {
        for i in 0..<count {
            let x = input[i]
            output[i] = Swift.min(x < lo ? lo : x, hi)
        }
    }
}
