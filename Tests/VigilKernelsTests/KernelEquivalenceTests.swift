import Testing
import VigilRuntime
@testable import VigilKernels
import VigilReferenceModel
import VigilTestSupport

/// A float buffer with guard zones on both sides. The payload starts as NaN, so an
/// element a kernel fails to write fails the comparison; the guards must come back
/// untouched, so a write past either end is caught.
final class GuardedBuffer {
    static let guardCount = 64
    static let sentinel = Float(bitPattern: 0x7FC0_DEAD)
    let count: Int
    private let storage: UnsafeMutablePointer<Float>

    init(count: Int, values: [Float]? = nil) {
        self.count = count
        storage = .allocate(capacity: count + 2 * Self.guardCount)
        storage.initialize(repeating: Self.sentinel, count: count + 2 * Self.guardCount)
        if let values {
            precondition(values.count == count)
            for i in 0..<count { storage[Self.guardCount + i] = values[i] }
        } else {
            (storage + Self.guardCount).update(repeating: .nan, count: count)
        }
    }

    deinit { storage.deallocate() }

    var pointer: UnsafeMutablePointer<Float> { storage + Self.guardCount }

    var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    var guardsIntact: Bool {
        for i in 0..<Self.guardCount {
            if storage[i].bitPattern != Self.sentinel.bitPattern { return false }
            if storage[Self.guardCount + count + i].bitPattern != Self.sentinel.bitPattern { return false }
        }
        return true
    }
}

/// The optimized host kernels against the portable reference kernels (the oracle) on
/// seeded random shapes and attributes, and whole models through both interpreters.
/// Float sums run in a different order, so outputs agree to |a − b| ≤ 1e-5·(1 + |b|).
struct KernelEquivalenceTests {
    static let activations: [Activation] = [
        .linear, .relu, .relu6, .clip(min: -0.5, max: 0.75), .leakyRelu(alpha: 0.1),
        .sigmoid, .hardSigmoid(alpha: 0.2, beta: 0.5), .tanh,
    ]

    /// Compares `got` (optimized) with `want` (reference); records at most a few mismatches.
    @discardableResult
    static func expectClose(_ got: [Float], _ want: [Float], _ context: @autoclosure () -> String,
                            sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard got.count == want.count else {
            Issue.record("\(context()): \(got.count) values, expected \(want.count)", sourceLocation: sourceLocation)
            return false
        }
        var bad: [String] = []
        for i in 0..<got.count where !(abs(got[i] - want[i]) <= 1e-5 * (1 + abs(want[i]))) {
            if bad.count < 4 { bad.append("[\(i)] \(got[i]) vs \(want[i])") }
            else { bad.append("…"); break }
        }
        if !bad.isEmpty {
            Issue.record("\(context()): \(bad.joined(separator: ", "))", sourceLocation: sourceLocation)
        }
        return bad.isEmpty
    }

    // MARK: - Conv1D

    struct ConvCase: CustomStringConvertible {
        var p: Conv1DParameters
        var padding: Padding
        var hasBias: Bool

        var description: String {
            "conv batch \(p.batch) L \(p.inLength) Cin \(p.inChannels) Cout \(p.outChannels) K \(p.kernelSize) stride \(p.stride) "
                + "dilation \(p.dilation) groups \(p.groups) padding \(padding) (left \(p.padLeft), out \(p.outLength)) "
                + "bias \(hasBias) \(p.activation)"
        }
    }

