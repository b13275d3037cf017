import VigilRuntime

/// SimpleRNN, GRU and LSTM (and Bidirectional around them). Keras' weight layouts and gate orders are Vigil's: kernel
/// [features, gates·units], recurrent kernel [units, gates·units]; GRU gates z, r, h
/// with bias [2, 3·units] when reset_after (input and recurrent biases), LSTM gates
/// i, f, c, o with bias [4·units].
extension KerasGraphTranslator {
    mutating func recurrent(_ call: KerasCall, gates: Int, direction: RecurrentDirection = .forward) throws(ImportError) -> TensorID {
        let layer = call.layer
        try layer.requireFalse("return_state", because: "Vigil's recurrent ops return the hidden sequence or the last hidden state only")
        if direction == .forward {
            try layer.requireFalse("go_backwards", because: "a lone reversed layer returns its sequence reversed; wrap it in Bidirectional")
        }
        try layer.requireFalse("stateful", because: "state carried between batches is not supported; export with stateful=False")
        try layer.requireFalse("time_major", because: "Vigil's sequences are batch-major (batch, time, features)")
        let x = try singleInput(call, rank: 2)
        let units = try layer.int("units")
        if units < 1 { throw .unsupportedAttribute(node: layer.name, reason: "units \(units) must be ≥ 1") }
        let useBias = try layer.bool("use_bias", default: true)
        // Keras before 2.3 had no reset_after and computed it the old way.
        let resetAfter = gates == 3 ? try layer.bool("reset_after", default: false) : false
        let activation = try layer.activation(dialect: dialect)
        // A SimpleRNN has one activation and no gates.
        let recurrentActivation = gates == 1 ? KerasActivation.elementwise(.sigmoid) : try layer.activation("recurrent_activation", dialect: dialect)
        guard case .elementwise(let cellActivation) = activation, case .elementwise(let gateActivation) = recurrentActivation else {
            throw .unsupportedAttribute(node: layer.name, reason: "softmax as a recurrent activation is not supported")
        }
        var specs = [KerasWeightSpec(name: "kernel"), KerasWeightSpec(name: "recurrent_kernel")]
        if useBias { specs.append(KerasWeightSpec(name: "bias")) }
        let w = try weights.weights(of: layer, specs)
        try w[0].expectShape([x.shape[1], gates * units], layer: layer.name)
        try w[1].expectShape([units, gates * units], layer: layer.name)
        if useBias { try w[2].expectShape(resetAfter ? [2, gates * units] : [gates * units], layer: layer.name) }
        var inputs = [x.id, constant(w[0]), constant(w[1])]
        if useBias { inputs.append(constant(w[2])) }
        var attributes = RecurrentAttributes(units: units, returnSequences: try layer.bool("return_sequences", default: false),
                                             activation: cellActivation, recurrentActivation: gateActivation, resetAfter: resetAfter)
        attributes.direction = direction
        let op: Op = switch gates {
        case 1: .simpleRNN(attributes)
        case 3: .gru(attributes)
        default: .lstm(attributes)
        }
        return builder.node(op, inputs, name: call.nodeName)
    }
}

extension KerasGraphTranslator {
    /// Keras `Bidirectional(GRU | LSTM)`: the forward layer and the backward one (run
    /// from the last step to the first, each step's state kept at its own position, as
    /// Keras flips the backward sequence back) as two recurrent nodes, then merged:
    /// concat (forward first), sum, mul or ave.
    mutating func bidirectional(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        guard let inner = layer.config["layer"], let innerClass = inner["class_name"]?.string, let innerConfig = inner["config"] else {
            throw .malformedFile(path: path, reason: "Bidirectional layer '\(layer.name)' has no wrapped layer")
        }
        let gates: Int
        switch innerClass {
        case "SimpleRNN": gates = 1
        case "GRU": gates = 3
        case "LSTM": gates = 4
        default: throw .unsupportedOp(node: layer.name, type: "Bidirectional(\(innerClass))", supported: ["Bidirectional(SimpleRNN)", "Bidirectional(GRU)", "Bidirectional(LSTM)"])
        }
        let backwardConfig = layer.config["backward_layer"]?["config"] ?? innerConfig
        func sublayer(_ config: KerasJSON, _ role: String, _ fallbackScope: String) -> KerasLayer {
            var config = config
            if case .object(var o) = config { o["go_backwards"] = .bool(false); config = .object(o) }
            let scope = config["name"]?.string ?? fallbackScope
            var sub = KerasLayer(name: "\(layer.name)/\(role)", className: innerClass, config: config, calls: layer.calls,
                                 archivePath: "\(layer.archivePath)/\(role)_layer")
            sub.wrapper = (group: layer.name, scope: scope)
            return sub
        }
        let innerName = innerConfig["name"]?.string ?? "forward_\(innerClass.lowercased())"
        let forward = sublayer(innerConfig, "forward", innerName)
        let backward = sublayer(backwardConfig, "backward", innerName.replacingOccurrences(of: "forward_", with: "backward_"))
        let f = try recurrent(KerasCall(layer: forward, inputs: call.inputs, index: call.index), gates: gates, direction: .forward)
        let b = try recurrent(KerasCall(layer: backward, inputs: call.inputs, index: call.index), gates: gates, direction: .reverse)
        let mode = layer.value("merge_mode")?.string
        switch mode {
        case "concat"?: return builder.node(.concatenate(axis: -1), [f, b], name: call.nodeName)
        case "sum"?: return builder.node(.add(activation: .linear), [f, b], name: call.nodeName)
        case "mul"?: return builder.node(.mul(activation: .linear), [f, b], name: call.nodeName)
        case "ave"?:
            let sum = builder.node(.add(activation: .linear), [f, b], name: call.nodeName + "/sum")
            let half = builder.constant(call.nodeName + "/half", shape: [1], values: [Float(0.5)])
            return builder.node(.mul(activation: .linear), [sum, half], name: call.nodeName)
        default:
            throw .unsupportedAttribute(node: layer.name, reason: "Bidirectional merge_mode \(layer.value("merge_mode") ?? .null); Vigil merges with concat, sum, mul or ave")
        }
    }
}
