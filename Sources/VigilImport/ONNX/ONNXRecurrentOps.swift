import VigilRuntime

/// ONNX RNN, GRU and LSTM (zero initial state, any direction, LSTM peepholes) as
/// Keras-semantics Vigil layers: weights are transposed to [features, gates·units] and
/// LSTM gates reordered from ONNX's i, o, f, c to Keras's i, f, c, o; a bidirectional
/// layer keeps its two directions on a leading weight axis.
extension ONNXGraphConverter {
    /// `gates`: 1 for RNN, 3 for GRU, 4 for LSTM.
    mutating func recurrent(_ node: ONNXNode, gates: Int) throws {
        let a = node.attributes
        let isLSTM = gates == 4
        let directionName = try a.string("direction", default: "forward")
        let direction: RecurrentDirection
        switch directionName {
        case "forward": direction = .forward
        case "reverse": direction = .reverse
        case "bidirectional": direction = .bidirectional
        default: throw ImportError.unsupportedAttribute(node: node.name, reason: "direction '\(directionName)'")
        }
        let directions = direction == .bidirectional ? 2 : 1
        if a.has("clip") { throw ImportError.unsupportedAttribute(node: node.name, reason: "cell clipping (clip)") }
        if isLSTM, try a.int("input_forget", default: 0) != 0 {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "input_forget = 1")
        }
        let layout = try a.int("layout", default: 0)
        guard layout == 0 || layout == 1 else { throw ImportError.unsupportedAttribute(node: node.name, reason: "layout \(layout)") }

