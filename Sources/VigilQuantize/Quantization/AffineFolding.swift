import VigilRuntime

extension PostTrainingQuantizer {
    /// The graph with each Affine (a BatchNormalization after an activation) folded
    /// forward into the Conv1D or Dense that reads it, through the max pools (when every
    /// scale is positive, so the maximum commutes) and the global average pool between:
    /// conv(a·x + s) = conv'(x) with w'[k][ci][co] = w·a[ci] and b'[co] = b + Σ w·s[ci].
    ///
    /// Float computes the same values up to rounding; int8 gains most: a
    /// BatchNormalization after ReLU divides each channel by its own deviation, so its
    /// output spans very different ranges per channel, and one per-tensor int8 scale
    /// (TFLite's rule for activations) crushes the narrow channels. Folded, those
    /// per-channel factors land in the next layer's per-channel weights instead.
    ///
    /// Only exact folds: the convolution must not pad (padded zeros would stand for
    /// −s/a, not 0), and every tensor on the way must have one reader.
    public static func affinesFoldedForward(_ graph: Graph) -> Graph {
        var g = graph
        while let folded = foldOneAffineForward(g) { g = folded }
        return g
    }

    private static func foldOneAffineForward(_ g: Graph) -> Graph? {
        let soleReader = Self.soleReaders(g)
        for (ia, affine) in g.nodes.enumerated() where affine.op == .affine && affine.inputs.count == 3 {
            guard g.tensors[affine.inputs[1]].isConstant, g.tensors[affine.inputs[2]].isConstant,
                  g.tensors[affine.inputs[0]].dtype == .float32 else { continue }
            let a = g.floatValues(of: affine.inputs[1]), s = g.floatValues(of: affine.inputs[2])
            let channels = a.count
            var current = affine.outputs[0]
            var passed: [Int] = []
            var target: Int? = nil
            while let n = soleReader(current), g.nodes[n].inputs[0] == current {
                let node = g.nodes[n]
                if node.op == .globalAveragePool1D || (a.allSatisfy { $0 > 0 } && isMaxPool(node.op)) {
                    passed.append(n)
                    current = node.outputs[0]
                    continue
                }
                guard node.inputs.count > 1, g.tensors[node.inputs[1]].isConstant else { break }
                let w = g.tensors[node.inputs[1]].shape
                if case .conv1D(let c) = node.op, c.padding == .valid || c.padding == .explicit(left: 0, right: 0),
                   w.count == 3, w[1] * c.groups == channels {
                    target = n
                }
                if case .dense = node.op, w.count == 2, w[0] == channels { target = n }
                break
            }
            guard let t = target else { continue }
            var out = g
            let layer = g.nodes[t]
            let w = g.tensors[layer.inputs[1]]
            var weights = g.floatValues(of: layer.inputs[1])
            let outChannels = w.shape[w.shape.count - 1]
            var bias = layer.inputs.count > 2 ? g.floatValues(of: layer.inputs[2]) : [Float](repeating: 0, count: outChannels)
            if case .conv1D(let c) = layer.op {
                // [K, Cin/groups, Cout]; output channel co reads input channels of its group.
                let (k, inPerGroup) = (w.shape[0], w.shape[1])
                let outPerGroup = outChannels / c.groups
                for tap in 0..<k {
                    for j in 0..<inPerGroup {
                        for co in 0..<outChannels {
                            let ci = (co / outPerGroup) * inPerGroup + j
                            let i = (tap * inPerGroup + j) * outChannels + co
                            bias[co] += weights[i] * s[ci]
                            weights[i] *= a[ci]
                        }
                    }
                }
            } else {
                for i in 0..<channels {
                    for o in 0..<outChannels {
                        bias[o] += weights[i * outChannels + o] * s[i]
                        weights[i * outChannels + o] *= a[i]
                    }
                }
            }
            if weights.contains(where: { !$0.isFinite }) || bias.contains(where: { !$0.isFinite }) { continue }
            let newWeight = out.addConstant(name: w.name + "/folded", shape: w.shape, values: weights)
            let newBias = out.addConstant(name: layer.name + "/bias_folded", shape: [outChannels], values: bias)
            out.nodes[t].inputs = [layer.inputs[0], newWeight, newBias]
            // The first reader of the Affine's output now reads its input.
            let first = passed.first ?? t
            out.nodes[first].inputs[0] = affine.inputs[0]
            out.nodes.remove(at: ia)
            return out
        }
        return nil
    }

    private static func isMaxPool(_ op: Op) -> Bool {
        if case .maxPool1D = op { return true }
        return false
    }

    /// The node index of a tensor's only reader, nil when it has several or none or is a
    /// graph output: the chains the float rewrites follow.
    static func soleReaders(_ g: Graph) -> (TensorID) -> Int? {
        var readers = [Int](repeating: 0, count: g.tensors.count)
        for node in g.nodes { for id in node.inputs { readers[id] += 1 } }
        for id in g.outputs { readers[id] += 1 }
        return { id in
            guard readers[id] == 1, !g.outputs.contains(id) else { return nil }
            return g.nodes.firstIndex { $0.inputs.contains(id) }
        }
    }
}
