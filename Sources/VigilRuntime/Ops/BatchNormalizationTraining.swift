/// Training-mode batch normalization (`Op.batchNormalizationTraining`): statistics come
/// from the data, not from constants.
public struct BatchNormalizationTrainingParameters: Sendable {
    public var batch: Int
    /// Positions per batch item: every element of an item is one position of one channel.
    public var positions: Int
    public var channels: Int
    public var epsilon: Float
    public var momentum: Float

    public init(batch: Int, positions: Int, channels: Int, epsilon: Float, momentum: Float) {
        self.batch = batch; self.positions = positions; self.channels = channels
        self.epsilon = epsilon; self.momentum = momentum
    }
}

extension ReferenceKernels {
    /// Per batch item and channel c, over the item's positions: mean μ and population
    /// variance σ² (ONNX's definition), y = (x − μ) / √(σ² + ε) · scale + bias, new
    /// running mean = mean·momentum + μ·(1 − momentum), likewise the variance. Two
    /// passes, so that a large mean does not cancel the variance.
    public static func batchNormalizationTraining(_ p: BatchNormalizationTrainingParameters, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>, mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, newMean: UnsafeMutablePointer<Float>, newVariance: UnsafeMutablePointer<Float>) {
        let c = p.channels, n = Float(p.positions)
        for b in 0..<p.batch {
            let x = input + b * p.positions * c, y = output + b * p.positions * c
            for channel in 0..<c {
                var sum: Float = 0
                for i in 0..<p.positions { sum += x[i * c + channel] }
                let mu = sum / n
                var squares: Float = 0
                for i in 0..<p.positions {
                    let d = x[i * c + channel] - mu
                    squares += d * d
                }
                let sigma2 = squares / n
                let factor = scale[channel] / (sigma2 + p.epsilon).squareRoot()
                for i in 0..<p.positions { y[i * c + channel] = (x[i * c + channel] - mu) * factor + bias[channel] }
                newMean[b * c + channel] = mean[channel] * p.momentum + mu * (1 - p.momentum)
                newVariance[b * c + channel] = variance[channel] * p.momentum + sigma2 * (1 - p.momentum)
            }
        }
    }
}

extension Graph {
    mutating func inferBatchNormalizationTraining(_ context: NodeContext, epsilon: Float, momentum: Float) throws(GraphError) {
        let index = context.index, node = context.node
        let name = node.name
        if node.inputs.count != 5 { throw .wrongInputCount(node: name, expected: "5", got: node.inputs.count) }
        if node.outputs.count != 3 { throw .badAttribute(node: name, reason: "expects 3 output(s), has \(node.outputs.count)") }
        if !epsilon.isFinite || epsilon < 0 || !momentum.isFinite {
            throw .badAttribute(node: name, reason: "epsilon \(epsilon) must be finite and non-negative, momentum \(momentum) finite")
        }
        let x = tensors[node.inputs[0]]
        if x.isConstant { throw .badAttribute(node: name, reason: "input 0 ('\(x.name)') must be an activation, not a constant") }
        guard let c = x.shape.last else { throw .shapeMismatch(node: name, reason: "input '\(x.name)' has no channel axis") }
        for (i, role) in ["scale", "bias", "mean", "variance"].enumerated() {
            let t = tensors[node.inputs[i + 1]]
            if !t.isConstant { throw .badAttribute(node: name, reason: "\(role) ('\(t.name)') must be a constant") }
            if t.shape != [c] { throw .shapeMismatch(node: name, reason: "\(role) '\(t.name)' has shape \(t.shape), expected [\(c)]") }
        }
        for id in node.inputs where tensors[id].dtype != .float32 {
            throw .typeMismatch(node: name, reason: "'\(tensors[id].name)' is \(Graph.typeDescription(tensors[id])); this op needs float32")
        }
        try setInferredOutput(ofNode: index, 0, shape: x.shape, dtype: .float32)
        try setInferredOutput(ofNode: index, 1, shape: [c], dtype: .float32)
        try setInferredOutput(ofNode: index, 2, shape: [c], dtype: .float32)
    }
}

extension Interpreter {
    static func compileBatchNormalizationTraining(_ b: inout StepBuilder, epsilon: Float, momentum: Float) {
        let node = b.node
        let x = b.ins[0]
        let c = x.shape.last!
        let p = BatchNormalizationTrainingParameters(batch: b.batch, positions: x.elementCount / c, channels: c, epsilon: epsilon, momentum: momentum)
        b.append(.batchNormalizationTraining(p, b.cf(node.inputs[0]), b.cf(node.inputs[1]), b.cf(node.inputs[2]), b.cf(node.inputs[3]), b.cf(node.inputs[4]),
                                             b.f(node.outputs[0]), b.f(node.outputs[1]), b.f(node.outputs[2])))
    }
}
