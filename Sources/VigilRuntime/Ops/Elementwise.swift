/// Add, Sub, Mul and Div: elementwise with numpy broadcasting, in float (any fused
/// activation), int8 (Add only, TFLite's ADD) and plain integers (wrapping, as ONNX).

public enum BinaryOperator: Sendable, Equatable { case add, sub, mul, div, max, min, pow }

extension Op {
    /// The arithmetic of an elementwise Add/Sub/Mul/Div node, for the float and the
    /// integer compilers alike; nil for every other op.
    public var binaryOperator: BinaryOperator? {
        switch self {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .maximum: return .max
        case .minimum: return .min
        case .power: return .pow
        case .conv1D, .dense, .matMul, .concatenate, .reshape, .zeroPadding1D, .maxPool1D, .averagePool1D, .globalAveragePool1D,
             .globalMaxPool1D, .convND, .maxPoolND, .averagePoolND, .activation, .softmax, .logSoftmax, .affine, .gru, .lstm, .simpleRNN, .quantize,
             .dequantize, .transpose, .slice, .gather, .expand, .clamp, .batchNormalizationTraining, .layerNormalization:
            return nil
        }
    }
}

// MARK: - Shape inference

extension Graph {
    mutating func inferElementwise(_ c: NodeContext, _ act: Activation) throws(GraphError) {
        let name = c.name
        let ins = c.ins
        try c.expectInputs(2...2); try c.expectOutputs(1); try c.requireFloat(); try c.checkActivation(act)
        let a = ins[0], b = ins[1]
        if a.isConstant && b.isConstant { throw .badAttribute(node: name, reason: "both operands are constants; fold the node at import") }
        guard let shape = Broadcast.shape(a.shape, b.shape) else {
            throw .shapeMismatch(node: name, reason: "shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        // Batched operands align at the batch axis, so two of them need equal rank; a
        // constant aligns at the last axis and may not add dimensions.
        if !a.isConstant && !b.isConstant && a.shape.count != b.shape.count {
            throw .shapeMismatch(node: name, reason: "batched operands \(a.shape) and \(b.shape) differ in rank")
        }
        if (a.isConstant && a.shape.count > b.shape.count) || (b.isConstant && b.shape.count > a.shape.count) {
            throw .shapeMismatch(node: name, reason: "constant operand has more dimensions than the batched one: \(a.shape), \(b.shape)")
        }
        try setOutput(c, shape)
    }

    mutating func checkInt8Add(_ c: NodeContext, _ act: Activation) throws(GraphError) {
        _ = try int8Input(c, 0); _ = try int8Input(c, 1)
        try requireClamp(c, act)
        _ = try int8Output(c)
    }

    func checkIntegerElementwise(_ c: NodeContext, _ act: Activation) throws(GraphError) {
        try requireSameIntegerType(c, 1)
        if act != .linear { throw .badAttribute(node: c.name, reason: "an integer \(c.node.op.name) fuses no activation, not \(act.name)") }
    }
}

// MARK: - Kernel parameters (`BinaryParameters`, the broadcasting walk, is shared: KernelParameters.swift)

/// TFLite's int8 ADD: both inputs are shifted left by `leftShift` (20), scaled to a
/// common scale (twice the larger input scale), summed and requantized.
public struct Int8AddParameters {
    public var shape: BinaryParameters
    public var input1Offset: Int32
    public var input2Offset: Int32
    public var leftShift: Int32
    public var input1Multiplier: Int32
    public var input1Shift: Int32
    public var input2Multiplier: Int32
    public var input2Shift: Int32
    public var outputMultiplier: Int32
    public var outputShift: Int32
    public var outputOffset: Int32
    public var activationMin: Int32
    public var activationMax: Int32

    public init(shape: BinaryParameters, input1Offset: Int32, input2Offset: Int32, leftShift: Int32, input1Multiplier: Int32, input1Shift: Int32, input2Multiplier: Int32, input2Shift: Int32, outputMultiplier: Int32, outputShift: Int32, outputOffset: Int32, activationMin: Int32, activationMax: Int32) {
        self.shape = shape; self.input1Offset = input1Offset; self.input2Offset = input2Offset; self.leftShift = leftShift
        self.input1Multiplier = input1Multiplier; self.input1Shift = input1Shift
        self.input2Multiplier = input2Multiplier; self.input2Shift = input2Shift
        self.outputMultiplier = outputMultiplier; self.outputShift = outputShift; self.outputOffset = outputOffset
        self.activationMin = activationMin; self.activationMax = activationMax
    }
}

// MARK: - Compilation

extension Interpreter {
    static func compileElementwise(_ b: inout StepBuilder, _ act: Activation) throws(GraphError) {
        let node = b.node, ins = b.ins
        let int8 = b.isInt8, integer = b.isInteger
        guard let op = node.op.binaryOperator,
              let shape = binaryParameters(op: op, activation: int8 || integer ? .linear : act, a: ins[0], b: ins[1], out: b.shape(b.out), batch: b.batch) else {
            throw .badAttribute(node: node.name, reason: "elementwise ops support at most 4 dimensions besides the batch")
        }
        if integer {
            b.append(.integer(.binary(shape, UnsafeRawPointer(b.raw(node.inputs[0])), UnsafeRawPointer(b.raw(node.inputs[1])), b.raw(b.out)), ins[0].dtype))
        } else if int8 {
            // Only Add has an int8 kernel (`Op.hasInt8Kernel`).
            let x = b.params(ins[0]), y = b.params(b.graph.tensors[b.out]), z = b.params(ins[1])
            let q = Int8Quantization.addParameters(scale1: x.scale, scale2: z.scale, outputScale: y.scale)
            let range = Int8Quantization.activationRange(act, scale: y.scale, zeroPoint: y.zeroPoint)
            let p = Int8AddParameters(shape: shape, input1Offset: -x.zeroPoint, input2Offset: -z.zeroPoint, leftShift: q.left,
                                      input1Multiplier: q.m1, input1Shift: q.s1, input2Multiplier: q.m2, input2Shift: q.s2,
                                      outputMultiplier: q.mo, outputShift: q.so, outputOffset: y.zeroPoint,
                                      activationMin: range.min, activationMax: range.max)
            b.append(.int8Add(p, b.ci8(node.inputs[0]), b.ci8(node.inputs[1]), b.i8(b.out)))
        } else {
            b.append(.binary(shape, b.cf(node.inputs[0]), b.cf(node.inputs[1]), b.f(b.out)))
        }
    }

    /// Output shape [batch] + out, padded on the left to five axes; each operand's
    /// strides are zero where it broadcasts (and along the batch axis for constants).
    static func binaryParameters(op: BinaryOperator, activation: Activation, a: TensorDescriptor, b: TensorDescriptor, out: [Int], batch: Int) -> BinaryParameters? {
        let rank = out.count + 1
        if rank > 5 { return nil }
        let full = [batch] + out
        func strides(_ t: TensorDescriptor) -> [Int] {
            var s = [Int](repeating: 0, count: rank)
            var step = 1
            let shape = t.shape
            for i in stride(from: shape.count - 1, through: 0, by: -1) {
                let axis = rank - shape.count + i
                s[axis] = shape[i] == 1 && full[axis] != 1 ? 0 : step
                step *= shape[i]
            }
            s[0] = t.isConstant ? 0 : step
            return s
        }
        func pad(_ v: [Int], _ fill: Int) -> (Int, Int, Int, Int, Int) {
            let p = [Int](repeating: fill, count: 5 - v.count) + v
            return (p[0], p[1], p[2], p[3], p[4])
        }
        let sa = strides(a), sb = strides(b)
        let contiguous = !a.isConstant && !b.isConstant && a.shape == out && b.shape == out
        var count = batch
        for d in out { count *= d }
        return BinaryParameters(op: op, activation: activation, shape: pad(full, 1), stridesA: pad(sa, 0), stridesB: pad(sb, 0), isContiguous: contiguous, count: count)
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    public static func binary(_ p: BinaryParameters, a: UnsafePointer<Float>, b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        @inline(__always) func combine(_ x: Float, _ y: Float) -> Float {
            switch p.op {
            case .add: return x + y
            case .sub: return x - y
            case .mul: return x * y
            case .div: return x / y
            // NaN propagates, as ONNX Max/Min and numpy's maximum/minimum do.
            case .max: return x.isNaN || y.isNaN ? .nan : (x > y ? x : y)
            case .min: return x.isNaN || y.isNaN ? .nan : (x < y ? x : y)
            case .pow: return VMath.pow(x, y)
            }
        }
        p.forEachElement { i, j, out in output[out] = apply(p.activation, combine(a[i], b[j])) }
    }
}

extension Int8ReferenceKernels {
    /// TFLite int8 ADD (`AddFunc`), broadcasting by the operand strides.
    public static func add(_ p: Int8AddParameters, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        p.shape.forEachElement { i, j, out in output[out] = addOne(p, a[i], b[j]) }
    }

    @inlinable @inline(__always)
    public static func addOne(_ p: Int8AddParameters, _ x: Int8, _ y: Int8) -> Int8 {
        let shifted1 = (p.input1Offset &+ Int32(x)) &* (Int32(1) << p.leftShift)
        let shifted2 = (p.input2Offset &+ Int32(y)) &* (Int32(1) << p.leftShift)
        let scaled1 = FixedPoint.multiplyByQuantizedMultiplier(shifted1, p.input1Multiplier, p.input1Shift)
        let scaled2 = FixedPoint.multiplyByQuantizedMultiplier(shifted2, p.input2Multiplier, p.input2Shift)
        var v = FixedPoint.multiplyByQuantizedMultiplier(scaled1 &+ scaled2, p.outputMultiplier, p.outputShift) &+ p.outputOffset
        if v < p.activationMin { v = p.activationMin }
        if v > p.activationMax { v = p.activationMax }
        return Int8(truncatingIfNeeded: v)
    }
}

extension IntegerKernels {
    /// Elementwise with the broadcasting strides of `p`, as `ReferenceKernels.binary`.
    /// The activation is linear: shape inference admits no other on integers.
    public static func binary<T: FixedWidthInteger>(_ p: BinaryParameters, a: UnsafePointer<T>, b: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        p.forEachElement { i, j, out in output[out] = combine(p.op, a[i], b[j]) }
    }
}
