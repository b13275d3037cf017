import VigilRuntime

/// Gemm and MatMul. With constant weights they become Vigil dense layers; a flattened
/// channels-first input is absorbed by permuting the weight's rows.
extension ONNXGraphConverter {
    mutating func gemm(_ node: ONNXNode) throws {
        let a = node.attributes
        let alpha = try a.float("alpha", default: 1), beta = try a.float("beta", default: 1)
        let transA = try a.int("transA", default: 0) != 0, transB = try a.int("transB", default: 0) != 0
        var x = try runtimeInput(node, 0)
        guard let b = try constantInput(node, 1, role: "B") else { throw ImportError.malformedFile(path: path, reason: "Gemm '\(node.name)' has no B") }
        guard x.rank == 2, b.shape.count == 2 else {
            throw ImportError.shapeMismatch(node: node.name, reason: "Gemm needs rank-2 operands, got \(x.shape) and \(b.shape)")
        }
        if transA {
            // Aᵀ is a relabel; it works when A's columns are its batch.
            if x.featureOrder != nil { throw ImportError.needsRuntimeTranspose(node: node.name, reason: "transA of a flattened tensor") }
            x.shape.swapAt(0, 1)
            x.storedAxes = x.storedAxes.relabelled { 1 - $0 }
            if let o = x.origin { x.origin = .init(input: o.input, axes: [o.axes[1], o.axes[0]]) }
        }
        if x.batchAxis > 0 {
            _ = try conform(x, to: [0, 1], node: node, need: "Gemm's rows must be the batch")
            throw ImportError.needsRuntimeTranspose(node: node.name, reason: "A's rows are not its batch")
        }
        var w = transB ? b.transposed([1, 0]) : b
        let (k, m) = (w.shape[0], w.shape[1])
        guard k == x.shape[1] else { throw ImportError.shapeMismatch(node: node.name, reason: "A \(x.shape) · B \(w.shape): inner dimensions differ") }
        if alpha != 1 { w = ConstantTensor(shape: w.shape, floats: w.floats.map { $0 * alpha }) }
        var bias: [Float]? = nil
        var matrixBias: ConstantTensor? = nil
        if let c = try constantInput(node, 2, role: "C") {
            var cs = c.shape
            while cs.count > 1, cs.first == 1 { cs.removeFirst() }
            if c.count == 1 || cs == [m] {
                let v = c.floats
                bias = (0..<m).map { beta * v[c.count == 1 ? 0 : $0] }
            } else if x.isBatchFree, let shape = ConstantFolding.broadcastShape(cs, [x.shape[0], m]), shape == [x.shape[0], m] {
                // A bias per row and column: a sample-wide constant added after the product.
                matrixBias = ConstantTensor(shape: shape, floats: ConstantFolding.reshape(c, to: cs).broadcast(to: shape).floats.map { beta * $0 })
            } else {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "C of shape \(c.shape) varies along A's rows, the batch; Vigil adds a matrix bias only to a model of fixed input shapes, imported as one sample")
            }
        }
        var result = try dense(node, x, weight: w, bias: bias, weightName: node.proto.input[1])
        if let matrixBias {
            let order = result.storedAxes.filter { $0 >= 0 }
            guard order.count == 2 else { throw ImportError.shapeMismatch(node: node.name, reason: "the product \(result.shape) is not stored as a matrix") }
            let stored = matrixBias.transposed(order)
            let cid = try weight(node.proto.input[2], shape: stored.shape, values: stored.floats, tensor: node.proto.input[2])
            result.id = emit(.add(activation: .linear), [result.id, cid], node: node, suffix: "/bias", shape: result.storedShape)
        }
        try setOutput(node, 0, .runtime(result))
    }

    /// x [..., K] · w [K, M] + bias over the last ONNX axis of x.
    private mutating func dense(_ node: ONNXNode, _ x: RuntimeValue, weight w: ConstantTensor, bias: [Float]?, weightName: String) throws -> RuntimeValue {
        let (k, m) = (w.shape[0], w.shape[1])
        let last = x.rank - 1
        if last == x.batchAxis { throw ImportError.needsRuntimeTranspose(node: node.name, reason: "the contracted axis is the batch axis") }
        var values = w.floats
        var result = x
        let xid: TensorID
        if let order = x.featureOrder {
            // Stored feature j is ONNX feature order[j]: row j of the weight is row order[j].
            var permuted = [Float](repeating: 0, count: values.count)
            for (j, source) in order.enumerated() {
                for c in 0..<m { permuted[j * m + c] = values[source * m + c] }
            }
            values = permuted
            xid = x.id
            result.featureOrder = nil
        } else {
            var wanted = x.storedAxes.filter { $0 != last }
            wanted.append(last)
            xid = try conform(x, to: wanted, node: node, need: "a matrix product contracts the last stored axis")
            result.storedAxes = wanted
        }
        result.shape[last] = m
        result.origin = nil
        let wid = try self.weight(weightName, shape: [k, m], values: values, tensor: weightName)
        var inputs = [xid, wid]
        if let bias { inputs.append(try self.weight(node.name + "/bias", shape: [m], values: bias, tensor: node.proto.input.count > 2 ? node.proto.input[2] : node.name)) }
        result.id = emit(.dense(activation: .linear), inputs, node: node, shape: result.storedShape)
        return result
    }

    mutating func matMul(_ node: ONNXNode) throws {
        let a = try input(node, 0), b = try input(node, 1)
        switch (a, b) {
        case (.constant(let x), .constant(let y)):
            try setOutput(node, 0, .constant(try fold(node) { () throws(ConstantFolding.Failure) in try ConstantFolding.matMul(x, y) }))
        case (.runtime(let x), .runtime(let y)) where x.mergedBatch && y.mergedBatch:
            // Batch-merged matrix slices (attention heads): per sample [k, …, M, K] · [k, …, K, N].
            guard x.rank >= 3, y.rank == x.rank, x.shape.dropLast(2) == y.shape.dropLast(2), x.shape[x.rank - 1] == y.shape[y.rank - 2] else {
                throw ImportError.shapeMismatch(node: node.name, reason: "MatMul of batch-merged operands \(x.shape) · \(y.shape); Vigil multiplies [N·k, …, M, K] by [N·k, …, K, P]")
            }
            let xid = try conform(x, to: x.onnxOrder, node: node, need: "a run-time matrix product reads rows in order")
            let yid = try conform(y, to: y.onnxOrder, node: node, need: "a run-time matrix product reads rows in order")
            let shape = Array(x.shape.dropLast()) + [y.shape[y.rank - 1]]
            var result = RuntimeValue(id: emit(.matMul, [xid, yid], node: node, shape: shape), shape: shape, storedAxes: [-1] + Array(0..<shape.count))
            result.mergedBatch = true
            try setOutput(node, 0, .runtime(result))
        case (.runtime(let x), .runtime(let y)) where x.mergedBatch || y.mergedBatch:
            throw ImportError.dynamicShape(node: node.name, reason: "MatMul of \(x.shape) by \(y.shape), one merging the batch with other axes and the other not")
        case (.runtime(let x), .constant(let y)) where x.mergedBatch && (x.rank < 2 || y.shape.drop(while: { $0 == 1 }).count > 2),
             (.constant(let y), .runtime(let x)) where x.mergedBatch && (x.rank < 3 || y.shape.drop(while: { $0 == 1 }).count > 2):
            // A matrix constant applies row by row; slices of one would pair with the merged axis.
            throw ImportError.dynamicShape(node: node.name, reason: "MatMul of \(x.shape), whose first axis merges the batch with \(x.shape[0]) rows, with the constant \(y.shape) contracts or broadcasts that axis")
        case (.runtime(let x), .constant(let y)) where y.shape.count == 1:
            // X · v: a one-column dense layer whose unit output axis is then dropped.
            let k = y.shape[0]
            if x.rank == 1 && x.isBatchFree && x.shape[0] == k {
                // A dot product: an ONNX scalar, stored as the sample's one element.
                var result = try dense(node, x, weight: ConstantFolding.reshape(y, to: [k, 1]), bias: nil, weightName: node.proto.input[1])
                result.shape = []
                result.storedAxes = [-1, -1]
                try setOutput(node, 0, .runtime(result))
                return
            }
            guard x.rank >= 2, x.shape[x.rank - 1] == k, x.featureOrder == nil else {
                throw ImportError.shapeMismatch(node: node.name, reason: "MatMul of \(x.shape) by a vector \(y.shape) is outside what Vigil runs")
            }
            var result = try dense(node, x, weight: ConstantFolding.reshape(y, to: [k, 1]), bias: nil, weightName: node.proto.input[1])
            let last = x.rank - 1
            guard result.storedAxes.last == last, result.storedAxes.count > 2 else {
                throw ImportError.shapeMismatch(node: node.name, reason: "MatMul of \(x.shape) by a vector \(y.shape) leaves only the batch axis")
            }
            result.storedAxes.removeLast()
            result.shape.removeLast()
            result.id = reshaped(result.id, to: result.storedShape, node: node)
            try setOutput(node, 0, .runtime(result))
        case (.runtime(let x), .constant(let y)):
            var ys = y.shape
            while ys.count > 2, ys.first == 1 { ys.removeFirst() }
            if ys.count > 2 {
                try setOutput(node, 0, .runtime(try x.rank == 1 ? vectorBySlices(node, x, y) : slicedMatMul(node, x, y)))
                return
            }
            guard ys.count == 2, x.rank >= (x.isBatchFree ? 1 : 2) else {
                throw ImportError.shapeMismatch(node: node.name, reason: "MatMul of \(x.shape) by a constant \(y.shape); Vigil needs a rank-2 constant and a run-time operand of rank ≥ 2")
            }
            guard ys[0] == x.shape[x.rank - 1] else { throw ImportError.shapeMismatch(node: node.name, reason: "inner dimensions of \(x.shape) · \(y.shape) differ") }
            try setOutput(node, 0, .runtime(try dense(node, x, weight: ConstantFolding.reshape(y, to: ys), bias: nil, weightName: node.proto.input[1])))
        case (.constant(let c), .runtime(let x)):
            // C · X = (Xᵀ · Cᵀ)ᵀ: a dense layer over X's second-to-last axis whose
            // result is X with that axis replaced, relabelled instead of transposed.
            var cs = c.shape
            while cs.count > 2, cs.first == 1 { cs.removeFirst() }
            guard cs.count == 2, x.rank >= 2, x.batchAxis != x.rank - 2, !(x.rank == 2 && x.batchAxis == 1) else {
                throw ImportError.shapeMismatch(node: node.name, reason: "MatMul of a constant \(c.shape) by \(x.shape) is outside what Vigil runs")
            }
            let inner = x.rank - 2
            guard cs[1] == x.shape[inner] else { throw ImportError.shapeMismatch(node: node.name, reason: "inner dimensions of \(c.shape) · \(x.shape) differ") }
            var swapped = x
            swapped.shape.swapAt(inner, x.rank - 1)
            swapped.storedAxes = x.storedAxes.map { $0 == inner ? x.rank - 1 : ($0 == x.rank - 1 ? inner : $0) }
            if let o = swapped.origin {
                var axes = o.axes
                axes.swapAt(inner, x.rank - 1)
                swapped.origin = .init(input: o.input, axes: axes)
            }
            var result = try dense(node, swapped, weight: ConstantFolding.reshape(c, to: cs).transposed([1, 0]), bias: nil, weightName: node.proto.input[0])
            result.shape.swapAt(inner, x.rank - 1)
            result.storedAxes = result.storedAxes.map { $0 == inner ? x.rank - 1 : ($0 == x.rank - 1 ? inner : $0) }
            try setOutput(node, 0, .runtime(result))
        case (.runtime(let x), .runtime(let y)):
            guard x.rank == 3, y.rank == 3, x.batchAxis == 0, y.batchAxis == 0, x.shape[2] == y.shape[1] else {
                throw ImportError.shapeMismatch(node: node.name, reason: "MatMul of two run-time operands \(x.shape) · \(y.shape); Vigil multiplies [N, M, K] by [N, K, P]")
            }
            let xid = try conform(x, to: [0, 1, 2], node: node, need: "a run-time matrix product reads rows in order")
            let yid = try conform(y, to: [0, 1, 2], node: node, need: "a run-time matrix product reads rows in order")
            let shape = [1, x.shape[1], y.shape[2]]
            let id = emit(.matMul, [xid, yid], node: node, shape: [x.shape[1], y.shape[2]])
            try setOutput(node, 0, .runtime(RuntimeValue(id: id, shape: shape, storedAxes: [0, 1, 2])))
        }
    }

    /// v [K] · y [S…, K, N] of a one-sample import: one dense layer over the weight
    /// W[k, (s…, n)] = y[s…, k, n] computes every slice's product at once.
    private mutating func vectorBySlices(_ node: ONNXNode, _ x: RuntimeValue, _ y: ConstantTensor) throws -> RuntimeValue {
        let r = y.shape.count, k = y.shape[r - 2], n = y.shape[r - 1]
        guard x.isBatchFree, x.featureOrder == nil, x.shape[0] == k else {
            throw ImportError.shapeMismatch(node: node.name, reason: "MatMul of a vector \(x.shape) by \(y.shape) needs a model of fixed input shapes and equal inner dimensions")
        }
        let w = y.transposed([r - 2] + Array(0..<(r - 2)) + [r - 1])
        let flat = try dense(node, x, weight: ConstantTensor(shape: [k, w.count / k], storage: w.storage), bias: nil, weightName: node.proto.input[1])
        let shape = Array(y.shape.dropLast(2)) + [n]
        return RuntimeValue(id: reshaped(flat.id, to: shape, node: node), shape: shape, storedAxes: [-1] + Array(0..<shape.count))
    }

    /// x [S_x…, M, K] · y [S_y…, K, N] with matrix slices in the constant: Vigil's MatMul
    /// by a constant of rank > 2, reading x in ONNX's order. The constant has no batch
    /// axis, so in a batched import it may not vary along the batch.
    private mutating func slicedMatMul(_ node: ONNXNode, _ x: RuntimeValue, _ y: ConstantTensor) throws -> RuntimeValue {
        if x.featureOrder != nil || x.batchAxis > 0 {
            throw ImportError.needsRuntimeTranspose(node: node.name, reason: "MatMul by matrix slices reads its operand with the batch first and in ONNX's order")
        }
        var ys = y.shape
        while ys.count > x.rank, ys.first == 1 { ys.removeFirst() }
        guard ys.count <= x.rank else {
            throw ImportError.shapeMismatch(node: node.name, reason: "constant operand \(y.shape) has more dimensions than the run-time one \(x.shape)")
        }
        ys = [Int](repeating: 1, count: x.rank - ys.count) + ys
        guard ys[x.rank - 2] == x.shape[x.rank - 1] else {
            throw ImportError.shapeMismatch(node: node.name, reason: "inner dimensions of \(x.shape) · \(y.shape) differ")
        }
        guard let leading = ConstantFolding.broadcastShape(Array(x.shape.dropLast(2)), Array(ys.dropLast(2))) else {
            throw ImportError.shapeMismatch(node: node.name, reason: "leading axes of \(x.shape) and \(y.shape) do not broadcast")
        }
        if !x.isBatchFree && ys[0] != 1 {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "constant operand \(y.shape) varies along the batch axis")
        }
        let order = x.onnxOrder
        let xid = try conform(x, to: order, node: node, need: "MatMul by matrix slices reads its operand in ONNX's order")
        let constantShape = x.isBatchFree ? ys : Array(ys.dropFirst())
        let wid = try weight(node.proto.input[1], shape: constantShape, values: y.floats, tensor: node.proto.input[1])
        let shape = leading + [x.shape[x.rank - 2], ys[x.rank - 1]]
        let stored = x.isBatchFree ? shape : Array(shape.dropFirst())
        return RuntimeValue(id: emit(.matMul, [xid, wid], node: node, shape: stored), shape: shape, storedAxes: order)
    }
}
