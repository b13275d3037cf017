/// Type and quantization rules of int8 nodes (the TFLite int8 specification, DESIGN §4).
/// An op runs its int8 kernel when its first input is int8; shape inference computes
/// the shapes as for float and then calls `checkInt8`, which checks every tensor's
/// dtype and parameters and sets the output's dtype (and, for ops that keep the
/// input's parameters, fills in missing output parameters).
extension Graph {
    /// Ops with int8 kernels.
    static func runsAsInt8(_ op: Op, _ ins: [TensorDescriptor]) -> Bool {
        guard let first = ins.first, first.dtype == .int8, !runsAsInteger(op, ins) else { return false }
        switch op {
        case .conv1D, .dense, .add, .concatenate, .reshape, .maxPool1D, .averagePool1D,
             .globalAveragePool1D, .globalMaxPool1D, .activation, .softmax:
            return true
        default:
            return false
        }
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

    /// Checks node `index` as an int8 node and types its output.
    mutating func checkInt8(ofNode index: Int) throws(GraphError) {
        let node = nodes[index]
        let name = node.name
        let ins = node.inputs.map { tensors[$0] }
        let outID = node.outputs[0]

        func int8Input(_ i: Int) throws(GraphError) -> (scale: Float, zeroPoint: Int32) {
            let t = ins[i]
            if t.dtype != .int8 { throw .typeMismatch(node: name, reason: "'\(t.name)' is \(t.dtype.name); inputs of an int8 \(node.op.name) are int8") }
            return try Graph.perTensor(t, node: name)
        }
        /// The output's parameters, or the input's when the op keeps them and the
        /// output has none.
        func output(inheriting inherited: QuantizationParameters? = nil) throws(GraphError) -> (scale: Float, zeroPoint: Int32) {
            tensors[outID].dtype = .int8
            if tensors[outID].quantization == nil, let inherited { tensors[outID].quantization = inherited }
            return try Graph.perTensor(tensors[outID], node: name)
        }
        func requireClamp(_ a: Activation) throws(GraphError) {
            if !a.isClamp { throw .badAttribute(node: name, reason: "an int8 \(node.op.name) fuses only clamp activations (linear, ReLU, ReLU6, clip), not \(a.name)") }
        }
        func sameAsInput(_ out: (scale: Float, zeroPoint: Int32), _ x: (scale: Float, zeroPoint: Int32)) throws(GraphError) {
            if abs(out.scale - x.scale) > 1e-6 || out.zeroPoint != x.zeroPoint {
                throw .quantizationMismatch(node: name, tensor: tensors[outID].name, reason: "an int8 \(node.op.name) keeps its input's parameters (\(x.scale), \(x.zeroPoint)); output has (\(out.scale), \(out.zeroPoint))")
            }
        }

        switch node.op {
        case .conv1D(let a):
            let x = try int8Input(0)
            let scales = try Graph.weightScales(ins[1], channelAxis: 2, node: name)
            if ins.count == 3 { try Graph.checkBias(ins[2], inputScale: x.scale, weightScales: scales, node: name) }
            try requireClamp(a.activation)
            _ = try output()
        case .dense(let act):
            let x = try int8Input(0)
            let scales = try Graph.weightScales(ins[1], channelAxis: 1, node: name)
            if ins.count == 3 { try Graph.checkBias(ins[2], inputScale: x.scale, weightScales: scales, node: name) }
            try requireClamp(act)
            _ = try output()
        case .add(let act):
            _ = try int8Input(0); _ = try int8Input(1)
            try requireClamp(act)
            _ = try output()
        case .concatenate:
            var first: QuantizationParameters?
            var allEqual = true
            for i in ins.indices {
                _ = try int8Input(i)
                if i == 0 { first = ins[0].quantization } else if ins[i].quantization != first { allEqual = false }
            }
            _ = try output(inheriting: allEqual ? first : nil)
        case .reshape, .maxPool1D, .averagePool1D, .globalMaxPool1D:
            let x = try int8Input(0)
            try sameAsInput(try output(inheriting: ins[0].quantization), x)
        case .globalAveragePool1D:
            _ = try int8Input(0)
            _ = try output(inheriting: ins[0].quantization)
        case .activation(let a):
            _ = try int8Input(0)
            _ = try output(inheriting: a.isClamp ? ins[0].quantization : nil)
        case .softmax:
            _ = try int8Input(0)
            // TFLite's integer softmax produces probabilities with scale 1/256, zero point -128.
            let out = try output(inheriting: QuantizationParameters(scale: 1.0 / 256.0, zeroPoint: -128))
            if out.zeroPoint != -128 || abs(out.scale - 1.0 / 256.0) > 0.001 / 256.0 {
                throw .quantizationMismatch(node: name, tensor: tensors[outID].name, reason: "int8 softmax output must have scale 1/256 and zero point -128")
            }
        default:
            throw .typeMismatch(node: name, reason: "\(node.op.name) has no int8 kernel")
        }
    }

    /// Quantize (float32 or int8 → int8) and Dequantize (int8 → float32).
    func checkBoundary(ofNode index: Int) throws(GraphError) {
        let node = nodes[index]
        let x = tensors[node.inputs[0]], y = tensors[node.outputs[0]]
        if node.op == .quantize {
            // Any other type would be read as float32: past the end of a 1- or 2-byte tensor.
            if x.dtype != .float32 && x.dtype != .int8 {
                throw .typeMismatch(node: node.name, reason: "Quantize reads float32 or int8, not \(Graph.typeDescription(x))")
            }
            if x.dtype == .int8 { _ = try Graph.perTensor(x, node: node.name) }
            _ = try Graph.perTensor(y, node: node.name)
        } else {
            if x.dtype != .int8 { throw .typeMismatch(node: node.name, reason: "Dequantize reads int8, not \(x.dtype.name)") }
            _ = try Graph.perTensor(x, node: node.name)
        }
    }
}
