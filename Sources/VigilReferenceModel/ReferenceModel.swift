import VigilRuntime
import VigilSignalCore

/// The reference arrhythmia architecture of DESIGN §11, built in code: a beat window
/// [256, 1] through Conv1D 16/32/64 with pooling and global average pooling,
/// concatenated with 4 RR features, Dense 32 and Dense 5 (softmax over the AAMI
/// classes N, S, V, F, Q). About 752k multiply-accumulates per beat.
///
/// Weights are Glorot-uniform from a seeded generator: the model is for planning,
/// benchmarks and tests; trained weights arrive through the importers.
public enum ReferenceModel {
    public static let windowLength = 256
    public static let rrFeatures = 4
    public static let classes = 5

    public static func arrhythmia(seed: UInt64 = 1) -> Graph {
        var rng = SplitMix64(seed: seed)
        var b = GraphBuilder()
        let beat = b.input("beat", shape: [windowLength, 1])
        let rr = b.input("rr", shape: [rrFeatures])

        func conv(_ x: TensorID, _ cin: Int, _ cout: Int, _ k: Int, _ name: String) -> TensorID {
            let w = b.constant(name + "/kernel", shape: [k, cin, cout], values: rng.glorot(fanIn: k * cin, fanOut: k * cout, count: k * cin * cout))
            let bias = b.constant(name + "/bias", shape: [cout], values: rng.uniform(count: cout, limit: 0.05))
            return b.conv1D(x, weight: w, bias: bias, Conv1DAttributes(kernelSize: k, padding: .same, activation: .relu), name: name)
        }
        func dense(_ x: TensorID, _ fin: Int, _ fout: Int, _ act: Activation, _ name: String) -> TensorID {
            let w = b.constant(name + "/kernel", shape: [fin, fout], values: rng.glorot(fanIn: fin, fanOut: fout, count: fin * fout))
            let bias = b.constant(name + "/bias", shape: [fout], values: rng.uniform(count: fout, limit: 0.05))
            return b.dense(x, weight: w, bias: bias, activation: act, name: name)
        }

        var h = conv(beat, 1, 16, 7, "conv1")
        h = b.node(.maxPool1D(Pool1DAttributes(poolSize: 2)), [h], name: "pool1")
        h = conv(h, 16, 32, 5, "conv2")
        h = b.node(.maxPool1D(Pool1DAttributes(poolSize: 2)), [h], name: "pool2")
        h = conv(h, 32, 64, 3, "conv3")
        h = b.node(.globalAveragePool1D, [h], name: "gap")
        h = b.node(.concatenate(axis: -1), [h, rr], name: "concat")
        h = dense(h, 64 + rrFeatures, 32, .relu, "dense1")
        h = dense(h, 32, classes, .linear, "logits")
        let probabilities = b.node(.softmax(axis: -1), [h], name: "softmax")
        b.output(probabilities)
        return b.graph
    }
}

private extension SplitMix64 {
    /// Glorot (Xavier) uniform weights.
    mutating func glorot(fanIn: Int, fanOut: Int, count: Int) -> [Float] {
        uniform(count: count, limit: (6 / Float(fanIn + fanOut)).squareRoot())
    }
}
