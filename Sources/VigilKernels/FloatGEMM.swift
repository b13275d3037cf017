import VigilRuntime

/// C[m, n] = act(A[m, k] · B[k, n] + bias[n]) with register-blocked SIMD tiles.
///
/// A's rows may overlap (lda < k): a 1-D convolution with stride s reads row t at
/// input + t·s·Cin, so the convolution runs as this GEMM with no im2col copy.
public enum FloatGEMM {
    typealias V = SIMD16<Float>

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// Lane-wise max and min. The standard library's pointwiseMax/Min run a scalar
    /// loop (they order NaNs); compare-and-select compiles to vector instructions.
    @inline(__always)
    static func maximum(_ a: V, _ b: V) -> V { a.replacing(with: b, where: a .< b) }

    @inline(__always)
    static func minimum(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .< a) }

    @inline(__always)
    static func finish(_ v: V, _ activation: Activation) -> V {
        switch activation {
        case .linear: return v
        case .relu: return maximum(v, V())
        case .relu6: return minimum(maximum(v, V()), V(repeating: 6))
        case .clip(let lo, let hi): return minimum(maximum(v, V(repeating: lo)), V(repeating: hi))
        case .leakyRelu(let alpha): return v.replacing(with: v * alpha, where: v .< V())
        default:
            var out = v
            for i in 0..<16 { out[i] = ReferenceKernels.apply(activation, v[i]) }
            return out
        }
    }

    public static func run(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, activation: Activation) {
        var col = 0
        while col < n {
            let rest = n - col
            let bc = b + col, cc = c + col, biasc = bias.map { $0 + col }
            if rest >= 64 {
                rows(m, 6, { r in tile6x64(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, activation) },
                     { r in tile1x64(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, activation) })
                col += 64
            } else if rest >= 32 {
                rows(m, 12, { r in tile12x32(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, activation) },
                     { r in tile1x32(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, activation) })
                col += 32
            } else if rest >= 16 {
                rows(m, 12, { r in tile12x16(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, activation) },
                     { r in tile1x16(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, activation) })
                col += 16
            } else {
                for r in 0..<m {
                    for j in col..<n {
                        var sum: Float = bias?[j] ?? 0
                        for i in 0..<k { sum += a[r * lda + i] * b[i * ldb + j] }
                        c[r * ldc + j] = ReferenceKernels.apply(activation, sum)
                    }
                }
                col = n
            }
        }
    }

    /// Covers rows 0..<m with tiles of `height`; the last tile is shifted back to end at
    /// m (recomputing a few rows with identical results) instead of a remainder loop.
    @inline(__always)
    static func rows(_ m: Int, _ height: Int, _ tile: (Int) -> Void, _ single: (Int) -> Void) {
        if m < height {
            for r in 0..<m { single(r) }
            return
        }
        var r = 0
        while r + height <= m {
            tile(r)
            r += height
        }
        if r < m { tile(m - height) }
    }
}
