/// Affine: x · scale + shift per channel (the last axis): an inference BatchNorm that
/// could not be folded into the layer before it.

// MARK: - Shape inference

extension Graph {
    mutating func inferAffine(_ c: NodeContext) throws(GraphError) {
        let name = c.name
        try c.expectInputs(3...3); try c.expectOutputs(1); try c.requireFloat()
        let x = try c.activation(0)
        let channels = x.shape.last ?? 0
        for i in 1...2 {
            let t = try c.constant(i, role: i == 1 ? "scale" : "shift")
            if t.shape != [channels] { throw .shapeMismatch(node: name, reason: "'\(t.name)' shape \(t.shape) ≠ [\(channels)]") }
        }
        try setOutput(c, x.shape)
    }
}

// MARK: - Compilation

extension Interpreter {
    static func compileAffine(_ b: inout StepBuilder) {
        let node = b.node
        let c = b.shape(b.out).last!
        b.append(.affine(rows: b.batch * b.elements(b.out) / c, channels: c, b.cf(node.inputs[0]), b.cf(node.inputs[1]), b.cf(node.inputs[2]), b.f(b.out)))
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    public static func affine(rows: Int, channels: Int, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            for c in 0..<channels {
                output[r * channels + c] = input[r * channels + c] * scale[c] + shift[c]
            }
        }
    }
}
