import VigilRuntime

/// Pooling, Flatten, Reshape and ZeroPadding1D: layers that move or reduce values
/// without weights.
extension KerasGraphTranslator {
    mutating func pooling(_ call: KerasCall, max: Bool) throws(ImportError) -> TensorID {
        let layer = call.layer
        try layer.requireChannelsLast()
        let x = try singleInput(call, rank: 2)
        let size = try layer.int("pool_size", default: 2)
        let stride = try layer.int("strides", default: size)
        if size < 1 || stride < 1 {
            throw .unsupportedAttribute(node: layer.name, reason: "pool_size \(size) and strides \(stride) must be ≥ 1")
        }
        let attributes = Pool1DAttributes(poolSize: size, stride: stride, padding: try layer.padding(allowCausal: false))
        return builder.node(max ? .maxPool1D(attributes) : .averagePool1D(attributes), [x.id], name: call.nodeName)
    }

    /// `keepdims=True` keeps the pooled time axis as length 1.
    mutating func globalPooling(_ call: KerasCall, max: Bool) throws(ImportError) -> TensorID {
        let layer = call.layer
        try layer.requireChannelsLast()
        let x = try singleInput(call, rank: 2)
        let keepDims = try layer.bool("keepdims", default: false)
        let pooled = builder.node(max ? .globalMaxPool1D : .globalAveragePool1D, [x.id], name: keepDims ? call.nodeName + "/pool" : call.nodeName)
        return keepDims ? builder.node(.reshape(shape: [1, x.shape[1]]), [pooled], name: call.nodeName) : pooled
    }

    mutating func flatten(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        if x.shape.count <= 1 { return x.id }
        try layer.requireChannelsLast()
        return builder.node(.reshape(shape: [-1]), [x.id], name: call.nodeName)
    }

    mutating func reshape(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        guard let dims = layer.value("target_shape")?.dimensions, !dims.isEmpty else {
            throw .unsupportedAttribute(node: layer.name, reason: "Reshape target_shape \(layer.value("target_shape") ?? .null) is not a list of integers")
        }
        let target = dims.map { $0 ?? -1 }
        var known = 1
        for d in target where d != -1 {
            if d <= 0 || d > KerasLayer.largestInteger { throw .unsupportedAttribute(node: layer.name, reason: "Reshape target_shape \(target) has a dimension out of range") }
            let (product, overflow) = known.multipliedReportingOverflow(by: d)
            if overflow { throw .shapeMismatch(node: layer.name, reason: "Reshape target_shape \(target) is too large") }
            known = product
        }
        let count = x.shape.reduce(1, *)
        let open = target.filter { $0 == -1 }.count
        if open > 1 || (open == 0 && known != count) || (open == 1 && count % known != 0) {
            throw .shapeMismatch(node: layer.name, reason: "cannot reshape \(x.shape) (\(count) values per batch item) to \(target)")
        }
        return builder.node(.reshape(shape: target), [x.id], name: call.nodeName)
    }

    mutating func zeroPadding1D(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        try layer.requireChannelsLast()
        let x = try singleInput(call, rank: 2)
        let value = layer.value("padding") ?? .number(1)
        let amounts: [Int]
        if let i = value.int { amounts = [i, i] } else if let a = value.array?.compactMap(\.int), a.count == value.array?.count, a.count == 1 || a.count == 2 {
            amounts = a.count == 1 ? [a[0], a[0]] : a
        } else {
            throw .unsupportedAttribute(node: layer.name, reason: "ZeroPadding1D padding \(value) is not an integer or a (left, right) pair")
        }
        if amounts.contains(where: { $0 < 0 || $0 > KerasLayer.largestInteger }) {
            throw .unsupportedAttribute(node: layer.name, reason: "ZeroPadding1D padding \(amounts) out of range")
        }
        return builder.node(.zeroPadding1D(left: amounts[0], right: amounts[1]), [x.id], name: call.nodeName)
    }
}
