import Dispatch
import VigilKernels
import VigilQuantize
import VigilRuntime
import VigilSignalCore

/// `vigil bench --compare-blas`: dense layers of growing size through the SIMD tiles
/// and through OpenBLAS sgemm, single-threaded, in one run; the evidence behind
/// `BLAS.minimumMACs`.
enum BLASComparison {
    static func run() {
        BLAS.useSingleThread()
        print("dense layer, 1 thread: SIMD tiles vs OpenBLAS sgemm (best of 5, µs per call)")
        print(Profile.pad("rows×in×out", 20) + Profile.pad("MACs", 12) + Profile.pad("tiles", 10) + Profile.pad("sgemm", 10) + "tiles/sgemm")
        let shapes = [(1, 68, 32), (256, 68, 32), (256, 64, 64), (256, 256, 256), (1024, 256, 256), (256, 1024, 1024), (1024, 1024, 1024)]
        var rng = SplitMix64(seed: 3)
        for (rows, inner, columns) in shapes {
            let x = rng.uniform(count: rows * inner, limit: 1), w = rng.uniform(count: inner * columns, limit: 1), b = rng.uniform(count: columns, limit: 1)
            var y = [Float](repeating: 0, count: rows * columns)
            let p = DenseParameters(rows: rows, inFeatures: inner, outFeatures: columns, activation: .relu)
            let macs = rows * inner * columns
            let repeats = max(1, 50_000_000 / macs)
            func time(_ body: () -> Void) -> Double {
                var best = Double.infinity
                for _ in 0..<5 {
                    let start = DispatchTime.now().uptimeNanoseconds
                    for _ in 0..<repeats { body() }
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(repeats))
                }
                return best
            }
            let tiles = time {
                FloatGEMM.run(m: rows, n: columns, k: inner, a: x, lda: inner, b: w, ldb: columns, c: &y, ldc: columns, bias: b, activation: .relu)
            }
            let blas = time { BLAS.dense(p, input: x, weight: w, bias: b, output: &y) }
            print(Profile.pad("\(rows)×\(inner)×\(columns)", 20) + Profile.pad("\(macs)", 12) + Profile.pad(format(tiles, 2), 10)
                  + Profile.pad(format(blas, 2), 10) + format(tiles / blas, 2))
        }
        print("host kernels switch to sgemm at \(BLAS.minimumMACs) MACs and 64 rows")
    }
}
