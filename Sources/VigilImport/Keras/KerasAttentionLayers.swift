import VigilRuntime

/// Products between sequences (Keras `Dot`, `Attention`) on Vigil's MatMul of two
/// run-time [M, K]·[K, N] operands, and `TimeDistributed(Dense)`.
extension KerasGraphTranslator {
    /// `x` with its two per-sample axes swapped.
    private mutating func swapped(_ x: TensorID, name: String) -> TensorID {
        builder.node(.transpose(permutation: [1, 0]), [x], name: name)
    }

    /// Keras `Dot` of two sequences ([T, F] and [S, F] per sample) along `axes` (1 or 2
    /// each, the batch being 0): the product of the first's free axis with the second's.
    mutating func dot(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        guard call.inputs.count == 2 else { throw .unsupportedAttribute(node: layer.name, reason: "Dot takes two inputs, the model passes \(call.inputs.count)") }
        let a = (id: call.inputs[0], shape: shape(of: call.inputs[0])), b = (id: call.inputs[1], shape: shape(of: call.inputs[1]))
        guard a.shape.count == 2, b.shape.count == 2 else {
            throw .shapeMismatch(node: layer.name, reason: "Dot of \(a.shape) and \(b.shape): Vigil multiplies two sequences (rank 3 with the batch)")
        }
        if try layer.bool("normalize", default: false) { throw .unsupportedAttribute(node: layer.name, reason: "Dot with normalize=True is not supported") }
        let value = layer.value("axes") ?? .null
        let axes: [Int]
        if let i = value.int { axes = [i, i] } else if let list = value.array?.compactMap(\.int), list.count == 2 { axes = list } else {
            throw .unsupportedAttribute(node: layer.name, reason: "Dot axes \(value) is not an axis or a pair")
        }
        let ka = axes[0] < 0 ? axes[0] + 3 : axes[0], kb = axes[1] < 0 ? axes[1] + 3 : axes[1]
        guard (1...2).contains(ka), (1...2).contains(kb), a.shape[ka - 1] == b.shape[kb - 1] else {
            throw .shapeMismatch(node: layer.name, reason: "Dot axes \(axes) do not pair equal lengths of \(a.shape) and \(b.shape)")
        }
        let left = ka == 2 ? a.id : swapped(a.id, name: call.nodeName + "/left")
        let right = kb == 1 ? b.id : swapped(b.id, name: call.nodeName + "/right")
        return builder.node(.matMul, [left, right], name: call.nodeName)
    }

    /// Keras `Attention` (Luong, `score_mode="dot"`): softmax(scale · Q·Kᵀ)·V over the
    /// inputs [query, value] or [query, value, key], the key defaulting to the value.
    /// Dropout is a training-time effect; masks are not supported.
    mutating func attention(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        guard (2...3).contains(call.inputs.count) else {
            throw .unsupportedAttribute(node: layer.name, reason: "Attention takes [query, value] or [query, value, key], the model passes \(call.inputs.count) inputs")
        }
        let scoreMode = try layer.string("score_mode", default: "dot")
        guard scoreMode == "dot" else { throw .unsupportedAttribute(node: layer.name, reason: "Attention score_mode '\(scoreMode)'; Vigil computes 'dot'") }
        if try layer.bool("use_causal_mask", default: false) { throw .unsupportedAttribute(node: layer.name, reason: "Attention with a causal mask is not supported") }
        let query = call.inputs[0], value = call.inputs[1], key = call.inputs.count == 3 ? call.inputs[2] : call.inputs[1]
        let q = shape(of: query), v = shape(of: value), k = shape(of: key)
        guard q.count == 2, v.count == 2, k.count == 2, q[1] == k[1], k[0] == v[0] else {
            throw .shapeMismatch(node: layer.name, reason: "Attention of query \(q), value \(v), key \(k): sequences [T, F] with the query's and key's features equal and the key as long as the value")
        }
        var scores = builder.node(.matMul, [query, swapped(key, name: call.nodeName + "/key_t")], name: call.nodeName + "/scores")
        if try layer.bool("use_scale", default: false) {
            let scale = try weights.weights(of: layer, [KerasWeightSpec(name: "scale")])[0]
            guard scale.values.count == 1 else { throw .shapeMismatch(node: layer.name, reason: "Attention scale has \(scale.values.count) values, not 1") }
            let s = builder.constant(call.nodeName + "/scale", shape: [1], values: scale.values)
            scores = builder.node(.mul(activation: .linear), [scores, s], name: call.nodeName + "/scaled")
        }
        let distribution = builder.node(.softmax(axis: -1), [scores], name: call.nodeName + "/softmax")
        return builder.node(.matMul, [distribution, value], name: call.nodeName)
    }