    /// A random convolution with the given channels and groups; nil when the window
    /// does not fit (the caller draws again).
    static func randomConv(_ rng: inout SplitMix64, cin: Int, cout: Int, groups: Int, activation: Activation,
                           allowDilation: Bool = true) -> ConvCase? {
        let k = rng.int(1...9)
        let stride = rng.int(1...3)
        // Validation rejects stride and dilation both above 1.
        let dilation = stride == 1 && allowDilation ? rng.int(1...2) : 1
        let field = (k - 1) * dilation + 1
        let padding: Padding
        switch rng.int(0...3) {
        case 0: padding = .valid
        case 1: padding = .same
        case 2: padding = .causal
        default: padding = .explicit(left: rng.int(0...(field - 1)), right: rng.int(0...(field - 1)))
        }
        let length = rng.int(1...40)
        let out = padding.outputLength(length: length, kernel: k, stride: stride, dilation: dilation)
        if out < 1 { return nil }
        let pad = padding.amounts(length: length, kernel: k, stride: stride, dilation: dilation)
        let p = Conv1DParameters(batch: rng.int(1...3), inLength: length, inChannels: cin, outLength: out, outChannels: cout,
                                 kernelSize: k, stride: stride, dilation: dilation, padLeft: pad.left, groups: groups, activation: activation)
        return ConvCase(p: p, padding: padding, hasBias: rng.chance(75))
    }

    /// Which host code path a convolution takes (for the coverage check).
    static func paths(_ p: Conv1DParameters) -> Set<String> {
        guard HostKernels.usesGEMM(p) else {
            return [p.isDepthwise && p.outChannels == p.inChannels && p.dilation == 1 ? "depthwise" : "reference"]
        }
        var s: Set<String> = HostKernels.needsPadding(p) ? ["gemm-padded"] : ["gemm-unpadded"]
        var rest = p.outChannels
        while rest > 0 {
            if rest >= 64 { s.insert("cols64"); rest -= 64 }
            else if rest >= 32 { s.insert("cols32"); rest -= 32 }
            else if rest >= 16 { s.insert("cols16"); rest -= 16 }
            else { s.insert("colsRagged"); rest = 0 }
        }
        let m = p.outLength
        s.insert(m < 6 ? "rows<6" : (m % 6 == 0 ? "rows%6" : "rowsShifted"))
        return s
    }

    /// Input amplitude: mostly 1, sometimes 10, so that outputs also reach the upper
    /// clamp of relu6 (6) and not only the clip(−0.5, 0.75) bounds.
    static func amplitude(_ activation: Activation, _ rng: inout SplitMix64) -> Float {
        activation == .relu6 || rng.chance(20) ? 10 : 1
    }

    /// Runs one convolution through both kernel sets, compares, and returns the
    /// reference output.
    @discardableResult
    static func checkConv(_ c: ConvCase, _ rng: inout SplitMix64, sourceLocation: SourceLocation = #_sourceLocation) -> [Float] {
        let p = c.p
        let cpg = p.inChannels / p.groups
        let x = rng.uniform(count: p.batch * p.inLength * p.inChannels, limit: amplitude(p.activation, &rng))
        // Weights scaled by 1/√fan-in keep outputs of order one.
        let w = rng.uniform(count: p.kernelSize * cpg * p.outChannels, limit: 1 / Float(p.kernelSize * cpg).squareRoot())
        let bias = c.hasBias ? rng.uniform(count: p.outChannels, limit: 0.5) : nil
        let outCount = p.batch * p.outLength * p.outChannels
        let xb = GuardedBuffer(count: x.count, values: x), wb = GuardedBuffer(count: w.count, values: w)
        let bb = bias.map { GuardedBuffer(count: $0.count, values: $0) }
        let want = GuardedBuffer(count: outCount), got = GuardedBuffer(count: outCount)
        ReferenceKernels.conv1D(p, input: xb.pointer, weight: wb.pointer, bias: bb?.pointer, output: want.pointer)
        let scratchBytes = HostKernels.conv1DScratchBytes(p)
        let scratch = GuardedBuffer(count: (scratchBytes + 3) / 4)
        HostKernels.conv1D(p, input: xb.pointer, weight: wb.pointer, bias: bb?.pointer, output: got.pointer,
                           scratch: scratchBytes > 0 ? UnsafeMutableRawPointer(scratch.pointer) : nil)
        #expect(got.guardsIntact, "\(c): wrote outside the output", sourceLocation: sourceLocation)
        #expect(scratch.guardsIntact, "\(c): wrote outside the scratch", sourceLocation: sourceLocation)
        #expect(xb.values == x && wb.values == w, "\(c): modified its input", sourceLocation: sourceLocation)
        expectClose(got.values, want.values, c.description, sourceLocation: sourceLocation)
        return want.values
    }

