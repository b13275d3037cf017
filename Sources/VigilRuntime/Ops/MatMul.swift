/// MatMul: by a constant [K, N] (run as a dense layer), by run-time matrices
/// (float, or int8 as TFLite's BATCH_MATMUL: both zero points, one requantization)
/// [..., K, N] per sample (slice by slice, against the same leading axes), or by a constant of matrix slices [..., K, N] that broadcast against the
/// left operand's leading axes (ONNX MatMul of rank > 2): each output slice of each
/// batch item is then one dense product reading its own weight slice in place.

// MARK: - Shape inference

extension Graph {
    mutating func inferMatMul(_ c: NodeContext) throws(GraphError) {
        let name = c.name
        let ins = c.ins
        try c.expectInputs(2...2); try c.expectOutputs(1); try c.requireFloat()
        let a = try c.activation(0), b = ins[1]
        if a.shape.count < 1 { throw .shapeMismatch(node: name, reason: "left operand is a scalar") }
        if b.isConstant && b.shape.count > 2 {
            try setOutput(c, try Graph.slicedMatMulShape(a, b, node: name))
            return
        }
        if !b.isConstant {
            // Run-time on both sides: per sample, matrix slices [..., M, K] · [..., K, N]
            // with equal leading axes.
            guard a.shape.count >= 2, b.shape.count == a.shape.count, a.shape.dropLast(2) == b.shape.dropLast(2),
                  a.shape[a.shape.count - 1] == b.shape[b.shape.count - 2] else {
                throw .shapeMismatch(node: name, reason: "run-time operands \(a.shape) · \(b.shape) must be [..., M, K] · [..., K, N] with the same leading axes")
            }
            try setOutput(c, Array(a.shape.dropLast()) + [b.shape[b.shape.count - 1]])
            return
        }
        if b.shape.count != 2 { throw .shapeMismatch(node: name, reason: "right operand shape \(b.shape) must be [K, N]") }
        if a.shape.last! != b.shape[0] {
            throw .shapeMismatch(node: name, reason: "inner dimensions differ: \(a.shape) · \(b.shape)")
        }
        try setOutput(c, Array(a.shape.dropLast()) + [b.shape[1]])
    }

    /// int8 only between two run-time operands of per-tensor parameters (BATCH_MATMUL).
    mutating func checkInt8MatMul(_ c: NodeContext) throws(GraphError) {
        if c.ins[1].isConstant {
            throw .typeMismatch(node: c.name, reason: "an int8 MatMul multiplies two run-time operands; by constant weights it is an int8 Dense")
        }
        _ = try int8Input(c, 0); _ = try int8Input(c, 1)
        _ = try int8Output(c)
    }

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
        // Each slice compiles into one step per batch item: budgeted.
        let slices = MemoryPlanner.product(leading)
        if slices > Graph.maximumMatMulSlices {
            throw .stepBudgetExceeded(node: node, steps: slices, limit: "Graph.maximumMatMulSlices (\(Graph.maximumMatMulSlices) matrix slices per sample)")
        }
        return leading + [a.shape[a.shape.count - 2], b.shape[b.shape.count - 1]]
    }
}

// MARK: - Cost: as Dense (`MemoryPlanner.denseMACs`).

// MARK: - Compilation

