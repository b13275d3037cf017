/// Exact rewrites that make a graph cheaper to run without changing what it computes
/// (up to float rounding): BatchNorm folding, activation fusion, dead-node removal
/// and compaction of tensors and constant data.
extension Graph {
    /// Applies all rewrites to a validated graph and validates the result.
    public func optimized() throws(GraphError) -> Graph {
        var g = self
        while g.removeRedundantReshapes() || g.foldBiasAdd() || g.foldAffine() || g.fuseActivation() || g.foldZeroPadding() {}
        g.removeDeadNodes()
        g.compact()
        return try g.validated()
    }

    private func consumerCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: tensors.count)
        for node in nodes { for id in node.inputs { counts[id] += 1 } }
        for id in outputs { counts[id] += 1 }
        return counts
    }

    private func producerIndex() -> [Int] {
        var producer = [Int](repeating: -1, count: tensors.count)
        for (i, node) in nodes.enumerated() { for id in node.outputs { producer[id] = i } }
        return producer
    }

    /// The node producing `id` if it is the only consumer's single source and its
    /// output is used nowhere else.
    private func soleProducer(of id: TensorID, consumers: [Int], producer: [Int]) -> Int? {
        let p = producer[id]
        if p < 0 || consumers[id] != 1 || outputs.contains(id) { return nil }
        return p
    }

    /// Folds a per-channel affine (inference BatchNorm) into the convolution or dense
    /// layer before it, when that layer has no activation: w'·x + b' = s·(w·x + b) + t.
    private mutating func foldAffine() -> Bool {
        let consumers = consumerCounts(), producer = producerIndex()
        for (i, node) in nodes.enumerated() {
            guard case .affine = node.op, let p = soleProducer(of: node.inputs[0], consumers: consumers, producer: producer) else { continue }
            let prev = nodes[p]
            // A Conv1D, ConvND or Dense layer: its weight's last axis is the output channels.
            guard prev.op.weightedLayerActivation == .linear else { continue }
            let outChannels = tensors[prev.inputs[1]].shape.last!
            let scale = floatValues(of: node.inputs[1]), shift = floatValues(of: node.inputs[2])
            if scale.count != outChannels { continue }
            var weight = floatValues(of: prev.inputs[1])
            for j in weight.indices { weight[j] *= scale[j % outChannels] }
            var bias = prev.inputs.count > 2 ? floatValues(of: prev.inputs[2]) : [Float](repeating: 0, count: outChannels)
            for c in 0..<outChannels { bias[c] = bias[c] * scale[c] + shift[c] }
            let w = addConstant(name: tensors[prev.inputs[1]].name, shape: tensors[prev.inputs[1]].shape, values: weight)
            let b = addConstant(name: prev.name + "/bias", shape: [outChannels], values: bias)
            nodes[p].inputs = [prev.inputs[0], w, b]
            nodes[p].outputs = node.outputs
            nodes.remove(at: i)
            return true
        }
        return false
    }

    /// Folds the addition (or subtraction) of a per-channel constant into the bias of
    /// the convolution or dense layer before it, as exporters that split BiasAdd emit.
    private mutating func foldBiasAdd() -> Bool {
        let consumers = consumerCounts(), producer = producerIndex()
        for (i, node) in nodes.enumerated() {
            let sign: Float
            let activation: Activation
            if case .add(let a) = node.op {
                sign = 1; activation = a
            } else if case .sub(let a) = node.op {
                sign = -1; activation = a
            } else {
                continue
            }
            // The constant may be either operand of an addition, only the second of a subtraction.
            for (x, c) in [(0, 1), (1, 0)] where !(sign < 0 && x == 1) {
                let constant = tensors[node.inputs[c]]
                guard constant.isConstant, constant.dtype == .float32, !tensors[node.inputs[x]].isConstant,
                      let p = soleProducer(of: node.inputs[x], consumers: consumers, producer: producer) else { continue }
                let prev = nodes[p]
                // A Conv1D or Dense layer (not ConvND): its weight's last axis is the output channels.
                guard prev.op.weightedLayerActivation == .linear, prev.op.tag != .convND else { continue }
                let channels = tensors[prev.inputs[1]].shape.last!
                // Only a constant that varies along channels alone: shape [C] or [1, …, C].
                if constant.elementCount != channels || constant.shape.last != channels { continue }
                let values = floatValues(of: node.inputs[c])
                var bias = prev.inputs.count > 2 ? floatValues(of: prev.inputs[2]) : [Float](repeating: 0, count: channels)
                for j in 0..<channels { bias[j] += sign * values[j] }
                let b = addConstant(name: prev.name + "/bias", shape: [channels], values: bias)
                nodes[p].inputs = [prev.inputs[0], prev.inputs[1], b]
                nodes[p].op = prev.op.fusing(activation)!
                nodes[p].outputs = node.outputs
                nodes.remove(at: i)
                return true
            }
        }
        return false
    }

    /// Folds a ZeroPadding1D into the Conv1D that alone reads it (Keras ZeroPadding1D,
    /// ONNX Pad before a causal convolution): the convolution pads explicitly instead.
    private mutating func foldZeroPadding() -> Bool {
        let consumers = consumerCounts(), producer = producerIndex()
        for (i, node) in nodes.enumerated() {
            guard case .conv1D(var a) = node.op, let p = soleProducer(of: node.inputs[0], consumers: consumers, producer: producer),
                  case .zeroPadding1D(let left, let right) = nodes[p].op else { continue }
            let length = tensors[node.inputs[0]].shape[0]
            let (l, r) = a.padding.amounts(length: length, kernel: a.kernelSize, stride: a.stride, dilation: a.dilation)
            switch a.padding {
            case .valid, .explicit: break
            case .same, .causal: continue  // amounts that depend on the padded length
            }
            a.padding = .explicit(left: l + left, right: r + right)
            nodes[i].op = .conv1D(a)
            nodes[i].inputs[0] = nodes[p].inputs[0]
            nodes.remove(at: p)
            return true
        }
        return false
    }

    /// Drops reshapes that keep the shape, and merges a reshape of a reshape: both only
    /// relabel the same bytes, and each costs a copy at run time.
    private mutating func removeRedundantReshapes() -> Bool {
        let consumers = consumerCounts(), producer = producerIndex()
        for (i, node) in nodes.enumerated() {
            guard case .reshape = node.op else { continue }
            let input = node.inputs[0], output = node.outputs[0]
            if let p = soleProducer(of: input, consumers: consumers, producer: producer), case .reshape = nodes[p].op {
                nodes[i].inputs = [nodes[p].inputs[0]]
                nodes.remove(at: p)
                return true
            }
            if tensors[input].shape == tensors[output].shape && !outputs.contains(output) {
                for j in nodes.indices {
                    for k in nodes[j].inputs.indices where nodes[j].inputs[k] == output { nodes[j].inputs[k] = input }
                }
                nodes.remove(at: i)
                return true
            }
        }
        return false
    }

    /// Moves a standalone activation into the op before it when that op applies none.
    private mutating func fuseActivation() -> Bool {
        let consumers = consumerCounts(), producer = producerIndex()
        for (i, node) in nodes.enumerated() {
            guard case .activation(let act) = node.op, let p = soleProducer(of: node.inputs[0], consumers: consumers, producer: producer) else { continue }
            // An int8 op applies only clamps; a sigmoid or tanh stays its own (table) op.
            if tensors[node.inputs[0]].dtype == .int8 && !act.isClamp { continue }
            guard nodes[p].op.fusedActivation == .linear, let op = nodes[p].op.fusing(act) else { continue }
            nodes[p].op = op
            nodes[p].outputs = node.outputs
            nodes.remove(at: i)
            return true
        }
        return false
    }

    /// Drops nodes none of whose outputs reach a graph output.
    private mutating func removeDeadNodes() {
        var live = [Bool](repeating: false, count: tensors.count)
        for id in outputs { live[id] = true }
        var keep = [Bool](repeating: false, count: nodes.count)
        for i in stride(from: nodes.count - 1, through: 0, by: -1) where nodes[i].outputs.contains(where: { live[$0] }) {
            keep[i] = true
            for id in nodes[i].inputs { live[id] = true }
        }
        var kept: [Node] = []
        for (i, node) in nodes.enumerated() where keep[i] { kept.append(node) }
        nodes = kept
    }

    /// Renumbers tensors to those still referenced and repacks constant data.
    private mutating func compact() {
        var used = [Bool](repeating: false, count: tensors.count)
        for id in inputs { used[id] = true }
        for id in outputs { used[id] = true }
        for node in nodes {
            for id in node.inputs { used[id] = true }
            for id in node.outputs { used[id] = true }
        }
        var newID = [Int](repeating: -1, count: tensors.count)
        var newTensors: [TensorDescriptor] = []
        var newData: [UInt8] = []
        for (id, t) in tensors.enumerated() where used[id] {
            var t = t
            if case .constant(let offset) = t.storage {
                let align = Graph.constantAlignment
                let at = (newData.count + align - 1) / align * align
                newData.append(contentsOf: [UInt8](repeating: 0, count: at - newData.count))
                newData.append(contentsOf: constantData[offset..<(offset + t.byteCount)])
                t.storage = .constant(offset: at)
            }
            newID[id] = newTensors.count
            newTensors.append(t)
        }
        tensors = newTensors
        constantData = newData
        inputs = inputs.map { newID[$0] }
        outputs = outputs.map { newID[$0] }
        for i in nodes.indices {
            nodes[i].inputs = nodes[i].inputs.map { newID[$0] }
            nodes[i].outputs = nodes[i].outputs.map { newID[$0] }
        }
    }
}
