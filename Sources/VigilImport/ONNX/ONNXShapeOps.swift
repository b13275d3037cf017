import VigilRuntime

/// Ops that move or relabel axes. On run-time data a Transpose, Squeeze or Unsqueeze
/// changes only the layout label (or emits a Vigil reshape), while Slice, Gather, Expand
/// and Concat emit their Vigil ops (ONNXDataMovementOps.swift); on constants they fold,
/// which is how Shape → Gather → Concat → Reshape chains disappear.
extension ONNXGraphConverter {
    mutating func transpose(_ node: ONNXNode) throws {
        let value = try input(node, 0)
        let rank = value.shape.count
        let perm = try node.attributes.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "perm \(perm) is not a permutation of \(rank) axes")
        }
        switch value {
        case .constant(let c):
            try setOutput(node, 0, .constant(c.transposed(perm)))
        case .runtime(var v):
            if v.featureOrder != nil && perm != [0, 1] {
                throw ImportError.needsRuntimeTranspose(node: node.name, reason: "transposing a flattened channels-first tensor")
            }
            if v.mergedBatch && perm[0] != 0 {
                throw ImportError.dynamicShape(node: node.name, reason: "moves axis 0 of '\(node.proto.input[0])', which merges the batch with \(v.shape[0]) rows, to another place (perm \(perm))")
            }
            var inverse = [Int](repeating: 0, count: rank)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            v.shape = perm.map { v.shape[$0] }
            v.storedAxes = v.storedAxes.relabelled { inverse[$0] }
            if let o = v.origin { v.origin = .init(input: o.input, axes: perm.map { o.axes[$0] }) }
            try setOutput(node, 0, .runtime(v))
        }
    }

    /// Axes from the `axes` input (opset ≥ 13) or attribute.
    func axesArgument(_ node: ONNXNode, input i: Int) throws -> [Int]? {
        if let c = try constantInput(node, i, role: "axes") {
            return c.ints.map { Int(clamping: $0) }
        }
        return try node.attributes.ints("axes")
    }

    mutating func squeeze(_ node: ONNXNode) throws {
        let value = try input(node, 0)
        let shape = value.shape
        var axes: [Int] = []
        if let given = try axesArgument(node, input: 1) {
            for a in given { axes.append(try axis(a, rank: shape.count, node: node)) }
        } else {
            axes = shape.indices.filter { shape[$0] == 1 }
            if case .runtime(let v) = value { axes.removeAll { $0 == v.batchAxis } }
        }
        axes = Array(Set(axes)).sorted()
        for a in axes where shape[a] != 1 {
            if case .runtime(let v) = value, a == v.batchAxis {
                throw ImportError.dynamicShape(node: node.name, reason: "squeezes the batch axis")
            }
            throw ImportError.shapeMismatch(node: node.name, reason: "cannot squeeze axis \(a) of shape \(shape)")
        }
        let keep = shape.indices.filter { !axes.contains($0) }
        switch value {
        case .constant(let c):
            try setOutput(node, 0, .constant(ConstantFolding.reshape(c, to: keep.map { shape[$0] })))
        case .runtime(var v):
            if axes.contains(v.batchAxis) { throw ImportError.dynamicShape(node: node.name, reason: "squeezes the batch axis") }
            if v.featureOrder != nil { throw ImportError.needsRuntimeTranspose(node: node.name, reason: "squeezing a flattened channels-first tensor") }
            let stored = v.storedAxes.filter { !axes.contains($0) }
            if stored.count < 2 { throw ImportError.shapeMismatch(node: node.name, reason: "squeezing leaves only the batch axis") }
            v.id = try conform(v, to: stored, node: node, need: "squeezing stored axes")
            var newIndex = [Int](repeating: -1, count: shape.count)
            for (i, a) in keep.enumerated() { newIndex[a] = i }
            v.storedAxes = stored.relabelled { newIndex[$0] }
            v.shape = keep.map { shape[$0] }
            if let o = v.origin { v.origin = .init(input: o.input, axes: keep.map { o.axes[$0] }) }
            try setOutput(node, 0, .runtime(v))
        }
    }

    mutating func unsqueeze(_ node: ONNXNode) throws {
        let value = try input(node, 0)
        let shape = value.shape
        guard let given = try axesArgument(node, input: 1) else {
            throw ImportError.malformedFile(path: path, reason: "Unsqueeze '\(node.name)' has no axes")
        }
        let rank = shape.count + given.count
        var added: [Int] = []
        for a in given { added.append(try axis(a, rank: rank, node: node)) }
        if Set(added).count != added.count { throw ImportError.unsupportedAttribute(node: node.name, reason: "repeated axes \(given)") }
        // Old axis i moves to the i-th position not taken by an added axis.
        var oldToNew: [Int] = []
        for p in 0..<rank where !added.contains(p) { oldToNew.append(p) }
        var newShape = [Int](repeating: 1, count: rank)
        for (i, p) in oldToNew.enumerated() { newShape[p] = shape[i] }
        switch value {
        case .constant(let c):
            try setOutput(node, 0, .constant(ConstantFolding.reshape(c, to: newShape)))
        case .runtime(var v):
            if v.featureOrder != nil { throw ImportError.needsRuntimeTranspose(node: node.name, reason: "unsqueezing a flattened channels-first tensor") }
            v.storedAxes = v.storedAxes.relabelled { oldToNew[$0] }
            v.shape = newShape
            if let o = v.origin {
                var axes = [Int?](repeating: nil, count: rank)
                for (i, p) in oldToNew.enumerated() { axes[p] = o.axes[i] }
                v.origin = .init(input: o.input, axes: axes)
            }
            try setOutput(node, 0, .runtime(v))
        }
    }

    mutating func concat(_ node: ONNXNode) throws {
        guard !node.proto.input.isEmpty else { throw ImportError.malformedFile(path: path, reason: "Concat '\(node.name)' has no inputs") }
        var parts: [ONNXValue] = []
        for i in node.proto.input.indices { parts.append(try input(node, i)) }
        // Parts with no elements (an empty Split output) add nothing.
        let nonEmpty = parts.filter { if case .constant(let c) = $0 { return c.count > 0 }; return true }
        if !nonEmpty.isEmpty { parts = nonEmpty }
        let rawAxis = try node.attributes.int("axis", default: 0)
        let constants = parts.compactMap { p -> ConstantTensor? in if case .constant(let c) = p { return c }; return nil }
        if constants.count == parts.count {
            let a = try axis(rawAxis, rank: constants[0].shape.count, node: node)
            try setOutput(node, 0, .constant(try fold(node) { () throws(ConstantFolding.Failure) in try ConstantFolding.concat(constants, axis: a) }))
            return
        }
        let runtime = parts.compactMap { p -> RuntimeValue? in if case .runtime(let v) = p { return v }; return nil }
        let first = runtime[0]
        let a = try axis(rawAxis, rank: first.rank, node: node)
        if a == first.batchAxis { throw ImportError.unsupportedAttribute(node: node.name, reason: "Concat along the batch axis") }
        var wanted = first.storedAxes
        if !wanted.contains(a) { wanted.append(a) }
        var ids: [TensorID] = []
        var shape = first.shape
        shape[a] = 0
        for (index, part) in parts.enumerated() {
            let v: RuntimeValue
            switch part {
            case .constant(let c):
                // Empty constants (a zero-length tensor) add nothing.
                if c.count == 0 { continue }
                for d in 0..<min(c.shape.count, first.rank) where d != a && d != first.batchAxis && c.shape[d] != first.shape[d] {
                    throw ImportError.shapeMismatch(node: node.name, reason: "inputs \(first.shape) and \(c.shape) differ off axis \(a)")
                }
                ids.append(try concatConstant(node, c, like: first, wanted: wanted, index: index))
                shape[a] += c.shape[a]
                continue
            case .runtime(let r):
                v = r
            }
            guard v.rank == first.rank, v.batchAxis == first.batchAxis else {
                throw ImportError.shapeMismatch(node: node.name, reason: "inputs \(first.shape) and \(v.shape) differ in rank or batch axis")
            }
            for d in 0..<v.rank where d != a && v.shape[d] != first.shape[d] {
                throw ImportError.shapeMismatch(node: node.name, reason: "inputs \(first.shape) and \(v.shape) differ off axis \(a)")
            }
            shape[a] += v.shape[a]
            ids.append(try conform(v, to: wanted, node: node, need: "Concat inputs must be stored alike"))
        }
        var result = RuntimeValue(id: 0, shape: shape, storedAxes: wanted)
        // With one run-time operand the constants follow its layout, so a consumer that
        // wants another order may have its graph input stored so (a causal conv's state
        // concatenated before a Conv that reads channels last) instead of transposing.
        if runtime.count == 1 { result.origin = first.origin }
        guard let storedAxis = wanted.firstIndex(of: a) else { throw ImportError.malformedFile(path: path, reason: "internal: concat axis") }
        result.id = emit(.concatenate(axis: storedAxis), ids, node: node, shape: result.storedShape)
        try setOutput(node, 0, .runtime(result))
    }

    mutating func flatten(_ node: ONNXNode) throws {
        let value = try input(node, 0)
        let shape = value.shape
        let rawAxis = try node.attributes.int("axis", default: 1)
        let a = rawAxis < 0 ? rawAxis + shape.count : rawAxis
        guard a >= 0, a <= shape.count else { throw ImportError.unsupportedAttribute(node: node.name, reason: "axis \(rawAxis) for rank \(shape.count)") }
        let outer = shape[..<a].reduce(1, *), inner = shape[a...].reduce(1, *)
        switch value {
        case .constant(let c):
            try setOutput(node, 0, .constant(ConstantFolding.reshape(c, to: [outer, inner])))
        case .runtime(let v) where v.isBatchFree:
            try setOutput(node, 0, .runtime(try reshapeBatchFree(node, v, to: [outer, inner])))
        case .runtime(let v):
            if v.batchAxis != 0 || a != 1 {
                if v.batchAxis == 0 && a > 1 && shape[1..<a].allSatisfy({ $0 == 1 }) {
                    try setOutput(node, 0, .runtime(try reshapeRuntime(node, v, to: [1, inner])))
                    return
                }
                throw ImportError.unsupportedAttribute(node: node.name, reason: "Flatten at axis \(rawAxis) would merge the batch axis with others")
            }
            try setOutput(node, 0, .runtime(try reshapeRuntime(node, v, to: [1, inner])))
        }
    }

    mutating func reshape(_ node: ONNXNode) throws {
        let value = try input(node, 0)
        guard let target = try constantInput(node, 1, role: "the target shape") else {
            throw ImportError.malformedFile(path: path, reason: "Reshape '\(node.name)' has no shape input")
        }
        let allowZero = try node.attributes.int("allowzero", default: 0) != 0
        var dims = target.ints
        if case .runtime(let v) = value, !v.isBatchFree, v.batchAxis == 0, let merged = Self.batchMergedByInference(dims, perItem: v.shape) {
            dims[0] = merged  // [-1, …] of fewer elements than an item: the batch merges with rows
        }
        switch value {
        case .constant(let c):
            if dims.contains(ConstantTensor.batchSymbol) { throw ImportError.dynamicShape(node: node.name, reason: "reshapes a constant by the batch size") }
            let shape = try resolve(node, dims, input: c.shape, allowZero: allowZero, batchAxis: nil)
            try setOutput(node, 0, .constant(ConstantFolding.reshape(c, to: shape)))
        case .runtime(let v) where v.mergedBatch || dims.first.flatMap(ConstantTensor.batchFactor) ?? 1 > 1:
            try setOutput(node, 0, .runtime(try reshapeMergedBatch(node, v, to: dims, allowZero: allowZero)))
        case .runtime(let v) where v.isBatchFree:
            let shape = try resolve(node, dims, input: v.shape, allowZero: allowZero, batchAxis: nil)
            try setOutput(node, 0, .runtime(try reshapeBatchFree(node, v, to: shape)))
        case .runtime(let v):
            if v.batchAxis != 0 { throw ImportError.needsRuntimeTranspose(node: node.name, reason: "reshaping data whose batch is ONNX axis \(v.batchAxis)") }
            let shape = try resolve(node, dims, input: v.shape, allowZero: allowZero, batchAxis: 0)
            try setOutput(node, 0, .runtime(try reshapeRuntime(node, v, to: shape)))
        }
    }

    /// The output shape of a Reshape; with a batch axis (run-time data), position 0 of
    /// the result must be the batch and is reported as 1.
    private func resolve(_ node: ONNXNode, _ dims: [Int64], input: [Int], allowZero: Bool, batchAxis: Int?) throws -> [Int] {
        var shape: [Int] = []
        var unknown: Int? = nil
        var inferredBatch = false
        for (i, d) in dims.enumerated() {
            if d == ConstantTensor.batchSymbol || (batchAxis != nil && i == 0 && d == 0 && !allowZero) {
                if i != 0 { throw ImportError.dynamicShape(node: node.name, reason: "moves the batch size to axis \(i)") }
                shape.append(1)
            } else if batchAxis != nil && i == 0 && d > 0 {
                guard declaredBatchSizes.contains(Int(d)) else {
                    throw ImportError.dynamicShape(node: node.name, reason: "target shape \(dims) fixes the batch axis to \(d)")
                }
                shape.append(1)
            } else if d == 0 && !allowZero {
                guard i < input.count else { throw ImportError.shapeMismatch(node: node.name, reason: "0 in target \(dims) copies a missing axis") }
                shape.append(input[i])
            } else if d == -1 && batchAxis != nil && i == 0 {
                // -1 in the batch position stands for the batch only if the other
                // dimensions hold exactly one item; checked below.
                shape.append(1)
                inferredBatch = true
            } else if d == -1 {
                if unknown != nil { throw ImportError.shapeMismatch(node: node.name, reason: "more than one -1 in \(dims)") }
                unknown = i
                shape.append(1)
            } else if d < 0 || d > Int64(ConstantTensor.maxElements) {
                throw ImportError.shapeMismatch(node: node.name, reason: "target dimension \(d)")
            } else {
                shape.append(Int(d))
            }
        }
        guard let total = ConstantTensor.elementCount(input), let known = ConstantTensor.elementCount(shape) else {
            throw ImportError.shapeMismatch(node: node.name, reason: "shape too large")
        }
        if inferredBatch && (unknown != nil || known != total) {
            throw ImportError.dynamicShape(node: node.name, reason: "target shape \(dims) merges the batch axis with others (\(input) per item)")
        }
        if let u = unknown {
            if known == 0 || total % known != 0 { throw ImportError.shapeMismatch(node: node.name, reason: "cannot reshape \(input) to \(dims)") }
            shape[u] = total / known
        } else if known != total {
            throw ImportError.shapeMismatch(node: node.name, reason: "cannot reshape \(input) (\(total) elements per item) to \(dims)")
        }
        return shape
    }

    /// Reshapes run-time data whose batch is axis 0 to `shape` (batch first, as 1).
    mutating func reshapeRuntime(_ node: ONNXNode, _ v: RuntimeValue, to shape: [Int]) throws -> RuntimeValue {
        if shape.count < 2 { throw ImportError.shapeMismatch(node: node.name, reason: "reshaping to \(shape) leaves only the batch axis") }
        let target = Array(shape.dropFirst())
        if shape == v.shape { var r = v; r.origin = nil; return r }
        if v.featureOrder != nil {
            if shape.count == 2 { var r = v; r.origin = nil; return r }
            throw ImportError.needsRuntimeTranspose(node: node.name, reason: "reshaping a flattened channels-first tensor")
        }
        var source = v
        if !v.isInONNXOrder {
            if v.origin != nil {
                source.id = try conform(v, to: Array(0..<v.rank), node: node, need: "Reshape reads elements in ONNX order")
                source.storedAxes = Array(0..<v.rank)
            } else if shape.count == 2 {
                // Flattening a relabelled tensor: keep Vigil's order and record it.
                var result = RuntimeValue(id: 0, shape: shape, storedAxes: [0, 1])
                result.featureOrder = featureOrder(of: v)
                result.id = reshaped(v.id, to: target, node: node)
                return result
            } else {
                source.id = try conform(v, to: Array(0..<v.rank), node: node, need: "Reshape reads elements in ONNX order")
            }
        }
        var result = RuntimeValue(id: 0, shape: shape, storedAxes: Array(0..<shape.count))
        result.id = reshaped(source.id, to: target, node: node)
        return result
    }

    /// For a target [-1, d₁, …] (all dᵢ > 0) of batched data whose item holds k > 1 times
    /// d₁·…: the batch times k, as Tensordot flattens [N, T, C] to [N·T, C].
    static func batchMergedByInference(_ dims: [Int64], perItem shape: [Int]) -> Int64? {
        guard dims.count >= 2, dims[0] == -1, dims.dropFirst().allSatisfy({ $0 > 0 && $0 <= Int64(ConstantTensor.maxElements) }),
              let item = ConstantTensor.elementCount(shape), let known = ConstantTensor.elementCount(dims.dropFirst().map { Int($0) }),
              known > 0, item % known == 0, item / known > 1 else { return nil }
        return ConstantTensor.batchTimes(item / known)
    }

    /// A Reshape that merges the batch with the axes after it (a target whose first
    /// dimension is the batch times k) or splits it out again (the batch alone first).
    /// Per sample the elements keep their order: only the ONNX view changes.
    private mutating func reshapeMergedBatch(_ node: ONNXNode, _ v: RuntimeValue, to dims: [Int64], allowZero: Bool) throws -> RuntimeValue {
        guard let first = dims.first, let factor = ConstantTensor.batchFactor(first) else {
            throw ImportError.dynamicShape(node: node.name, reason: "reshapes data whose first axis merges the batch with \(v.shape.first ?? 0) rows to \(dims), which does not keep the batch first")
        }
        if !v.mergedBatch && (v.isBatchFree || v.batchAxis != 0) {
            throw ImportError.dynamicShape(node: node.name, reason: "merges the batch with other axes of data whose batch is not ONNX axis 0")
        }
        // Per sample, the value's rows (merged) or its item (batch 1 in front).
        let perSample = try resolve(node, [Int64(factor)] + dims.dropFirst(), input: v.shape, allowZero: allowZero, batchAxis: nil)
        var source = v
        if !v.isInONNXOrder || v.origin != nil {
            source.id = try conform(v, to: v.onnxOrder, node: node, need: "Reshape reads elements in ONNX order")
        }
        if factor == 1 {
            // The batch split out again: ONNX [N, …], stored per item.
            if perSample.count < 2 { throw ImportError.shapeMismatch(node: node.name, reason: "reshaping to \(dims) leaves only the batch axis") }
            var result = RuntimeValue(id: 0, shape: perSample, storedAxes: Array(0..<perSample.count))
            result.id = reshaped(source.id, to: Array(perSample.dropFirst()), node: node)
            return result
        }
        var result = RuntimeValue(id: 0, shape: perSample, storedAxes: [-1] + Array(0..<perSample.count))
        result.mergedBatch = true
        result.id = reshaped(source.id, to: perSample, node: node)
        return result
    }

    /// Reshapes run-time data of a batch-free import, the whole value being one sample.
    private mutating func reshapeBatchFree(_ node: ONNXNode, _ v: RuntimeValue, to shape: [Int]) throws -> RuntimeValue {
        if shape.isEmpty { throw ImportError.shapeMismatch(node: node.name, reason: "reshaping to a scalar") }
        if shape == v.shape { var r = v; r.origin = nil; return r }
        var source = v
        if !v.isInONNXOrder {
            guard v.featureOrder == nil else {
                throw ImportError.needsRuntimeTranspose(node: node.name, reason: "reshaping \(v.shape), a flattened channels-first tensor stored in another order, to \(shape)")
            }
            source.id = try conform(v, to: v.onnxOrder, node: node, need: "Reshape reads elements in ONNX order")
        }
        var result = RuntimeValue(id: 0, shape: shape, storedAxes: [-1] + Array(0..<shape.count))
        result.id = reshaped(source.id, to: shape, node: node)
        return result
    }

    /// For each stored element of one batch item, its index in ONNX row-major order.
    private func featureOrder(of v: RuntimeValue) -> [Int] {
        let onnxStrides = ConstantTensor.strides(v.shape)
        let axes = Array(v.storedAxes.dropFirst())
        let dims = axes.map { v.shape[$0] }
        let total = dims.reduce(1, *)
        var order: [Int] = []
        order.reserveCapacity(total)
        var index = [Int](repeating: 0, count: dims.count)
        for _ in 0..<total {
            var flat = 0
            for k in index.indices { flat += index[k] * onnxStrides[axes[k]] }
            order.append(flat)
            var k = dims.count - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < dims[k] { break }
                index[k] = 0
                k -= 1
            }
        }
        return order
    }

    /// Expand of a constant (tf2onnx builds zero initial states so); a batch-size
    /// dimension stays 1, which broadcasts the same way.
    mutating func expand(_ node: ONNXNode) throws {
        guard let target = try constantInput(node, 1, role: "the shape") else { throw ImportError.malformedFile(path: path, reason: "Expand '\(node.name)' has no shape") }
        let data: ConstantTensor
        switch try input(node, 0) {
        case .runtime(let v):
            try setOutput(node, 0, .runtime(try expandRuntime(node, v, dims: target.ints)))
            return
        case .constant(let c):
            data = c
        }
        var dims: [Int] = []
        for d in target.ints {
            if d == ConstantTensor.batchSymbol { dims.append(1); continue }
            guard d >= 0, d <= Int64(ConstantTensor.maxElements) else { throw ImportError.shapeMismatch(node: node.name, reason: "Expand to dimension \(d)") }
            dims.append(Int(d))
        }
        guard let shape = ConstantFolding.broadcastShape(data.shape, dims) else {
            throw ImportError.shapeMismatch(node: node.name, reason: "cannot expand \(data.shape) to \(target.ints)")
        }
        if ConstantTensor.foldedElementCount(shape) == nil {
            throw ImportError.shapeMismatch(node: node.name, reason: "expanding \(data.shape) to \(shape) gives \(ConstantTensor.foldedLimitReason)")
        }
        try setOutput(node, 0, .constant(data.broadcast(to: shape)))
    }

    mutating func shape(_ node: ONNXNode) throws {
        var dims: [Int64]
        switch try input(node, 0) {
        case .constant(let c): dims = c.shape.map { Int64($0) }
        case .runtime(let v):
            dims = v.shape.map { Int64($0) }
            if v.batchAxis >= 0 { dims[v.batchAxis] = ConstantTensor.batchSymbol }
            if v.mergedBatch { dims[0] = ConstantTensor.batchTimes(v.shape[0]) }
        }
        let rank = dims.count
        var start = try node.attributes.int("start", default: 0)
        var end = try node.attributes.int("end", default: rank)
        if start < 0 { start += rank }
        if end < 0 { end += rank }
        start = min(max(start, 0), rank)
        end = min(max(end, start), rank)
        let slice = Array(dims[start..<end])
        try setOutput(node, 0, .constant(ConstantTensor(shape: [slice.count], ints: slice)))
    }

    mutating func gather(_ node: ONNXNode) throws {
        let value = try input(node, 0)
        guard let indices = try constantInput(node, 1, role: "indices") else { throw ImportError.malformedFile(path: path, reason: "Gather '\(node.name)' has no indices") }
        let shape = value.shape
        if shape.isEmpty { throw ImportError.shapeMismatch(node: node.name, reason: "Gather from a scalar") }
        let a = try axis(try node.attributes.int("axis", default: 0), rank: shape.count, node: node)
        let n = shape[a]
        var resolved: [Int] = []
        for i in indices.ints {
            let j = i < 0 ? i + Int64(n) : i
            guard j >= 0, j < Int64(n) else { throw ImportError.shapeMismatch(node: node.name, reason: "index \(i) out of range for size \(n)") }
            resolved.append(Int(j))
        }
        switch value {
        case .constant(let data):
            if ConstantTensor.foldedElementCount(Array(data.shape[..<a]) + indices.shape + Array(data.shape[(a + 1)...])) == nil {
                throw ImportError.shapeMismatch(node: node.name, reason: "the gathered constant has \(ConstantTensor.foldedLimitReason)")
            }
            try setOutput(node, 0, .constant(ConstantFolding.gather(data, indices: resolved, indexShape: indices.shape, axis: a)))
        case .runtime(let v):
            if v.batchAxis >= 0 && a == v.batchAxis { throw ImportError.dynamicShape(node: node.name, reason: "gathers along the batch axis") }
            if resolved.isEmpty { throw ImportError.shapeMismatch(node: node.name, reason: "no indices; Vigil tensors have no empty axes") }
            try setOutput(node, 0, .runtime(try gatherRuntime(node, v, indices: resolved, indexShape: indices.shape, axis: a)))
        }
    }

    mutating func slice(_ node: ONNXNode) throws {
        let value = try input(node, 0)
        if case .runtime(let v) = value {
            try setOutput(node, 0, .runtime(try sliceRuntime(node, v)))
            return
        }
        guard case .constant(let data) = value else { return }
        guard let starts = try constantInput(node, 1, role: "starts")?.ints, let ends = try constantInput(node, 2, role: "ends")?.ints else {
            throw ImportError.malformedFile(path: path, reason: "Slice '\(node.name)' lacks starts or ends")
        }
        let axes = try constantInput(node, 3, role: "axes")?.ints.map { Int(clamping: $0) } ?? Array(0..<starts.count)
        let steps = try constantInput(node, 4, role: "steps")?.ints ?? [Int64](repeating: 1, count: starts.count)
        guard axes.count == starts.count, ends.count == starts.count, steps.count == starts.count else {
            throw ImportError.shapeMismatch(node: node.name, reason: "starts, ends, axes and steps differ in length")
        }
        let ranges = try sliceRanges(node, shape: data.shape, starts: starts, ends: ends, axes: axes, steps: steps)
        try setOutput(node, 0, .constant(ConstantFolding.select(data, ranges: ranges)))
    }

    /// The indices a Slice keeps along every axis.
    private func sliceRanges(_ node: ONNXNode, shape: [Int], starts: [Int64], ends: [Int64], axes: [Int], steps: [Int64]) throws -> [[Int]] {
        let rank = shape.count
        var ranges = shape.map { Array(0..<$0) }
        for k in starts.indices {
            let a = try axis(axes[k], rank: rank, node: node)
            let n = Int64(shape[a])
            let step = steps[k]
            if step == 0 { throw ImportError.unsupportedAttribute(node: node.name, reason: "slice step 0") }
            func clampIndex(_ v: Int64, low: Int64, high: Int64) -> Int64 {
                let w = v < 0 ? (v < -n ? low : v + n) : v
                return min(max(w, low), high)
            }
            var picked: [Int] = []
            if step > 0 {
                var i = clampIndex(starts[k], low: 0, high: n), e = clampIndex(ends[k], low: 0, high: n)
                if e > n { e = n }
                while i < e {
                    picked.append(Int(i))
                    let (next, overflow) = i.addingReportingOverflow(step)
                    if overflow { break }
                    i = next
                }
            } else {
                var i = clampIndex(starts[k], low: 0, high: n - 1), e = clampIndex(ends[k], low: -1, high: n - 1)
                if ends[k] < -n { e = -1 }
                while i > e {
                    picked.append(Int(i))
                    let (next, overflow) = i.addingReportingOverflow(step)
                    if overflow { break }
                    i = next
                }
            }
            ranges[a] = picked
        }
        return ranges
    }

    /// Slices of run-time data off the batch axis. The whole tensor needs no copy, and the
    /// last step of a forward recurrent layer's sequence output (tf2onnx's `Y[-1]` for
    /// return_sequences false) becomes the same layer returning its last state.
    private mutating func sliceRuntime(_ node: ONNXNode, _ v: RuntimeValue) throws -> RuntimeValue {
        guard let starts = try constantInput(node, 1, role: "starts")?.ints, let ends = try constantInput(node, 2, role: "ends")?.ints else {
            throw ImportError.malformedFile(path: path, reason: "Slice '\(node.name)' lacks starts or ends")
        }
        let axes = try constantInput(node, 3, role: "axes")?.ints.map { Int(clamping: $0) } ?? Array(0..<starts.count)
        let steps = try constantInput(node, 4, role: "steps")?.ints ?? [Int64](repeating: 1, count: starts.count)
        guard axes.count == starts.count, ends.count == starts.count, steps.count == starts.count else {
            throw ImportError.shapeMismatch(node: node.name, reason: "starts, ends, axes and steps differ in length")
        }
        // The batch axis may only be taken whole: from 0 (or below) to the end.
        var kept: [Int] = []
        for k in axes.indices {
            let a = try axis(axes[k], rank: v.rank, node: node)
            if a != v.batchAxis { kept.append(k); continue }
            if steps[k] != 1 || starts[k] > 0 || (starts[k] < 0 && starts[k] > -Int64(Int32.max)) || ends[k] < Int64(Int32.max) {
                throw ImportError.dynamicShape(node: node.name, reason: "slices the batch axis")
            }
        }
        let ranges = try sliceRanges(node, shape: v.shape, starts: kept.map { starts[$0] }, ends: kept.map { ends[$0] },
                                     axes: kept.map { axes[$0] }, steps: kept.map { steps[$0] })
        let changed = (0..<v.rank).filter { $0 != v.batchAxis && ranges[$0] != Array(0..<v.shape[$0]) }
        if changed.isEmpty { return v }
        if changed.count == 1, let t = changed.first, v.storedAxes.count == 3, v.storedAxes[1] == t,
           ranges[t] == [v.shape[t] - 1], let producer = graph.nodes.lastIndex(where: { $0.outputs.contains(v.id) }) {
            let p = graph.nodes[producer]
            var attributes: RecurrentAttributes?
            var isLSTM = false
            if case .gru(let a) = p.op {
                attributes = a
            } else if case .lstm(let a) = p.op {
                attributes = a; isLSTM = true
            }
            if var a = attributes, a.returnSequences, a.direction == .forward {
                a.returnSequences = false
                let id = emit(isLSTM ? .lstm(a) : .gru(a), p.inputs, node: node, suffix: "/last", shape: [a.units])
                var result = v
                result.id = id
                result.shape[t] = 1
                result.storedAxes = v.storedAxes.filter { $0 != t }
                result.origin = nil
                return result
            }
        }
        return try sliceStored(node, v, ranges: ranges)
    }

}
