import VigilRuntime

extension PostTrainingQuantizer {
    /// Cross-layer equalization of activation ranges (after Nagel et al., "Data-Free
    /// Quantization", 2019, here from calibration ranges): where a Conv1D or Dense with
    /// a linear or ReLU output (both commute with a positive scale) feeds another through
    /// max, average or global average pools only, its output channel c is multiplied by
    /// 1/s_c and the next layer's input channel c by s_c, s_c = √(m_c / M) with m_c the
    /// channel's largest |value| on the calibration data and M the largest of them.
    /// Float computes the same values up to rounding; int8 gains: one per-tensor scale
    /// must cover the widest channel, and a narrow channel (a BatchNormalization after
    /// ReLU, folded into the next layer, then scales it back up) keeps only a few
    /// levels. Zero padding of the next layer commutes with the scale, so any padding
    /// is exact. Nil when nothing is equalized.
    public static func equalized(_ g: Graph, statistics: CalibrationStatistics) -> Graph? {
        let soleReader = Self.soleReaders(g)
        /// A Conv1D without groups or a Dense with constant weights: its weight's
        /// input-channel axis and fused activation.
        func layer(_ node: Node) -> (inputAxis: Int, activation: Activation)? {
            guard node.inputs.count >= 2, g.tensors[node.inputs[1]].isConstant else { return nil }
            if case .conv1D(let c) = node.op, c.groups == 1 { return (1, c.activation) }
            if case .dense(let a) = node.op { return (0, a) }
            return nil
        }
        var out = g
        var changed = false
        for (ia, a) in g.nodes.enumerated() {
            guard let (_, activation) = layer(a), activation == .linear || activation == .relu,
                  let m = statistics.tensors[a.outputs[0]]?.channelMagnitudes else { continue }
            var current = a.outputs[0]
            var target: Int? = nil
            while let n = soleReader(current), g.nodes[n].inputs[0] == current {
                let node = g.nodes[n]
                if isPool(node.op) { current = node.outputs[0]; continue }
                if let (axis, _) = layer(node), g.tensors[node.inputs[1]].shape[axis] == m.count { target = n }
                break
            }
            guard let b = target, let largest = m.max(), largest > 0 else { continue }
            let scales = m.map { $0 > 0 ? ($0 / largest).squareRoot() : 1 }
            if scales.allSatisfy({ $0 > 0.99 }) { continue }
            // Producer: output channel c (the weight's last axis, the bias) divided by s_c.
            let wa = out.tensors[out.nodes[ia].inputs[1]]
            var weightsA = out.floatValues(of: out.nodes[ia].inputs[1])
            let channels = m.count
            for i in weightsA.indices { weightsA[i] /= scales[i % channels] }
            var inputs = out.nodes[ia].inputs
            inputs[1] = out.addConstant(name: wa.name + "/equalized", shape: wa.shape, values: weightsA)
            if inputs.count > 2 {
                let bias = out.floatValues(of: inputs[2]).enumerated().map { $0.element / scales[$0.offset] }
                inputs[2] = out.addConstant(name: out.tensors[inputs[2]].name + "/equalized", shape: [channels], values: bias)
            }
            out.nodes[ia].inputs = inputs
            // Consumer: input channel c multiplied by s_c.
            let wb = out.tensors[out.nodes[b].inputs[1]]
            let (axis, _) = layer(g.nodes[b])!
            var weightsB = out.floatValues(of: out.nodes[b].inputs[1])
            let inner = wb.shape[(axis + 1)...].reduce(1, *)
            for i in weightsB.indices { weightsB[i] *= scales[(i / inner) % channels] }
            out.nodes[b].inputs[1] = out.addConstant(name: wb.name + "/equalized", shape: wb.shape, values: weightsB)
            changed = true
        }
        return changed ? out : nil
    }

    private static func isPool(_ op: Op) -> Bool {
        if case .maxPool1D = op { return true }
        if case .averagePool1D = op { return true }
        return op == .globalAveragePool1D
    }
}
