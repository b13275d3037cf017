import VigilRuntime
#if VIGIL_AVX512 || VIGIL_VNNI
import CVigilX86
#endif

/// The int8 convolution as a GEMM on the host: C[t, o] = Σ_k A[t, k] · B[k, o] + bias.
///
/// Dot-product instructions multiply unsigned by signed bytes, so A is the input plus
/// 128 as unsigned bytes and the kernel uses Σ w·(x − zp) = Σ w·(x + 128) − (zp + 128)·Σ w:
/// the second term is folded into the bias once, at compile time, and padding rows hold
/// zp + 128 so that they contribute nothing. B is the weights packed in groups of four
/// rows per output column (64 bytes per 16 columns), so one `dot` adds 64 products. A
/// 1-D convolution with stride s reads row t at t·s·Cin: rows overlap, no im2col.
///
/// The sums are the reference kernel's modulo 2^32 (in another order), and the
/// requantization is TFLite's lane for lane, so outputs are bit-identical to
/// `Int8ReferenceKernels.conv1D`.
public enum Int8GEMM {
    typealias V = SIMD16<Int32>

    static func usesGEMM(_ p: Conv1DParameters) -> Bool { p.groups == 1 && p.dilation == 1 }

    /// The padding byte zp + 128 is only an unsigned byte for a zero point in int8 range,
    /// and the vector requantization leaves out the product that saturates, which needs
    /// a multiplier of Int32.min (a quantizer never makes one; a hostile file may).
    static func usesGEMM(_ p: Int8Conv1DParameters) -> Bool {
        guard usesGEMM(p.conv), p.inputOffset >= -127 && p.inputOffset <= 128 else { return false }
        for o in 0..<p.conv.outChannels where p.output.multipliers[o] == .min { return false }
        return true
    }

    static func paddedColumns(_ n: Int) -> Int { (n + 15) / 16 * 16 }

    static func groupCount(_ p: Conv1DParameters) -> Int { (p.kernelSize * p.inChannels + 3) / 4 }

    static func paddedLength(_ p: Conv1DParameters) -> Int { (p.outLength - 1) * p.stride + p.kernelSize }

    /// Packed weights [groups][Coutp] (four bytes each), then `Requantizer.rowCount` int32
    /// rows of Coutp.
    public static func preparedBytes(_ p: Conv1DParameters) -> Int {
        guard usesGEMM(p) else { return 0 }
        let coutp = paddedColumns(p.outChannels)
        return 4 * (groupCount(p) * coutp + Requantizer.rowCount * coutp)
    }

    /// The unsigned input of one batch item, and the last group's overrun of up to 3 bytes.
    public static func scratchBytes(_ p: Conv1DParameters) -> Int {
        guard usesGEMM(p) else { return 0 }
        return paddedLength(p) * p.inChannels + 4
    }

    public static func prepare(_ p: Int8Conv1DParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer) {
        let c = p.conv
        guard usesGEMM(p) else { return }
        let kd = c.kernelSize * c.inChannels, n = c.outChannels, coutp = paddedColumns(n), groups = groupCount(c)
        let packed = prepared.bindMemory(to: Int8.self, capacity: 4 * groups * coutp)
        for g in 0..<groups {
            for o in 0..<coutp {
                for j in 0..<4 {
                    let k = 4 * g + j
                    packed[4 * (g * coutp + o) + j] = k < kd && o < n ? weight[k * n + o] : 0
                }
            }
        }
        let rows = (prepared + 4 * groups * coutp).bindMemory(to: Int32.self, capacity: Requantizer.rowCount * coutp)
        let padByte = 128 &- p.inputOffset
        for o in 0..<coutp {
            guard o < n else {
                for row in 0..<Requantizer.rowCount { rows[row * coutp + o] = 0 }
                continue
            }
            var sum: Int32 = 0
            for k in 0..<kd { sum = sum &+ Int32(weight[k * n + o]) }
            let shift = p.output.shifts[o]
            rows[o] = (bias?[o] ?? 0) &- padByte &* sum
            rows[coutp + o] = p.output.multipliers[o]
            if o % 2 == 1 { rows[2 * coutp + o - 1] = p.output.multipliers[o] }
            rows[3 * coutp + o] = shift > 0 ? shift : 0
            let right = min(shift > 0 ? 0 : -shift, 31)
            rows[4 * coutp + o] = right
            rows[5 * coutp + o] = Int32(truncatingIfNeeded: (Int64(1) << Int64(right)) - 1)
            rows[6 * coutp + o] = rows[5 * coutp + o] >> 1
        }
    }

