/// GlobalAveragePool1D and GlobalMaxPool1D: mean or max over the time axis of a
/// [L, C] sample, float and int8 (TFLite MEAN; a MAX reduction keeping parameters).

// MARK: - Shape inference

extension Graph {
    mutating func inferGlobalPool1D(_ c: NodeContext) throws(GraphError) {
        try c.expectInputs(1...1); try c.expectOutputs(1); try c.requireFloat()
        let x = try c.activation(0)
        try c.rank(x, 2, "input")
        try setOutput(c, [x.shape[1]])
    }

    mutating func checkInt8GlobalAveragePool1D(_ c: NodeContext) throws(GraphError) {
        _ = try int8Input(c, 0)
        _ = try int8Output(c, inheriting: c.ins[0].quantization)
    }
}

// MARK: - Kernel parameters

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

extension Int8Quantization {
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
}

// MARK: - Compilation

extension Interpreter {
    static func compileGlobalPool1D(_ b: inout StepBuilder, max isMax: Bool) {
        let s = b.shape(b.node.inputs[0])
        guard b.isInt8 else {
            b.append(.globalPool(max: isMax, batch: b.batch, length: s[0], channels: s[1], b.cf(b.node.inputs[0]), b.f(b.out)))
            return
        }
        if isMax {
            b.append(.int8GlobalMax(batch: b.batch, length: s[0], channels: s[1], b.ci8(b.node.inputs[0]), b.i8(b.out)))
        } else {
            let x = b.params(b.ins[0]), y = b.params(b.graph.tensors[b.out])
            let (m, sh) = Int8Quantization.meanParameters(inputScale: x.scale, outputScale: y.scale, count: s[0])
            b.append(.int8Mean(Int8MeanParameters(batch: b.batch, length: s[0], channels: s[1], inputZeroPoint: x.zeroPoint, outputZeroPoint: y.zeroPoint, multiplier: m, shift: sh), b.ci8(b.node.inputs[0]), b.i8(b.out)))
        }
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    public static func globalPool1D(max: Bool, batch: Int, length: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for b in 0..<batch {
            for c in 0..<channels {
                var acc: Float = max ? -Float.infinity : 0
                for t in 0..<length {
                    let v = input[(b * length + t) * channels + c]
                    if max { if v > acc || v != v { acc = v } } else { acc += v }
                }
                output[b * channels + c] = max ? acc : acc / Float(length)
            }
        }
    }
}

extension Int8ReferenceKernels {
    /// TFLite int8 MEAN over time (`QuantizedMeanOrSum`).
    public static func mean(_ p: Int8MeanParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        let offset = p.inputZeroPoint &* Int32(truncatingIfNeeded: p.length)
        for b in 0..<p.batch {
            let x = input + b * p.length * p.channels
            for c in 0..<p.channels {
                var sum: Int32 = 0
                for t in 0..<p.length { sum = sum &+ Int32(x[t * p.channels + c]) }
                let v = FixedPoint.multiplyByQuantizedMultiplier(sum &- offset, p.multiplier, p.shift) &+ p.outputZeroPoint
                output[b * p.channels + c] = Int8(clamping: v)
            }
        }
    }

    /// The largest value over time (a MAX reduction: input and output share parameters).
    public static func globalMax(batch: Int, length: Int, channels: Int, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        for b in 0..<batch {
            for c in 0..<channels {
                var m: Int8 = .min
                for t in 0..<length {
                    let v = input[(b * length + t) * channels + c]
                    if v > m { m = v }
                }
                output[b * channels + c] = m
            }
        }
    }
}
