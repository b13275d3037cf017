import Foundation
import Testing
import VigilQuantize
import VigilRuntime
import VigilReferenceModel
import VigilTestSupport

/// Post-training quantization: observers on hand-made distributions, the parameter
/// arithmetic against hand derivations, and whole graphs through the int8 kernels.
@Suite("Post-training quantization")
struct QuantizationTests {
    // MARK: Observers

    @Test func minMaxIsExact() {
        let s = TensorStatistics(values: [-1.5, 0.25, 3.75, 2, .nan, -0.5])
        let r = s.range(.minMax)
        #expect(r.min == -1.5)
        #expect(r.max == 3.75)
        #expect(s.count == 5)  // the NaN is ignored
    }

    @Test func percentileClipsAPlantedOutlier() {
        // 10 000 values evenly over [0, 1) and one outlier at 1000.
        var values = (0..<10_000).map { Float($0) / 10_000 }
        values.append(1000)
        let s = TensorStatistics(values: values)
        #expect(s.range(.minMax).max == 1000)
        let r = s.range(.percentile(99.99))
        // 99.99 % of 10 001 values is 10 000 values: all the even ones. The histogram
        // has 2048 bins of 1000/2048 ≈ 0.49 over [0, 1000], so the quantile lies in the
        // bin that holds 1.0: between 0.98 and 3 · 0.49 ≈ 1.47.
        #expect(r.max > 0.9 && r.max < 1.5, "upper \(r.max)")
        // The lower 0.01 % quantile: the first value above 0, inside the first bin.
        #expect(r.min >= 0 && r.min < 0.49, "lower \(r.min)")
        // Two-sided: an outlier on each side is clipped on each side.
        let t = TensorStatistics(values: values.map { $0 - 0.5 } + [-1000])
        let r2 = t.range(.percentile(99.99))
        #expect(r2.min > -2 && r2.min < -0.4, "lower \(r2.min)")
        #expect(r2.max > 0.4 && r2.max < 2, "upper \(r2.max)")
    }

    @Test func entropyChoosesAThresholdBelowTheMaxOfALongTail() {
        // Exponential distribution by its quantile function: -ln(1 − u), u on a grid;
        // the largest value is ln(2·10⁵) ≈ 12.2, the median ln 2.
        let n = 100_000
        let values = (0..<n).map { Float(-Foundation.log(1 - (Double($0) + 0.5) / Double(n))) }
        let s = TensorStatistics(values: values)
        let t = s.range(.entropy).max
        #expect(t < 0.9 * s.maximum, "threshold \(t) of max \(s.maximum)")
        #expect(t > 2, "threshold \(t) clips the bulk of the distribution")
        // A uniform histogram loses nothing by keeping its whole range: the full range
        // is the only candidate where P and Q are equal (KL = 0).
        let uniform = [Double](repeating: 10, count: 2048)
        #expect(EntropyCalibration.threshold(histogram: uniform, limit: 4, quantizedBins: 128) == 4)
    }

    @Test func observerNames() {
        #expect(CalibrationObserver(name: "minmax") == .minMax)
        #expect(CalibrationObserver(name: "percentile") == .percentile(99.99))
        #expect(CalibrationObserver(name: "percentile:99.9") == .percentile(99.9))
        #expect(CalibrationObserver(name: "kl") == .entropy)
        #expect(CalibrationObserver(name: "median") == nil)
        #expect(CalibrationObserver(name: "percentile:20") == nil)
    }

    // MARK: Parameter arithmetic (hand-derived)