extension Interpreter {
    static func compileMatMul(_ b: inout StepBuilder) throws(GraphError) {
        let node = b.node
        let a = b.shape(node.inputs[0]), w = b.shape(node.inputs[1])
        if b.isInt8 {
            let pa = b.params(b.ins[0]), pb = b.params(b.ins[1]), py = b.params(b.graph.tensors[b.out])
            let (multiplier, shift) = FixedPoint.quantizeMultiplier(Double(pa.scale) * Double(pb.scale) / Double(py.scale))
            let p = Int8MatMulParameters(batch: b.batch * MemoryPlanner.product(a.dropLast(2)), m: a[a.count - 2], k: a[a.count - 1], n: w[w.count - 1],
                                         aOffset: -pa.zeroPoint, bOffset: -pb.zeroPoint, outputOffset: py.zeroPoint, multiplier: multiplier, shift: shift)
            b.append(.int8MatMul(p, b.ci8(node.inputs[0]), b.ci8(node.inputs[1]), b.i8(b.out)))
            return
        }
        let x = b.cf(node.inputs[0]), y = b.f(b.out)
        if b.graph.tensors[node.inputs[1]].isConstant && w.count > 2 {
            // Validation bounded the slices per sample; the batch multiplies them.
            let steps = MemoryPlanner.times(MemoryPlanner.product(b.shape(b.out).dropLast(2)), b.batch)
            if steps > Graph.maximumStepsPerNode {
                throw .stepBudgetExceeded(node: node.name, steps: steps, limit: "Graph.maximumStepsPerNode (\(Graph.maximumStepsPerNode) steps for the whole batch)")
            }
            for step in slicedMatMulSteps(a: a, b: w, out: b.shape(b.out), batch: b.batch, x, b.cf(node.inputs[1]), y) { b.append(step) }
        } else if b.graph.tensors[node.inputs[1]].isConstant {
            let rows = b.batch * b.elements(node.inputs[0]) / w[0]
            b.append(.dense(DenseParameters(rows: rows, inFeatures: w[0], outFeatures: w[1], activation: .linear), x, b.cf(node.inputs[1]), nil, y))
        } else {
            let (m, k, n) = (a[a.count - 2], a[a.count - 1], w[w.count - 1])
            b.append(.matMul(batch: b.batch * MemoryPlanner.product(a.dropLast(2)), m: m, k: k, n: n, x, b.cf(node.inputs[1]), bStride: k * n, y))
        }
    }

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

// MARK: - Kernel parameters

/// An int8 product of run-time matrices: `batch` pairs a [M, K] · b [K, N] (contiguous,
/// one after the other), accumulated in int32 as Σ (a + aOffset)(b + bOffset), then
/// MultiplyByQuantizedMultiplier(acc, multiplier, shift) + outputOffset, saturated.
public struct Int8MatMulParameters {
    public var batch: Int
    public var m: Int
    public var k: Int
    public var n: Int
    public var aOffset: Int32
    public var bOffset: Int32
    public var outputOffset: Int32
    public var multiplier: Int32
    public var shift: Int32

    public init(batch: Int, m: Int, k: Int, n: Int, aOffset: Int32, bOffset: Int32, outputOffset: Int32, multiplier: Int32, shift: Int32) {
        self.batch = batch; self.m = m; self.k = k; self.n = n
        self.aOffset = aOffset; self.bOffset = bOffset; self.outputOffset = outputOffset
        self.multiplier = multiplier; self.shift = shift
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    /// Per batch item, a [M, K] · b [K, N], with b batched (bStride > 0) or shared.
    public static func batchedMatMul(batch: Int, m: Int, k: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int, output: UnsafeMutablePointer<Float>) {
        for item in 0..<batch {
            dense(DenseParameters(rows: m, inFeatures: k, outFeatures: n, activation: .linear),
                  input: a + item * m * k, weight: b + item * bStride, bias: nil, output: output + item * m * n)
        }
    }
}

extension Int8ReferenceKernels {
    /// TFLite's reference int8 `BatchMatMul`.
    public static func matMul(_ p: Int8MatMulParameters, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        for item in 0..<p.batch {
            let x = a + item * p.m * p.k, w = b + item * p.k * p.n, y = output + item * p.m * p.n
            for i in 0..<p.m {
                for j in 0..<p.n {
                    var acc: Int32 = 0
                    for r in 0..<p.k {
                        acc = acc &+ (Int32(x[i * p.k + r]) &+ p.aOffset) &* (Int32(w[r * p.n + j]) &+ p.bOffset)
                    }
                    let v = FixedPoint.multiplyByQuantizedMultiplier(acc, p.multiplier, p.shift) &+ p.outputOffset
                    y[i * p.n + j] = Int8(clamping: v)
                }
            }
        }
    }
}
