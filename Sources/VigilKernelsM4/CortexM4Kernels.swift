import CVigilDSP
import VigilRuntime

/// The device's kernel set: the int8 convolution and fully connected layer on the
/// Cortex-M4's DSP extension (SXTB16 unpacks four int8 values into two pairs of
/// halfwords, SMLAD multiplies both pairs and accumulates), bit-identical to the
/// reference kernels; everything else is the reference kernel.
///
/// Why it is exact: the reference accumulates Σ w·(x + inputOffset) + bias in Int32
/// with wrapping; this computes Σ w·x + (bias + inputOffset·Σ w) in another order,
/// which is the same value modulo 2³², and requantizes it the same way.
public enum CortexM4Kernels: KernelSet {
    /// True when the build uses the DSP instructions (the device), false for the
    /// portable C on other targets.
    public static var usesDSPInstructions: Bool { vigil_dsp_native() != 0 }

    // MARK: convolution

    /// Whether the fast path applies: one group (dense over channels), no dilation, so
    /// that an output position's receptive field is `kernelSize · inChannels`
    /// contiguous input bytes. Other convolutions run the reference kernel.
    static func applies(_ p: Conv1DParameters) -> Bool { usesDSP(groups: p.groups, dilation: p.dilation) }

    /// Which convolutions take the DSP kernel (the cost model asks too).
    public static func usesDSP(groups: Int, dilation: Int) -> Bool { groups == 1 && dilation == 1 }

    /// The prepared buffer, in Vigil's terms: per output channel its receptive field's
    /// weights (CMSIS-NN's `arm_convolve_s8` order), `kernelSize · inChannels` of them
    /// zero-padded to a multiple of 4, each 4 stored as the two words SXTB16 makes of them
    /// (bytes 0 and 2, bytes 1 and 3, as halfwords), so the inner loop unpacks only the
    /// input. Channels go in groups of four, interleaved word by word (for each four
    /// weights: channel 0's two words, channel 1's, …), so one pointer walks a group;
    /// the last outChannels mod 4 channels follow one by one. Then one Int32 per output
    /// channel: bias + inputOffset · Σ weights. Bytes: 2 · outChannels · ⌈n/4⌉·4 +
    /// 4 · outChannels, n = kernelSize · inChannels. The buffer is RAM the interpreter
    /// owns; the package's own weights stay in flash for the reference fallback.
    public static func int8Conv1DPreparedBytes(_ p: Conv1DParameters) -> Int {
        guard applies(p) else { return 0 }
        return 2 * p.outChannels * paddedLength(p) + 4 * p.outChannels
    }

    /// The receptive field rounded up to whole words.
    @inline(__always) static func paddedLength(_ p: Conv1DParameters) -> Int { (p.kernelSize * p.inChannels + 3) / 4 * 4 }

    public static func int8Conv1DPrepare(_ p: Int8Conv1DParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer) {
        prepareRows(weight, n: p.conv.kernelSize * p.conv.inChannels, channels: p.conv.outChannels, inputOffset: p.inputOffset, bias: bias, into: prepared)
    }

    /// The prepared layout of `channels` rows of n weights each, weight j of row o at
    /// `weight[j · channels + o]` (a convolution's [k][i][o], a dense layer's [i][o]).
    static func prepareRows(_ weight: UnsafePointer<Int8>, n: Int, channels: Int, inputOffset: Int32, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer) {
        let padded = (n + 3) / 4 * 4
        let words = prepared.assumingMemoryBound(to: UInt32.self)
        let base = (prepared + 2 * channels * padded).assumingMemoryBound(to: Int32.self)
        for o in 0..<channels {
            var sum: Int32 = 0
            for q in 0..<(padded / 4) {
                var packed: UInt32 = 0
                for b in 0..<4 {
                    let j = 4 * q + b
                    let value = j < n ? weight[j * channels + o] : 0
                    sum = sum &+ Int32(value)
                    packed |= UInt32(UInt8(bitPattern: value)) << UInt32(8 * b)
                }
                words[wordIndex(o, q, channels, padded)] = vigil_sxtb16(packed)
                words[wordIndex(o, q, channels, padded) + 1] = vigil_sxtb16_odd(packed)
            }
            base[o] = (bias?[o] ?? 0) &+ inputOffset &* sum
        }
    }

