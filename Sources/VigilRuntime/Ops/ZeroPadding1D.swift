/// ZeroPadding1D: zeros before and after the time axis of a float [L, C] sample.

// MARK: - Shape inference

extension Graph {
    mutating func inferZeroPadding1D(_ c: NodeContext, left: Int, right: Int) throws(GraphError) {
        let name = c.name
        try c.expectInputs(1...1); try c.expectOutputs(1); try c.requireFloat()
        let x = try c.activation(0)
        try c.rank(x, 2, "input")
        if left < 0 || right < 0 { throw .badAttribute(node: name, reason: "negative padding (\(left), \(right))") }
        try setOutput(c, [x.shape[0] + left + right, x.shape[1]])
    }
}

// MARK: - Compilation

extension Interpreter {
    static func compileZeroPadding1D(_ b: inout StepBuilder, left: Int, right: Int) {
        let x = b.shape(b.node.inputs[0])
        b.append(.zeroPadding(batch: b.batch, length: x[0], channels: x[1], left: left, right: right, b.cf(b.node.inputs[0]), b.f(b.out)))
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    public static func zeroPadding1D(batch: Int, length: Int, channels: Int, left: Int, right: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let outLength = length + left + right
        for b in 0..<batch {
            let y = output + b * outLength * channels
            let x = input + b * length * channels
            y.update(repeating: 0, count: left * channels)
            (y + left * channels).update(from: x, count: length * channels)
            (y + (left + length) * channels).update(repeating: 0, count: right * channels)
        }
    }
}
