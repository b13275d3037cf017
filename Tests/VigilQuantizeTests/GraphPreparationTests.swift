import Foundation
import Testing
import VigilQuantize
import VigilRuntime
import VigilTestSupport

/// The float rewrites before quantization: a BatchNormalization after an activation
/// folded forward into the next layer, and cross-layer equalization. Each computes the
/// same values as the graph it rewrites (up to float rounding), and refuses the cases
/// where it would not.
struct GraphPreparationTests {
    /// x [16, 2] → Conv1D(3, k 3, ReLU) → Affine(scale, shift) → MaxPool(2) →
    /// Conv1D(2, k 2, `padding`) → GlobalAveragePool → Dense(2).
    static func bnAfterActivation(scale: [Float], padding: Padding = .valid) throws -> Graph {
        var rng = SplitMix64(seed: 5)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in 2 * rng.nextUnit() - 1 } }
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [16, 2])
        g.inputs = [x]
        let w1 = g.addConstant(name: "w1", shape: [3, 2, 3], values: values(18)), b1 = g.addConstant(name: "b1", shape: [3], values: values(3))
        let s = g.addConstant(name: "scale", shape: [3], values: scale), t = g.addConstant(name: "shift", shape: [3], values: values(3))
        let w2 = g.addConstant(name: "w2", shape: [2, 3, 2], values: values(12)), b2 = g.addConstant(name: "b2", shape: [2], values: values(2))
        let w3 = g.addConstant(name: "w3", shape: [2, 2], values: values(4))
        let h = (0..<6).map { g.addTensor(name: "h\($0)") }
        g.nodes = [
            Node(name: "conv1", op: .conv1D(Conv1DAttributes(kernelSize: 3, activation: .relu)), inputs: [x, w1, b1], outputs: [h[0]]),
            Node(name: "bn", op: .affine, inputs: [h[0], s, t], outputs: [h[1]]),
            Node(name: "pool", op: .maxPool1D(Pool1DAttributes(poolSize: 2, stride: 2, padding: .valid)), inputs: [h[1]], outputs: [h[2]]),
            Node(name: "conv2", op: .conv1D(Conv1DAttributes(kernelSize: 2, padding: padding)), inputs: [h[2], w2, b2], outputs: [h[3]]),
            Node(name: "gap", op: .globalAveragePool1D, inputs: [h[3]], outputs: [h[4]]),
            Node(name: "dense", op: .dense(activation: .linear), inputs: [h[4], w3], outputs: [h[5]]),
        ]
        g.outputs = [h[5]]
        return try g.validated()
    }

    static func inputs(_ samples: Int) -> [[Float]] {
        var rng = SplitMix64(seed: 9)
        return [(0..<(samples * 32)).map { _ in 4 * rng.nextUnit() - 2 }]
    }

    static func expectSameValues(_ a: Graph, _ b: Graph, samples: Int = 8) throws {
        let x = inputs(samples)
        let ya = try QuantizationTests.run(a, x, samples: samples), yb = try QuantizationTests.run(b, x, samples: samples)
        for (u, v) in zip(ya, yb) { #expect(abs(u - v) <= 1e-4 * max(1, abs(u)), "\(u) vs \(v)") }
    }

    @Test func aPositiveAffineFoldsThroughMaxPoolIntoTheNextConvolution() throws {
        let g = try Self.bnAfterActivation(scale: [0.5, 2, 7])
        let folded = try PostTrainingQuantizer.affinesFoldedForward(g).validated()
        #expect(!folded.nodes.contains { $0.op == .affine })
        #expect(folded.nodes.map(\.name) == ["conv1", "pool", "conv2", "gap", "dense"])
        try Self.expectSameValues(g, folded)
    }

    @Test func aNegativeScaleOrAPaddedConvolutionKeepsTheAffine() throws {
        // max(a·x) ≠ a·max(x) for a < 0; padded zeros would stand for −s/a.
        for g in [try Self.bnAfterActivation(scale: [0.5, -2, 7]), try Self.bnAfterActivation(scale: [0.5, 2, 7], padding: .same)] {
            let kept = PostTrainingQuantizer.affinesFoldedForward(g)
            #expect(kept.nodes.contains { $0.op == .affine })
            try Self.expectSameValues(g, try kept.validated())
        }
    }

    @Test func equalizationBalancesChannelsAndKeepsTheValues() throws {
        // With the Affine folded: conv1 (ReLU) → pool → conv2, and conv2 → global pool →
        // Dense, both pairs equalized.
        let g = try PostTrainingQuantizer.affinesFoldedForward(try Self.bnAfterActivation(scale: [0.5, 2, 7])).validated()
        let x = Self.inputs(16)
        let stats = try Calibration.collect(g, inputs: x, samples: 16, observer: .minMax, kernels: PortableKernels.self)
        let equalized = try #require(PostTrainingQuantizer.equalized(g, statistics: stats)).validated()
        try Self.expectSameValues(g, equalized)
        // The channels of conv1's output (read by conv2 through the pool) now span
        // ranges closer to each other: the ratio of the smallest to the largest channel
        // maximum is its square root.
        let after = try Calibration.collect(equalized, inputs: x, samples: 16, observer: .minMax, kernels: PortableKernels.self)
        let conv1 = g.nodes[0].outputs[0]
        let m0 = try #require(stats.tensors[conv1]?.channelMagnitudes), m1 = try #require(after.tensors[conv1]?.channelMagnitudes)
        let r0 = m0.min()! / m0.max()!, r1 = m1.min()! / m1.max()!
        #expect(abs(r1 - r0.squareRoot()) < 1e-3, "\(r0) → \(r1)")
    }
}