    // MARK: fully connected

    /// A dense layer is a convolution of kernel 1 over its rows: the same prepared rows
    /// (n = inFeatures) and dot products; requantized as LiteRT's FULLY_CONNECTED.
    public static func int8DensePreparedBytes(_ p: Int8DenseParameters) -> Int {
        2 * p.outFeatures * ((p.inFeatures + 3) / 4 * 4) + 4 * p.outFeatures
    }

    public static func int8DensePrepare(_ p: Int8DenseParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer) {
        prepareRows(weight, n: p.inFeatures, channels: p.outFeatures, inputOffset: p.inputOffset, bias: bias, into: prepared)
    }

    public static func int8Dense(_ p: Int8DenseParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>) {
        guard let prepared = p.prepared else {
            Int8ReferenceKernels.dense(p, input: input, weight: weight, bias: bias, output: output)
            return
        }
        let n = p.inFeatures, rowWords = (n + 3) / 4 * 2
        let words = prepared.assumingMemoryBound(to: UInt32.self)
        let base = (prepared + 2 * p.outFeatures * ((n + 3) / 4 * 4)).assumingMemoryBound(to: Int32.self)
        for r in 0..<p.rows {
            let x = input + r * n, y = output + r * p.outFeatures
            var o = 0
            while o &+ 4 <= p.outFeatures {
                let a = dot4(x, n: n, words + o &* rowWords, base + o)
                y[o] = p.output.apply(a.0, channel: o); y[o &+ 1] = p.output.apply(a.1, channel: o &+ 1)
                y[o &+ 2] = p.output.apply(a.2, channel: o &+ 2); y[o &+ 3] = p.output.apply(a.3, channel: o &+ 3)
                o &+= 4
            }
            while o < p.outFeatures {
                y[o] = p.output.apply(dot1(x, n: n, words + o &* rowWords, base[o]), channel: o)
                o &+= 1
            }
        }
    }

    /// One receptive field: where a field crosses the padding, it is copied here with
    /// the padding's taps holding the input zero point (their x + inputOffset is 0, as
    /// the reference leaves them out), so that every position runs the same dot product.
    public static func int8Conv1DScratchBytes(_ p: Conv1DParameters) -> Int { applies(p) ? paddedLength(p) : 0 }

    /// Where channel o's two words for weights 4q…4q+3 lie in the prepared buffer.
    @inline(__always)
    static func wordIndex(_ o: Int, _ q: Int, _ channels: Int, _ padded: Int) -> Int {
        let quads = padded / 4, grouped = channels / 4 * 4
        if o < grouped { return (o / 4) * quads * 8 + q * 8 + (o % 4) * 2 }
        return grouped * quads * 2 + (o - grouped) * quads * 2 + q * 2
    }

    public static func int8Conv1D(_ p: Int8Conv1DParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer?) {
        guard let prepared = p.prepared, let scratch, applies(p.conv) else {
            Int8ReferenceKernels.conv1D(p, input: input, weight: weight, bias: bias, output: output)
            return
        }
        let c = p.conv
        let n = c.kernelSize * c.inChannels, padded = paddedLength(c)
        let words = prepared.assumingMemoryBound(to: UInt32.self)
        let base = (prepared + 2 * c.outChannels * padded).assumingMemoryBound(to: Int32.self)
        let rowWords = padded / 2  // words per output channel: two per four weights
        let pool = max(p.pool, 1)
        let rows = c.outLength / pool
        let zeroPoint = Int8(truncatingIfNeeded: -p.inputOffset)
        for b in 0..<c.batch {
            let x = input + b * c.inLength * c.inChannels
            let y = output + b * rows * c.outChannels
            for u in 0..<rows {
                let out = y + u * c.outChannels
                for t in u * pool..<(u + 1) * pool {
                    let first = t == u * pool
                    let start = t * c.stride - c.padLeft
                    var field = x + start * c.inChannels
                    if start < 0 || start + c.kernelSize > c.inLength {
                        let padded = scratch.assumingMemoryBound(to: Int8.self)
                        for k in 0..<c.kernelSize {
                            let pos = start + k, row = padded + k * c.inChannels
                            if pos < 0 || pos >= c.inLength {
                                row.update(repeating: zeroPoint, count: c.inChannels)
                            } else {
                                row.update(from: x + pos * c.inChannels, count: c.inChannels)
                            }
                        }
                        field = UnsafePointer(padded)
                    }
                    var o = 0
                    while o &+ 4 <= c.outChannels {
                        let a = dot4(field, n: n, words + o &* rowWords, base + o)
                        store(p, a.0, o, out, first); store(p, a.1, o &+ 1, out, first)
                        store(p, a.2, o &+ 2, out, first); store(p, a.3, o &+ 3, out, first)
                        o &+= 4
                    }
                    while o < c.outChannels {
                        store(p, dot1(field, n: n, words + o &* rowWords, base[o]), o, out, first)
                        o &+= 1
                    }
                }
            }
        }
    }

