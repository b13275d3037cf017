import VigilRuntime
#if VIGIL_AVX512
import CVigilX86
#endif

/// The int8 depthwise convolution (groups = input channels = output channels) on the
/// host, 16 channels at a time: each channel meets only its own weights, so there is
/// no GEMM, just lane-wise multiply-adds of sign-extended bytes. The loop runs over
/// channel blocks outside and output rows inside, so that a block's requantization
/// rows are built once. Sums are the reference kernel's modulo 2^32 and the
/// requantization is its lane for lane, so outputs are bit-identical; a fused max pool
/// takes the maximum of requantized rows, exactly as the reference does.
public enum Int8Depthwise {
    typealias V = SIMD16<Int32>

    static func applies(_ p: Int8Conv1DParameters) -> Bool {
        let c = p.conv
        guard c.groups == c.inChannels, c.outChannels == c.inChannels, c.inChannels % 16 == 0, p.pool >= 1 else { return false }
        // The vector requantization leaves out the product that saturates, which needs a
        // multiplier of Int32.min (a quantizer never makes one; a hostile file may).
        for o in 0..<c.outChannels where p.output.multipliers[o] == .min { return false }
        return true
    }

    public static func conv1D(_ p: Int8Conv1DParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>) {
        let c = p.conv
        let channels = c.inChannels
        let rows = c.outLength / p.pool
        let offset = V(repeating: p.inputOffset)
        var block = 0
        while block < channels {
            let q = BlockRequantization(p.output, channels: block)
            let biasRow = bias.map { UnsafeRawPointer($0 + block).loadUnaligned(as: V.self) } ?? V()
            for item in 0..<c.batch {
                let x = input + item * c.inLength * channels + block
                let y = output + item * rows * channels + block
                for u in 0..<rows {
                    let target = y + u * channels
                    for t in u * p.pool..<(u + 1) * p.pool {
                        var acc = biasRow
                        for k in 0..<c.kernelSize {
                            let position = t * c.stride + k * c.dilation - c.padLeft
                            // Padding is the zero point: (zp − zp) adds nothing.
                            guard position >= 0 && position < c.inLength else { continue }
                            acc = acc &+ Int8Kernels.load16(weight + k * channels + block) &* (Int8Kernels.load16(x + position * channels) &+ offset)
                        }
                        q.store(acc, to: target, keepingMaximum: t > u * p.pool)
                    }
                }
            }
            block += 16
        }
    }

    /// The requantization of 16 channels, its per-lane rows built once per block.
    struct BlockRequantization {
        let scalar: Int8Requantization
        let first: Int
        #if VIGIL_AVX512
        let multiplier: V, oddMultiplier: V, left: V, right: V, remainderMask: V, threshold: V
        #endif

        init(_ q: Int8Requantization, channels first: Int) {
            scalar = q
            self.first = first
            #if VIGIL_AVX512
            var m = V(), odd = V(), l = V(), r = V()
            for i in 0..<16 {
                let shift = q.shifts[first + i]
                m[i] = q.multipliers[first + i]
                l[i] = shift > 0 ? shift : 0
                r[i] = min(shift > 0 ? 0 : -shift, 31)
            }
            for i in stride(from: 0, to: 16, by: 2) { odd[i] = m[i + 1] }
            multiplier = m; oddMultiplier = odd; left = l; right = r
            remainderMask = (V(repeating: 1) &<< r) &- 1
            threshold = remainderMask &>> 1
            #endif
        }

        /// Writes the 16 int8 outputs of `acc`, or with `keepingMaximum` the larger of
        /// them and what `y` holds (the rows of one fused pool window).
        @inline(__always)
        func store(_ acc: V, to y: UnsafeMutablePointer<Int8>, keepingMaximum: Bool) {
            var values = SIMD16<Int8>()
            withUnsafeMutableBytes(of: &values) { buffer in
                let out = buffer.baseAddress!.assumingMemoryBound(to: Int8.self)
                #if VIGIL_AVX512
                vigil_requantize16(acc, multiplier, oddMultiplier, left, right, remainderMask, threshold,
                                   scalar.outputOffset, scalar.activationMin, scalar.activationMax, out, 0xFFFF)
                #else
                for i in 0..<16 { out[i] = scalar.apply(acc[i], channel: first + i) }
                #endif
            }
            let target = UnsafeMutableRawPointer(y)
            if keepingMaximum {
                let held = target.loadUnaligned(as: SIMD16<Int8>.self)
                values = values.replacing(with: held, where: values .< held)
            }
            target.storeBytes(of: values, as: SIMD16<Int8>.self)
        }
    }
}
