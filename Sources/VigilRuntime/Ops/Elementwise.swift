/// Add, Sub, Mul, Div, Max, Min, Pow, SquaredDifference and PRelu: elementwise with
/// numpy broadcasting, in float (any fused activation), int8 (Add, Sub, Mul, Max, Min,
/// SquaredDifference and PRelu: TFLite's ADD, SUB, MUL, MAXIMUM, MINIMUM,
/// SQUARED_DIFFERENCE and PRELU) and plain integers (wrapping, as ONNX).

public enum BinaryOperator: Sendable, Equatable { case add, sub, mul, div, max, min, pow, squaredDifference, prelu }

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
        case .squaredDifference: return .squaredDifference
        case .prelu: return .prelu
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

    /// int8 Add, Sub and Mul requantize to any output parameters; Max and Min compare
    /// stored values, so their operands and output share parameters (as TFLite's
    /// converter writes them).
    mutating func checkInt8Binary(_ c: NodeContext, _ act: Activation) throws(GraphError) {
        let x = try int8Input(c, 0), z = try int8Input(c, 1)
        try requireClamp(c, act)
        switch c.node.op.binaryOperator {
        case .max, .min:
            let y = try int8Output(c, inheriting: c.ins[0].quantization)
            try requireSameParameters(c, y, x); try requireSameParameters(c, y, z)
        case .add, .sub, .mul, .div, .pow, .squaredDifference, .prelu, nil:
            _ = try int8Output(c)
        }
    }

    func checkIntegerElementwise(_ c: NodeContext, _ act: Activation) throws(GraphError) {
        try requireSameIntegerType(c, 1)
        if act != .linear { throw .badAttribute(node: c.name, reason: "an integer \(c.node.op.name) fuses no activation, not \(act.name)") }
    }
}

// MARK: - Kernel parameters (`BinaryParameters`, the broadcasting walk, is shared: KernelParameters.swift)

/// TFLite's int8 ADD, SUB, MUL, MAXIMUM and MINIMUM. ADD and SUB shift both inputs
/// left by `leftShift` (20), scale them to a common scale (twice the larger input
/// scale), add or subtract and requantize; MUL multiplies the offset inputs and
/// requantizes by s1·s2/s_out (the input multipliers unused); MAXIMUM and MINIMUM
/// compare the stored values (their operands and output share parameters).
public struct Int8BinaryParameters {
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
            let x = b.params(ins[0]), y = b.params(b.graph.tensors[b.out]), z = b.params(ins[1])
            let range = Int8Quantization.activationRange(act, scale: y.scale, zeroPoint: y.zeroPoint)
            var p = Int8BinaryParameters(shape: shape, input1Offset: -x.zeroPoint, input2Offset: -z.zeroPoint, leftShift: 0,
                                         input1Multiplier: 0, input1Shift: 0, input2Multiplier: 0, input2Shift: 0,
                                         outputMultiplier: 0, outputShift: 0, outputOffset: y.zeroPoint,
                                         activationMin: range.min, activationMax: range.max)
            switch op {
            case .add, .sub:
                let q = Int8Quantization.addParameters(scale1: x.scale, scale2: z.scale, outputScale: y.scale)
                p.leftShift = q.left
                (p.input1Multiplier, p.input1Shift, p.input2Multiplier, p.input2Shift) = (q.m1, q.s1, q.m2, q.s2)
                (p.outputMultiplier, p.outputShift) = (q.mo, q.so)
            case .mul:
                let q = FixedPoint.quantizeMultiplier(Double(x.scale) * Double(z.scale) / Double(y.scale))
                (p.outputMultiplier, p.outputShift) = (q.multiplier, q.shift)
            case .squaredDifference:
                let q = Int8Quantization.squaredDifferenceParameters(scale1: x.scale, scale2: z.scale, outputScale: y.scale)
                p.leftShift = q.left
                (p.input1Multiplier, p.input1Shift, p.input2Multiplier, p.input2Shift) = (q.m1, q.s1, q.m2, q.s2)
                (p.outputMultiplier, p.outputShift) = (q.mo, q.so)
            case .prelu:
                // TFLite PRELU: the identity part at s_x / s_y (input 1's multiplier), the
                // negative part x·α at s_x·s_α / s_y (the output multiplier).
                (p.input1Multiplier, p.input1Shift) = FixedPoint.quantizeMultiplier(Double(x.scale) / Double(y.scale))
                (p.outputMultiplier, p.outputShift) = FixedPoint.quantizeMultiplier(Double(x.scale) * Double(z.scale) / Double(y.scale))
            case .max, .min:
                break  // stored values compared: checkInt8Binary requires shared parameters
            case .div, .pow:
                throw .typeMismatch(node: node.name, reason: "\(node.op.name) has no int8 kernel")
            }
            b.append(.int8Binary(p, b.ci8(node.inputs[0]), b.ci8(node.inputs[1]), b.i8(b.out)))
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
            case .squaredDifference: return (x - y) * (x - y)
            case .prelu: return x >= 0 ? x : y * x
            }
        }
        p.forEachElement { i, j, out in output[out] = apply(p.activation, combine(a[i], b[j])) }
    }
}

