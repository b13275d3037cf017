/// Activation: a standalone elementwise activation (the `Activation` enum itself,
/// which conv, dense and recurrent ops also fuse, is in Op.swift). int8 runs it through
/// a 256-entry table computed at compile time.

// MARK: - Shape inference

extension Graph {
    mutating func inferActivation(_ c: NodeContext, _ act: Activation) throws(GraphError) {
        try c.expectInputs(1...1); try c.expectOutputs(1); try c.requireFloat(); try c.checkActivation(act)
        try setOutput(c, try c.activation(0).shape)
    }

    mutating func checkInt8Activation(_ c: NodeContext, _ a: Activation) throws(GraphError) {
        _ = try int8Input(c, 0)
        _ = try int8Output(c, inheriting: a.isClamp ? c.ins[0].quantization : nil)
    }
}

// MARK: - Compilation

extension Interpreter {
    static func compileActivation(_ b: inout StepBuilder, _ act: Activation) {
        let count = b.batch * b.elements(b.out)
        guard b.isInt8 else {
            b.append(.activation(act, b.cf(b.node.inputs[0]), b.f(b.out), count: count))
            return
        }
        let table = b.table(Int8Compilation.activationTable(act, input: b.params(b.ins[0]), output: b.params(b.graph.tensors[b.out])))
        b.append(.int8Lookup(table, b.ci8(b.node.inputs[0]), b.i8(b.out), count: count))
    }
}

public enum Int8Compilation {
    /// The 256-entry table of an int8 activation, indexed by the input's bit pattern.
    /// Clamps requantize exactly as TFLite's int8 RELU/RELU6 (`ReluX`); sigmoid and
    /// tanh tabulate the float function as TFLite's int8 LUT kernels do
    /// (`LUTPopulate`: dequantize, apply, round(y / s_out) + zp, clamp).
    public static func activationTable(_ a: Activation, input x: (scale: Float, zeroPoint: Int32), output y: (scale: Float, zeroPoint: Int32)) -> [Int8] {
        var table = [Int8](repeating: 0, count: 256)
        if a.isClamp {
            let (m, s) = FixedPoint.quantizeMultiplier(Double(x.scale) / Double(y.scale))
            let range = Int8Quantization.activationRange(a, scale: y.scale, zeroPoint: y.zeroPoint)
            for v in -128...127 {
                var q = y.zeroPoint &+ FixedPoint.multiplyByQuantizedMultiplier(Int32(v) - x.zeroPoint, m, s)
                q = max(range.min, min(range.max, q))
                table[Int(UInt8(bitPattern: Int8(v)))] = Int8(truncatingIfNeeded: q)
            }
            return table
        }
        let inverse = 1 / y.scale
        for v in -128...127 {
            let dequantized = x.scale * Float(Int32(v) - x.zeroPoint)
            let transformed: Float
            switch a {
            case .sigmoid: transformed = 1 / (1 + VMath.exp(-dequantized))
            case .linear, .relu, .relu6, .clip, .leakyRelu, .hardSigmoid, .tanh, .elu, .selu, .gelu, .swish, .softplus, .softsign, .hardSwish, .exponential, .mish, .negate, .absolute, .logarithm, .squareRoot, .reciprocal, .errorFunction:
                transformed = ReferenceKernels.apply(a, dequantized)
            }
            if transformed.isNaN {
                // ln, √ and the like of a negative input: no real value; real 0 stands in.
                table[Int(UInt8(bitPattern: Int8(v)))] = Int8(clamping: y.zeroPoint)
                continue
            }
            let rescaled = Int8Quantization.roundHalfAwayFromZero(transformed * inverse)
            let q = rescaled >= 1000 ? 1000 : (rescaled <= -1000 ? -1000 : Int32(rescaled))
            table[Int(UInt8(bitPattern: Int8(v)))] = Int8(clamping: q &+ y.zeroPoint)
        }
        return table
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    public static func activation(_ a: Activation, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { output[i] = apply(a, input[i]) }
    }
}

extension Int8ReferenceKernels {
    /// Elementwise activation through a 256-entry table indexed by the input's bit
    /// pattern (TFLite's int8 LUT kernels for sigmoid and tanh; clamps and ReLU
    /// requantization tabulated exactly).
    public static func lookup(table: UnsafePointer<Int8>, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, count: Int) {
        for i in 0..<count { output[i] = table[Int(UInt8(bitPattern: input[i]))] }
    }
}
