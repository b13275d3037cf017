import CBLAS
import VigilRuntime

/// OpenBLAS sgemm for very large dense products, where its cache blocking beats the
/// register tiles alone.
public enum BLAS {
    /// Below this many multiply-accumulates the tiles win. `vigil bench --compare-blas`
    /// measures both: on this machine sgemm (Debian's OpenBLAS 0.3.21, which must be told
    /// OPENBLAS_CORETYPE=SkylakeX to use AVX-512 here) first wins at about 2.7·10⁸ MACs;
    /// every layer of the models Vigil runs is far below.
    public static let minimumMACs = 1 << 27

    static func wins(rows: Int, inner: Int, columns: Int) -> Bool {
        rows >= 64 && rows * inner * columns >= minimumMACs
    }

    public static func dense(_ p: DenseParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let n = p.outFeatures
        if let bias {
            for r in 0..<p.rows { (output + r * n).update(from: bias, count: n) }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(p.rows), Int32(n), Int32(p.inFeatures),
                    1, input, Int32(p.inFeatures), weight, Int32(n), bias == nil ? 0 : 1, output, Int32(n))
        if p.activation != .linear {
            ReferenceKernels.activation(p.activation, input: output, output: output, count: p.rows * n)
        }
    }

    /// OpenBLAS threads compete with the batch threads; the runtime parallelizes itself.
    public static func useSingleThread() {
        openblas_set_num_threads(1)
    }
}