    /// Keras `TimeDistributed(Dense)`: the Dense applied at every step, which is what
    /// Vigil's Dense does over the last axis of a sequence.
    mutating func timeDistributed(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        guard let inner = layer.config["layer"], let innerClass = inner["class_name"]?.string, let innerConfig = inner["config"] else {
            throw .malformedFile(path: path, reason: "TimeDistributed layer '\(layer.name)' has no wrapped layer")
        }
        guard innerClass == "Dense" else {
            throw .unsupportedOp(node: layer.name, type: "TimeDistributed(\(innerClass))", supported: ["TimeDistributed(Dense)"])
        }
        var sub = KerasLayer(name: layer.name, className: innerClass, config: innerConfig, calls: layer.calls, archivePath: layer.archivePath + "/layer")
        sub.wrapper = (group: layer.name, scope: innerConfig["name"]?.string ?? "dense")
        return try dense(KerasCall(layer: sub, inputs: call.inputs, index: call.index))
    }
}

extension KerasGraphTranslator {
    /// Keras `MultiHeadAttention` over sequences ([query, value] or [query, value,
    /// key]): the query, key and value projections as Dense layers (the query's scaled
    /// by 1/√key_dim, as Keras scales the projected query), then per head a slice of
    /// each projection, softmax(Q·Kᵀ)·V, the heads concatenated and projected back.
    mutating func multiHeadAttention(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        guard (2...3).contains(call.inputs.count) else {
            throw .unsupportedAttribute(node: layer.name, reason: "MultiHeadAttention takes query, value and an optional key; the model passes \(call.inputs.count) inputs")
        }
        if try layer.bool("use_gate", default: false) { throw .unsupportedAttribute(node: layer.name, reason: "MultiHeadAttention with use_gate is not supported") }
        if layer.value("sliding_window") != nil { throw .unsupportedAttribute(node: layer.name, reason: "MultiHeadAttention with a sliding window is not supported") }
        if layer.value("output_shape") != nil { throw .unsupportedAttribute(node: layer.name, reason: "MultiHeadAttention with an output_shape is not supported") }
        if let axes = layer.value("attention_axes"), axes.array?.compactMap(\.int) != [1], axes.int != 1 {
            throw .unsupportedAttribute(node: layer.name, reason: "MultiHeadAttention over attention_axes \(axes); Vigil attends over the sequence axis (1)")
        }
        let heads = try layer.int("num_heads"), keyDim = try layer.int("key_dim")
        let valueDim = layer.value("value_dim") == nil ? keyDim : try layer.int("value_dim")
        guard heads >= 1, keyDim >= 1, valueDim >= 1, heads <= 1024 else {
            throw .unsupportedAttribute(node: layer.name, reason: "num_heads \(heads), key_dim \(keyDim), value_dim \(valueDim) out of range")
        }
        let useBias = try layer.bool("use_bias", default: true)
        let query = call.inputs[0], value = call.inputs[1], key = call.inputs.count == 3 ? call.inputs[2] : call.inputs[1]
        let q = shape(of: query), v = shape(of: value), k = shape(of: key)
        guard q.count == 2, v.count == 2, k.count == 2, k[0] == v[0] else {
            throw .shapeMismatch(node: layer.name, reason: "MultiHeadAttention of query \(q), value \(v), key \(k): sequences [T, F] with the key as long as the value")
        }

        func projection(_ role: String, scope: String, input: TensorID, features: Int, dim: Int, scale: Float = 1) throws(ImportError) -> TensorID {
            var sub = KerasLayer(name: "\(layer.name)/\(scope)", className: "EinsumDense", config: .object([:]), calls: layer.calls,
                                 archivePath: "\(layer.archivePath)/\(role)_dense")
            sub.wrapper = (group: layer.name, scope: scope)
            let w = try weights.weights(of: sub, useBias ? [KerasWeightSpec(name: "kernel"), KerasWeightSpec(name: "bias")] : [KerasWeightSpec(name: "kernel")])
            try w[0].expectShape([features, heads, dim], layer: sub.name)
            if useBias { try w[1].expectShape([heads, dim], layer: sub.name) }
            let kernel = builder.constant(sub.name + "/kernel", shape: [features, heads * dim], values: w[0].values.map { $0 * scale })
            let bias = useBias ? builder.constant(sub.name + "/bias", shape: [heads * dim], values: w[1].values.map { $0 * scale }) : nil
            return builder.dense(input, weight: kernel, bias: bias, name: call.nodeName + "/" + scope)
        }
        let qp = try projection("query", scope: "query", input: query, features: q[1], dim: keyDim, scale: 1 / Float(keyDim).squareRoot())
        let kp = try projection("key", scope: "key", input: key, features: k[1], dim: keyDim)
        let vp = try projection("value", scope: "value", input: value, features: v[1], dim: valueDim)
        var outputs: [TensorID] = []
        for h in 0..<heads {
            let name = "\(call.nodeName)/head\(h)"
            let qh = builder.node(.slice(starts: [0, h * keyDim], steps: [1, 1], sizes: [q[0], keyDim]), [qp], name: name + "/query")
            let kh = builder.node(.slice(starts: [0, h * keyDim], steps: [1, 1], sizes: [k[0], keyDim]), [kp], name: name + "/key")
            let vh = builder.node(.slice(starts: [0, h * valueDim], steps: [1, 1], sizes: [v[0], valueDim]), [vp], name: name + "/value")
            let scores = builder.node(.matMul, [qh, builder.node(.transpose(permutation: [1, 0]), [kh], name: name + "/key_t")], name: name + "/scores")
            let weightsH = builder.node(.softmax(axis: -1), [scores], name: name + "/softmax")
            outputs.append(builder.node(.matMul, [weightsH, vh], name: name))
        }
        let merged = heads == 1 ? outputs[0] : builder.node(.concatenate(axis: -1), outputs, name: call.nodeName + "/heads")
        var out = KerasLayer(name: "\(layer.name)/attention_output", className: "EinsumDense", config: .object([:]), calls: layer.calls,
                             archivePath: "\(layer.archivePath)/output_dense")
        out.wrapper = (group: layer.name, scope: "attention_output")
        let w = try weights.weights(of: out, useBias ? [KerasWeightSpec(name: "kernel"), KerasWeightSpec(name: "bias")] : [KerasWeightSpec(name: "kernel")])
        guard w[0].shape.count == 3, w[0].shape[0] == heads, w[0].shape[1] == valueDim else {
            throw .shapeMismatch(node: out.name, reason: "weight '\(w[0].name)' has shape \(w[0].shape), expected [\(heads), \(valueDim), features]")
        }
        let features = w[0].shape[2]
        if useBias { try w[1].expectShape([features], layer: out.name) }
        let kernel = builder.constant(out.name + "/kernel", shape: [heads * valueDim, features], values: w[0].values)
        let bias = useBias ? builder.constant(out.name + "/bias", shape: [features], values: w[1].values) : nil
        return builder.dense(merged, weight: kernel, bias: bias, name: call.nodeName)
    }
}
