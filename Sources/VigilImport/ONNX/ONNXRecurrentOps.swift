import VigilRuntime

/// ONNX GRU and LSTM (forward, zero initial state) as Keras-semantics Vigil layers:
/// weights are transposed to [features, gates·units] and LSTM gates reordered from
/// ONNX's i, o, f, c to Keras's i, f, c, o.
extension ONNXGraphConverter {
    mutating func recurrent(_ node: ONNXNode, isLSTM: Bool) throws {
        let a = node.attributes
        let gates = isLSTM ? 4 : 3
        let direction = try a.string("direction", default: "forward")
        if direction != "forward" {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "direction '\(direction)'; Vigil runs forward recurrent layers only")
        }
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
        guard x.rank == 3, w.shape.count == 3, r.shape.count == 3, w.shape[0] == 1, r.shape[0] == 1 else {
            throw ImportError.shapeMismatch(node: node.name, reason: "X \(x.shape), W \(w.shape), R \(r.shape) must be rank 3 with one direction")
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
        if isLSTM, let p = try constantInput(node, 7, role: "P"), p.floats.contains(where: { $0 != 0 }) {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "peephole weights (P); Vigil's LSTM has none")
        }
        let (recurrentActivation, activation) = try recurrentActivations(node, isLSTM: isLSTM)
        let linearBeforeReset = try a.int("linear_before_reset", default: 0) != 0 && !isLSTM

        // Gate blocks in Keras order, as indices of ONNX's blocks.
        let order = isLSTM ? [0, 2, 3, 1] : [0, 1, 2]
        func kerasMatrix(_ t: ConstantTensor, columns: Int) -> [Float] {
            // t [1, gates·U, columns] → [columns, gates·U] with blocks reordered.
            let v = t.floats
            var out = [Float](repeating: 0, count: columns * gates * units)
            for (kb, ob) in order.enumerated() {
                for u in 0..<units { for c in 0..<columns {
                    out[c * gates * units + kb * units + u] = v[(ob * units + u) * columns + c]
                } }
            }
            return out
        }
        func reorder(_ v: ArraySlice<Float>) -> [Float] {
            let base = v.startIndex
            var out: [Float] = []
            for ob in order { out.append(contentsOf: v[(base + ob * units)..<(base + (ob + 1) * units)]) }
            return out
        }
        let kernel = try weight(node.proto.input[1], shape: [features, gates * units], values: kerasMatrix(w, columns: features), tensor: node.proto.input[1])
        let recurrentKernel = try weight(node.proto.input[2], shape: [units, gates * units], values: kerasMatrix(r, columns: units), tensor: node.proto.input[2])
        var inputs = [0, kernel, recurrentKernel]
        if let b = try constantInput(node, 3, role: "B") {
            guard b.count == 2 * gates * units else { throw ImportError.shapeMismatch(node: node.name, reason: "B \(b.shape) ≠ [1, \(2 * gates * units)]") }
            let v = b.floats
            let inputBias = reorder(v[0..<(gates * units)]), recurrentBias = reorder(v[(gates * units)...])
            let name = node.proto.input[3]
            if linearBeforeReset {
                // Keras reset_after keeps the recurrent bias inside r ⊙ (h·R + b_R).
                inputs.append(try weight(name, shape: [2, gates * units], values: inputBias + recurrentBias, tensor: name))
            } else {
                inputs.append(try weight(name, shape: [gates * units], values: zip(inputBias, recurrentBias).map { $0 + $1 }, tensor: name))
            }
        } else if !isLSTM && linearBeforeReset {
            inputs.append(try weight(node.name + "/bias", shape: [2, gates * units], values: [Float](repeating: 0, count: 2 * gates * units), tensor: node.name))
        }
        inputs[0] = xid

        if isLSTM && isRead(node, output: 2) {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "the LSTM cell state output Y_c is used")
        }
        for (output, sequences) in [(0, true), (1, false)] where isRead(node, output: output) {
            let attributes = RecurrentAttributes(units: units, returnSequences: sequences, activation: activation,
                                                 recurrentActivation: recurrentActivation, resetAfter: linearBeforeReset)
            let op: Op = isLSTM ? .lstm(attributes) : .gru(attributes)
            let id = emit(op, inputs, node: node, suffix: sequences ? "" : "/last", shape: sequences ? [steps, units] : [units])
            let value: RuntimeValue
            if sequences {
                // Y: [T, 1, N, U] (layout 0) or [N, T, 1, U] (layout 1).
                value = layout == 0
                    ? RuntimeValue(id: id, shape: [steps, 1, 1, units], storedAxes: [2, 0, 3])
                    : RuntimeValue(id: id, shape: [1, steps, 1, units], storedAxes: [0, 1, 3])
            } else {
                // Y_h: [1, N, U] (layout 0) or [N, 1, U] (layout 1).
                value = layout == 0
                    ? RuntimeValue(id: id, shape: [1, 1, units], storedAxes: [1, 2])
                    : RuntimeValue(id: id, shape: [1, 1, units], storedAxes: [0, 2])
            }
            try setOutput(node, output, .runtime(value))
        }
    }

    /// (gate activation f, cell activation g = h) from the `activations` attribute.
    private func recurrentActivations(_ node: ONNXNode, isLSTM: Bool) throws -> (Activation, Activation) {
        let a = node.attributes
        let names = try a.strings("activations") ?? (isLSTM ? ["Sigmoid", "Tanh", "Tanh"] : ["Sigmoid", "Tanh"])
        let alphas = try a.floats("activation_alpha") ?? [], betas = try a.floats("activation_beta") ?? []
        guard names.count == (isLSTM ? 3 : 2) else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "activations \(names) (one direction needs \(isLSTM ? 3 : 2))")
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
        return (result[0], result[1])
    }
}
