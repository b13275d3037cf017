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
    /// Clamps requantize exactly as TFLite's int8 RELU/RELU6 (`ReluX`); LeakyReLU,
    /// HardSwish, ABS and RSQRT tabulate TFLite's integer kernels; the others (sigmoid, tanh, …)
    /// tabulate the float function as TFLite's int8 LUT kernels do (`LUTPopulate`:
    /// dequantize, apply, round(y / s_out) + zp, clamp).
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
        switch a {
        case .leakyRelu(let alpha): return leakyReluTable(alpha: alpha, input: x, output: y)
        case .hardSwish: return hardSwishTable(input: x, output: y)
        case .absolute: return absoluteTable(input: x, output: y)
        case .reciprocalSquareRoot: return reciprocalSquareRootTable(input: x, output: y)
        case .linear, .relu, .relu6, .clip, .sigmoid, .hardSigmoid, .tanh, .elu, .selu, .gelu, .swish, .softplus, .softsign, .exponential, .mish,
             .negate, .logarithm, .squareRoot, .reciprocal, .errorFunction:
            break
        }
        let inverse = 1 / y.scale
        for v in -128...127 {
            let dequantized = x.scale * Float(Int32(v) - x.zeroPoint)
            let transformed: Float
            switch a {
            case .sigmoid: transformed = 1 / (1 + VMath.exp(-dequantized))
            case .linear, .relu, .relu6, .clip, .leakyRelu, .hardSigmoid, .tanh, .elu, .selu, .gelu, .swish, .softplus, .softsign, .hardSwish, .exponential, .mish, .negate, .absolute, .logarithm, .squareRoot, .reciprocal, .reciprocalSquareRoot, .errorFunction:
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

    /// TFLite's int8 LEAKY_RELU (`QuantizeLeakyRelu`): x − zp rescaled by s_in/s_out at
    /// and above zero, by α·s_in/s_out below it (the multipliers computed in float, as
    /// LiteRT's Prepare does), plus zp_out, clamped.
    static func leakyReluTable(alpha: Float, input x: (scale: Float, zeroPoint: Int32), output y: (scale: Float, zeroPoint: Int32)) -> [Int8] {
        let identity = FixedPoint.quantizeMultiplier(Double(x.scale / y.scale))
        let (alphaMultiplier, alphaShift) = FixedPoint.quantizeMultiplier(Double(x.scale * alpha / y.scale))
        let negativeAlpha = alphaMultiplier < 0
        let safeAlpha = negativeAlpha ? -alphaMultiplier : alphaMultiplier
        var table = [Int8](repeating: 0, count: 256)
        for v in -128...127 {
            let input = Int32(v) - x.zeroPoint
            var q = y.zeroPoint
            if input >= 0 {
                q &+= FixedPoint.multiplyByQuantizedMultiplier(input, identity.multiplier, identity.shift)
            } else {
                let scaled = FixedPoint.multiplyByQuantizedMultiplier(input, safeAlpha, alphaShift)
                q &+= negativeAlpha ? -scaled : scaled
            }
            table[Int(UInt8(bitPattern: Int8(v)))] = Int8(clamping: q)
        }
        return table
    }

    /// TFLite's int8 HARD_SWISH (`reference_ops::HardSwish` with `HardSwishPrepare`'s
    /// parameters): x on a 16-bit "hires" scale (s_in/128), a ReLU-ish factor in [0, 1]
    /// from x rescaled so that 3 is 32768, their doubling high product, rescaled to the
    /// output.
    static func hardSwishTable(input x: (scale: Float, zeroPoint: Int32), output y: (scale: Float, zeroPoint: Int32)) -> [Int8] {
        let hires = (1 / Float(128)) * x.scale
        let reluishScale = Float(3) / 32768
        let (outputMultiplier32, outputExponent) = FixedPoint.quantizeMultiplier(Double(hires / y.scale))
        let (reluishMultiplier32, reluishExponent) = FixedPoint.quantizeMultiplier(Double(hires / reluishScale))
        let outputMultiplier = downScaleToInt16(outputMultiplier32), reluishMultiplier = downScaleToInt16(reluishMultiplier32)
        var table = [Int8](repeating: 0, count: 256)
        for v in -128...127 {
            let input = Int16(truncatingIfNeeded: Int32(v) - x.zeroPoint)
            let onHires = Int16(truncatingIfNeeded: Int32(input) * (1 << 7))
            let onPreshiftOutput = roundingDoublingHighMul16(onHires, outputMultiplier)
            var reluish = onHires
            if reluishExponent > 0 { reluish = saturatingLeftShift16(reluish, Int(reluishExponent) - 1) }
            reluish = roundingDoublingHighMul16(reluish, reluishMultiplier)
            if reluishExponent > 0 { reluish = saturatingLeftShift16(reluish, 1) }
            if reluishExponent < 0 { reluish = roundingDivideByPOT16(reluish, Int(-reluishExponent)) }
            reluish = Int16(truncatingIfNeeded: (Int32(reluish) + (1 << 15)) >> 1)
            let preshift = doublingHighMul16(reluish, onPreshiftOutput)
            let out = Int32(roundingDivideByPOT16(preshift, Int(-outputExponent))) + y.zeroPoint
            table[Int(UInt8(bitPattern: Int8(v)))] = Int8(clamping: out)
        }
        return table
    }

    /// TFLite's int8 ABS (`AbsEvalQuantized`): |x − zp|, rescaled by s_in/s_out when the
    /// scales differ, plus zp_out, clamped.
    static func absoluteTable(input x: (scale: Float, zeroPoint: Int32), output y: (scale: Float, zeroPoint: Int32)) -> [Int8] {
        let (m, shift) = FixedPoint.quantizeMultiplier(Double(x.scale / y.scale))
        var table = [Int8](repeating: 0, count: 256)
        for v in -128...127 {
            let value = abs(Int32(v) - x.zeroPoint)
            let q = (x.scale == y.scale ? value : FixedPoint.multiplyByQuantizedMultiplier(value, m, shift)) + y.zeroPoint
            table[Int(UInt8(bitPattern: Int8(v)))] = Int8(clamping: q)
        }
        return table
    }

    /// TFLite's int8 RSQRT (`RsqrtEvalQuantized`): 1/√(x − zp) as a fixed-point
    /// multiplier (`GetInvSqrtQuantizedMultiplierExp`, Newton–Raphson in gemmlowp's Q3),
    /// applied to 1 with 20 extra bits, rescaled by 1/(√s_in · s_out). Zero gives the
    /// largest output; TFLite refuses negative inputs, which get it too.
    static func reciprocalSquareRootTable(input x: (scale: Float, zeroPoint: Int32), output y: (scale: Float, zeroPoint: Int32)) -> [Int8] {
        let (m, shift) = FixedPoint.quantizeMultiplier(1 / Double(x.scale.squareRoot() * y.scale))
        let extra: Int32 = 20
        var table = [Int8](repeating: Int8.max, count: 256)
        for v in -128...127 {
            let value = Int32(v) - x.zeroPoint
            if value <= 0 { continue }
            let (invSqrt, invShift) = inverseSquareRootMultiplier(value)
            let data = FixedPoint.multiplyByQuantizedMultiplier(1, invSqrt, invShift + extra)
            let q = FixedPoint.multiplyByQuantizedMultiplier(data, m, shift - extra) + y.zeroPoint
            table[Int(UInt8(bitPattern: Int8(v)))] = Int8(clamping: q)
        }
        return table
    }

    /// TFLite's `GetInvSqrtQuantizedMultiplierExp(input, kReverseShift = −1)`: 1/√input as
    /// a Q31 multiplier and a left shift.
    static func inverseSquareRootMultiplier(_ value: Int32) -> (multiplier: Int32, shift: Int32) {
        if value <= 1 { return (Int32.max, 0) }
        var input = value
        var shift: Int32 = 11
        while input >= 1 << 29 {
            input /= 4
            shift += 1
        }
        let maxLeftShiftBits = Int32(UInt32(bitPattern: input).leadingZeroBitCount) - 1
        let leftShiftBitPairs = maxLeftShiftBits / 2 - 1
        shift -= leftShiftBitPairs
        input <<= 2 * leftShiftBitPairs
        // gemmlowp FixedPoint<int32, I>: a product's raw value is the rounding doubling
        // high product, with I_a + I_b integer bits; Rescale<3> from 9 or 6 integer bits
        // is a saturating left shift.
        func saturatingShiftLeft(_ x: Int32, _ e: Int32) -> Int32 {
            let threshold = Int32((Int64(1) << Int64(31 - e)) - 1)
            if x > threshold { return Int32.max }
            if x < -threshold { return Int32.min }
            return x << e
        }
        let mul = FixedPoint.saturatingRoundingDoublingHighMul
        let fixedInput = input >> 1  // Q3
        let halfInput = FixedPoint.roundingDivideByPOT(fixedInput, 1)
        let halfThree: Int32 = (1 << 28) + (1 << 27)  // 1.5 in Q3
        var r: Int32 = 1 << 28  // 1 in Q3
        for _ in 0..<5 {
            let r3 = saturatingShiftLeft(mul(mul(r, r), r), 6)  // Q9 → Q3
            r = saturatingShiftLeft(mul(halfThree, r) &- mul(halfInput, r3), 3)  // Q6 → Q3
        }
        r = mul(r, 1_518_500_250)  // × √2/2 in Q0
        if shift < 0 {
            r <<= -shift
            shift = 0
        }
        return (r, -shift)
    }

    /// TFLite's `DownScaleInt32ToInt16Multiplier`: the Q31 multiplier rounded to Q15.
    static func downScaleToInt16(_ m: Int32) -> Int16 {
        if m >= Int32.max - (1 << 15) { return Int16.max }
        return Int16(truncatingIfNeeded: (m + (1 << 15)) >> 16)
    }

    static func saturatingLeftShift16(_ v: Int16, _ amount: Int) -> Int16 {
        Int16(clamping: Int64(v) * (Int64(1) << Int64(amount)))
    }

    /// gemmlowp's 16-bit `SaturatingRoundingDoublingHighMul`.
    static func roundingDoublingHighMul16(_ a: Int16, _ b: Int16) -> Int16 {
        if a == b && a == Int16.min { return Int16.max }
        let ab = Int32(a) * Int32(b)
        let nudge: Int32 = ab >= 0 ? (1 << 14) : (1 - (1 << 14))
        return Int16(truncatingIfNeeded: (ab + nudge) / (1 << 15))
    }

    /// TFLite's `SaturatingDoublingHighMul` (hard_swish.h): truncating, no nudge.
    static func doublingHighMul16(_ a: Int16, _ b: Int16) -> Int16 {
        if a == b && a == Int16.min { return Int16.max }
        return Int16(truncatingIfNeeded: (Int32(a) * Int32(b)) / (1 << 15))
    }

    /// gemmlowp's `RoundingDivideByPOT` on 16 bits.
    static func roundingDivideByPOT16(_ x: Int16, _ exponent: Int) -> Int16 {
        let e = Int32(max(0, min(15, exponent)))
        let mask = Int32((1 << e) - 1)
        let remainder = Int32(x) & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return Int16(truncatingIfNeeded: (Int32(x) >> e) + (remainder > threshold ? 1 : 0))
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