    /// Pooling the accumulators before requantizing them equals pooling the requantized
    /// rows when requantization never decreases: non-negative multipliers and no left
    /// shift (a left shift wraps large accumulators around).
    static func poolsAccumulators(_ p: Int8Conv1DParameters) -> Bool {
        guard p.pool == 2 else { return false }
        for o in 0..<p.conv.outChannels where p.output.multipliers[o] < 0 || p.output.shifts[o] > 0 { return false }
        return true
    }

    public static func conv1D(_ p: Int8Conv1DParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer?) {
        let c = p.conv
        let pooled = poolsAccumulators(p)
        guard usesGEMM(p), p.pool == 1 || pooled, let prepared = p.prepared, let scratch else {
            Int8ReferenceKernels.conv1D(p, input: input, weight: weight, bias: bias, output: output)
            return
        }
        let cin = c.inChannels, n = c.outChannels, coutp = paddedColumns(n), groups = groupCount(c)
        let length = paddedLength(c)
        let a = scratch.assumingMemoryBound(to: UInt8.self)
        let q = Requantizer(rows: (prepared + 4 * groups * coutp).assumingMemoryBound(to: Int32.self), paddedColumns: coutp, columns: n, scalar: p.output)
        let padByte = UInt8(truncatingIfNeeded: 128 &- p.inputOffset)
        let lda = c.stride * cin, ldb = 4 * coutp
        // Rows of the convolution that reach the output: a partial last window is dropped.
        let m = pooled ? c.outLength / 2 * 2 : c.outLength
        let height = coutp >= 64 ? 6 : 12
        a.advanced(by: length * cin).update(repeating: 0, count: 4)
        let validStart = min(c.padLeft, length), validEnd = min(c.padLeft + c.inLength, length)

        for item in 0..<c.batch {
            let x = UnsafeRawPointer(input + item * c.inLength * cin).assumingMemoryBound(to: UInt8.self)
            // x + 128 is the sign bit flipped; padding holds zp + 128.
            a.update(repeating: padByte, count: validStart * cin)
            let source = x + (validStart - c.padLeft) * cin
            let target = a + validStart * cin
            for i in 0..<(validEnd - validStart) * cin { target[i] = source[i] ^ 0x80 }
            (a + validEnd * cin).update(repeating: padByte, count: (length - validEnd) * cin)
            let y = output + item * (pooled ? m / 2 : m) * n

            func block(_ r: Int, _ h: Int) {
                let ar = UnsafeRawPointer(a + r * lda)
                let yr = y + (pooled ? r / 2 : r) * n
                var col = 0
                while col < coutp {
                    let rest = coutp - col
                    let bc = prepared + 4 * col, yc = yr + col
                    if pooled {
                        if h == 2 {
                            if rest >= 64 { tile2x64pool2(ar, lda, bc, ldb, groups, q, col, yc, n); col += 64 }
                            else if rest >= 32 { tile2x32pool2(ar, lda, bc, ldb, groups, q, col, yc, n); col += 32 }
                            else { tile2x16pool2(ar, lda, bc, ldb, groups, q, col, yc, n); col += 16 }
                        } else if h == 6 {
                            if rest >= 64 { tile6x64pool2(ar, lda, bc, ldb, groups, q, col, yc, n); col += 64 }
                            else if rest >= 32 { tile6x32pool2(ar, lda, bc, ldb, groups, q, col, yc, n); col += 32 }
                            else { tile6x16pool2(ar, lda, bc, ldb, groups, q, col, yc, n); col += 16 }
                        } else {
                            if rest >= 32 { tile12x32pool2(ar, lda, bc, ldb, groups, q, col, yc, n); col += 32 }
                            else { tile12x16pool2(ar, lda, bc, ldb, groups, q, col, yc, n); col += 16 }
                        }
                    } else if h == 1 {
                        if rest >= 64 { tile1x64(ar, lda, bc, ldb, groups, q, col, yc, n); col += 64 }
                        else if rest >= 32 { tile1x32(ar, lda, bc, ldb, groups, q, col, yc, n); col += 32 }
                        else { tile1x16(ar, lda, bc, ldb, groups, q, col, yc, n); col += 16 }
                    } else if h == 6 {
                        if rest >= 64 { tile6x64(ar, lda, bc, ldb, groups, q, col, yc, n); col += 64 }
                        else if rest >= 32 { tile6x32(ar, lda, bc, ldb, groups, q, col, yc, n); col += 32 }
                        else { tile6x16(ar, lda, bc, ldb, groups, q, col, yc, n); col += 16 }
                    } else {
                        if rest >= 32 { tile12x32(ar, lda, bc, ldb, groups, q, col, yc, n); col += 32 }
                        else { tile12x16(ar, lda, bc, ldb, groups, q, col, yc, n); col += 16 }
                    }
                }
            }

            // Blocks start at even rows when pooling (height and m are even then).
            let step = pooled ? 2 : 1
            if m < height {
                for r in stride(from: 0, to: m, by: step) { block(r, step) }
            } else {
                var r = 0
                while r + height <= m {
                    block(r, height)
                    r += height
                }
                // The last block ends at m, recomputing a few rows with identical results.
                if r < m { block(m - height, height) }
            }
        }
    }