    @Test func conv1DMatchesReference() {
        var rng = SplitMix64(seed: 0xC0_4701)
        var covered: Set<String> = []
        var activationsSeen: Set<String> = []
        var paddingsSeen: Set<String> = []
        var stridesSeen: Set<Int> = [], dilationsSeen: Set<Int> = [], batchesSeen: Set<Int> = [], kernelsSeen: Set<Int> = []
        var index = 0
        var saturatedRelu6 = 0
        func run(cin: Int, cout: Int, groups: Int, _ rng: inout SplitMix64) {
            var c: ConvCase?
            while c == nil {
                c = Self.randomConv(&rng, cin: cin, cout: cout, groups: groups, activation: Self.activations[index % Self.activations.count])
            }
            index += 1
            let p = c!.p
            covered.formUnion(Self.paths(p))
            activationsSeen.insert(p.activation.name)
            paddingsSeen.insert("\(c!.padding)".prefix { $0 != "(" }.description)
            stridesSeen.insert(p.stride); dilationsSeen.insert(p.dilation); batchesSeen.insert(p.batch); kernelsSeen.insert(p.kernelSize)
            let want = Self.checkConv(c!, &rng)
            if p.activation == .relu6 { saturatedRelu6 += want.filter { $0 == 6 }.count }
        }
        // Dense convolutions (one group): every FloatGEMM column path — 64-, 32- and
        // 16-wide tiles and the scalar remainder — alone and combined.
        for cout in [1, 5, 16, 17, 32, 40, 48, 64, 70, 96, 112, 128, 133] {
            for _ in 0..<4 { run(cin: rng.int(1...12), cout: cout, groups: 1, &rng) }
        }
        // Depthwise, one filter per channel (the vectorized kernel: full 16-channel
        // vectors and a scalar tail) and with multiplier 2 (the reference fallback).
        for channels in [1, 5, 16, 17, 32, 40] {
            for multiplier in [1, 1, 2] { run(cin: channels, cout: channels * multiplier, groups: channels, &rng) }
        }
        // Grouped convolutions between dense and depthwise.
        for _ in 0..<12 {
            let groups = rng.int(2...4)
            run(cin: groups * rng.int(1...4), cout: groups * rng.int(1...6), groups: groups, &rng)
        }
        let expectedPaths: Set<String> = ["gemm-padded", "gemm-unpadded", "cols64", "cols32", "cols16", "colsRagged",
                                          "rows<6", "rows%6", "rowsShifted", "depthwise", "reference"]
        #expect(covered.isSuperset(of: expectedPaths), "paths not exercised: \(expectedPaths.subtracting(covered))")
        #expect(activationsSeen.count == Self.activations.count)
        #expect(saturatedRelu6 > 0, "no relu6 output reached 6")
        #expect(paddingsSeen == ["valid", "same", "causal", "explicit"], "\(paddingsSeen)")
        #expect(stridesSeen == [1, 2, 3] && dilationsSeen == [1, 2] && batchesSeen == [1, 2, 3] && kernelsSeen == Set(1...9))
    }

    /// Explicit left padding (5 steps, over an input of 3) wider than the span the strided
    /// windows cover, (outLength − 1)·stride + kernel: 1, 2 and 3 steps for (kernel 1,
    /// stride 8), (2, 8) and (3, 9), whose single window lies wholly in the padding (its
    /// output is the bias). (1, 6) is the control: its second window reaches input step 1.
    /// The padded GEMM path once copied `padLeft` rows of zeros into a scratch buffer of
    /// only that span and then copied a negative count of input rows.
    @Test(arguments: [(1, 8), (2, 8), (1, 6), (3, 9)])
    func conv1DWithPaddingBeyondTheWindows(kernel: Int, stride: Int) {
        var rng = SplitMix64(seed: UInt64(kernel * 100 + stride))
        let padding = Padding.explicit(left: 5, right: 0)
        let out = padding.outputLength(length: 3, kernel: kernel, stride: stride, dilation: 1)
        let p = Conv1DParameters(batch: 2, inLength: 3, inChannels: 4, outLength: out, outChannels: 16, kernelSize: kernel,
                                 stride: stride, dilation: 1, padLeft: 5, groups: 1, activation: .linear)
        Self.checkConv(ConvCase(p: p, padding: padding, hasBias: true), &rng)
    }