    /// Requantizes one accumulator into channel `o` of an output row; with a fused max
    /// pool the window's first row writes and the others compete.
    @inline(__always)
    static func store(_ p: Int8Conv1DParameters, _ acc: Int32, _ o: Int, _ row: UnsafeMutablePointer<Int8>, _ first: Bool) {
        let q = p.output
        var v = vigil_multiply_by_quantized_multiplier(acc, q.multipliers[o], q.shifts[o]) &+ q.outputOffset
        v = min(max(v, q.activationMin), q.activationMax)
        let value = Int8(truncatingIfNeeded: v)
        row[o] = first ? value : max(row[o], value)
    }

    /// The last 1–3 bytes of a receptive field as a zero-extended word (their weights
    /// are zero-padded; nothing past the field is read).
    @inline(never)
    static func tail(_ x: UnsafeRawPointer, count: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<count { v |= UInt32(x.load(fromByteOffset: k, as: UInt8.self)) << UInt32(8 * k) }
        return v
    }

    /// Four output channels' dot products with one receptive field `x` (n bytes), the
    /// group's interleaved words at `w`: per four input bytes one load and two SXTB16,
    /// then per channel two SMLAD.
    @inline(__always)
    static func dot4(_ x: UnsafePointer<Int8>, n: Int, _ w: UnsafePointer<UInt32>, _ base: UnsafePointer<Int32>) -> (Int32, Int32, Int32, Int32) {
        var a0 = base[0], a1 = base[1], a2 = base[2], a3 = base[3]
        var xp = UnsafeRawPointer(x)
        let end = xp + (n & ~3)
        var wp = w
        @inline(__always) func step(_ xv: UInt32) {
            let xe = vigil_sxtb16(xv), xo = vigil_sxtb16_odd(xv)
            a0 = vigil_smlad(xo, wp[1], vigil_smlad(xe, wp[0], a0))
            a1 = vigil_smlad(xo, wp[3], vigil_smlad(xe, wp[2], a1))
            a2 = vigil_smlad(xo, wp[5], vigil_smlad(xe, wp[4], a2))
            a3 = vigil_smlad(xo, wp[7], vigil_smlad(xe, wp[6], a3))
            wp += 8
        }
        while xp < end {
            step(xp.loadUnaligned(as: UInt32.self))
            xp += 4
        }
        if n & 3 != 0 { step(tail(xp, count: n & 3)) }
        return (a0, a1, a2, a3)
    }

    @inline(__always)
    static func dot1(_ x: UnsafePointer<Int8>, n: Int, _ w: UnsafePointer<UInt32>, _ base: Int32) -> Int32 {
        var a = base
        var xp = UnsafeRawPointer(x)
        let end = xp + (n & ~3)
        var wp = w
        while xp < end {
            let xv = xp.loadUnaligned(as: UInt32.self)
            a = vigil_smlad(vigil_sxtb16_odd(xv), wp[1], vigil_smlad(vigil_sxtb16(xv), wp[0], a))
            wp += 2; xp += 4
        }
        if n & 3 != 0 {
            let xv = tail(xp, count: n & 3)
            a = vigil_smlad(vigil_sxtb16_odd(xv), wp[1], vigil_smlad(vigil_sxtb16(xv), wp[0], a))
        }
        return a
    }
}
