/// Dense: a fully connected layer over the last axis, float and int8 (TFLite
/// FULLY_CONNECTED with Vigil's [In, Out] weights).

// MARK: - Shape inference

extension Graph {
    mutating func inferDense(_ c: NodeContext, _ act: Activation) throws(GraphError) {
        let name = c.name
        let ins = c.ins
        try c.expectInputs(2...3); try c.expectOutputs(1); try c.requireFloat(); try c.checkActivation(act)
        let x = try c.activation(0), w = try c.constant(1, role: "weight")
        try c.rank(w, 2, "weight")
        if x.shape.isEmpty || x.shape.last! != w.shape[0] {
            throw .shapeMismatch(node: name, reason: "input \(x.shape) last dimension ≠ weight rows \(w.shape[0])")
        }
        if ins.count == 3 {
            let b = try c.constant(2, role: "bias")
            if b.shape != [w.shape[1]] { throw .shapeMismatch(node: name, reason: "bias shape \(b.shape) ≠ [\(w.shape[1])]") }
        }
        try setOutput(c, Array(x.shape.dropLast()) + [w.shape[1]])
    }

    mutating func checkInt8Dense(_ c: NodeContext, _ act: Activation) throws(GraphError) {
        let x = try int8Input(c, 0)
        let scales = try Graph.weightScales(c.ins[1], channelAxis: 1, node: c.name)
        if c.ins.count == 3 { try Graph.checkBias(c.ins[2], inputScale: x.scale, weightScales: scales, node: c.name) }
        try requireClamp(c, act)
        _ = try int8Output(c)
    }
}

// MARK: - Kernel parameters

/// rows × inFeatures times inFeatures × outFeatures.
public struct DenseParameters: Sendable {
    public var rows: Int
    public var inFeatures: Int
    public var outFeatures: Int
    public var activation: Activation

    public init(rows: Int, inFeatures: Int, outFeatures: Int, activation: Activation) {
        self.rows = rows; self.inFeatures = inFeatures; self.outFeatures = outFeatures; self.activation = activation
    }
}

/// How an int32 accumulator becomes an int8 output in LiteRT's reference
/// FULLY_CONNECTED (LiteRT 2.x requantizes there "in float to avoid loss of
/// precision": `(int32) round((double) acc * (s_in · s_w[c] / s_out))`). Vigil
/// reproduces that double product and its rounding exactly with integers only: the
/// multiplier is stored as its 53-bit significand and binary exponent.
public struct Int8ExactRequantization {
    public var mantissas: UnsafePointer<UInt64>
    public var exponents: UnsafePointer<Int32>
    public var outputOffset: Int32
    public var activationMin: Int32
    public var activationMax: Int32

    public init(mantissas: UnsafePointer<UInt64>, exponents: UnsafePointer<Int32>, outputOffset: Int32, activationMin: Int32, activationMax: Int32) {
        self.mantissas = mantissas; self.exponents = exponents; self.outputOffset = outputOffset
        self.activationMin = activationMin; self.activationMax = activationMax
    }

    @inlinable @inline(__always)
    public func apply(_ acc: Int32, channel: Int) -> Int8 {
        var v = FixedPoint.roundedProduct(acc, mantissa: mantissas[channel], exponent: exponents[channel]) &+ outputOffset
        if v < activationMin { v = activationMin }
        if v > activationMax { v = activationMax }
        return Int8(truncatingIfNeeded: v)
    }
}

public struct Int8DenseParameters {
    public var rows: Int
    public var inFeatures: Int
    public var outFeatures: Int
    public var inputOffset: Int32
    public var output: Int8ExactRequantization
    /// Constant data the kernel set derived from the weights and bias once, at compile
    /// time (`KernelSet.int8DensePrepare`); nil when it wants none.
    public var prepared: UnsafeRawPointer?

