import VigilRuntime
#if VIGIL_AVX512
import CVigilX86
#endif

/// Vectorized int8 dense, max pool and mean for the host; bit-identical to
/// `Int8ReferenceKernels` (the same integer sums, modulo 2^32, and the same
/// requantization helpers).
public enum Int8Kernels {
    typealias V = SIMD16<Int32>

    /// 16 consecutive int8 values, sign-extended (a constant-index build LLVM turns into vpmovsxbd).
    @inline(__always)
    static func load16(_ p: UnsafePointer<Int8>) -> V {
        V(Int32(p[0]), Int32(p[1]), Int32(p[2]), Int32(p[3]), Int32(p[4]), Int32(p[5]), Int32(p[6]), Int32(p[7]),
          Int32(p[8]), Int32(p[9]), Int32(p[10]), Int32(p[11]), Int32(p[12]), Int32(p[13]), Int32(p[14]), Int32(p[15]))
    }

    /// LiteRT's FULLY_CONNECTED requantization computed as LiteRT computes it,
    /// `(int32) round((double) acc * multiplier)`, saturated: the host has IEEE doubles,
    /// and `FixedPoint.roundedProduct` (what `Int8ExactRequantization.apply` runs, for
    /// devices without them) reproduces exactly this arithmetic in integers. The
    /// multiplier came from a double's decomposition, so rebuilding it is exact.
    @inline(__always)
    static func requantize(_ acc: Int32, _ q: Int8ExactRequantization, channel: Int) -> Int8 {
        // The double FixedPoint.decompose took apart, rebuilt from its bits: a normal
        // one carries bit 52 and a biased exponent in 1...2046, a subnormal one an
        // exponent of −1074. Anything else did not come from decompose.
        let mantissa = q.mantissas[channel], exponent = q.exponents[channel]
        guard decomposed(mantissa, exponent) else { return q.apply(acc, channel: channel) }
        let bits = mantissa >> 52 == 1 ? UInt64(exponent + 1075) << 52 | (mantissa & (1 << 52 - 1)) : mantissa
        let r = (Double(acc) * Double(bitPattern: bits)).rounded(.toNearestOrAwayFromZero)
        let product: Int32 = r >= 2147483647 ? .max : (r <= -2147483648 ? .min : Int32(r))
        var v = product &+ q.outputOffset
        if v < q.activationMin { v = q.activationMin }
        if v > q.activationMax { v = q.activationMax }
        return Int8(truncatingIfNeeded: v)
    }

    /// Whether (mantissa, exponent) is what FixedPoint.decompose makes of a finite
    /// positive double (or of anything else: 0, 0), so that its bits rebuild it.
    @inline(__always)
    static func decomposed(_ mantissa: UInt64, _ exponent: Int32) -> Bool {
        (mantissa >> 52 == 1 && exponent >= -1074 && exponent <= 971) || (mantissa >> 52 == 0 && exponent == -1074) || mantissa == 0
    }

    /// TFLite FullyConnected: acc[o] = Σ_i w[i, o] · (x[i] + offset) + bias[o], then the
    /// exact double-rounding requantization of the reference kernel.
    public static func dense(_ p: Int8DenseParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>) {
        let k = p.inFeatures, n = p.outFeatures
        let offset = p.inputOffset
        for r in 0..<p.rows {
            let x = input + r * k
            let y = output + r * n
            var o = 0
            while o + 16 <= n {
                var acc = V()
                var w = weight + o
                for i in 0..<k {
                    acc = acc &+ V(repeating: Int32(x[i]) &+ offset) &* load16(w)
                    w += n
                }
                if let bias { acc = acc &+ UnsafeRawPointer(bias + o).loadUnaligned(as: V.self) }
                requantize16(acc, p.output, channels: o, y + o)
                o += 16
            }
            while o < n {
                var acc: Int32 = 0
                for i in 0..<k { acc = acc &+ Int32(weight[i * n + o]) &* (Int32(x[i]) &+ offset) }
                if let bias { acc = acc &+ bias[o] }
                y[o] = requantize(acc, p.output, channel: o)
                o += 1
            }
        }
    }