        let x = try runtimeInput(node, 0)
        guard let w = try constantInput(node, 1, role: "W"), let r = try constantInput(node, 2, role: "R") else {
            throw ImportError.malformedFile(path: path, reason: "\(node.type) '\(node.name)' lacks W or R")
        }
        guard x.rank == 3, w.shape.count == 3, r.shape.count == 3, w.shape[0] == directions, r.shape[0] == directions else {
            throw ImportError.shapeMismatch(node: node.name, reason: "X \(x.shape), W \(w.shape), R \(r.shape) must be rank 3 with \(directions) direction(s)")
        }
        let units = r.shape[2]
        let hiddenSize = try a.int("hidden_size", default: units)
        if hiddenSize != units {
            throw ImportError.shapeMismatch(node: node.name, reason: "hidden_size \(hiddenSize) ≠ R's \(units)")
        }
        let (timeAxis, batchAxis) = layout == 0 ? (0, 1) : (1, 0)
        let features = x.shape[2], steps = x.shape[timeAxis]
        guard w.shape[1] == gates * units, w.shape[2] == features, r.shape[1] == gates * units else {
            throw ImportError.shapeMismatch(node: node.name, reason: "W \(w.shape) / R \(r.shape) do not fit \(gates) gates of \(units) units over \(features) features")
        }
        // X stored as [batch, time, features]; for a graph input this may restart the
        // import with the input stored in that order.
        let xid = try conform(x, to: [batchAxis, timeAxis, 2], node: node, need: "recurrent layers read [batch, time, features] (layout \(layout))")
        if let lengths = try constantInput(node, 4, role: "sequence_lens"), lengths.ints.contains(where: { $0 != Int64(steps) }) {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "sequence_lens shorter than the sequence")
        }
        for (i, role) in (isLSTM ? [(5, "initial_h"), (6, "initial_c")] : [(5, "initial_h")]) {
            if let c = try constantInput(node, i, role: role), c.floats.contains(where: { $0 != 0 }) {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "a non-zero \(role); Vigil's recurrent layers start from zero state")
            }
        }
        var peepholes: ConstantTensor? = nil
        if isLSTM, let p = try constantInput(node, 7, role: "P"), p.floats.contains(where: { $0 != 0 }) {
            guard p.count == directions * 3 * units else {
                throw ImportError.shapeMismatch(node: node.name, reason: "P \(p.shape) ≠ [\(directions), \(3 * units)]")
            }
            peepholes = p
        }
        let (recurrentActivation, activation) = try recurrentActivations(node, gates: gates, directions: directions)
        let linearBeforeReset = try a.int("linear_before_reset", default: 0) != 0 && gates == 3

        // Gate blocks in Keras order, as indices of ONNX's blocks.
        let order = isLSTM ? [0, 2, 3, 1] : Array(0..<gates)
        let lead = directions == 2 ? [2] : []
        func kerasMatrix(_ t: ConstantTensor, columns: Int) -> [Float] {
            // Each direction's [gates·U, columns] → [columns, gates·U] with blocks reordered.
            let v = t.floats, size = columns * gates * units
            var out = [Float](repeating: 0, count: directions * size)
            for d in 0..<directions {
                for (kb, ob) in order.enumerated() {
                    for u in 0..<units { for c in 0..<columns {
                        out[d * size + c * gates * units + kb * units + u] = v[d * size + (ob * units + u) * columns + c]
                    } }
                }
            }
            return out
        }
        func reorder(_ v: ArraySlice<Float>) -> [Float] {
            let base = v.startIndex
            var out: [Float] = []
            for ob in order { out.append(contentsOf: v[(base + ob * units)..<(base + (ob + 1) * units)]) }
            return out
        }
        let kernel = try weight(node.proto.input[1], shape: lead + [features, gates * units], values: kerasMatrix(w, columns: features), tensor: node.proto.input[1])
        let recurrentKernel = try weight(node.proto.input[2], shape: lead + [units, gates * units], values: kerasMatrix(r, columns: units), tensor: node.proto.input[2])
        var inputs = [xid, kernel, recurrentKernel]
        let biasShape = lead + (linearBeforeReset ? [2, gates * units] : [gates * units])
        if let b = try constantInput(node, 3, role: "B") {
            guard b.count == directions * 2 * gates * units else {
                throw ImportError.shapeMismatch(node: node.name, reason: "B \(b.shape) ≠ [\(directions), \(2 * gates * units)]")
            }
            let v = b.floats
            var values: [Float] = []
            for d in 0..<directions {
                let base = d * 2 * gates * units
                let inputBias = reorder(v[base..<(base + gates * units)]), recurrentBias = reorder(v[(base + gates * units)..<(base + 2 * gates * units)])
                // Keras reset_after keeps the recurrent bias inside r ⊙ (h·R + b_R).
                values += linearBeforeReset ? inputBias + recurrentBias : zip(inputBias, recurrentBias).map { $0 + $1 }
            }
            inputs.append(try weight(node.proto.input[3], shape: biasShape, values: values, tensor: node.proto.input[3]))
        } else if linearBeforeReset || peepholes != nil {
            // reset_after needs its bias input; peepholes come after the bias.
            let count = biasShape.reduce(1, *)
            inputs.append(try weight(node.name + "/bias", shape: biasShape, values: [Float](repeating: 0, count: count), tensor: node.name))
        }
        if let p = peepholes {
            // ONNX orders the peepholes i, o, f; Vigil i, f, o.
            let v = p.floats
            var values: [Float] = []
            for d in 0..<directions {
                let base = d * 3 * units
                for block in [0, 2, 1] { values += v[(base + block * units)..<(base + (block + 1) * units)] }
            }
            inputs.append(try weight(node.proto.input[7], shape: lead + [3 * units], values: values, tensor: node.proto.input[7]))
        }

        let cellRead = isLSTM && isRead(node, output: 2)
        for (output, sequences) in [(0, true), (1, false)] where isRead(node, output: output) || (!sequences && cellRead) {
            let attributes = RecurrentAttributes(units: units, returnSequences: sequences, activation: activation,
                                                 recurrentActivation: recurrentActivation, resetAfter: linearBeforeReset,
                                                 direction: direction, peepholes: peepholes != nil)
            let op: Op = switch gates {
            case 1: .simpleRNN(attributes)
            case 3: .gru(attributes)
            default: .lstm(attributes)
            }
            let stateShape = directions == 1 ? [units] : [directions, units]
            let shape = sequences ? [steps] + stateShape : stateShape
            let name = node.name + (sequences ? "" : "/last")
            let id = graph.addTensor(name: name + ":0", shape: shape)
            var outputs = [id]
            // The last-state node also yields the cell state (LSTM Y_c).
            if !sequences && cellRead { outputs.append(graph.addTensor(name: name + ":1", shape: stateShape)) }
            graph.nodes.append(Node(name: name, op: op, inputs: inputs, outputs: outputs))
            if sequences {
                // Y: [T, D, N, U] (layout 0) or [N, T, D, U] (layout 1); Vigil stores [T, U]
                // (one direction) or [T, D, U].
                try setOutput(node, 0, .runtime(layout == 0
                    ? RuntimeValue(id: id, shape: [steps, directions, 1, units], storedAxes: directions == 1 ? [2, 0, 3] : [2, 0, 1, 3])
                    : RuntimeValue(id: id, shape: [1, steps, directions, units], storedAxes: directions == 1 ? [0, 1, 3] : [0, 1, 2, 3])))
            } else {
                // Y_h and Y_c: [D, N, U] (layout 0) or [N, D, U] (layout 1); Vigil stores [U] or [D, U].
                func state(_ id: TensorID) -> RuntimeValue {
                    layout == 0
                        ? RuntimeValue(id: id, shape: [directions, 1, units], storedAxes: directions == 1 ? [1, 2] : [1, 0, 2])
                        : RuntimeValue(id: id, shape: [1, directions, units], storedAxes: directions == 1 ? [0, 2] : [0, 1, 2])
                }
                if isRead(node, output: 1) { try setOutput(node, 1, .runtime(state(id))) }
                if cellRead { try setOutput(node, 2, .runtime(state(outputs[1]))) }
            }
        }
    }

    /// (gate activation f, cell activation g = h) from the `activations` attribute; an
    /// RNN has only the cell activation (its gate activation is unused). A bidirectional
    /// layer lists both directions' activations, which must agree.
    private func recurrentActivations(_ node: ONNXNode, gates: Int, directions: Int) throws -> (Activation, Activation) {
        let a = node.attributes
        let isLSTM = gates == 4
        let perDirection = gates == 1 ? ["Tanh"] : isLSTM ? ["Sigmoid", "Tanh", "Tanh"] : ["Sigmoid", "Tanh"]
        var names = try a.strings("activations") ?? [String]((0..<directions).map { _ in perDirection }.joined())
        let alphas = try a.floats("activation_alpha") ?? [], betas = try a.floats("activation_beta") ?? []
        guard names.count == directions * perDirection.count else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "activations \(names) (\(directions) direction(s) need \(directions * perDirection.count))")
        }
        if directions == 2 {
            let forward = Array(names[..<perDirection.count]), backward = Array(names[perDirection.count...])
            if forward.map({ $0.lowercased() }) != backward.map({ $0.lowercased() }) || !alphas.isEmpty || !betas.isEmpty {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "the two directions' activations differ or take parameters (\(names)); Vigil's bidirectional layers share theirs")
            }
            names = forward
        }
        var alphaIndex = 0, betaIndex = 0
        func next(_ list: [Float], _ index: inout Int, _ fallback: Float) -> Float {
            defer { index += 1 }
            return index < list.count ? list[index] : fallback
        }
        var result: [Activation] = []
        for name in names {
            switch name.lowercased() {
            case "sigmoid": result.append(.sigmoid)
            case "tanh": result.append(.tanh)
            case "relu": result.append(.relu)
            case "leakyrelu": result.append(.leakyRelu(alpha: next(alphas, &alphaIndex, 0.01)))
            case "hardsigmoid":
                let alpha = next(alphas, &alphaIndex, 0.2)
                result.append(.hardSigmoid(alpha: alpha, beta: next(betas, &betaIndex, 0.5)))
            default:
                throw ImportError.unsupportedAttribute(node: node.name, reason: "recurrent activation '\(name)'")
            }
        }
        if isLSTM && result[1] != result[2] {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "LSTM cell and output activations differ (\(names[1]), \(names[2]))")
        }
        return gates == 1 ? (.sigmoid, result[0]) : (result[0], result[1])
    }
}