    public init(rows: Int, inFeatures: Int, outFeatures: Int, inputOffset: Int32, output: Int8ExactRequantization, prepared: UnsafeRawPointer? = nil) {
        self.rows = rows; self.inFeatures = inFeatures; self.outFeatures = outFeatures
        self.inputOffset = inputOffset; self.output = output; self.prepared = prepared
    }
}

// MARK: - Cost

extension MemoryPlanner {
    static func denseMACs(_ node: Node, in graph: Graph) -> Int {
        // Each output element sums K products (K: the left operand's last axis), also
        // for a MatMul whose constant has matrix slices.
        let x = graph.tensors[node.inputs[0]].shape
        return times(product(graph.tensors[node.outputs[0]].shape), x[x.count - 1])
    }
}

// MARK: - Compilation

extension Interpreter {
    static func compileDense(_ b: inout StepBuilder, _ act: Activation) throws(GraphError) {
        let node = b.node, ins = b.ins
        let w = ins[1].shape
        let rows = b.batch * b.elements(node.inputs[0]) / w[0]
        guard b.isInt8 else {
            b.append(.dense(DenseParameters(rows: rows, inFeatures: w[0], outFeatures: w[1], activation: act), b.cf(node.inputs[0]), b.cf(node.inputs[1]), b.optionalInput(2), b.f(b.out)))
            return
        }
        let x = b.params(ins[0]), y = b.params(b.graph.tensors[b.out])
        let scales = try Graph.weightScales(ins[1], channelAxis: 1, node: node.name)
        var mantissas: [UInt64] = [], exponents: [Int32] = []
        for ws in scales {
            let d = FixedPoint.decompose(Double(x.scale) * Double(ws) / Double(y.scale))
            mantissas.append(d.mantissa); exponents.append(d.exponent)
        }
        let range = Int8Quantization.activationRange(act, scale: y.scale, zeroPoint: y.zeroPoint)
        let output = Int8ExactRequantization(mantissas: b.table(mantissas), exponents: b.table(exponents), outputOffset: y.zeroPoint,
                                             activationMin: range.min, activationMax: range.max)
        var p = Int8DenseParameters(rows: rows, inFeatures: w[0], outFeatures: w[1], inputOffset: -x.zeroPoint, output: output)
        let preparedBytes = Kernels.int8DensePreparedBytes(p)
        if preparedBytes > 0 && ins[1].isConstant && (ins.count < 3 || ins[2].isConstant) {
            let buffer = b.buffer(bytes: preparedBytes)
            Kernels.int8DensePrepare(p, weight: b.ci8(node.inputs[1]), bias: b.bias32(2), into: buffer)
            p.prepared = UnsafeRawPointer(buffer)
        }
        b.append(.int8Dense(p, b.ci8(node.inputs[0]), b.ci8(node.inputs[1]), b.bias32(2), b.i8(b.out)))
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    public static func dense(_ p: DenseParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        for r in 0..<p.rows {
            let x = input + r * p.inFeatures
            for o in 0..<p.outFeatures {
                var sum: Float = bias?[o] ?? 0
                for i in 0..<p.inFeatures { sum += x[i] * weight[i * p.outFeatures + o] }
                output[r * p.outFeatures + o] = apply(p.activation, sum)
            }
        }
    }
}

extension Int8ReferenceKernels {
    /// TFLite `FullyConnected` (per-tensor or per-channel) with Vigil's [In, Out] weights.
    public static func dense(_ p: Int8DenseParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>) {
        for r in 0..<p.rows {
            let x = input + r * p.inFeatures
            for o in 0..<p.outFeatures {
                var acc: Int32 = 0
                for i in 0..<p.inFeatures {
                    acc = acc &+ Int32(weight[i * p.outFeatures + o]) &* (Int32(x[i]) &+ p.inputOffset)
                }
                if let bias { acc = acc &+ bias[o] }
                output[r * p.outFeatures + o] = p.output.apply(acc, channel: o)
            }
        }
    }
}