    @Test func parametersByHand() {
        // Range [-1, 3]: scale 4/255, zero point round(−128 + 1/(4/255)) = round(−64.25) = −64.
        let p = PostTrainingQuantizer.activationParameters(min: -1, max: 3)
        #expect(abs(p.scales[0] - 4.0 / 255.0) < 1e-9)
        #expect(p.zeroPoints == [-64])
        // [0.5, 2] widens to [0, 2]: zero point −128 so that 0 is exact.
        let r = PostTrainingQuantizer.activationParameters(min: 0.5, max: 2)
        #expect(r.zeroPoints == [-128])
        #expect(abs(r.scales[0] - 2.0 / 255.0) < 1e-9)
        // Dense weight [In 2, Out 2] = [[0.5, -1], [0.25, 2]], channels on axis 1:
        // channel 0 {0.5, 0.25}: scale 0.5/127, q {127, 63.5 → 64}; channel 1 {−1, 2}:
        // scale 2/127, q {−63.5 → −64, 127} (ties away from zero).
        let (q, scales) = PostTrainingQuantizer.quantizeWeights([0.5, -1, 0.25, 2], shape: [2, 2], channelAxis: 1)
        #expect(q == [127, -64, 64, 127])
        #expect(abs(scales[0] - 0.5 / 127) < 1e-9 && abs(scales[1] - 2.0 / 127) < 1e-9)
        // Bias 0.3 at s_in 0.1, s_w 0.01: 0.3 / 0.001 = 300.
        let (b, bs) = PostTrainingQuantizer.quantizeBias([0.3, -0.00049], inputScale: 0.1, weightScales: [0.01, 0.001])
        #expect(b == [300, -5])
        #expect(abs(bs[0] - 0.001) < 1e-9)
    }

    // MARK: Whole graphs

    static func referenceInputs(samples: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        var beats: [Float] = [], rr: [Float] = []
        for _ in 0..<samples {
            let amplitude = 0.5 + rng.nextUnit()
            for t in 0..<256 {
                let x = Float(t - 90) / 6
                beats.append(amplitude * VMath.exp(-x * x) + 0.1 * (2 * rng.nextUnit() - 1))
            }
            for _ in 0..<4 { rr.append(0.6 + 0.8 * rng.nextUnit()) }
        }
        return [beats, rr]
    }

    static func run(_ graph: Graph, _ inputs: [[Float]], samples: Int) throws -> [Float] {
        let interpreter = try Interpreter<PortableKernels>(graph: graph, batch: samples)
        for i in inputs.indices {
            let target = interpreter.input(i)
            for j in inputs[i].indices { target[j] = inputs[i][j] }
        }
        interpreter.invoke()
        return Array(interpreter.output(0))
    }

