import VigilRuntime

/// C[m, n] = act(A[m, k] · B[k, n] + bias[n]) with register-blocked SIMD tiles.
///
/// A's rows may overlap (lda < k): a 1-D convolution with stride s reads row t at
/// input + t·s·Cin, so the convolution runs as this GEMM with no im2col copy.
public enum FloatGEMM {
    typealias V = SIMD16<Float>

    @_transparent
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// Lane-wise max and min. The standard library's pointwiseMax/Min run a scalar
    /// loop (they order NaNs); compare-and-select compiles to vector instructions.
    @_transparent
    static func maximum(_ a: V, _ b: V) -> V { a.replacing(with: b, where: a .< b) }

    @_transparent
    static func minimum(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .< a) }

    @_transparent
    static func clamp(_ v: V, _ low: V, _ high: V) -> V { minimum(maximum(v, low), high) }

    /// The clamp bounds that apply `activation` inside a tile, or nil when it needs a
    /// separate pass over the output (sigmoid, tanh, leaky ReLU, hard sigmoid).
    @inline(__always)
    static func clampBounds(_ activation: Activation) -> (lo: Float, hi: Float)? {
        switch activation {
        case .linear: return (-.infinity, .infinity)
        case .relu: return (0, .infinity)
        case .relu6: return (0, 6)
        case .clip(let lo, let hi): return (lo, hi)
        default: return nil
        }
    }

    public static func run(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, activation: Activation) {
        guard let (lo, hi) = clampBounds(activation) else {
            run(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, bias: bias, activation: .linear)
            for r in 0..<m { ReferenceKernels.activation(activation, input: c + r * ldc, output: c + r * ldc, count: n) }
            return
        }
        var col = 0
        while col < n {
            let rest = n - col
            let bc = b + col, cc = c + col, biasc = bias.map { $0 + col }
            if rest >= 64 {
                rows(m, 6, { r in tile6x64(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, lo, hi) },
                     { r in tile1x64(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, lo, hi) })
                col += 64
            } else if rest >= 32 {
                rows(m, 12, { r in tile12x32(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, lo, hi) },
                     { r in tile1x32(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, lo, hi) })
                col += 32
            } else if rest >= 16 {
                rows(m, 12, { r in tile12x16(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, lo, hi) },
                     { r in tile1x16(a + r * lda, lda, bc, ldb, k, cc + r * ldc, ldc, biasc, lo, hi) })
                col += 16
            } else {
                for r in 0..<m {
                    for j in col..<n {
                        var sum: Float = bias?[j] ?? 0
                        for i in 0..<k { sum += a[r * lda + i] * b[i * ldb + j] }
                        c[r * ldc + j] = min(max(sum, lo), hi)
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
