import VigilRuntime

/// Dense, BatchNormalization and the activation layers.
extension KerasGraphTranslator {
    mutating func dense(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        if x.shape.isEmpty { throw .shapeMismatch(node: layer.name, reason: "Dense needs an input with a feature axis") }
        if layer.value("lora_rank") != nil {
            throw .unsupportedAttribute(node: layer.name, reason: "LoRA-enabled Dense; merge the adapters into the kernel before export")
        }
        if layer.value("quantization_config") != nil {
            throw .unsupportedAttribute(node: layer.name, reason: "a quantized Dense; export the float model and quantize with vigil quantize")
        }
        let units = try layer.int("units")
        let useBias = try layer.bool("use_bias", default: true)
        let activation = try layer.activation(dialect: dialect)
        let w = try weights.weights(of: layer, useBias ? [KerasWeightSpec(name: "kernel"), KerasWeightSpec(name: "bias")] : [KerasWeightSpec(name: "kernel")])
        try w[0].expectShape([x.shape.last!, units], layer: layer.name)
        if useBias { try w[1].expectShape([units], layer: layer.name) }
        let kernel = constant(w[0]), bias = useBias ? constant(w[1]) : nil
        return finish(builder.dense(x.id, weight: kernel, bias: bias, activation: activation.fused, name: call.nodeName), activation, call)
    }

    /// Inference-mode BatchNormalization over the last axis: a per-channel affine map
    /// that the graph rewriter folds into a preceding linear convolution or Dense.
    mutating func batchNormalization(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        guard let channels = x.shape.last else { throw .shapeMismatch(node: layer.name, reason: "BatchNormalization needs an input with a channel axis") }
        // Keras 3 writes `axis: -1`; Keras 2 the resolved list `[2]`.
        let axisValue = layer.value("axis") ?? .number(-1)
        guard KerasLayer.namesLastAxis(axisValue, rank: x.shape.count) else {
            throw .unsupportedAttribute(node: layer.name, reason: "BatchNormalization over axis \(axisValue); Vigil normalizes the last (channel) axis only")
        }
        let center = try layer.bool("center", default: true), scale = try layer.bool("scale", default: true)
        let epsilon = try layer.float("epsilon", default: 1e-3)
        var specs: [KerasWeightSpec] = []
        if scale { specs.append(KerasWeightSpec(name: "gamma")) }
        if center { specs.append(KerasWeightSpec(name: "beta")) }
        specs += [KerasWeightSpec(name: "moving_mean"), KerasWeightSpec(name: "moving_variance")]
        let w = try weights.weights(of: layer, specs)
        for weight in w { try weight.expectShape([channels], layer: layer.name) }
        let gamma = scale ? w[0].values : [Float](repeating: 1, count: channels)
        let beta = center ? w[scale ? 1 : 0].values : [Float](repeating: 0, count: channels)
        let mean = w[w.count - 2].values, variance = w[w.count - 1].values
        for (c, v) in variance.enumerated() where !(v + epsilon > 0) {
            throw .unsupportedAttribute(node: layer.name, reason: "moving_variance[\(c)] + epsilon = \(v + epsilon) is not positive")
        }
        return builder.batchNormalization(x.id, gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: epsilon, name: call.nodeName)
    }

    mutating func activationLayer(_ call: KerasCall) throws(ImportError) -> TensorID {
        let x = try singleInput(call)
        switch try call.layer.activation(dialect: dialect) {
        case .elementwise(.linear): return x.id
        case .elementwise(let a): return builder.activation(x.id, a, name: call.nodeName)
        case .softmax: return builder.node(.softmax(axis: -1), [x.id], name: call.nodeName)
        case .logSoftmax: return builder.node(.logSoftmax(axis: -1), [x.id], name: call.nodeName)
        }
    }

    /// Keras ReLU: max_value if x ≥ max_value, x if threshold ≤ x, else
    /// negative_slope·(x − threshold). Mappable while the threshold is 0.
    mutating func reluLayer(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        let maxValue = try layer.optionalFloat("max_value")
        let slope = try layer.float("negative_slope", default: 0)
        let threshold = try layer.float("threshold", default: 0)
        if threshold != 0 {
            throw .unsupportedAttribute(node: layer.name, reason: "ReLU threshold \(threshold); only threshold 0 is supported")
        }
        if let maxValue, maxValue < 0 {
            throw .unsupportedAttribute(node: layer.name, reason: "ReLU max_value \(maxValue) is negative")
        }
        if slope == 0 {
            switch maxValue {
            case nil: return builder.activation(x.id, .relu, name: call.nodeName)
            case 6?: return builder.activation(x.id, .relu6, name: call.nodeName)
            case let m?: return builder.activation(x.id, .clip(min: 0, max: m), name: call.nodeName)
            }
        }
        guard let maxValue else { return builder.activation(x.id, .leakyRelu(alpha: slope), name: call.nodeName) }
        let leaky = builder.activation(x.id, .leakyRelu(alpha: slope), name: call.nodeName + "/leaky")
        return builder.activation(leaky, .clip(min: -Float.infinity, max: maxValue), name: call.nodeName)
    }

    mutating func leakyReluLayer(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        // Keras 3 says negative_slope, Keras 2 alpha; both default to 0.3.
        let slope = layer.value("negative_slope") != nil ? try layer.float("negative_slope") : try layer.float("alpha", default: 0.3)
        return builder.activation(x.id, .leakyRelu(alpha: slope), name: call.nodeName)
    }

    mutating func softmaxLayer(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        let axisValue = layer.value("axis") ?? .number(-1)
        guard KerasLayer.namesLastAxis(axisValue, rank: x.shape.count) else {
            throw .unsupportedAttribute(node: layer.name, reason: "Softmax over axis \(axisValue); Vigil's softmax runs over the last axis only")
        }
        return builder.node(.softmax(axis: -1), [x.id], name: call.nodeName)
    }
}
