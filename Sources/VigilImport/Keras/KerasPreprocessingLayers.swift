import VigilRuntime

/// Layers that ship preprocessing inside the model (Keras 3 `Rescaling`,
/// `Normalization`) and activation layers with arguments (`ELU`). Each per-channel
/// transform becomes one affine node over the last axis.
extension KerasGraphTranslator {
    /// A number, or one number per channel, of a layer argument.
    func perChannel(_ value: KerasJSON, layer: KerasLayer, argument: String, channels: Int) throws(ImportError) -> [Float] {
        var numbers: [Double] = []
        func flatten(_ v: KerasJSON) -> Bool {
            if let d = v.double { numbers.append(d); return numbers.count <= channels }
            if let a = v.array { return a.allSatisfy(flatten) }
            return false
        }
        guard flatten(value), numbers.allSatisfy(\.isFinite) else {
            throw .unsupportedAttribute(node: layer.name, reason: "\(layer.className) \(argument) = \(value) is not a finite number or one per channel")
        }
        if numbers.count == 1 { return [Float](repeating: Float(numbers[0]), count: channels) }
        guard numbers.count == channels else {
            throw .unsupportedAttribute(node: layer.name, reason: "\(layer.className) \(argument) has \(numbers.count) values for \(channels) channels")
        }
        return numbers.map { Float($0) }
    }

    mutating func affine(_ x: TensorID, scale: [Float], shift: [Float], name: String) -> TensorID {
        let s = builder.constant(name + "/scale", shape: [scale.count], values: scale)
        let t = builder.constant(name + "/shift", shape: [shift.count], values: shift)
        return builder.node(.affine, [x, s, t], name: name)
    }

    /// Keras `Rescaling`: x·scale + offset, each a number or one per channel.
    mutating func rescaling(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        guard let channels = x.shape.last else { throw .shapeMismatch(node: layer.name, reason: "Rescaling needs an input with a channel axis") }
        let scale = try perChannel(layer.value("scale") ?? .number(1), layer: layer, argument: "scale", channels: channels)
        let offset = try perChannel(layer.value("offset") ?? .number(0), layer: layer, argument: "offset", channels: channels)
        return affine(x.id, scale: scale, shift: offset, name: call.nodeName)
    }

    /// Keras 3 `Normalization` over the last axis (or all axes, `axis: null`):
    /// (x − mean) / max(√variance, ε), or with `invert` mean + x·max(√variance, ε), with
    /// ε = 1e-7 (Keras' backend epsilon). Mean and variance come from the config when
    /// the model was built with them, else from the adapted weights (mean, variance,
    /// count).
    mutating func normalization(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        guard let channels = x.shape.last else { throw .shapeMismatch(node: layer.name, reason: "Normalization needs an input with a channel axis") }
        let axisValue = layer.config["axis"] ?? .number(-1)
        let perChannelAxis: Bool
        if axisValue.isNull {
            perChannelAxis = false
        } else {
            guard KerasLayer.namesLastAxis(axisValue, rank: x.shape.count) else {
                throw .unsupportedAttribute(node: layer.name, reason: "Normalization over axis \(axisValue); Vigil normalizes the last (channel) axis, or all axes with axis=None")
            }
            perChannelAxis = true
        }
        let count = perChannelAxis ? channels : 1
        var mean: [Float], variance: [Float]
        if let m = layer.value("mean"), let v = layer.value("variance") {
            mean = try perChannel(m, layer: layer, argument: "mean", channels: count)
            variance = try perChannel(v, layer: layer, argument: "variance", channels: count)
        } else {
            let w = try weights.weights(of: layer, [KerasWeightSpec(name: "mean"), KerasWeightSpec(name: "variance"), KerasWeightSpec(name: "count")])
            mean = w[0].values
            variance = w[1].values
            guard mean.count == count, variance.count == count else {
                throw .shapeMismatch(node: layer.name, reason: "Normalization stores \(mean.count) means and \(variance.count) variances for \(count) channels")
            }
        }
        if count == 1 {
            mean = [Float](repeating: mean[0], count: channels)
            variance = [Float](repeating: variance[0], count: channels)
        }
        var scale = [Float](repeating: 0, count: channels), shift = [Float](repeating: 0, count: channels)
        let invert = try layer.bool("invert", default: false)
        for c in 0..<channels {
            guard mean[c].isFinite, variance[c].isFinite, variance[c] >= 0 else {
                throw .unsupportedAttribute(node: layer.name, reason: "Normalization mean[\(c)] = \(mean[c]), variance[\(c)] = \(variance[c]) is not a finite mean and non-negative variance")
            }
            let deviation = max(variance[c].squareRoot(), 1e-7)
            if invert {
                scale[c] = deviation
                shift[c] = mean[c]
            } else {
                scale[c] = 1 / deviation
                shift[c] = -mean[c] / deviation
            }
        }
        return affine(x.id, scale: scale, shift: shift, name: call.nodeName)
    }

