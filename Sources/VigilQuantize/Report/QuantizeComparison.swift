import VigilRuntime

/// Float vs int8 comparison for the quantization report.
public struct QuantizeComparison: Sendable {
    public var samples: Int
    public var agreements: Int
    public var maxAbsError: Double
    public var classes: Int
    public var floatConfusion: [[Int]]?
    public var int8Confusion: [[Int]]?

    public var agreement: Double { samples == 0 ? 0 : Double(agreements) / Double(samples) }

    public static func argmax(_ row: ArraySlice<Float>) -> Int {
        var best = row.startIndex
        for i in row.indices where row[i] > row[best] { best = i }
        return best - row.startIndex
    }

    /// Top-1 over the last axis of output 0 (one row per sample), max abs error over all outputs.
    public init(float: [[Float]], int8: [[Float]], graph: Graph, samples: Int, labels: [Int]?) {
        self.samples = samples
        var worst = 0.0
        for (a, b) in zip(float, int8) {
            for (x, y) in zip(a, b) { worst = max(worst, Double(abs(x - y))) }
        }
        maxAbsError = worst
        let shape = graph.tensors[graph.outputs[0]].shape
        let width = shape.last ?? 1
        classes = width
        let rowsPerSample = shape.reduce(1, *) / max(width, 1)
        var agree = 0
        var predictionsF: [Int] = [], predictionsQ: [Int] = []
        for r in 0..<(samples * rowsPerSample) {
            let f = QuantizeComparison.argmax(float[0][(r * width)..<((r + 1) * width)])
            let q = QuantizeComparison.argmax(int8[0][(r * width)..<((r + 1) * width)])
            if f == q { agree += 1 }
            predictionsF.append(f); predictionsQ.append(q)
        }
        agreements = agree
        self.samples = samples * rowsPerSample
        if let labels, rowsPerSample == 1 {
            let n = max(width, (labels.max() ?? 0) + 1)
            classes = n
            var cf = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
            var cq = cf
            for (i, label) in labels.enumerated() {
                cf[label][predictionsF[i]] += 1
                cq[label][predictionsQ[i]] += 1
            }
            floatConfusion = cf
            int8Confusion = cq
        }
    }
}