    /// A BatchNormalization after an activation (an Affine over [L, C]) runs in int8 as
    /// the depthwise convolution of kernel 1 it is; the rewritten float graph computes
    /// the same values.
    @Test func affineAfterAnActivationRunsAsADepthwiseConvolution() throws {
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [6, 1])
        let w = g.addConstant(name: "w", shape: [3, 1, 2], values: [0.5, -0.25, 1, 0.75, -0.5, 0.25])
        let h = g.addTensor(name: "h"), y = g.addTensor(name: "y")
        let scale = g.addConstant(name: "scale", shape: [2], values: [1.5, -0.75])
        let shift = g.addConstant(name: "shift", shape: [2], values: [0.25, 2])
        g.inputs = [x]
        g.nodes = [Node(name: "conv", op: .conv1D(Conv1DAttributes(kernelSize: 3, activation: .relu)), inputs: [x, w], outputs: [h]),
                   Node(name: "bn", op: .affine, inputs: [h, scale, shift], outputs: [y])]
        g.outputs = [y]
        let float = try g.validated()
        let prepared = try PostTrainingQuantizer.prepared(float).validated()
        #expect(prepared.nodes[1].op == .conv1D(Conv1DAttributes(kernelSize: 1, groups: 2)))
        let inputs: [[Float]] = [(0..<48).map { Float(($0 * 37) % 17) / 8 - 1 }]
        let want = try Self.run(float, inputs, samples: 8), got = try Self.run(prepared, inputs, samples: 8)
        for i in want.indices { #expect(abs(want[i] - got[i]) <= 1e-6 * max(1, abs(want[i]))) }
        let (q, summary) = try PostTrainingQuantizer().quantize(prepared, calibrationInputs: inputs, samples: 8, kernels: PortableKernels.self)
        #expect(summary.floatNodes.isEmpty)
        #expect(summary.int8Nodes == ["conv", "bn"])
        let int8 = try Self.run(q, inputs, samples: 8)
        for i in want.indices { #expect(abs(want[i] - int8[i]) <= 0.05, "\(i): \(want[i]) vs \(int8[i])") }
    }

    /// Transpose and Slice only move bytes: after an int8 op they run in int8 with its
    /// parameters, and the values equal the int8 producer's, moved.
    @Test func dataMovementAfterAnInt8OpStaysInt8() throws {
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [6, 2])
        let w = g.addConstant(name: "w", shape: [1, 2, 3], values: [0.5, -0.25, 1, 0.75, -0.5, 0.25])
        let h = g.addTensor(name: "h"), t = g.addTensor(name: "t"), y = g.addTensor(name: "y")
        g.inputs = [x]
        g.nodes = [Node(name: "conv", op: .conv1D(Conv1DAttributes(kernelSize: 1)), inputs: [x, w], outputs: [h]),
                   Node(name: "transpose", op: .transpose(permutation: [1, 0]), inputs: [h], outputs: [t]),
                   Node(name: "slice", op: .slice(starts: [1, 0], steps: [1, 2], sizes: [2, 3]), inputs: [t], outputs: [y])]
        g.outputs = [y]
        let float = try g.validated()
        let inputs: [[Float]] = [(0..<48).map { Float(($0 * 29) % 13) / 6 - 1 }]
        let (q, summary) = try PostTrainingQuantizer().quantize(float, calibrationInputs: inputs, samples: 4, kernels: PortableKernels.self)
        #expect(summary.floatNodes.isEmpty)
        #expect(summary.int8Nodes == ["conv", "transpose", "slice"])
        // The conv alone, quantized from the same calibration, gives h the same
        // parameters: its dequantized [6, 3] output, moved (rows 1…2 of the transpose,
        // every other column), is the full graph's output exactly.
        var convOnly = float
        convOnly.nodes = [float.nodes[0]]
        convOnly.outputs = [h]
        let (qc, _) = try PostTrainingQuantizer().quantize(try convOnly.validated(), calibrationInputs: inputs, samples: 4, kernels: PortableKernels.self)
        let c = try Self.run(qc, inputs, samples: 4), moved = try Self.run(q, inputs, samples: 4)
        for item in 0..<4 { for r in 0..<2 { for k in 0..<3 {
            #expect(moved[item * 6 + r * 3 + k] == c[item * 18 + (2 * k) * 3 + (r + 1)])
        } } }
    }

    /// `floatHead` keeps the Dense computing the logits and the Softmax after it float;
    /// by default the whole reference model runs in int8.
    @Test func floatHeadKeepsTheClassifierHeadFloat() throws {
        let float = try ReferenceModel.arrhythmia().validated().optimized()
        let calibration = Self.referenceInputs(samples: 32, seed: 12)
        let stats = try Calibration.collect(float, inputs: calibration, samples: 32, observer: .minMax, kernels: PortableKernels.self)
        let (_, plain) = try PostTrainingQuantizer().quantize(float, statistics: stats)
        #expect(plain.floatNodes.isEmpty)
        let (q, head) = try PostTrainingQuantizer(floatHead: true).quantize(float, statistics: stats)
        let last = float.nodes.suffix(2).map(\.name)
        #expect(float.nodes.suffix(2).map(\.op.name) == ["Dense", "Softmax"])
        #expect(head.floatNodes == last)
        #expect(q.tensors[q.nodes.last!.outputs[0]].dtype == .float32 && q.nodes.last!.op.name == "Softmax")
    }