    /// Keras `ELU` layer: alpha defaults to 1.
    mutating func eluLayer(_ call: KerasCall) throws(ImportError) -> TensorID {
        let x = try singleInput(call)
        return builder.activation(x.id, .elu(alpha: try call.layer.float("alpha", default: 1)), name: call.nodeName)
    }
}

extension KerasGraphTranslator {
    /// Keras `LayerNormalization` over the last axis: gamma and beta as stored (or 1 and
    /// 0 without `scale`/`center`), epsilon as configured (Keras' default 1e-3).
    mutating func layerNormalization(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        guard let channels = x.shape.last else { throw .shapeMismatch(node: layer.name, reason: "LayerNormalization needs an input with a channel axis") }
        let axisValue = layer.value("axis") ?? .number(-1)
        guard KerasLayer.namesLastAxis(axisValue, rank: x.shape.count) else {
            throw .unsupportedAttribute(node: layer.name, reason: "LayerNormalization over axis \(axisValue); Vigil normalizes the last axis only")
        }
        if try layer.bool("rms_scaling", default: false) {
            throw .unsupportedAttribute(node: layer.name, reason: "LayerNormalization with rms_scaling is not supported")
        }
        let center = try layer.bool("center", default: true), scale = try layer.bool("scale", default: true)
        let epsilon = try layer.float("epsilon", default: 1e-3)
        guard epsilon >= 0 else { throw .unsupportedAttribute(node: layer.name, reason: "LayerNormalization epsilon \(epsilon) is negative") }
        var specs: [KerasWeightSpec] = []
        if scale { specs.append(KerasWeightSpec(name: "gamma")) }
        if center { specs.append(KerasWeightSpec(name: "beta")) }
        let w = try weights.weights(of: layer, specs)
        for weight in w { try weight.expectShape([channels], layer: layer.name) }
        let gamma = scale ? w[0].values : [Float](repeating: 1, count: channels)
        let beta = center ? w[scale ? 1 : 0].values : [Float](repeating: 0, count: channels)
        let s = builder.constant(call.nodeName + "/gamma", shape: [channels], values: gamma)
        let b = builder.constant(call.nodeName + "/beta", shape: [channels], values: beta)
        return builder.node(.layerNormalization(epsilon: epsilon), [x.id, s, b], name: call.nodeName)
    }
}

extension KerasGraphTranslator {
    /// Keras `PReLU`: x ≥ 0 ? x : alpha·x (Vigil's PRelu) with the learned alpha, whose
    /// axes in `shared_axes` are 1 (broadcast).
    mutating func preluLayer(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        let alpha = try weights.weights(of: layer, [KerasWeightSpec(name: "alpha")])[0]
        var shape = alpha.shape
        while shape.count > x.shape.count, shape.first == 1 { shape.removeFirst() }
        guard shape.count == x.shape.count, zip(shape, x.shape).allSatisfy({ $0 == $1 || $0 == 1 }) else {
            throw .shapeMismatch(node: layer.name, reason: "PReLU alpha of shape \(alpha.shape) does not broadcast to the input \(x.shape)")
        }
        let slope = builder.constant(alpha.name, shape: shape, values: alpha.values)
        return builder.node(.prelu(activation: .linear), [x.id, slope], name: call.nodeName)
    }
}

extension KerasGraphTranslator {
    /// Keras `UnitNormalization` over the last axis: x / √max(Σx², 1e-12), as Keras'
    /// `ops.normalize` computes it, built from elementwise ops and a Dense by ones
    /// (the sum of squares).
    mutating func unitNormalization(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        guard let channels = x.shape.last else { throw .shapeMismatch(node: layer.name, reason: "UnitNormalization needs an input with a channel axis") }
        let axisValue = layer.value("axis") ?? .number(-1)
        guard KerasLayer.namesLastAxis(axisValue, rank: x.shape.count) else {
            throw .unsupportedAttribute(node: layer.name, reason: "UnitNormalization over axis \(axisValue); Vigil normalizes the last axis only")
        }
        let name = call.nodeName
        let squares = builder.node(.mul(activation: .linear), [x.id, x.id], name: name + "/squares")
        let ones = builder.constant(name + "/ones", shape: [channels, 1], values: [Float](repeating: 1, count: channels))
        let sum = builder.dense(squares, weight: ones, name: name + "/sum")
        let floor = builder.constant(name + "/epsilon", shape: [1], values: [Float(1e-12)])
        let bounded = builder.node(.maximum(activation: .linear), [sum, floor], name: name + "/bounded")
        let norm = builder.activation(bounded, .squareRoot, name: name + "/norm")
        let inverse = builder.activation(norm, .reciprocal, name: name + "/inverse")
        return builder.node(.mul(activation: .linear), [x.id, inverse], name: name)
    }
}