extension Int8ReferenceKernels {
    /// TFLite int8 ADD, SUB, MUL, MAXIMUM and MINIMUM (reference_integer_ops), the
    /// operands broadcast by their strides.
    public static func binary(_ p: Int8BinaryParameters, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        switch p.shape.op {
        case .add: p.shape.forEachElement { i, j, out in output[out] = addOne(p, a[i], b[j], subtract: false) }
        case .sub: p.shape.forEachElement { i, j, out in output[out] = addOne(p, a[i], b[j], subtract: true) }
        case .mul: p.shape.forEachElement { i, j, out in output[out] = mulOne(p, a[i], b[j]) }
        case .max: p.shape.forEachElement { i, j, out in output[out] = clampOne(p, Int32(max(a[i], b[j]))) }
        case .min: p.shape.forEachElement { i, j, out in output[out] = clampOne(p, Int32(min(a[i], b[j]))) }
        case .squaredDifference: p.shape.forEachElement { i, j, out in output[out] = squaredDifferenceOne(p, a[i], b[j]) }
        case .prelu: p.shape.forEachElement { i, j, out in output[out] = preluOne(p, a[i], b[j]) }
        case .div, .pow: break  // no int8 kernel: never compiled (compileElementwise refuses)
        }
    }

    @inlinable @inline(__always)
    public static func addOne(_ p: Int8BinaryParameters, _ x: Int8, _ y: Int8, subtract: Bool) -> Int8 {
        let shifted1 = (p.input1Offset &+ Int32(x)) &* (Int32(1) << p.leftShift)
        let shifted2 = (p.input2Offset &+ Int32(y)) &* (Int32(1) << p.leftShift)
        let scaled1 = FixedPoint.multiplyByQuantizedMultiplier(shifted1, p.input1Multiplier, p.input1Shift)
        let scaled2 = FixedPoint.multiplyByQuantizedMultiplier(shifted2, p.input2Multiplier, p.input2Shift)
        let sum = subtract ? scaled1 &- scaled2 : scaled1 &+ scaled2
        return clampOne(p, FixedPoint.multiplyByQuantizedMultiplier(sum, p.outputMultiplier, p.outputShift) &+ p.outputOffset)
    }

    /// TFLite's int8 SQUARED_DIFFERENCE: the inputs shifted left by 7 and scaled to
    /// twice the larger input scale, their difference squared, requantized.
    @inlinable @inline(__always)
    public static func squaredDifferenceOne(_ p: Int8BinaryParameters, _ x: Int8, _ y: Int8) -> Int8 {
        let shifted1 = (p.input1Offset &+ Int32(x)) &* (Int32(1) << p.leftShift)
        let shifted2 = (p.input2Offset &+ Int32(y)) &* (Int32(1) << p.leftShift)
        let scaled1 = FixedPoint.multiplyByQuantizedMultiplier(shifted1, p.input1Multiplier, p.input1Shift)
        let scaled2 = FixedPoint.multiplyByQuantizedMultiplier(shifted2, p.input2Multiplier, p.input2Shift)
        let difference = scaled1 &- scaled2
        return clampOne(p, FixedPoint.multiplyByQuantizedMultiplier(difference &* difference, p.outputMultiplier, p.outputShift) &+ p.outputOffset)
    }

    /// TFLite's int8 PRELU: (x − z_x) requantized alone where it is ≥ 0, else its product
    /// with (α − z_α) at the second multiplier.
    @inlinable @inline(__always)
    public static func preluOne(_ p: Int8BinaryParameters, _ x: Int8, _ slope: Int8) -> Int8 {
        let v = p.input1Offset &+ Int32(x)
        let scaled = v >= 0
            ? FixedPoint.multiplyByQuantizedMultiplier(v, p.input1Multiplier, p.input1Shift)
            : FixedPoint.multiplyByQuantizedMultiplier(v &* (p.input2Offset &+ Int32(slope)), p.outputMultiplier, p.outputShift)
        return clampOne(p, scaled &+ p.outputOffset)
    }

    @inlinable @inline(__always)
    public static func mulOne(_ p: Int8BinaryParameters, _ x: Int8, _ y: Int8) -> Int8 {
        let product = (p.input1Offset &+ Int32(x)) &* (p.input2Offset &+ Int32(y))
        return clampOne(p, FixedPoint.multiplyByQuantizedMultiplier(product, p.outputMultiplier, p.outputShift) &+ p.outputOffset)
    }

    @usableFromInline @inline(__always)
    static func clampOne(_ p: Int8BinaryParameters, _ v: Int32) -> Int8 {
        Int8(truncatingIfNeeded: min(max(v, p.activationMin), p.activationMax))
    }
}

extension IntegerKernels {
    /// Elementwise with the broadcasting strides of `p`, as `ReferenceKernels.binary`.
    /// The activation is linear: shape inference admits no other on integers.
    public static func binary<T: FixedWidthInteger>(_ p: BinaryParameters, a: UnsafePointer<T>, b: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        p.forEachElement { i, j, out in output[out] = combine(p.op, a[i], b[j]) }
    }
}
