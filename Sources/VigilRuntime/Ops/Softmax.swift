/// Softmax over the last axis, float and int8 (TFLite's reference integer softmax,
/// output scale 1/256 and zero point -128).

// MARK: - Shape inference

extension Graph {
    mutating func inferSoftmax(_ c: NodeContext, _ axis: Int) throws(GraphError) {
        let name = c.name
        try c.expectInputs(1...1); try c.expectOutputs(1); try c.requireFloat()
        let x = try c.activation(0)
        let r = x.shape.count
        let a = axis < 0 ? axis + r + 1 : axis
        if a != r { throw .badAttribute(node: name, reason: "softmax runs over the last axis only; axis \(axis) of rank \(r + 1)") }
        try setOutput(c, x.shape)
    }

    mutating func checkInt8Softmax(_ c: NodeContext) throws(GraphError) {
        _ = try int8Input(c, 0)
        // TFLite's integer softmax produces probabilities with scale 1/256, zero point -128.
        let out = try int8Output(c, inheriting: QuantizationParameters(scale: 1.0 / 256.0, zeroPoint: -128))
        if out.zeroPoint != -128 || abs(out.scale - 1.0 / 256.0) > 0.001 / 256.0 {
            throw .quantizationMismatch(node: c.name, tensor: tensors[c.node.outputs[0]].name, reason: "int8 softmax output must have scale 1/256 and zero point -128")
        }
    }
}

// MARK: - Kernel parameters

/// TFLite's reference int8 softmax (gemmlowp fixed-point exp, output scale 1/256,
/// zero point -128).
public struct Int8SoftmaxParameters {
    public var rows: Int
    public var width: Int
    /// exp(x − max) in Q0.31 for each of the 256 differences x − max = 0, −1, …, −255,
    /// and 0 where the difference is below TFLite's diffMin (such an element adds
    /// nothing to the sum and comes out as −128 either way): the exponential depends on
    /// the difference alone, so it is computed once, at compile time.
    public var exponentials: UnsafePointer<Int32>

    public init(rows: Int, width: Int, exponentials: UnsafePointer<Int32>) {
        self.rows = rows; self.width = width; self.exponentials = exponentials
    }

    /// The `exponentials` table for an input multiplier and left shift (TFLite's
    /// `PreprocessSoftmaxScaling`) and diffMin.
    public static func exponentialTable(inputMultiplier: Int32, inputLeftShift: Int32, diffMin: Int32) -> [Int32] {
        (0..<256).map { d in
            let diff = -Int32(d)
            guard diff >= diffMin else { return 0 }
            // MultiplyByQuantizedMultiplierGreaterThanOne: the difference as Q5.26.
            let scaled = FixedPoint.saturatingRoundingDoublingHighMul(diff &* (Int32(1) << inputLeftShift), inputMultiplier)
            return FixedPoint.expOnNegativeValues(scaled, integerBits: 5)
        }
    }
}

extension Int8Quantization {
    /// TFLite `PreprocessSoftmaxScaling` (beta 1, 5 integer bits) and the radius
    /// `CalculateInputRadius` gives `diff_min`.
    public static func softmaxParameters(inputScale: Float, beta: Double = 1) -> (multiplier: Int32, leftShift: Int32, diffMin: Int32) {
        let integerBits = 5
        let real = min(beta * Double(inputScale) * Double(1 << (31 - integerBits)), Double((Int64(1) << 31) - 1))
        let (m, shift) = FixedPoint.quantizeMultiplier(real)
        // floor(((1 << 5) - 1) · 2^26 / 2^shift), exactly, in integers.
        let numerator = Int64((1 << integerBits) - 1) << Int64(31 - integerBits)
        let radius = shift >= 0 ? (shift >= 63 ? 0 : numerator >> Int64(shift)) : numerator << Int64(-shift)
        return (m, shift, Int32(clamping: -radius))
    }
}

// MARK: - Compilation

extension Interpreter {
    static func compileLogSoftmax(_ b: inout StepBuilder) {
        let width = b.shape(b.out).last!
        b.append(.logSoftmax(rows: b.batch * b.elements(b.out) / width, width: width, b.cf(b.node.inputs[0]), b.f(b.out)))
    }

    static func compileSoftmax(_ b: inout StepBuilder) {
        let width = b.shape(b.out).last!
        let rows = b.batch * b.elements(b.out) / width
        guard b.isInt8 else {
            b.append(.softmax(rows: rows, width: width, b.cf(b.node.inputs[0]), b.f(b.out)))
            return
        }
        let s = Int8Quantization.softmaxParameters(inputScale: b.params(b.ins[0]).scale)
        let exponentials = Int8SoftmaxParameters.exponentialTable(inputMultiplier: s.multiplier, inputLeftShift: s.leftShift, diffMin: s.diffMin)
        b.append(.int8Softmax(Int8SoftmaxParameters(rows: rows, width: width, exponentials: b.table(exponentials)), b.ci8(b.node.inputs[0]), b.i8(b.out)))
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    public static func softmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let x = input + r * width, y = output + r * width
            var m = -Float.infinity
            for i in 0..<width where x[i] > m { m = x[i] }
            var sum: Float = 0
            for i in 0..<width {
                let e = VMath.exp(x[i] - m)
                y[i] = e
                sum += e
            }
            let inv = 1 / sum
            for i in 0..<width { y[i] *= inv }
        }
    }
}

extension ReferenceKernels {
    /// x − max − ln Σ e^(x − max) per row: no exponential overflows, and a row's
    /// smallest values keep their digits where ln(softmax) would underflow.
    public static func logSoftmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let x = input + r * width, y = output + r * width
            var m = -Float.infinity
            for i in 0..<width where x[i] > m { m = x[i] }
            var sum: Float = 0
            for i in 0..<width { sum += VMath.exp(x[i] - m) }
            let offset = m + VMath.log(sum)
            for i in 0..<width { y[i] = x[i] - offset }
        }
    }
}

extension Int8ReferenceKernels {
    /// TFLite's reference int8 softmax (reference_ops::Softmax for quantized types).
    public static func softmax(_ p: Int8SoftmaxParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        let accumulationBits: Int32 = 12
        for r in 0..<p.rows {
            let x = input + r * p.width, y = output + r * p.width
            var maxInRow: Int8 = .min
            for c in 0..<p.width where x[c] > maxInRow { maxInRow = x[c] }
            // A table entry of 0 (a difference below diffMin) adds nothing and gives −128.
            func exponential(_ c: Int) -> Int32 { p.exponentials[Int(Int32(maxInRow) - Int32(x[c]))] }
            var sumOfExps: Int32 = 0
            for c in 0..<p.width {
                sumOfExps = sumOfExps &+ FixedPoint.rescale(exponential(c), from: 0, to: accumulationBits)
            }
            let (shiftedScale, bitsOverUnit) = FixedPoint.reciprocal(sumOfExps, integerDigits: accumulationBits)
            let exponent = bitsOverUnit + 31 - 8
            for c in 0..<p.width {
                let unsaturated = FixedPoint.roundingDivideByPOT(FixedPoint.saturatingRoundingDoublingHighMul(shiftedScale, exponential(c)), exponent)
                y[c] = Int8(clamping: unsaturated &- 128)
            }
        }
    }
}
