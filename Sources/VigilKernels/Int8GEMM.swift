import VigilRuntime

/// The int8 convolution as a GEMM on the host: C[t, o] = Σ_k A[t, k] · B[k, o] with
/// A the input minus its zero point (int16, with zero rows for the padding) and B the
/// weights packed once at compile time, one sign-extended int32 per lane, columns
/// padded to a multiple of 16. A 1-D convolution with stride s reads row t at
/// t·s·Cin: rows overlap, no im2col. Accumulation wraps modulo 2^32 exactly as the
/// reference kernel's does (Σ w·(x − zp) is computed term by term, in a different
/// order), and requantization calls the same `Int8Requantization.apply`, so the
/// results are bit-identical.
public enum Int8GEMM {
    typealias V = SIMD16<Int32>

    /// Rows of accumulators one block of tiles produces before they are requantized.
    static let maxTileRows = 12

    @_transparent
    static func store(_ v: V, _ p: UnsafeMutablePointer<Int32>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// The low 16 bits of each lane, sign-extended: the identity on the packed weights,
    /// and what tells LLVM that the products fit vpmaddwd.
    @_transparent
    static func sext16(_ v: V) -> V { (v &<< 16) &>> 16 }

    static func usesGEMM(_ p: Conv1DParameters) -> Bool { p.groups == 1 && p.dilation == 1 }

    static func paddedColumns(_ n: Int) -> Int { (n + 15) / 16 * 16 }

    static func paddedLength(_ p: Conv1DParameters) -> Int { (p.outLength - 1) * p.stride + p.kernelSize }

    static func alignedUp(_ bytes: Int) -> Int { (bytes + 63) / 64 * 64 }

    /// Packed weights [K·Cin][Coutp] as int32, then the bias [Coutp] (zeros without one).
    public static func preparedBytes(_ p: Conv1DParameters) -> Int {
        guard usesGEMM(p) else { return 0 }
        let coutp = paddedColumns(p.outChannels)
        return 4 * (p.kernelSize * p.inChannels * coutp + coutp)
    }

    /// The int16 input of one batch item, then the int32 accumulators of one block.
    public static func scratchBytes(_ p: Conv1DParameters) -> Int {
        guard usesGEMM(p) else { return 0 }
        return alignedUp(2 * paddedLength(p) * p.inChannels) + 4 * maxTileRows * paddedColumns(p.outChannels)
    }

    public static func prepare(_ p: Conv1DParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer) {
        guard usesGEMM(p) else { return }
        let kd = p.kernelSize * p.inChannels, n = p.outChannels, coutp = paddedColumns(n)
        let packed = prepared.bindMemory(to: Int32.self, capacity: kd * coutp + coutp)
        for k in 0..<kd {
            for o in 0..<coutp { packed[k * coutp + o] = o < n ? Int32(weight[k * n + o]) : 0 }
        }
        for o in 0..<coutp { packed[kd * coutp + o] = o < n ? (bias?[o] ?? 0) : 0 }
    }

    public static func conv1D(_ p: Int8Conv1DParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer?) {
        let c = p.conv
        guard usesGEMM(c), let prepared = p.prepared, let scratch else {
            Int8ReferenceKernels.conv1D(p, input: input, weight: weight, bias: bias, output: output)
            return
        }
        let cin = c.inChannels, n = c.outChannels, coutp = paddedColumns(n)
        let kd = c.kernelSize * cin
        let length = paddedLength(c)
        let a = scratch.assumingMemoryBound(to: Int16.self)
        let acc = (scratch + alignedUp(2 * length * cin)).assumingMemoryBound(to: Int32.self)
        let packed = prepared
        let biasRow = prepared.assumingMemoryBound(to: Int32.self) + kd * coutp
        let offset = Int16(truncatingIfNeeded: p.inputOffset)
        let lda = c.stride * cin
        let m = c.outLength
        let height = coutp >= 64 ? 6 : 12

        for b in 0..<c.batch {
            let x = input + b * c.inLength * cin
            // The input minus its zero point; padding contributes (zp − zp) = 0.
            for pos in 0..<length {
                let source = pos - c.padLeft
                let row = a + pos * cin
                if source >= 0 && source < c.inLength {
                    let xr = x + source * cin
                    for i in 0..<cin { row[i] = Int16(xr[i]) &+ offset }
                } else {
                    row.update(repeating: 0, count: cin)
                }
            }
            let y = output + b * m * n

            func block(_ r: Int, _ h: Int) {
                let ar = UnsafePointer(a + r * lda)
                var col = 0
                while col < coutp {
                    let rest = coutp - col
                    let bc = packed + 4 * col, cc = acc + col
                    if h == 1 {
                        if rest >= 64 { tile1x64(ar, lda, bc, coutp, kd, cc, coutp); col += 64 }
                        else if rest >= 32 { tile1x32(ar, lda, bc, coutp, kd, cc, coutp); col += 32 }
                        else { tile1x16(ar, lda, bc, coutp, kd, cc, coutp); col += 16 }
                    } else if h == 6 {
                        if rest >= 64 { tile6x64(ar, lda, bc, coutp, kd, cc, coutp); col += 64 }
                        else if rest >= 32 { tile6x32(ar, lda, bc, coutp, kd, cc, coutp); col += 32 }
                        else { tile6x16(ar, lda, bc, coutp, kd, cc, coutp); col += 16 }
                    } else {
                        if rest >= 32 { tile12x32(ar, lda, bc, coutp, kd, cc, coutp); col += 32 }
                        else { tile12x16(ar, lda, bc, coutp, kd, cc, coutp); col += 16 }
                    }
                }
                for i in 0..<h { requantizeRow(acc + i * coutp, biasRow, n, p.output, y + (r + i) * n) }
            }

            if m < height {
                for r in 0..<m { block(r, 1) }
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

    /// acc + bias, requantized per channel exactly as the reference kernel does.
    @inline(__always)
    static func requantizeRow(_ acc: UnsafePointer<Int32>, _ bias: UnsafePointer<Int32>, _ n: Int, _ q: Int8Requantization, _ y: UnsafeMutablePointer<Int8>) {
        for o in 0..<n { y[o] = q.apply(acc[o] &+ bias[o], channel: o) }
    }
}
