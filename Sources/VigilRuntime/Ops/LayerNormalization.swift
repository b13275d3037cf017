/// LayerNormalization over the last axis: each row of `channels` values is normalized
/// by its own mean and (population) variance, then scaled and shifted per channel:
/// y = (x − mean) / √(variance + epsilon) · scale + bias (Keras `LayerNormalization`,
/// ONNX `LayerNormalization` with axis −1). Float only: TFLite's int8 specification
/// defines no such kernel, so in an int8 graph it stays a float island.
/// inputs: x [..., C], scale [C], bias [C] (constants) → y [..., C], and optionally (three
/// outputs) each row's mean and 1/√(variance + epsilon) [..., 1] (ONNX's Mean and
/// InvStdDev).

// MARK: - Shape inference

extension Graph {
    mutating func inferLayerNormalization(_ c: NodeContext, epsilon: Float) throws(GraphError) {
        let name = c.name
        try c.expectInputs(3...3); try c.requireFloat()
        if c.node.outputs.count != 1 && c.node.outputs.count != 3 {
            throw .badAttribute(node: name, reason: "expects 1 output, or 3 with the mean and inverse deviation; has \(c.node.outputs.count)")
        }
        if !(epsilon >= 0) || !epsilon.isFinite { throw .badAttribute(node: name, reason: "epsilon \(epsilon) is not a finite non-negative number") }
        let x = try c.activation(0)
        guard let channels = x.shape.last else { throw .shapeMismatch(node: name, reason: "LayerNormalization needs an input with a channel axis") }
        for i in 1...2 {
            let t = try c.constant(i, role: i == 1 ? "scale" : "bias")
            if t.shape != [channels] { throw .shapeMismatch(node: name, reason: "'\(t.name)' shape \(t.shape) ≠ [\(channels)]") }
        }
        try setOutput(c, x.shape)
        for i in 1..<c.node.outputs.count { try setOutput(c, Array(x.shape.dropLast()) + [1], at: i) }
    }
}

// MARK: - Compilation

extension Interpreter {
    static func compileLayerNormalization(_ b: inout StepBuilder, epsilon: Float) {
        let node = b.node
        let c = b.shape(b.out).last!
        b.append(.layerNormalization(rows: b.batch * b.elements(b.out) / c, channels: c, epsilon: epsilon,
                                     b.cf(node.inputs[0]), b.cf(node.inputs[1]), b.cf(node.inputs[2]), b.f(b.out),
                                     node.outputs.count > 1 ? b.f(node.outputs[1]) : nil, node.outputs.count > 2 ? b.f(node.outputs[2]) : nil))
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    /// Mean and variance of each row in double, so rows of large values with a small
    /// spread keep their digits; `input` and `output` may be the same buffer. `mean` and
    /// `inverseDeviation`, when given, receive one value per row.
    public static func layerNormalization(rows: Int, channels: Int, epsilon: Float, input: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                                          bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                          mean meanOutput: UnsafeMutablePointer<Float>?, inverseDeviation: UnsafeMutablePointer<Float>?) {
        for r in 0..<rows {
            let row = input + r * channels
            var sum = 0.0
            for c in 0..<channels { sum += Double(row[c]) }
            let mean = sum / Double(channels)
            var squares = 0.0
            for c in 0..<channels {
                let d = Double(row[c]) - mean
                squares += d * d
            }
            let variance = squares / Double(channels)
            let inverse = 1 / (variance + Double(epsilon)).squareRoot()
            meanOutput?[r] = Float(mean)
            inverseDeviation?[r] = Float(inverse)
            for c in 0..<channels {
                output[r * channels + c] = Float((Double(row[c]) - mean) * inverse) * scale[c] + bias[c]
            }
        }
    }
}