/// QDQ graphs `lowerQDQ` cannot lower are refused with the node named.
struct QDQLoweringRefusalTests {
    static let p1 = QuantizationParameters(scale: 0.1, zeroPoint: 0)
    static let p2 = QuantizationParameters(scale: 0.2, zeroPoint: 3)

    /// x → Quantize (q), and int8 `consumer` of q: quantized data computed on directly.
    @Test func quantizedDataReadByAComputingOpIsRefused() throws {
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [4])
        g.inputs = [x]
        let q = g.addTensor(name: "q", dtype: .int8)
        g.tensors[q].quantization = Self.p1
        let y = g.addTensor(name: "y", dtype: .int8)
        g.tensors[y].quantization = Self.p2
        g.nodes = [Node(name: "quantize", op: .quantize, inputs: [x], outputs: [q]),
                   Node(name: "sum", op: .add(activation: .linear), inputs: [q, q], outputs: [y])]
        g.outputs = [y]
        #expect(throws: QuantizationError.invalidGraph(.typeMismatch(node: "sum", reason: "reads quantized data other than through Dequantize; Vigil lowers QDQ graphs whose int8 data only moves"))) {
            try PostTrainingQuantizer().lowerQDQ(g)
        }
    }

    /// One float tensor quantized with two sets of parameters.
    @Test func aTensorQuantizedTwiceDifferentlyIsRefused() throws {
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [4])
        g.inputs = [x]
        var deq: [TensorID] = []
        for (k, p) in [Self.p1, Self.p2].enumerated() {
            let q = g.addTensor(name: "q\(k)", dtype: .int8)
            g.tensors[q].quantization = p
            let f = g.addTensor(name: "f\(k)")
            g.nodes += [Node(name: "quantize\(k)", op: .quantize, inputs: [x], outputs: [q]),
                        Node(name: "dequantize\(k)", op: .dequantize, inputs: [q], outputs: [f])]
            deq.append(f)
        }
        let y = g.addTensor(name: "y")
        g.nodes.append(Node(name: "sum", op: .add(activation: .linear), inputs: deq, outputs: [y]))
        g.outputs = [y]
        #expect(throws: QuantizationError.invalidGraph(.quantizationMismatch(node: "quantize1", tensor: "x", reason: "quantized twice with different parameters"))) {
            try PostTrainingQuantizer().lowerQDQ(g)
        }
    }
}