    /// The same through validated graphs: a Conv1D whose explicit left padding (5)
    /// exceeds what its strided windows reach passes validation, so the interpreter must
    /// run it; with bias 0.25 and nothing but padding under the window, every output is 0.25.
    @Test func interpreterRunsConvWithPaddingBeyondTheWindows() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [3, 4])
        let w = b.constant("w", shape: [2, 4, 16], values: [Float](repeating: 1, count: 128))
        let bias = b.constant("b", shape: [16], values: [Float](repeating: 0.25, count: 16))
        b.output(b.conv1D(x, weight: w, bias: bias, Conv1DAttributes(kernelSize: 2, stride: 8, padding: .explicit(left: 5, right: 0)), name: "conv"))
        let g = try b.build()
        #expect(g.tensors[g.outputs[0]].shape == [1, 16])
        let host = try Interpreter<HostKernels>(graph: g, batch: 2)
        let reference = try Interpreter<PortableKernels>(graph: g, batch: 2)
        for i in 0..<host.input(0).count {
            host.input(0)[i] = Float(i + 1)
            reference.input(0)[i] = Float(i + 1)
        }
        host.invoke()
        reference.invoke()
        #expect(Array(reference.output(0)) == [Float](repeating: 0.25, count: 32))
        #expect(Array(host.output(0)) == [Float](repeating: 0.25, count: 32))
    }

    // MARK: - Dense and matmul

    @discardableResult
    static func checkDense(_ p: DenseParameters, hasBias: Bool, _ rng: inout SplitMix64, throughBLAS: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) -> [Float] {
        let x = rng.uniform(count: p.rows * p.inFeatures, limit: amplitude(p.activation, &rng))
        let w = rng.uniform(count: p.inFeatures * p.outFeatures, limit: 1 / Float(p.inFeatures).squareRoot())
        let bias = hasBias ? rng.uniform(count: p.outFeatures, limit: 0.5) : nil
        let xb = GuardedBuffer(count: x.count, values: x), wb = GuardedBuffer(count: w.count, values: w)
        let bb = bias.map { GuardedBuffer(count: $0.count, values: $0) }
        let want = GuardedBuffer(count: p.rows * p.outFeatures), got = GuardedBuffer(count: p.rows * p.outFeatures)
        ReferenceKernels.dense(p, input: xb.pointer, weight: wb.pointer, bias: bb?.pointer, output: want.pointer)
        if throughBLAS {
            BLAS.dense(p, input: xb.pointer, weight: wb.pointer, bias: bb?.pointer, output: got.pointer)
        } else {
            HostKernels.dense(p, input: xb.pointer, weight: wb.pointer, bias: bb?.pointer, output: got.pointer)
        }
        let context = "dense rows \(p.rows) in \(p.inFeatures) out \(p.outFeatures) bias \(hasBias) \(p.activation) BLAS \(BLAS.wins(rows: p.rows, inner: p.inFeatures, columns: p.outFeatures))"
        #expect(got.guardsIntact, "\(context): wrote outside the output", sourceLocation: sourceLocation)
        expectClose(got.values, want.values, context, sourceLocation: sourceLocation)
        return want.values
    }

    @Test func denseMatchesReference() {
        var rng = SplitMix64(seed: 0xDE_45E)
        let outs = [1, 5, 16, 17, 32, 40, 64, 70, 128]
        var rowsSeen: Set<Int> = []
        var saturatedRelu6 = 0
        for (i, out) in (outs + outs + outs).enumerated() {
            let rows = i < 3 ? [1, 300, 6][i] : rng.int(1...300)
            rowsSeen.insert(rows)
            let p = DenseParameters(rows: rows, inFeatures: rng.int(1...48), outFeatures: out, activation: Self.activations[i % Self.activations.count])
            #expect(!BLAS.wins(rows: p.rows, inner: p.inFeatures, columns: p.outFeatures))
            let want = Self.checkDense(p, hasBias: i % 3 != 0, &rng)
            if p.activation == .relu6 { saturatedRelu6 += want.filter { $0 == 6 }.count }
        }
        #expect(rowsSeen.contains(1) && rowsSeen.contains(300) && rowsSeen.count > 20)
        #expect(saturatedRelu6 > 0, "no relu6 output reached 6")
    }

    /// Shapes at and above `BLAS.minimumMACs` (with at least 64 rows) go to OpenBLAS
    /// sgemm; just below it, or with 63 rows, they stay on the tiles. The threshold is
    /// too large to run through the reference kernel in a debug test, so the routing is
    /// checked on the threshold's arithmetic and the sgemm path itself on smaller
    /// (ragged) shapes through `BLAS.dense` directly.
    @Test func denseOnTheBLASPathMatchesReference() {
        var rng = SplitMix64(seed: 0xB1A5)
        let threshold = BLAS.minimumMACs
        let columnsAtThreshold = threshold / (64 * 256)
        #expect(columnsAtThreshold * 64 * 256 == threshold, "threshold must be a multiple of 64·256 for the shapes below")
        #expect(BLAS.wins(rows: 64, inner: 256, columns: columnsAtThreshold))
        #expect(BLAS.wins(rows: 1000, inner: 256, columns: columnsAtThreshold))
        #expect(!BLAS.wins(rows: 64, inner: 256, columns: columnsAtThreshold - 1))
        #expect(!BLAS.wins(rows: 63, inner: 256 * 64, columns: columnsAtThreshold))
        let blasShapes: [(rows: Int, inner: Int, columns: Int)] = [(64, 256, 64), (300, 128, 128), (257, 123, 150), (1, 7, 3)]
        for (i, s) in blasShapes.enumerated() {
            Self.checkDense(DenseParameters(rows: s.rows, inFeatures: s.inner, outFeatures: s.columns, activation: [.linear, .relu, .tanh, .relu6][i]),
                            hasBias: i != 1, &rng, throughBLAS: true)
        }
    }

    @Test func batchedMatMulMatchesReference() {
        var rng = SplitMix64(seed: 0x3A73)
        for (i, n) in [1, 5, 16, 17, 32, 40, 64, 70, 3, 48].enumerated() {
            for shared in [false, true] {
                let batch = rng.int(1...3), m = rng.int(1...20), k = rng.int(1...40)
                let bStride = shared ? 0 : k * n
                let a = rng.uniform(count: batch * m * k, limit: 1)
                let b = rng.uniform(count: shared ? k * n : batch * k * n, limit: 1 / Float(k).squareRoot())
                let ab = GuardedBuffer(count: a.count, values: a), bb = GuardedBuffer(count: b.count, values: b)
                let want = GuardedBuffer(count: batch * m * n), got = GuardedBuffer(count: batch * m * n)
                ReferenceKernels.batchedMatMul(batch: batch, m: m, k: k, n: n, a: ab.pointer, b: bb.pointer, bStride: bStride, output: want.pointer)
                HostKernels.batchedMatMul(batch: batch, m: m, k: k, n: n, a: ab.pointer, b: bb.pointer, bStride: bStride, output: got.pointer)
                #expect(got.guardsIntact)
                Self.expectClose(got.values, want.values, "matmul #\(i) batch \(batch) m \(m) k \(k) n \(n) shared \(shared)")
            }
        }
    }

    // MARK: - Pooling

    @Test func poolsMatchReference() {
        var rng = SplitMix64(seed: 0x9001)
        var vectorPathCases = 0, fallbackCases = 0
        for i in 0..<60 {
            let channels = [16, 32, 48, 5, 17][i % 5]
            let pool = rng.int(1...5), stride = rng.int(1...3)
            let length = rng.int(1...40)
            let padding: Padding
            switch rng.int(0...3) {
            case 0, 1: padding = .valid
            case 2: padding = rng.chance(50) ? .same : .causal
            default: padding = .explicit(left: rng.int(0...(pool - 1)), right: rng.int(0...(pool - 1)))
            }
            let out = padding.outputLength(length: length, kernel: pool, stride: stride, dilation: 1)
            if out < 1 { continue }
            let pad = padding.amounts(length: length, kernel: pool, stride: stride, dilation: 1)
            let p = Pool1DParameters(batch: rng.int(1...3), inLength: length, channels: channels, outLength: out, poolSize: pool, stride: stride, padLeft: pad.left)
            if p.padLeft == 0 && channels % 16 == 0 && (out - 1) * stride + pool <= length { vectorPathCases += 1 } else { fallbackCases += 1 }
            let x = rng.uniform(count: p.batch * length * channels, limit: 2)
            let xb = GuardedBuffer(count: x.count, values: x)
            let context = "pool batch \(p.batch) L \(length) C \(channels) size \(pool) stride \(stride) \(padding)"
            for isMax in [true, false] {
                let want = GuardedBuffer(count: p.batch * out * channels), got = GuardedBuffer(count: p.batch * out * channels)
                if isMax {
                    ReferenceKernels.maxPool1D(p, input: xb.pointer, output: want.pointer)
                    HostKernels.maxPool1D(p, input: xb.pointer, output: got.pointer)
                } else {
                    ReferenceKernels.averagePool1D(p, input: xb.pointer, output: want.pointer)
                    HostKernels.averagePool1D(p, input: xb.pointer, output: got.pointer)
                }
                #expect(got.guardsIntact, "\(context): wrote outside the output")
                Self.expectClose(got.values, want.values, (isMax ? "max " : "average ") + context)
            }
        }
        #expect(vectorPathCases >= 10 && fallbackCases >= 10, "vector \(vectorPathCases), fallback \(fallbackCases)")
    }

    @Test func globalPoolsMatchReference() {
        var rng = SplitMix64(seed: 0x610B)
        for channels in [16, 32, 48, 64, 5, 17, 1] {
            for isMax in [true, false] {
                let batch = rng.int(1...3), length = rng.int(1...40)
                let x = rng.uniform(count: batch * length * channels, limit: 2)
                let xb = GuardedBuffer(count: x.count, values: x)
                let want = GuardedBuffer(count: batch * channels), got = GuardedBuffer(count: batch * channels)
                ReferenceKernels.globalPool1D(max: isMax, batch: batch, length: length, channels: channels, input: xb.pointer, output: want.pointer)
                HostKernels.globalPool1D(max: isMax, batch: batch, length: length, channels: channels, input: xb.pointer, output: got.pointer)
                #expect(got.guardsIntact)
                Self.expectClose(got.values, want.values, "global \(isMax ? "max" : "average") batch \(batch) L \(length) C \(channels)")
            }
        }
    }

    // MARK: - Whole graphs

    /// The reference model with conv3's output and the logits exposed as extra outputs,
    /// so that the comparison also sees values before the softmax squashes them.
    static func referenceModelWithProbes() -> Graph {
        var g = ReferenceModel.arrhythmia()
        for name in ["conv3:0", "logits:0"] {
            g.outputs.append(g.tensors.firstIndex { $0.name == name }!)
        }
        return g
    }

    /// Copies items `items` (default: as many as the interpreter's batch, from 0) of
    /// each whole-batch input array into the interpreter's inputs.
    static func fill<K: KernelSet>(_ interpreter: Interpreter<K>, _ inputs: [[Float]], items: Range<Int>? = nil) {
        let range = items ?? 0..<interpreter.batch
        precondition(range.count == interpreter.batch)
        for (i, data) in inputs.enumerated() {
            let buffer = interpreter.input(i)
            let itemSize = buffer.count / interpreter.batch
            for j in 0..<buffer.count { buffer[j] = data[range.lowerBound * itemSize + j] }
        }
    }

    static func randomInputs(_ graph: Graph, batch: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        return graph.inputs.map { rng.uniform(count: batch * graph.tensors[$0].elementCount, limit: 1.5) }
    }

    @Test(arguments: [1, 5])
    func referenceModelPortableVsHost(batch: Int) throws {
        let g = Self.referenceModelWithProbes()
        let reference = try Interpreter<PortableKernels>(graph: g, batch: batch)
        let host = try Interpreter<HostKernels>(graph: g, batch: batch)
        // The host plan carries scratch for the padded GEMM convolutions.
        #expect(host.plan.scratchSizes.contains { $0 > 0 })
        let inputs = Self.randomInputs(g, batch: batch, seed: UInt64(batch))
        Self.fill(reference, inputs)
        Self.fill(host, inputs)
        reference.invoke()
        host.invoke()
        for o in 0..<g.outputs.count {
            let want = Array(reference.output(o)), got = Array(host.output(o))
            #expect(want.contains { $0 != 0 }, "output \(o) is all zeros")
            Self.expectClose(got, want, "output \(o) (\(g.tensors[g.outputs[o]].name)) at batch \(batch)")
        }
        // The probabilities are probabilities: 5 per beat, summing to 1.
        let probabilities = Array(host.output(0))
        #expect(probabilities.count == 5 * batch)
        for b in 0..<batch {
            let row = probabilities[(5 * b)..<(5 * b + 5)]
            #expect(abs(row.reduce(0, +) - 1) < 1e-5 && row.allSatisfy { $0 > 0 && $0 < 1 })
        }
        // Running again gives the same outputs: no state is left behind. The inputs are
        // written again first, since the arena reuses their bytes once they are read.
        Self.fill(host, inputs)
        host.invoke()
        #expect(Array(host.output(0)) == probabilities)
    }

    /// Each batch item's result does not depend on its neighbours: batch 5 item 3 equals
    /// a batch-1 run on that item alone.
    @Test func batchItemsAreIndependent() throws {
        let g = Self.referenceModelWithProbes()
        let inputs = Self.randomInputs(g, batch: 5, seed: 99)
        let five = try Interpreter<HostKernels>(graph: g, batch: 5)
        let one = try Interpreter<HostKernels>(graph: g, batch: 1)
        Self.fill(five, inputs)
        Self.fill(one, inputs, items: 3..<4)
        five.invoke()
        one.invoke()
        for o in 0..<g.outputs.count {
            let perItem = one.output(o).count
            Self.expectClose(Array(one.output(o)), Array(five.output(o)[(3 * perItem)..<(4 * perItem)]), "output \(o), item 3")
        }
    }

    /// BatchRunner splits batch 7 over two workers (4 + 3 items); its outputs are those
    /// of one batch-7 host interpreter, bit for bit (same kernels, same per-row order),
    /// and those of the reference interpreter within tolerance.
    @Test func batchRunnerMatchesSingleInterpreter() throws {
        let g = Self.referenceModelWithProbes()
        let batch = 7
        let runner = try BatchRunner(graph: g, batch: batch, threads: 2)
        #expect(runner.workers.map(\.batch) == [4, 3])
        let inputs = Self.randomInputs(g, batch: batch, seed: 7)
        var start = 0
        for worker in runner.workers {
            Self.fill(worker, inputs, items: start..<(start + worker.batch))
            start += worker.batch
        }
        runner.invoke()

        let single = try Interpreter<HostKernels>(graph: g, batch: batch)
        let reference = try Interpreter<PortableKernels>(graph: g, batch: batch)
        Self.fill(single, inputs)
        Self.fill(reference, inputs)
        single.invoke()
        reference.invoke()
        for o in 0..<g.outputs.count {
            let combined = runner.workers.flatMap { Array($0.output(o)) }
            #expect(combined == Array(single.output(o)), "output \(o): BatchRunner differs from one interpreter")
            Self.expectClose(combined, Array(reference.output(o)), "output \(o): BatchRunner vs reference")
        }
    }

    @Test func batchRunnerRejectsEmptyBatch() {
        #expect(throws: GraphError.invalidBatchSize(0)) { _ = try BatchRunner(graph: ReferenceModel.arrhythmia(), batch: 0, threads: 2) }
    }
}
