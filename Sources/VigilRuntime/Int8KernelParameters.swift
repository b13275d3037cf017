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

public struct Int8Conv1DParameters {
    /// Shapes, stride, dilation, padding and groups, as for float (its activation is unused).
    public var conv: Conv1DParameters
    /// −(input zero point): added to every input value (padding contributes nothing).
    public var inputOffset: Int32
    public var output: Int8Requantization
    /// Constant data the kernel set derived from the weights and bias once, at compile
    /// time (`KernelSet.int8Conv1DPrepare`: packed weights); nil when it wants none.
    public var prepared: UnsafeRawPointer?
    /// A max pool fused after the convolution: each output row is the maximum of `pool`
    /// consecutive requantized rows (windows of stride `pool`, a last partial window
    /// dropped, as a valid MaxPool1D does), so the output has conv.outLength / pool rows.
    /// 1: no pooling. Fusing saves requantizing and storing rows only to compare them.
    public var pool: Int

    public init(conv: Conv1DParameters, inputOffset: Int32, output: Int8Requantization, prepared: UnsafeRawPointer? = nil, pool: Int = 1) {
        self.conv = conv; self.inputOffset = inputOffset; self.output = output; self.prepared = prepared; self.pool = pool
    }
}

public struct Int8DenseParameters {
    public var rows: Int
    public var inFeatures: Int
    public var outFeatures: Int
    public var inputOffset: Int32
    public var output: Int8ExactRequantization

    public init(rows: Int, inFeatures: Int, outFeatures: Int, inputOffset: Int32, output: Int8ExactRequantization) {
        self.rows = rows; self.inFeatures = inFeatures; self.outFeatures = outFeatures
        self.inputOffset = inputOffset; self.output = output
    }
}

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

/// TFLite's int8 MEAN over the time axis (Keras GlobalAveragePooling1D): the sum minus
/// length × input zero point, times (s_in / s_out) / length folded into one multiplier.
public struct Int8MeanParameters {
    public var batch: Int
    public var length: Int
    public var channels: Int
    public var inputZeroPoint: Int32
    public var outputZeroPoint: Int32
    public var multiplier: Int32
    public var shift: Int32

    public init(batch: Int, length: Int, channels: Int, inputZeroPoint: Int32, outputZeroPoint: Int32, multiplier: Int32, shift: Int32) {
        self.batch = batch; self.length = length; self.channels = channels
        self.inputZeroPoint = inputZeroPoint; self.outputZeroPoint = outputZeroPoint
        self.multiplier = multiplier; self.shift = shift
    }
}

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
        let q = Int64(r) + Int64(zeroPoint)
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
        default:
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

    /// The adjusted multiplier of TFLite's `QuantizedMeanOrSum`: (s_in / s_out) / n.
    public static func meanParameters(inputScale: Float, outputScale: Float, count: Int) -> (multiplier: Int32, shift: Int32) {
        let (m, s) = FixedPoint.quantizeMultiplier(Double(inputScale) / Double(outputScale))
        let n = Int64(count)
        var shift = Int32(63 - UInt64(n).leadingZeroBitCount)
        shift = min(shift, 32)
        shift = min(shift, 31 + s)
        let multiplier = Int32(truncatingIfNeeded: (Int64(m) << Int64(shift)) / n)
        return (multiplier, s - shift)
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
}
