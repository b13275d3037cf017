/// Type rules of nodes over plain integer tensors (an integer dtype without
/// quantization parameters; see `DType`). A node runs its integer kernel when its first
/// input is a plain integer and its op has one (`Op.hasIntegerKernel`); shape inference
/// computes shapes as for float and then calls `checkInteger`, which requires every
/// operand to have that one type.
extension Graph {
    /// Ops with integer kernels (reshape only moves bytes).
    static func runsAsInteger(_ op: Op, _ ins: [TensorDescriptor]) -> Bool {
        guard let first = ins.first, first.isPlainInteger else { return false }
        return op.hasIntegerKernel
    }

    /// Checks node `c` as an integer node and types its outputs like its first input.
    mutating func checkInteger(_ c: NodeContext) throws(GraphError) {
        try checkIntegerOp(c)
        for id in c.node.outputs {
            tensors[id].dtype = c.ins[0].dtype
            tensors[id].quantization = nil
        }
    }

    /// Operand `i` has the first operand's plain integer type.
    func requireSameIntegerType(_ c: NodeContext, _ i: Int) throws(GraphError) {
        let t = c.ins[i], x = c.ins[0]
        if t.dtype != x.dtype || !t.isPlainInteger {
            throw .typeMismatch(node: c.name, reason: "'\(t.name)' is \(Graph.typeDescription(t)), '\(x.name)' is \(x.dtype.name); \(c.node.op.name) needs operands of one integer type")
        }
    }

    /// An op without an integer kernel (never reached: `runsAsInteger` says no first).
    func noIntegerKernel(_ c: NodeContext) throws(GraphError) {
        throw .typeMismatch(node: c.name, reason: "\(c.node.op.name) has no \(c.ins[0].dtype.name) kernel")
    }
}
