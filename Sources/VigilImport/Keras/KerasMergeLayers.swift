import VigilRuntime

/// Concatenate and the elementwise merges (Add, Subtract, Multiply, Average), which
/// take several inputs of one call.
extension KerasGraphTranslator {
    mutating func concatenate(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        if call.inputs.isEmpty { throw .unsupportedAttribute(node: layer.name, reason: "Concatenate has no inputs") }
        let rank = shape(of: call.inputs[0]).count + 1
        let axis = try layer.int("axis", default: -1)
        let resolved = axis < 0 ? axis + rank : axis
        if resolved < 1 || resolved >= rank {
            throw .unsupportedAttribute(node: layer.name, reason: "Concatenate axis \(axis) is the batch axis or outside rank \(rank)")
        }
        if call.inputs.count == 1 { return call.inputs[0] }
        return builder.node(.concatenate(axis: resolved), call.inputs, name: call.nodeName)
    }

    /// A left-to-right chain of binary ops; Subtract takes exactly two inputs.
    mutating func merge(_ call: KerasCall, _ op: Op) throws(ImportError) -> TensorID {
        let layer = call.layer
        if call.inputs.count < 2 || (op == .sub(activation: .linear) && call.inputs.count != 2) {
            throw .unsupportedAttribute(node: layer.name, reason: "\(layer.className) called on \(call.inputs.count) inputs")
        }
        var y = call.inputs[0]
        for (i, x) in call.inputs.dropFirst().enumerated() {
            let last = i == call.inputs.count - 2
            y = builder.node(op, [y, x], name: last ? call.nodeName : "\(call.nodeName)/\(i)")
        }
        return y
    }

    /// The sum of the inputs times 1/n.
    mutating func average(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        if call.inputs.count < 2 { throw .unsupportedAttribute(node: layer.name, reason: "Average called on \(call.inputs.count) inputs") }
        var sum = call.inputs[0]
        for (i, x) in call.inputs.dropFirst().enumerated() {
            sum = builder.node(.add(activation: .linear), [sum, x], name: "\(call.nodeName)/sum\(i)")
        }
        let factor = builder.constant(call.nodeName + "/factor", shape: [1], values: [1 / Float(call.inputs.count)])
        return builder.node(.mul(activation: .linear), [sum, factor], name: call.nodeName)
    }
}
