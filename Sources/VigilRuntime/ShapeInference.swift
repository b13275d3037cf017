/// Shape inference and type checking, the machinery every op shares. Each op's own
/// rules live in its file under `Ops/`; `Graph.inferOp` (Ops/OpTable.swift) picks them.
extension Graph {
    /// Checks node `index`'s inputs and attributes and sets its output shapes.
    /// Shapes exclude the batch dimension; constants have none.
    mutating func inferShapes(ofNode index: Int) throws(GraphError) {
        let node = nodes[index]
        let ins = node.inputs.map { tensors[$0] }
        // int8 nodes run the same ops with integer kernels; `checkInt8` checks their types
        // and quantization once the shapes are known. Likewise plain integer nodes,
        // checked by `checkInteger`.
        let c = NodeContext(index: index, node: node, ins: ins, int8: Graph.runsAsInt8(node.op, ins), integer: Graph.runsAsInteger(node.op, ins))
        // Activation inputs must have known shapes (an earlier node produced them).
        for t in ins where !t.isConstant && t.shape.isEmpty {
            throw .shapeMismatch(node: node.name, reason: "input '\(t.name)' has no shape")
        }
        for value in node.op.integerAttributes where value > Graph.maximumDimension || value < -Graph.maximumDimension {
            throw .badAttribute(node: node.name, reason: "attribute value \(value) is out of range (|value| ≤ \(Graph.maximumDimension))")
        }
        try inferOp(c)
        if c.int8 { try checkInt8(c) }
        if c.integer { try checkInteger(c) }
    }

    /// Sets output `position` of node `index` to `shape`, checking it against a declared
    /// shape.
    mutating func setInferredOutput(ofNode index: Int, _ position: Int, shape: [Int], dtype: DType) throws(GraphError) {
        let node = nodes[index]
        let id = node.outputs[position]
        for d in shape where d <= 0 {
            throw .shapeMismatch(node: node.name, reason: "output shape \(shape) has a zero or negative dimension")
        }
        if Graph.boundedProduct(shape) == nil { throw .tooLarge(tensor: tensors[id].name, shape: shape) }
        let declared = tensors[id].shape
        if !declared.isEmpty && declared != shape {
            throw .shapeMismatch(node: node.name, reason: "output '\(tensors[id].name)' declared \(declared), computed \(shape)")
        }
        tensors[id].shape = shape
        tensors[id].dtype = dtype
    }

    /// `setInferredOutput` for the node `c` describes.
    mutating func setOutput(_ c: NodeContext, _ shape: [Int], dtype: DType = .float32, at position: Int = 0) throws(GraphError) {
        try setInferredOutput(ofNode: c.index, position, shape: shape, dtype: dtype)
    }

    static func typeDescription(_ t: TensorDescriptor) -> String {
        t.quantization == nil ? t.dtype.name : "quantized \(t.dtype.name)"
    }
}

/// What an op's shape inference reads: the node, its input descriptors, which kernel
/// family it runs, and the checks most ops share.
struct NodeContext {
    let index: Int
    let node: Node
    let ins: [TensorDescriptor]
    /// The node runs its int8 kernel (`Graph.runsAsInt8`).
    let int8: Bool
    /// The node runs its plain integer kernel (`Graph.runsAsInteger`).
    let integer: Bool

    var name: String { node.name }

    func expectInputs(_ range: ClosedRange<Int>) throws(GraphError) {
        if !range.contains(ins.count) {
            let expected = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw .wrongInputCount(node: name, expected: expected, got: ins.count)
        }
    }

    func expectOutputs(_ n: Int) throws(GraphError) {
        if node.outputs.count != n { throw .badAttribute(node: name, reason: "expects \(n) output(s), has \(node.outputs.count)") }
    }

    func activation(_ i: Int) throws(GraphError) -> TensorDescriptor {
        let t = ins[i]
        if t.isConstant { throw .badAttribute(node: name, reason: "input \(i) ('\(t.name)') must be an activation, not a constant") }
        return t
    }

    func constant(_ i: Int, role: String) throws(GraphError) -> TensorDescriptor {
        let t = ins[i]
        if !t.isConstant { throw .badAttribute(node: name, reason: "\(role) ('\(t.name)') must be a constant") }
        return t
    }

    func checkActivation(_ a: Activation) throws(GraphError) {
        switch a {
        case .clip(let lo, let hi):
            if !(lo <= hi) { throw .badAttribute(node: name, reason: "clip range [\(lo), \(hi)] is empty") }
        case .leakyRelu(let alpha):
            if !alpha.isFinite { throw .badAttribute(node: name, reason: "leaky ReLU alpha is not finite") }
        case .hardSigmoid(let alpha, let beta):
            if !alpha.isFinite || !beta.isFinite { throw .badAttribute(node: name, reason: "hard sigmoid alpha/beta not finite") }
        case .elu(let alpha):
            if !alpha.isFinite { throw .badAttribute(node: name, reason: "ELU alpha is not finite") }
        case .selu(let alpha, let gamma):
            if !alpha.isFinite || !gamma.isFinite { throw .badAttribute(node: name, reason: "SELU alpha/gamma not finite") }
        case .linear, .relu, .relu6, .sigmoid, .tanh, .gelu, .swish, .softplus, .softsign, .hardSwish, .exponential, .mish, .negate, .absolute, .logarithm, .squareRoot, .reciprocal, .reciprocalSquareRoot, .errorFunction:
            break
        }
    }

    /// Every input is float32, unless the node runs an int8 or integer kernel, whose
    /// types `checkInt8` and `checkInteger` check.
    func requireFloat() throws(GraphError) {
        if int8 || integer { return }
        for t in ins where t.dtype != .float32 {
            throw .typeMismatch(node: name, reason: "'\(t.name)' is \(t.dtype.name); this op needs float32")
        }
    }

    func rank(_ t: TensorDescriptor, _ r: Int, _ role: String) throws(GraphError) {
        if t.shape.count != r { throw .shapeMismatch(node: name, reason: "\(role) '\(t.name)' has shape \(t.shape), expected rank \(r)") }
    }
}

/// Numpy broadcasting of shapes aligned at their last dimension.
public enum Broadcast {
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }
}
