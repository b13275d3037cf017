import VigilRuntime

/// GRU and LSTM. Keras' weight layouts and gate orders are Vigil's: kernel
/// [features, gates·units], recurrent kernel [units, gates·units]; GRU gates z, r, h
/// with bias [2, 3·units] when reset_after (input and recurrent biases), LSTM gates
/// i, f, c, o with bias [4·units].
extension KerasGraphTranslator {
    mutating func recurrent(_ call: KerasCall, gates: Int) throws(ImportError) -> TensorID {
        let layer = call.layer
        try layer.requireFalse("return_state", because: "Vigil's recurrent ops return the hidden sequence or the last hidden state only")
        try layer.requireFalse("go_backwards", because: "the reversed sequence is not supported")
        try layer.requireFalse("stateful", because: "state carried between batches is not supported; export with stateful=False")
        try layer.requireFalse("time_major", because: "Vigil's sequences are batch-major (batch, time, features)")
        let x = try singleInput(call, rank: 2)
        let units = try layer.int("units")
        if units < 1 { throw .unsupportedAttribute(node: layer.name, reason: "units \(units) must be ≥ 1") }
        let useBias = try layer.bool("use_bias", default: true)
        // Keras before 2.3 had no reset_after and computed it the old way.
        let resetAfter = gates == 3 ? try layer.bool("reset_after", default: false) : false
        let activation = try layer.activation(dialect: dialect)
        let recurrentActivation = try layer.activation("recurrent_activation", dialect: dialect)
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
        let attributes = RecurrentAttributes(units: units, returnSequences: try layer.bool("return_sequences", default: false),
                                             activation: cellActivation, recurrentActivation: gateActivation, resetAfter: resetAfter)
        return builder.node(gates == 3 ? .gru(attributes) : .lstm(attributes), inputs, name: call.nodeName)
    }
}
