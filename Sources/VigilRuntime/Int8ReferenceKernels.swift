/// Portable int8 kernels: integer arithmetic only (no float inside convolution, dense,
/// pooling, add, mean or softmax), following TFLite's reference kernels
/// (`reference_integer_ops`) step by step so that results are bit-identical to LiteRT
/// run with BUILTIN_REF. They run on the device and are the oracle for the host's
/// optimized int8 kernels.
public enum Int8ReferenceKernels {
    /// TFLite `ConvPerChannel` / `DepthwiseConvPerChannel` on a 1-D signal:
    /// acc = Σ w · (x + inputOffset) over in-bounds taps, + bias, requantized per
    /// output channel, clamped.
    public static func conv1D(_ p: Int8Conv1DParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>) {
        let c = p.conv
        let cpg = c.inChannels / c.groups
        let opg = c.outChannels / c.groups
        let pool = max(p.pool, 1)
        let rows = c.outLength / pool
        for b in 0..<c.batch {
            let x = input + b * c.inLength * c.inChannels
            let y = output + b * rows * c.outChannels
            for u in 0..<rows {
                for o in 0..<c.outChannels {
                    let g = o / opg
                    var best = Int8.min
                    for t in u * pool..<(u + 1) * pool {
                        var acc: Int32 = 0
                        for k in 0..<c.kernelSize {
                            let pos = t * c.stride + k * c.dilation - c.padLeft
                            if pos < 0 || pos >= c.inLength { continue }
                            let row = x + pos * c.inChannels + g * cpg
                            let wk = weight + k * cpg * c.outChannels + o
                            for i in 0..<cpg {
                                acc = acc &+ Int32(wk[i * c.outChannels]) &* (Int32(row[i]) &+ p.inputOffset)
                            }
                        }
                        if let bias { acc = acc &+ bias[o] }
                        best = max(best, p.output.apply(acc, channel: o))
                    }
                    y[u * c.outChannels + o] = best
                }
            }
        }
    }

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

    /// TFLite int8 MaxPool: the largest in-bounds value (input and output share parameters).
    public static func maxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        for b in 0..<p.batch {
            for t in 0..<p.outLength {
                for c in 0..<p.channels {
                    var m: Int8 = .min
                    for k in 0..<p.poolSize {
                        let pos = t * p.stride + k - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        let v = input[(b * p.inLength + pos) * p.channels + c]
                        if v > m { m = v }
                    }
                    output[(b * p.outLength + t) * p.channels + c] = m
                }
            }
        }
    }

    /// TFLite int8 AveragePool: the sum of in-bounds values divided by their count,
    /// rounded half away from zero in integers.
    public static func averagePool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        for b in 0..<p.batch {
            for t in 0..<p.outLength {
                for c in 0..<p.channels {
                    var acc: Int32 = 0
                    var n: Int32 = 0
                    for k in 0..<p.poolSize {
                        let pos = t * p.stride + k - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        acc &+= Int32(input[(b * p.inLength + pos) * p.channels + c])
                        n += 1
                    }
                    if n == 0 { n = 1 }
                    acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n
                    output[(b * p.outLength + t) * p.channels + c] = Int8(clamping: acc)
                }
            }
        }
    }

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

    /// Elementwise activation through a 256-entry table indexed by the input's bit
    /// pattern (TFLite's int8 LUT kernels for sigmoid and tanh; clamps and ReLU
    /// requantization tabulated exactly).
    public static func lookup(table: UnsafePointer<Int8>, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, count: Int) {
        for i in 0..<count { output[i] = table[Int(UInt8(bitPattern: input[i]))] }
    }

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