    /// Max pool over windows inside the input (no padding), 16 channels at a time.
    public static func maxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        guard p.padLeft == 0, p.channels % 16 == 0, p.outLength > 0, (p.outLength - 1) * p.stride + p.poolSize <= p.inLength else {
            Int8ReferenceKernels.maxPool1D(p, input: input, output: output)
            return
        }
        typealias B = SIMD16<Int8>
        let rowBytes = p.channels
        let strideBytes = rowBytes &* p.stride
        for b in 0..<p.batch {
            var source = UnsafeRawPointer(input + b &* p.inLength &* p.channels)
            var target = UnsafeMutableRawPointer(output + b &* p.outLength &* p.channels)
            for _ in 0..<p.outLength {
                var v = 0
                while v < rowBytes {
                    var m = source.loadUnaligned(fromByteOffset: v, as: B.self)
                    var offset = v &+ rowBytes
                    for _ in 1..<max(p.poolSize, 1) {
                        let next = source.loadUnaligned(fromByteOffset: offset, as: B.self)
                        m = m.replacing(with: next, where: m .< next)
                        offset &+= rowBytes
                    }
                    target.storeBytes(of: m, toByteOffset: v, as: B.self)
                    v &+= 16
                }
                source += strideBytes
                target += rowBytes
            }
        }
    }

    /// `requantize` for 16 consecutive channels.
    @inline(__always)
    static func requantize16(_ acc: V, _ q: Int8ExactRequantization, channels first: Int, _ y: UnsafeMutablePointer<Int8>) {
        #if VIGIL_AVX512
        var valid = true
        for j in first..<first + 16 where !decomposed(q.mantissas[j], q.exponents[j]) { valid = false }
        if valid {
            vigil_requantize_double16(acc, q.mantissas + first, q.exponents + first, q.outputOffset, q.activationMin, q.activationMax, y, 0xFFFF)
            return
        }
        #endif
        for j in 0..<16 { y[j] = requantize(acc[j], q, channel: first + j) }
    }

    /// One multiplier and shift for 16 sums, clamped to int8 as TFLite's MEAN does.
    @inline(__always)
    static func requantize(_ acc: V, _ p: Int8MeanParameters, _ y: UnsafeMutablePointer<Int8>) {
        #if VIGIL_AVX512
        // The vector requantization leaves out the product that saturates, which needs a
        // multiplier of Int32.min.
        if p.multiplier != .min {
            let right = min(max(-p.shift, 0), 31)
            let mask = Int32(truncatingIfNeeded: (Int64(1) << Int64(right)) - 1)
            let m = V(repeating: p.multiplier)
            vigil_requantize16(acc, m, m, V(repeating: max(p.shift, 0)), V(repeating: right), V(repeating: mask), V(repeating: mask >> 1),
                               p.outputZeroPoint, -128, 127, y, 0xFFFF)
            return
        }
        #endif
        for j in 0..<16 {
            y[j] = Int8(clamping: FixedPoint.multiplyByQuantizedMultiplier(acc[j], p.multiplier, p.shift) &+ p.outputZeroPoint)
        }
    }

    /// TFLite MEAN over time: channel sums 16 at a time, then the reference requantization.
    public static func mean(_ p: Int8MeanParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        guard p.channels % 16 == 0 else {
            Int8ReferenceKernels.mean(p, input: input, output: output)
            return
        }
        let offset = p.inputZeroPoint &* Int32(truncatingIfNeeded: p.length)
        for b in 0..<p.batch {
            let x = input + b * p.length * p.channels
            var c = 0
            while c < p.channels {
                var sum = V()
                var row = x + c
                for _ in 0..<p.length {
                    sum = sum &+ load16(row)
                    row += p.channels
                }
                requantize(sum &- V(repeating: offset), p, output + b * p.channels + c)
                c += 16
            }
        }
    }
}
