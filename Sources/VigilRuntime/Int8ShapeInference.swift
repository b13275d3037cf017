/// Type and quantization rules of int8 nodes (the TFLite int8 specification, DESIGN §4).
/// An op runs its int8 kernel when its first input is int8 and it has one
/// (`Op.hasInt8Kernel`); shape inference computes the shapes as for float and then
/// calls `checkInt8` (Ops/OpTable.swift), which hands the node to its op's check: that
/// checks every tensor's dtype and parameters and sets the output's dtype (and, for ops
/// that keep the input's parameters, fills in missing output parameters).
extension Graph {
    /// Ops with int8 kernels.
    static func runsAsInt8(_ op: Op, _ ins: [TensorDescriptor]) -> Bool {
        guard let first = ins.first, first.dtype == .int8, !runsAsInteger(op, ins) else { return false }
        // Plain int8 (no parameters) only moves, as other plain integers do.
        if op.movesElements && first.quantization == nil { return false }
        return op.hasInt8Kernel
    }

    /// Per-tensor parameters of an int8 activation tensor: one finite positive scale and
    /// a zero point in [-128, 127].
    static func perTensor(_ t: TensorDescriptor, node: String) throws(GraphError) -> (scale: Float, zeroPoint: Int32) {
        guard let q = t.quantization else {
            throw .quantizationMismatch(node: node, tensor: t.name, reason: "an int8 tensor needs quantization parameters")
        }
        if q.isPerChannel || q.scales.count != 1 || q.zeroPoints.count != 1 {
            throw .quantizationMismatch(node: node, tensor: t.name, reason: "activations are quantized per tensor, found \(q.scales.count) scales")
        }
        let s = q.scales[0], z = q.zeroPoints[0]
        if !(s > 0) || !s.isFinite { throw .quantizationMismatch(node: node, tensor: t.name, reason: "scale \(s) is not finite and positive") }
        if z < -128 || z > 127 { throw .quantizationMismatch(node: node, tensor: t.name, reason: "zero point \(z) is outside [-128, 127]") }
        return (s, z)
    }

    /// Scales of an int8 weight: symmetric (zero points 0), per tensor or one per slice
    /// of `channelAxis` (the output channels). Returns one scale per output channel.
    static func weightScales(_ w: TensorDescriptor, channelAxis: Int, node: String) throws(GraphError) -> [Float] {
        if w.dtype != .int8 { throw .typeMismatch(node: node, reason: "weight '\(w.name)' is \(w.dtype.name); an int8 node needs int8 weights") }
        guard let q = w.quantization else {
            throw .quantizationMismatch(node: node, tensor: w.name, reason: "an int8 weight needs per-channel or per-tensor scales")
        }
        let channels = w.shape[channelAxis]
        for z in q.zeroPoints where z != 0 {
            throw .quantizationMismatch(node: node, tensor: w.name, reason: "weights are symmetric: zero point \(z) ≠ 0")
        }
        for s in q.scales where !(s > 0) || !s.isFinite {
            throw .quantizationMismatch(node: node, tensor: w.name, reason: "weight scale \(s) is not finite and positive")
        }
        if let axis = q.axis, q.scales.count > 1 || axis != channelAxis {
            if axis != channelAxis {
                throw .quantizationMismatch(node: node, tensor: w.name, reason: "per-channel axis \(axis) is not the output-channel axis \(channelAxis)")
            }
            if q.scales.count != channels {
                throw .quantizationMismatch(node: node, tensor: w.name, reason: "\(q.scales.count) scales for \(channels) output channels")
            }
            return q.scales
        }
        if q.scales.count != 1 { throw .quantizationMismatch(node: node, tensor: w.name, reason: "\(q.scales.count) per-tensor scales") }
        return [Float](repeating: q.scales[0], count: channels)
    }

    /// An int32 bias whose scale, where given, is input scale × weight scale per channel.
    static func checkBias(_ b: TensorDescriptor, inputScale: Float, weightScales: [Float], node: String) throws(GraphError) {
        if b.dtype != .int32 { throw .typeMismatch(node: node, reason: "bias '\(b.name)' is \(b.dtype.name); an int8 node needs an int32 bias") }
        guard let q = b.quantization else { return }
        for z in q.zeroPoints where z != 0 {
            throw .quantizationMismatch(node: node, tensor: b.name, reason: "bias zero point \(z) ≠ 0")
        }
        if q.scales.count != 1 && q.scales.count != weightScales.count {
            throw .quantizationMismatch(node: node, tensor: b.name, reason: "\(q.scales.count) bias scales for \(weightScales.count) channels")
        }
        for c in weightScales.indices {
            let expected = Double(inputScale) * Double(weightScales[c])
            let got = Double(q.scales.count == 1 ? q.scales[0] : q.scales[c])
            if abs(got - expected) > 1e-4 * expected {
                throw .quantizationMismatch(node: node, tensor: b.name, reason: "bias scale \(got) of channel \(c) ≠ input scale × weight scale = \(expected)")
            }
        }
    }

    /// Input `i` of an int8 node: int8 with per-tensor parameters.
    func int8Input(_ c: NodeContext, _ i: Int) throws(GraphError) -> (scale: Float, zeroPoint: Int32) {
        let t = c.ins[i]
        if t.dtype != .int8 { throw .typeMismatch(node: c.name, reason: "'\(t.name)' is \(t.dtype.name); inputs of an int8 \(c.node.op.name) are int8") }
        return try Graph.perTensor(t, node: c.name)
    }

    /// Types the output int8 and returns its parameters, or the input's when the op
    /// keeps them and the output has none.
    mutating func int8Output(_ c: NodeContext, inheriting inherited: QuantizationParameters? = nil) throws(GraphError) -> (scale: Float, zeroPoint: Int32) {
        let outID = c.node.outputs[0]
        tensors[outID].dtype = .int8
        if tensors[outID].quantization == nil, let inherited { tensors[outID].quantization = inherited }
        return try Graph.perTensor(tensors[outID], node: c.name)
    }

    /// An int8 kernel applies a fused activation only as a clamp.
    func requireClamp(_ c: NodeContext, _ a: Activation) throws(GraphError) {
        if !a.isClamp { throw .badAttribute(node: c.name, reason: "an int8 \(c.node.op.name) fuses only clamp activations (linear, ReLU, ReLU6, clip), not \(a.name)") }
    }

    /// The output keeps the input's parameters.
    func requireSameParameters(_ c: NodeContext, _ out: (scale: Float, zeroPoint: Int32), _ x: (scale: Float, zeroPoint: Int32)) throws(GraphError) {
        if abs(out.scale - x.scale) > 1e-6 || out.zeroPoint != x.zeroPoint {
            throw .quantizationMismatch(node: c.name, tensor: tensors[c.node.outputs[0]].name, reason: "an int8 \(c.node.op.name) keeps its input's parameters (\(x.scale), \(x.zeroPoint)); output has (\(out.scale), \(out.zeroPoint))")
        }
    }

    /// An int8 op that keeps its input's parameters (reshape, max pools, average pool).
    mutating func checkInt8KeepingParameters(_ c: NodeContext) throws(GraphError) {
        let x = try int8Input(c, 0)
        try requireSameParameters(c, try int8Output(c, inheriting: c.ins[0].quantization), x)
    }

    /// An op without an int8 kernel (never reached: `runsAsInt8` says no first).
    func noInt8Kernel(_ c: NodeContext) throws(GraphError) {
        throw .typeMismatch(node: c.name, reason: "\(c.node.op.name) has no int8 kernel")
    }
}
