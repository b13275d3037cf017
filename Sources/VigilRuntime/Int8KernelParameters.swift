/// Resolved arguments of the int8 kernels. Requantization multipliers and shifts are
/// computed once, when the interpreter compiles the graph, into tables it owns; the
/// parameters point at them, so running a model computes no scale and allocates
/// nothing.

/// How an int32 accumulator becomes an int8 output: per output channel
/// `clamp(zp + MultiplyByQuantizedMultiplier(acc, multiplier[c], shift[c]), min, max)`.
public struct Int8Requantization {
    public var multipliers: UnsafePointer<Int32>
    public var shifts: UnsafePointer<Int32>
    public var outputOffset: Int32
    /// The fused activation's clamp in the quantized domain.
    public var activationMin: Int32
    public var activationMax: Int32

    public init(multipliers: UnsafePointer<Int32>, shifts: UnsafePointer<Int32>, outputOffset: Int32, activationMin: Int32, activationMax: Int32) {
        self.multipliers = multipliers; self.shifts = shifts; self.outputOffset = outputOffset
        self.activationMin = activationMin; self.activationMax = activationMax
    }

    @inlinable @inline(__always)
    public func apply(_ acc: Int32, channel: Int) -> Int8 {
        var v = FixedPoint.multiplyByQuantizedMultiplier(acc, multipliers[channel], shifts[channel]) &+ outputOffset
        if v < activationMin { v = activationMin }
        if v > activationMax { v = activationMax }
        return Int8(truncatingIfNeeded: v)
    }
}

/// Quantization arithmetic done once, at compile time, exactly as TFLite's Prepare
/// functions do it.
public enum Int8Quantization {
    /// `std::round` on a float: to nearest, ties away from zero, without libm.
    @inlinable
    public static func roundHalfAwayFromZero(_ x: Float) -> Float {
        if !(x.magnitude < 8_388_608) { return x }  // integral already (or NaN/inf)
        let t = Float(Int32(x))
        let d = x - t
        if d >= 0.5 { return t + 1 }
        if d <= -0.5 { return t - 1 }
        return t
    }

    /// TFLite's `Quantize` helper: zero point + round(f / scale), saturated to int32.
    public static func quantize(_ f: Float, scale: Float, zeroPoint: Int32) -> Int32 {
        let r = roundHalfAwayFromZero(f / scale)
        if !(r == r) { return zeroPoint }
        if r >= 2_147_483_520 { return Int32.max }
        if r <= -2_147_483_520 { return Int32.min }
        // |r| < 2^31 here, so the conversion is one VCVT on the device (a Float → Int64
        // conversion is a library call there).
        let q = Int64(Int32(r)) + Int64(zeroPoint)
        return Int32(clamping: q)
    }

    /// TFLite's `CalculateActivationRangeQuantized` for int8, extended to Vigil's clip.
    public static func activationRange(_ a: Activation, scale: Float, zeroPoint: Int32) -> (min: Int32, max: Int32) {
        var lo: Int32 = -128, hi: Int32 = 127
        switch a {
        case .relu:
            lo = max(lo, quantize(0, scale: scale, zeroPoint: zeroPoint))
        case .relu6:
            lo = max(lo, quantize(0, scale: scale, zeroPoint: zeroPoint))
            hi = min(hi, quantize(6, scale: scale, zeroPoint: zeroPoint))
        case .clip(let a, let b):
            lo = max(lo, quantize(a, scale: scale, zeroPoint: zeroPoint))
            hi = min(hi, quantize(b, scale: scale, zeroPoint: zeroPoint))
        case .linear, .leakyRelu, .sigmoid, .hardSigmoid, .tanh, .elu, .selu, .gelu, .swish, .softplus, .softsign, .hardSwish, .exponential, .mish, .negate, .absolute, .logarithm, .squareRoot, .reciprocal, .reciprocalSquareRoot, .errorFunction:
            break
        }
        return (lo, hi)
    }

    /// Per-channel requantization of a conv/dense accumulator: s_in · s_w[c] / s_out in
    /// double, as TFLite's `PopulateConvolutionQuantizationParams`.
    public static func channelMultipliers(inputScale: Float, weightScales: [Float], outputScale: Float) -> (multipliers: [Int32], shifts: [Int32]) {
        var m: [Int32] = [], s: [Int32] = []
        for w in weightScales {
            let r = FixedPoint.quantizeMultiplier(Double(inputScale) * Double(w) / Double(outputScale))
            m.append(r.multiplier); s.append(r.shift)
        }
        return (m, s)
    }

    /// TFLite's int8 ADD parameters (add.cc Prepare, left shift 20).
    public static func addParameters(scale1: Float, scale2: Float, outputScale: Float) -> (left: Int32, m1: Int32, s1: Int32, m2: Int32, s2: Int32, mo: Int32, so: Int32) {
        let leftShift: Int32 = 20
        let twiceMax = 2 * Double(max(scale1, scale2))
        let r1 = Double(scale1) / twiceMax
        let r2 = Double(scale2) / twiceMax
        let ro = twiceMax / (Double(1 << leftShift) * Double(outputScale))
        let q1 = FixedPoint.quantizeMultiplier(r1), q2 = FixedPoint.quantizeMultiplier(r2), qo = FixedPoint.quantizeMultiplier(ro)
        return (leftShift, q1.multiplier, q1.shift, q2.multiplier, q2.shift, qo.multiplier, qo.shift)
    }

    /// TFLite's SQUARED_DIFFERENCE multipliers: the inputs shifted left by 7 and scaled
    /// to twice the larger input scale; the squared difference by (2·max)² / (2^14 · s_out).
    public static func squaredDifferenceParameters(scale1: Float, scale2: Float, outputScale: Float) -> (left: Int32, m1: Int32, s1: Int32, m2: Int32, s2: Int32, mo: Int32, so: Int32) {
        let leftShift: Int32 = 7
        let twiceMax = 2 * Double(max(scale1, scale2))
        let r1 = Double(scale1) / twiceMax
        let r2 = Double(scale2) / twiceMax
        let ro = twiceMax * twiceMax / (Double(1 << (2 * leftShift)) * Double(outputScale))
        let q1 = FixedPoint.quantizeMultiplier(r1), q2 = FixedPoint.quantizeMultiplier(r2), qo = FixedPoint.quantizeMultiplier(ro)
        return (leftShift, q1.multiplier, q1.shift, q2.multiplier, q2.shift, qo.multiplier, qo.shift)
    }
}