    /// `keepFloat` keeps exactly the named nodes float (the ops after them that read
    /// their float output may follow them); a name the graph lacks is refused, the
    /// graph's node names listed.
    @Test func keepFloatKeepsTheNamedNodesFloat() throws {
        let float = try ReferenceModel.arrhythmia().validated().optimized()
        let calibration = Self.referenceInputs(samples: 16, seed: 13)
        let stats = try Calibration.collect(float, inputs: calibration, samples: 16, observer: .minMax, kernels: PortableKernels.self)
        let first = try #require(float.nodes.first { $0.op.name == "Conv1D" }).name
        let (_, summary) = try PostTrainingQuantizer(keepFloat: [first]).quantize(float, statistics: stats)
        #expect(summary.floatNodes.contains(first) && !summary.int8Nodes.contains(first))
        #expect(!summary.int8Nodes.isEmpty)
        #expect(throws: QuantizationError.unknownNode("no_such_node", nodes: float.nodes.map(\.name))) {
            try PostTrainingQuantizer(keepFloat: ["no_such_node"]).quantize(float, statistics: stats)
        }
    }

    @Test func referenceModelQuantizes() throws {
        let float = try ReferenceModel.arrhythmia().validated().optimized()
        let calibration = Self.referenceInputs(samples: 64, seed: 11)
        let stats = try Calibration.collect(float, inputs: calibration, samples: 64, observer: .minMax, kernels: PortableKernels.self)
        let (q, summary) = try PostTrainingQuantizer(observer: .minMax).quantize(float, statistics: stats)
        _ = try q.validated()
        #expect(summary.floatNodes.isEmpty)
        #expect(summary.quantizeNodes == 2 && summary.dequantizeNodes == 1)
        // Float I/O kept.
        #expect(q.inputs.map { q.tensors[$0].dtype } == [.float32, .float32])
        #expect(q.tensors[q.outputs[0]].dtype == .float32)
        // Weights per channel on the output axis, symmetric; bias int32 at s_in·s_w.
        for node in q.nodes {
            switch node.op {
            case .conv1D, .dense:
                let x = q.tensors[node.inputs[0]], w = q.tensors[node.inputs[1]], b = q.tensors[node.inputs[2]]
                let axis = w.shape.count - 1
                #expect(x.dtype == .int8 && w.dtype == .int8 && b.dtype == .int32)
                #expect(w.quantization?.axis == axis && w.quantization?.scales.count == w.shape[axis])
                #expect(w.quantization?.zeroPoints.allSatisfy { $0 == 0 } == true)
                let sIn = x.quantization!.scales[0]
                for (c, s) in w.quantization!.scales.enumerated() {
                    #expect(abs(b.quantization!.scales[c] - sIn * s) <= 1e-6 * sIn * s)
                }
            case .softmax:
                let y = q.tensors[node.outputs[0]].quantization!
                #expect(y.scales == [1.0 / 256.0] && y.zeroPoints == [-128])
            default: break
            }
        }
        // Constants shrink about fourfold (int8 weights, int32 biases).
        #expect(q.constantBytes * 3 < float.constantBytes)

        // Held-out samples from the same distribution through both graphs.
        let n = 32
        let test = Self.referenceInputs(samples: n, seed: 99)
        let expected = try Self.run(float, test, samples: n)
        let actual = try Self.run(q, test, samples: n)
        // Bound: softmax is ½-Lipschitz from the max-norm of a logit error to each
        // probability (Σ_j |∂p_i/∂z_j| = 2 p_i (1 − p_i) ≤ ½); allow the logits an error
        // of 4 of their quantization steps (the rounding of each requantization, carried
        // through the layers), plus half a step of the 1/256 output.
        let logits = q.nodes.first { if case .softmax = $0.op { return true } else { return false } }!.inputs[0]
        let sLogits = q.tensors[logits].quantization!.scales[0]
        let bound = 0.5 * 4 * sLogits + 0.5 / 256
        var worst: Float = 0
        for (a, b) in zip(expected, actual) { worst = max(worst, abs(a - b)) }
        #expect(worst <= bound, "max error \(worst), bound \(bound)")
    }

    @Test func observersAllProduceValidGraphs() throws {
        let float = try ReferenceModel.arrhythmia().validated().optimized()
        let calibration = Self.referenceInputs(samples: 16, seed: 5)
        for observer in [CalibrationObserver.percentile(99.99), .entropy] {
            let (q, _) = try PostTrainingQuantizer(observer: observer).quantize(float, calibrationInputs: calibration, samples: 16, kernels: PortableKernels.self)
            let out = try Self.run(q, calibration, samples: 16)
            #expect(out.count == 16 * 5)
            // Probabilities: each row sums to 1 within the 1/256 output steps.
            for r in 0..<16 {
                let sum = out[(r * 5)..<(r * 5 + 5)].reduce(0, +)
                #expect(abs(sum - 1) <= 5.0 / 256.0, "\(observer) row \(r) sums to \(sum)")
            }
        }
    }

    @Test func recurrentOpsStayFloatBetweenBoundaries() throws {
        var rng = SplitMix64(seed: 3)
        var b = GraphBuilder()
        let x = b.input("x", shape: [12, 2])
        let w = b.constant("conv/kernel", shape: [3, 2, 4], values: rng.uniform(count: 24, limit: 0.5))
        let h = b.conv1D(x, weight: w, bias: nil, Conv1DAttributes(kernelSize: 3, padding: .same, activation: .relu), name: "conv")
        let k = b.constant("gru/kernel", shape: [4, 9], values: rng.uniform(count: 36, limit: 0.5))
        let rk = b.constant("gru/recurrent", shape: [3, 9], values: rng.uniform(count: 27, limit: 0.5))
        let gb = b.constant("gru/bias", shape: [2, 9], values: rng.uniform(count: 18, limit: 0.1))
        let g = b.node(.gru(RecurrentAttributes(units: 3)), [h, k, rk, gb], name: "gru")
        let dw = b.constant("dense/kernel", shape: [3, 2], values: rng.uniform(count: 6, limit: 0.8))
        let y = b.dense(g, weight: dw, bias: nil, name: "dense")
        b.output(y)
        let float = try b.build()
        var data: [Float] = []
        for _ in 0..<(8 * 24) { data.append(2 * rng.nextUnit() - 1) }
        let (q, summary) = try PostTrainingQuantizer().quantize(float, calibrationInputs: [data], samples: 8, kernels: PortableKernels.self)
        #expect(summary.floatNodes == ["gru"])
        let ops = q.nodes.map { $0.op.name }
        #expect(ops == ["Quantize", "Conv1D", "Dequantize", "GRU", "Quantize", "Dense", "Dequantize"])
        let gru = q.nodes.first { $0.name == "gru" }!
        #expect(q.tensors[gru.inputs[0]].dtype == .float32 && q.tensors[gru.outputs[0]].dtype == .float32)
        let expected = try Self.run(float, [data], samples: 8)
        let actual = try Self.run(q, [data], samples: 8)
        // The dense output's own range is about ±1; a few of its 1/127-sized steps.
        let sOut = q.tensors[q.nodes[5].outputs[0]].quantization!.scales[0]
        for (a, e) in zip(actual, expected) { #expect(abs(a - e) <= 4 * sOut, "\(a) vs \(e)") }
    }

    @Test func refusesQuantizedGraphsAndBadData() throws {
        let float = try ReferenceModel.arrhythmia().validated().optimized()
        let calibration = Self.referenceInputs(samples: 4, seed: 1)
        let (q, _) = try PostTrainingQuantizer().quantize(float, calibrationInputs: calibration, samples: 4, kernels: PortableKernels.self)
        #expect(throws: QuantizationError.self) {
            try PostTrainingQuantizer().quantize(q, calibrationInputs: calibration, samples: 4, kernels: PortableKernels.self)
        }
        #expect(throws: QuantizationError.self) {
            try PostTrainingQuantizer().quantize(float, calibrationInputs: [calibration[0]], samples: 4, kernels: PortableKernels.self)
        }
        #expect(throws: QuantizationError.self) {
            try PostTrainingQuantizer().quantize(float, calibrationInputs: calibration, samples: 5, kernels: PortableKernels.self)
        }
    }
}

