/// Builds a graph in code: a device build's hand-written model, a test, or an
/// importer. Each op method appends a node and returns its output tensor; `build()`
/// validates the whole graph, infers shapes and applies the exact rewrites
/// (BatchNorm folding, activation fusion, dead-node removal).
public struct GraphBuilder {
    public private(set) var graph = Graph()
    private var nodeCounter = 0

    public init() {}

    public mutating func input(_ name: String, shape: [Int], dtype: DType = .float32) -> TensorID {
        let id = graph.addTensor(name: name, dtype: dtype, shape: shape)
        graph.inputs.append(id)
        return id
    }

    public mutating func constant(_ name: String, shape: [Int], values: [Float]) -> TensorID {
        graph.addConstant(name: name, shape: shape, values: values)
    }

    /// An int32 constant (gather indices).
    public mutating func constant(_ name: String, shape: [Int], values: [Int32]) -> TensorID {
        graph.addConstant(name: name, shape: shape, values: values)
    }

    public mutating func output(_ tensor: TensorID) {
        graph.outputs.append(tensor)
    }

    /// Appends a node with one output and returns that output.
    @discardableResult
    public mutating func node(_ op: Op, _ inputs: [TensorID], name: String? = nil) -> TensorID {
        nodeCounter += 1
        let nodeName = name ?? "\(op.name.lowercasedASCII)_\(nodeCounter)"
        let out = graph.addTensor(name: nodeName + ":0")
        graph.nodes.append(Node(name: nodeName, op: op, inputs: inputs, outputs: [out]))
        return out
    }

    public mutating func conv1D(_ x: TensorID, weight: TensorID, bias: TensorID? = nil, _ attributes: Conv1DAttributes, name: String? = nil) -> TensorID {
        node(.conv1D(attributes), bias.map { [x, weight, $0] } ?? [x, weight], name: name)
    }

    public mutating func dense(_ x: TensorID, weight: TensorID, bias: TensorID? = nil, activation: Activation = .linear, name: String? = nil) -> TensorID {
        node(.dense(activation: activation), bias.map { [x, weight, $0] } ?? [x, weight], name: name)
    }

    public mutating func activation(_ x: TensorID, _ a: Activation, name: String? = nil) -> TensorID {
        node(.activation(a), [x], name: name)
    }

    /// Inference-mode batch normalization over the last axis, as the per-channel affine
    /// map y = x·s + (β − μ·s) with s = γ / √(σ² + ε). `build()` folds it into a
    /// preceding convolution or dense layer when that layer has no activation.
    public mutating func batchNormalization(_ x: TensorID, gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float, name: String? = nil) -> TensorID {
        let (scale, shift) = GraphBuilder.batchNormAffine(gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: epsilon)
        let base = name ?? "batch_normalization_\(nodeCounter + 1)"
        let s = constant(base + "/scale", shape: [scale.count], values: scale)
        let t = constant(base + "/shift", shape: [shift.count], values: shift)
        return node(.affine, [x, s, t], name: base)
    }

    public static func batchNormAffine(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float) -> (scale: [Float], shift: [Float]) {
        var scale = [Float](repeating: 0, count: gamma.count)
        var shift = [Float](repeating: 0, count: gamma.count)
        for c in 0..<gamma.count {
            scale[c] = gamma[c] / (variance[c] + epsilon).squareRoot()
            shift[c] = beta[c] - mean[c] * scale[c]
        }
        return (scale, shift)
    }

    /// The validated, rewritten graph.
    public func build() throws(GraphError) -> Graph {
        try graph.validated().optimized()
    }
}

extension String {
    var lowercasedASCII: String {
        var out = ""
        for scalar in unicodeScalars {
            if scalar.value >= 65 && scalar.value <= 90, let lower = Unicode.Scalar(scalar.value + 32) {
                out.unicodeScalars.append(lower)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