    /// acc + Σ_{j<4} a.u8[4i+j] · b.s8[4i+j] in each lane i, wrapping.
    @_transparent
    static func dot(_ acc: V, _ a: V, _ b: V) -> V {
        #if VIGIL_VNNI
        return vigil_dot_u8s8(acc, a, b)
        #else
        let mask = V(repeating: 0xFF)
        var sum = acc &+ (a & mask) &* ((b &<< 24) &>> 24)
        sum = sum &+ ((a &>> 8) & mask) &* ((b &<< 16) &>> 24)
        sum = sum &+ ((a &>> 16) & mask) &* ((b &<< 8) &>> 24)
        return sum &+ ((a &>> 24) & mask) &* (b &>> 24)
        #endif
    }

    @_transparent
    static func maximum(_ a: V, _ b: V) -> V {
        #if VIGIL_AVX512
        return vigil_max_i32x16(a, b)
        #else
        return pointwiseMax(a, b)
        #endif
    }

    /// Requantizes 16 columns of accumulators (bias already added) and stores the
    /// int8 outputs of the columns that exist.
    struct Requantizer {
        /// Rows of `paddedColumns` values: the bias (with the zero-point correction),
        /// the multipliers, each odd lane's multiplier in the lane below, the left
        /// shifts, the right shifts (0...31), and for the rounding divide 2^right − 1
        /// and half that.
        static let rowCount = 7
        let rows: UnsafePointer<Int32>
        let paddedColumns: Int
        let columns: Int
        let scalar: Int8Requantization

        @_transparent
        func bias(_ column: Int) -> V {
            UnsafeRawPointer(rows + column).loadUnaligned(as: V.self)
        }

        /// One bit per column of the 16 from `column` on that exists.
        @_transparent
        func mask(_ column: Int) -> UInt16 {
            let count = columns &- column
            return count >= 16 ? 0xFFFF : (count <= 0 ? 0 : UInt16(truncatingIfNeeded: (1 &<< count) &- 1))
        }

        @_transparent
        func store(_ acc: V, column: Int, mask: UInt16, to y: UnsafeMutablePointer<Int8>) {
            #if VIGIL_AVX512
            let row = UnsafeRawPointer(rows + column)
            let stride = 4 &* paddedColumns
            vigil_requantize16(acc, row.loadUnaligned(fromByteOffset: stride, as: V.self),
                               row.loadUnaligned(fromByteOffset: 2 &* stride, as: V.self),
                               row.loadUnaligned(fromByteOffset: 3 &* stride, as: V.self),
                               row.loadUnaligned(fromByteOffset: 4 &* stride, as: V.self),
                               row.loadUnaligned(fromByteOffset: 5 &* stride, as: V.self),
                               row.loadUnaligned(fromByteOffset: 6 &* stride, as: V.self),
                               scalar.outputOffset, scalar.activationMin, scalar.activationMax, y, mask)
            #else
            for i in 0..<16 where mask & (1 << i) != 0 { y[i] = scalar.apply(acc[i], channel: column &+ i) }
            #endif
        }
    }
}
