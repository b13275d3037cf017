/// MatMul by a constant of rank > 2: a [S_a…, M, K] · b [S_b…, K, N] multiplies matrix
/// slices, the leading axes broadcasting as in NumPy (ONNX MatMul). Each output slice of
/// each batch item is one dense product reading its own weight slice in place.
extension Graph {
    static func slicedMatMulShape(_ a: TensorDescriptor, _ b: TensorDescriptor, node: String) throws(GraphError) -> [Int] {
        if a.shape.count < 2 { throw .shapeMismatch(node: node, reason: "left operand \(a.shape) needs rank ≥ 2 against a constant of shape \(b.shape)") }
        // The constant has no batch axis, so it may not add leading axes.
        if b.shape.count > a.shape.count {
            throw .shapeMismatch(node: node, reason: "constant operand \(b.shape) has more dimensions than the batched one \(a.shape)")
        }
        if a.shape[a.shape.count - 1] != b.shape[b.shape.count - 2] {
            throw .shapeMismatch(node: node, reason: "inner dimensions differ: \(a.shape) · \(b.shape)")
        }
        guard let leading = Broadcast.shape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else {
            throw .shapeMismatch(node: node, reason: "leading axes of \(a.shape) and \(b.shape) do not broadcast")
        }
        return leading + [a.shape[a.shape.count - 2], b.shape[b.shape.count - 1]]
    }
}

extension Interpreter {
    static func slicedMatMulSteps(a: [Int], b: [Int], out: [Int], batch: Int, _ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>, _ py: UnsafeMutablePointer<Float>) -> [Step] {
        let leading = Array(out.dropLast(2))
        let (m, k, n) = (out[out.count - 2], a[a.count - 1], out[out.count - 1])
        /// Slice strides (in slices) of an operand's leading axes against the output's:
        /// zero along axes it broadcasts or lacks.
        func sliceStrides(_ shape: [Int]) -> [Int] {
            let own = Array(shape.dropLast(2))
            var strides = [Int](repeating: 0, count: leading.count)
            var step = 1
            for i in stride(from: own.count - 1, through: 0, by: -1) {
                let axis = leading.count - own.count + i
                strides[axis] = own[i] == 1 ? 0 : step
                step *= own[i]
            }
            return strides
        }
        let sa = sliceStrides(a), sb = sliceStrides(b)
        var slices = 1
        for d in leading { slices *= d }
        var aSlices = 1
        for d in a.dropLast(2) { aSlices *= d }
        var steps: [Step] = []
        for item in 0..<batch {
            var index = [Int](repeating: 0, count: leading.count)
            for s in 0..<slices {
                var ia = item * aSlices, ib = 0
                for axis in index.indices { ia += index[axis] * sa[axis]; ib += index[axis] * sb[axis] }
                steps.append(.dense(DenseParameters(rows: m, inFeatures: k, outFeatures: n, activation: .linear),
                                    pa + ia * m * k, pb + ib * k * n, nil, py + (item * slices + s) * m * n))
                var axis = leading.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < leading[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return steps
    }
}