/// Activations an int8 kernel cannot fuse (gelu, swish, …) leave the conv or dense that
/// fused them for an activation node of their own, which runs as a 256-entry table: the
/// whole graph is int8 and stays within a few output steps of float.
struct TableActivationTests {
    static let activations: [Activation] = [
        .elu(alpha: 1), .selu(alpha: 1.6732632, gamma: 1.050701), .gelu(approximate: false), .gelu(approximate: true),
        .swish, .softplus, .softsign, .hardSwish, .exponential, .mish, .sigmoid, .tanh,
    ]

    @Test(arguments: activations)
    func separatedAndQuantized(_ activation: Activation) throws {
        var rng = SplitMix64(seed: 11)
        var b = GraphBuilder()
        let x = b.input("x", shape: [12, 2])
        let w = b.constant("conv/kernel", shape: [3, 2, 4], values: rng.uniform(count: 24, limit: 0.5))
        let h = b.conv1D(x, weight: w, bias: nil, Conv1DAttributes(kernelSize: 3, padding: .same, activation: activation), name: "conv")
        let dw = b.constant("dense/kernel", shape: [4, 3], values: rng.uniform(count: 12, limit: 0.8))
        // e^x turns an input error δ into a relative output error δ: chained twice, an
        // int8 graph's steps blow up, so exponential is tested in the convolution only.
        let second: Activation = activation == .exponential ? .linear : activation
        let y = b.dense(h, weight: dw, bias: nil, activation: second, name: "dense")
        b.output(y)
        let float = try b.build()
        var data: [Float] = []
        for _ in 0..<(64 * 24) { data.append(4 * rng.nextUnit() - 2) }
        let (q, summary) = try PostTrainingQuantizer().quantize(float, calibrationInputs: [data], samples: 64, kernels: PortableKernels.self)
        #expect(summary.floatNodes.isEmpty)
        let names = ["Quantize", "Conv1D", activation.name, "Dense"] + (second == .linear ? [] : [activation.name]) + ["Dequantize"]
        #expect(q.nodes.map { $0.op.name } == names)
        let expected = try QuantizationTests.run(float, [data], samples: 64)
        let actual = try QuantizationTests.run(q, [data], samples: 64)
        let sOut = q.tensors[q.nodes[q.nodes.count - 2].outputs[0]].quantization!.scales[0]
        var worst: Float = 0
        for (a, e) in zip(actual, expected) { worst = max(worst, abs(a - e)) }
        #expect(worst <= 6 * sOut, "\(activation.name): worst error \(worst), output step \(sOut)")
    }

