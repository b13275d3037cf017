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

/// Keras layers that move data along the time or feature axis, onto Vigil's slice,
/// gather, transpose and expand ops.
extension KerasGraphTranslator {
    /// A layer argument that is one integer or a pair (`cropping`).
    private func pair(_ layer: KerasLayer, _ key: String, default fallback: Int) throws(ImportError) -> (Int, Int) {
        let value = layer.value(key) ?? .number(Double(fallback))
        let numbers: [Int]
        if let i = value.int { numbers = [i, i] } else if let a = value.array?.compactMap(\.int), a.count == value.array?.count, (1...2).contains(a.count) {
            numbers = a.count == 1 ? [a[0], a[0]] : a
        } else {
            throw .unsupportedAttribute(node: layer.name, reason: "\(layer.className) \(key) \(value) is not an integer or a pair")
        }
        if numbers.contains(where: { $0 < 0 || $0 > KerasLayer.largestInteger }) {
            throw .unsupportedAttribute(node: layer.name, reason: "\(layer.className) \(key) \(numbers) out of range")
        }
        return (numbers[0], numbers[1])
    }

    /// Cropping1D: drops `cropping` steps from the start and the end of the time axis.
    mutating func cropping1D(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call, rank: 2)
        let (start, end) = try pair(layer, "cropping", default: 1)
        let kept = x.shape[0] - start - end
        guard kept >= 1 else { throw .shapeMismatch(node: layer.name, reason: "cropping (\(start), \(end)) leaves nothing of \(x.shape[0]) steps") }
        return builder.node(.slice(starts: [start, 0], steps: [1, 1], sizes: [kept, x.shape[1]]), [x.id], name: call.nodeName)
    }

    /// UpSampling1D: each step repeated `size` times (a gather along time).
    mutating func upSampling1D(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call, rank: 2)
        let size = try layer.int("size", default: 2)
        let (steps, overflow) = x.shape[0].multipliedReportingOverflow(by: size)
        guard size >= 1, !overflow, steps <= KerasLayer.largestInteger else {
            throw .unsupportedAttribute(node: layer.name, reason: "UpSampling1D size \(size) of \(x.shape[0]) steps is out of range")
        }
        let indices = (0..<steps).map { Int32($0 / size) }
        let table = builder.constant(call.nodeName + "/indices", shape: [steps], values: indices)
        return builder.node(.gather(axis: 0), [x.id, table], name: call.nodeName)
    }

    /// Permute: `dims` reorders the per-sample axes, numbered from 1.
    mutating func permute(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call)
        guard let dims = layer.value("dims")?.array?.compactMap(\.int), Set(dims) == Set(1...max(1, x.shape.count)), dims.count == x.shape.count else {
            throw .unsupportedAttribute(node: layer.name, reason: "Permute dims \(layer.value("dims") ?? .null) is not a permutation of 1…\(x.shape.count)")
        }
        if dims == Array(1...dims.count) { return x.id }
        return builder.node(.transpose(permutation: dims.map { $0 - 1 }), [x.id], name: call.nodeName)
    }

    /// RepeatVector: a [F] feature vector repeated `n` times into [n, F].
    mutating func repeatVector(_ call: KerasCall) throws(ImportError) -> TensorID {
        let layer = call.layer
        let x = try singleInput(call, rank: 1)
        let n = try layer.int("n")
        guard n >= 1, n <= KerasLayer.largestInteger else { throw .unsupportedAttribute(node: layer.name, reason: "RepeatVector n \(n) out of range") }
        let row = builder.node(.reshape(shape: [1, x.shape[0]]), [x.id], name: call.nodeName + "/row")
        return builder.node(.expand(shape: [n, x.shape[0]]), [row], name: call.nodeName)
    }
}
