/// Quantize (float32 → int8, or int8 → int8 between two scales) and Dequantize
/// (int8 → float32): the boundary between float and int8 parts of a graph, with the
/// tensors' per-tensor parameters.

// MARK: - Shape inference

extension Graph {
    mutating func inferQuantize(_ c: NodeContext) throws(GraphError) {
        try c.expectInputs(1...1); try c.expectOutputs(1)
        let x = try c.activation(0)
        try setOutput(c, x.shape, dtype: .int8)
        let y = tensors[c.node.outputs[0]]
        // Any other type would be read as float32: past the end of a 1- or 2-byte tensor.
        if x.dtype != .float32 && x.dtype != .int8 {
            throw .typeMismatch(node: c.name, reason: "Quantize reads float32 or int8, not \(Graph.typeDescription(x))")
        }
        if x.dtype == .int8 { _ = try Graph.perTensor(x, node: c.name) }
        _ = try Graph.perTensor(y, node: c.name)
    }

    mutating func inferDequantize(_ c: NodeContext) throws(GraphError) {
        try c.expectInputs(1...1); try c.expectOutputs(1)
        let x = try c.activation(0)
        try setOutput(c, x.shape, dtype: .float32)
        if x.dtype != .int8 { throw .typeMismatch(node: c.name, reason: "Dequantize reads int8, not \(x.dtype.name)") }
        _ = try Graph.perTensor(x, node: c.name)
    }
}

// MARK: - Kernel parameters

/// int8 → int8 between two scales (TFLite QUANTIZE's requantize), over `outer`
/// chunks of `chunk` elements written every `stride` elements (one input's share of
/// a concatenation; outer 1 for a plain requantize).
public struct Int8RequantizeParameters {
    public var outer: Int
    public var chunk: Int
    public var stride: Int
    public var inputZeroPoint: Int32
    public var outputZeroPoint: Int32
    public var multiplier: Int32
    public var shift: Int32

    public init(outer: Int, chunk: Int, stride: Int, inputZeroPoint: Int32, outputZeroPoint: Int32, multiplier: Int32, shift: Int32) {
        self.outer = outer; self.chunk = chunk; self.stride = stride
        self.inputZeroPoint = inputZeroPoint; self.outputZeroPoint = outputZeroPoint
        self.multiplier = multiplier; self.shift = shift
    }
}

// MARK: - Compilation

extension Interpreter {
    static func compileQuantize(_ b: inout StepBuilder) {
        let node = b.node, x = b.ins[0]
        let y = b.params(b.graph.tensors[b.out])
        let count = b.batch * b.elements(b.out)
        if x.dtype == .int8 {
            let xp = b.params(x)
            let (m, s) = FixedPoint.quantizeMultiplier(Double(xp.scale) / Double(y.scale))
            b.append(.int8Requantize(Int8RequantizeParameters(outer: 1, chunk: count, stride: count, inputZeroPoint: xp.zeroPoint, outputZeroPoint: y.zeroPoint, multiplier: m, shift: s), b.ci8(node.inputs[0]), b.i8(b.out)))
        } else {
            b.append(.quantize(count: count, scale: y.scale, zeroPoint: y.zeroPoint, b.cf(node.inputs[0]), b.i8(b.out)))
        }
    }

    static func compileDequantize(_ b: inout StepBuilder) {
        let x = b.params(b.ins[0])
        b.append(.dequantize(count: b.batch * b.elements(b.out), scale: x.scale, zeroPoint: x.zeroPoint, b.ci8(b.node.inputs[0]), b.f(b.out)))
    }
}

// MARK: - Reference kernels

extension Int8ReferenceKernels {
    /// TFLite's int8 → int8 `Requantize`, written into a strided destination.
    public static func requantize(_ p: Int8RequantizeParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        for o in 0..<p.outer {
            let x = input + o * p.chunk, y = output + o * p.stride
            for i in 0..<p.chunk {
                let v = FixedPoint.multiplyByQuantizedMultiplier(Int32(x[i]) - p.inputZeroPoint, p.multiplier, p.shift) &+ p.outputZeroPoint
                y[i] = Int8(clamping: v)
            }
        }
    }

    /// TFLite QUANTIZE float → int8: zero point + round(x / scale) (float division,
    /// ties away from zero), saturated.
    public static func quantize(count: Int, scale: Float, zeroPoint: Int32, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Int8>) {
        for i in 0..<count {
            output[i] = Int8(clamping: Int8Quantization.quantize(input[i], scale: scale, zeroPoint: zeroPoint))
        }
    }

    /// TFLite DEQUANTIZE: scale × (q − zero point), one rounding to float.
    public static func dequantize(count: Int, scale: Float, zeroPoint: Int32, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Float>) {
        for i in 0..<count { output[i] = scale * Float(Int32(input[i]) - zeroPoint) }
    }
}