    /// Each table entry is the float function of the entry's dequantized input, rounded
    /// to the output's grid (TFLite's LUTPopulate): within half a step where in range,
    /// saturated beyond, and real 0 where the function has no real value (ln, √ of x < 0).
    @Test(arguments: activations + [.negate, .absolute, .logarithm, .squareRoot, .reciprocal, .errorFunction])
    func tablesRoundTheFunction(_ activation: Activation) {
        let input: (scale: Float, zeroPoint: Int32) = (0.05, 3)
        let output: (scale: Float, zeroPoint: Int32) = (0.04, -20)
        let table = Int8Compilation.activationTable(activation, input: input, output: output)
        for v in -128...127 {
            let y = ReferenceKernels.apply(activation, input.scale * Float(Int32(v) - input.zeroPoint))
            let q = table[Int(UInt8(bitPattern: Int8(v)))]
            if y.isNaN {
                #expect(Int32(q) == output.zeroPoint, "\(activation.name) at \(v) has no real value")
                continue
            }
            let representable = y >= output.scale * Float(-128 - output.zeroPoint) && y <= output.scale * Float(127 - output.zeroPoint)
            if representable {
                #expect(abs(output.scale * Float(Int32(q) - output.zeroPoint) - y) <= output.scale / 2 * 1.0001, "\(activation.name) at \(v)")
            } else {
                #expect(q == (y < 0 ? -128 : 127), "\(activation.name) at \(v) saturates")
            }
        }
    }
}
