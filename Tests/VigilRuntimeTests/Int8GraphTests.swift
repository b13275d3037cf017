import Testing
import VigilRuntime

/// Type and quantization rules of int8 graphs, the Quantize/Dequantize boundary and
/// their file encoding. (Bit-exactness against LiteRT lives in VigilImportTests.)
struct Int8GraphTests {
    static let q = QuantizationParameters(scale: 0.05, zeroPoint: -3)

    /// float x → Quantize → int8 conv (per-channel weights, int32 bias) → Dequantize.
    static func convGraph(biasScale: Float? = nil, activation: Activation = .relu, outputQuantization: QuantizationParameters? = QuantizationParameters(scale: 0.1, zeroPoint: -128)) -> Graph {
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: .float32, shape: [16, 2])
        g.inputs = [x]
        let xq = g.addTensor(name: "xq", dtype: .int8)
        g.tensors[xq].quantization = q
        let wScales: [Float] = [0.01, 0.02, 0.03]
        let w = g.addConstant(name: "w", shape: [3, 2, 3], values: (0..<18).map { Int8($0 - 9) },
                              quantization: QuantizationParameters(scales: wScales, zeroPoints: [0, 0, 0], axis: 2))
        let bScales = wScales.map { biasScale ?? 0.05 * $0 }
        let b = g.addConstant(name: "b", shape: [3], values: [Int32](arrayLiteral: 10, -20, 30),
                              quantization: QuantizationParameters(scales: bScales, zeroPoints: [0, 0, 0], axis: 0))
        let y = g.addTensor(name: "y", dtype: .int8)
        g.tensors[y].quantization = outputQuantization
        let out = g.addTensor(name: "out")
        g.nodes = [
            Node(name: "quantize", op: .quantize, inputs: [x], outputs: [xq]),
            Node(name: "conv", op: .conv1D(Conv1DAttributes(kernelSize: 3, padding: .same, activation: activation)), inputs: [xq, w, b], outputs: [y]),
            Node(name: "dequantize", op: .dequantize, inputs: [y], outputs: [out]),
        ]
        g.outputs = [out]
        return g
    }

    @Test func validInt8GraphTypesItsTensors() throws {
        let g = try Self.convGraph().validated()
        #expect(g.tensors[1].dtype == .int8 && g.tensors[1].shape == [16, 2])
        #expect(g.tensors[4].dtype == .int8 && g.tensors[4].shape == [16, 3])
        #expect(g.tensors[5].dtype == .float32)
        let interpreter = try Interpreter<PortableKernels>(graph: g, batch: 2)
        for i in 0..<interpreter.input(0).count { interpreter.input(0)[i] = Float(i % 7) * 0.1 - 0.3 }
        interpreter.invoke()
        // ReLU fused as a clamp at the output zero point: every output ≥ 0.
        for v in interpreter.output(0) { #expect(v >= 0) }
    }

    @Test func biasScaleMustBeInputTimesWeightScale() {
        #expect(throws: GraphError.self) { try Self.convGraph(biasScale: 0.5).validated() }
        do { _ = try Self.convGraph(biasScale: 0.5).validated() } catch {
            guard case .quantizationMismatch(let node, let tensor, _) = error else { Issue.record("\(error)"); return }
            #expect(node == "conv" && tensor == "b")
        }
    }

    @Test func int8ConvFusesOnlyClamps() {
        do { _ = try Self.convGraph(activation: .sigmoid).validated(); Issue.record("accepted") } catch {
            guard case .badAttribute(let node, _) = error else { Issue.record("\(error)"); return }
            #expect(node == "conv")
        }
    }

    @Test func int8OutputNeedsQuantization() {
        do { _ = try Self.convGraph(outputQuantization: nil).validated(); Issue.record("accepted") } catch {
            guard case .quantizationMismatch(_, let tensor, _) = error else { Issue.record("\(error)"); return }
            #expect(tensor == "y")
        }
    }

    @Test func perChannelAxisMustBeOutputChannels() {
        var g = Self.convGraph()
        g.tensors[2].quantization = QuantizationParameters(scales: [0.01, 0.02], zeroPoints: [0, 0], axis: 1)
        do { _ = try g.validated(); Issue.record("accepted") } catch {
            guard case .quantizationMismatch(_, let tensor, let reason) = error else { Issue.record("\(error)"); return }
            #expect(tensor == "w" && reason.contains("axis"))
        }
    }

    @Test func softmaxOutputIsOneOver256() {
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: .int8, shape: [5])
        g.tensors[x].quantization = Self.q
        g.inputs = [x]
        let y = g.addTensor(name: "y", dtype: .int8)
        g.tensors[y].quantization = QuantizationParameters(scale: 0.01, zeroPoint: 0)
        g.nodes = [Node(name: "softmax", op: .softmax(axis: -1), inputs: [x], outputs: [y])]
        g.outputs = [y]
        #expect(throws: GraphError.self) { try g.validated() }
        g.tensors[y].quantization = nil  // filled in with (1/256, -128)
        let v = try? g.validated()
        #expect(v?.tensors[y].quantization == QuantizationParameters(scale: 1.0 / 256.0, zeroPoint: -128))
    }

    @Test func boundaryOpsSurviveTheFileFormat() throws {
        let g = try Self.convGraph().validated()
        let bytes = g.encoded()
        let decoded = try bytes.withUnsafeBytes { try Graph.decode($0, constants: g.constantData) }
        #expect(decoded.nodes.map { $0.op } == g.nodes.map { $0.op })
        #expect(decoded.tensors.map { $0.quantization } == g.tensors.map { $0.quantization })
    }

    /// Quantize rounds half away from zero as TFLite's QUANTIZE; Dequantize is s·(q − z).
    @Test func quantizeDequantizeByHand() throws {
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: .float32, shape: [6])
        g.inputs = [x]
        let xq = g.addTensor(name: "xq", dtype: .int8)
        g.tensors[xq].quantization = QuantizationParameters(scale: 0.5, zeroPoint: 10)
        let out = g.addTensor(name: "out")
        g.nodes = [Node(name: "q", op: .quantize, inputs: [x], outputs: [xq]), Node(name: "d", op: .dequantize, inputs: [xq], outputs: [out])]
        g.outputs = [xq, out]
        let it = try Interpreter<PortableKernels>(graph: g, batch: 1)
        let input: [Float] = [0.25, -0.25, 0.75, 100, -100, 1.3]
        for i in input.indices { it.input(0)[i] = input[i] }
        it.invoke()
        // x / 0.5 = 0.5 → 1, -0.5 → -1, 1.5 → 2 (ties away from zero); ±200 saturate; 2.6 → 3.
        #expect(it.outputBytes(0).map { Int8(bitPattern: $0) } == [11, 9, 12, 127, -128, 13])
        #expect(Array(it.output(1)) == [0.5, -0.5, 1.0, 58.5, -69.0, 1.5])
    }

    /// int8 MatMul of two run-time operands (TFLite BATCH_MATMUL), worked by hand.
    /// Per sample two heads, a [2, 1, 2] (scale 0.5, zero point 1) · b [2, 2, 1] (scale
    /// 0.25, zero point −2) → [2, 1, 1] (scale 0.125, zero point 3): the multiplier
    /// 0.5·0.25/0.125 = 1 is exact, so y = Σ (a − 1)(b + 2) + 3.
    /// Head 0: a = [3, 5] → [2, 4], b = [0, 2] → [2, 4]: 4 + 16 = 20 → 23.
    /// Head 1: a = [1, −3] → [0, −4], b = [7, −1] → [9, 1]: 0 − 4 = −4 → −1.
    /// A second item: a = [127, 127], b = [125, 125] per head: 126·127·2 = 32004 → 127.
    @Test func int8MatMulByHand() throws {
        var g = Graph()
        let a = g.addTensor(name: "a", dtype: .int8, shape: [2, 1, 2]), b = g.addTensor(name: "b", dtype: .int8, shape: [2, 2, 1])
        g.tensors[a].quantization = QuantizationParameters(scale: 0.5, zeroPoint: 1)
        g.tensors[b].quantization = QuantizationParameters(scale: 0.25, zeroPoint: -2)
        let y = g.addTensor(name: "y", dtype: .int8)
        g.tensors[y].quantization = QuantizationParameters(scale: 0.125, zeroPoint: 3)
        g.inputs = [a, b]
        g.nodes = [Node(name: "scores", op: .matMul, inputs: [a, b], outputs: [y])]
        g.outputs = [y]
        #expect(try g.validated().tensors[y].shape == [2, 1, 1])
        let it = try Interpreter<PortableKernels>(graph: g, batch: 2)
        let av: [Int8] = [3, 5, 1, -3, 127, 127, 127, 127], bv: [Int8] = [0, 2, 7, -1, 125, 125, 125, 125]
        for i in av.indices { it.inputBytes(0)[i] = UInt8(bitPattern: av[i]); it.inputBytes(1)[i] = UInt8(bitPattern: bv[i]) }
        it.invoke()
        #expect(it.outputBytes(0).map { Int8(bitPattern: $0) } == [23, -1, 127, 127])

        // By a constant it is an int8 Dense, not a MatMul.
        var c = Graph()
        let x = c.addTensor(name: "x", dtype: .int8, shape: [1, 2])
        c.tensors[x].quantization = QuantizationParameters(scale: 0.5, zeroPoint: 1)
        let w = c.addConstant(name: "w", shape: [2, 1], values: [Int8(1), 2], quantization: QuantizationParameters(scale: 0.25, zeroPoint: 0))
        let z = c.addTensor(name: "z", dtype: .int8)
        c.tensors[z].quantization = QuantizationParameters(scale: 0.125, zeroPoint: 0)
        c.inputs = [x]
        c.nodes = [Node(name: "m", op: .matMul, inputs: [x, w], outputs: [z])]
        c.outputs = [z]
        #expect(throws: GraphError.self) { try c.validated() }
    }

    /// x (int8 input) op a constant c, both quantized with `q`; the output with `out`.
    static func binaryGraph(_ op: Op, constant: [Int8], q: QuantizationParameters, out: QuantizationParameters?) -> Graph {
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: .int8, shape: [constant.count])
        g.tensors[x].quantization = q
        g.inputs = [x]
        let c = g.addConstant(name: "c", shape: [constant.count], values: constant, quantization: q)
        let y = g.addTensor(name: "y", dtype: .int8)
        g.tensors[y].quantization = out
        g.nodes = [Node(name: "op", op: op, inputs: [x, c], outputs: [y])]
        g.outputs = [y]
        return g
    }

    static func run(_ g: Graph, _ input: [Int8]) throws -> [Int8] {
        let it = try Interpreter<PortableKernels>(graph: try g.validated(), batch: 1)
        let bytes = it.inputBytes(0)
        for i in input.indices { bytes[i] = UInt8(bitPattern: input[i]) }
        it.invoke()
        return it.outputBytes(0).map { Int8(bitPattern: $0) }
    }

    /// int8 Maximum and Minimum compare stored values, so their operands and output
    /// share one scale and zero point (TFLite MAXIMUM/MINIMUM); other parameters are refused.
    @Test func int8MaximumAndMinimumCompareStoredValues() throws {
        let q = QuantizationParameters(scale: 0.1, zeroPoint: 5)
        let c: [Int8] = [-128, 0, 5, 127]
        let x: [Int8] = [-3, 1, 5, -128]
        #expect(try Self.run(Self.binaryGraph(.maximum(activation: .linear), constant: c, q: q, out: q), x) == [-3, 1, 5, 127])
        #expect(try Self.run(Self.binaryGraph(.minimum(activation: .linear), constant: c, q: q, out: q), x) == [-128, 0, 5, -128])
        // ReLU as a clamp at the zero point (5).
        #expect(try Self.run(Self.binaryGraph(.minimum(activation: .relu), constant: c, q: q, out: q), x) == [5, 5, 5, 5])
        do {
            _ = try Self.binaryGraph(.maximum(activation: .linear), constant: c, q: q, out: QuantizationParameters(scale: 0.2, zeroPoint: 5)).validated()
            Issue.record("an int8 Maximum that changes scale was accepted")
        } catch {
            guard case .quantizationMismatch(let node, _, _) = error else { Issue.record("\(error)"); return }
            #expect(node == "op")
        }
    }

    /// int8 Mul: (x − zx)(c − zc) · sx·sc/sy + zy, rounded as TFLite's
    /// MultiplyByQuantizedMultiplier. With sx = sc = 0.5, zx = zc = 0, sy = 0.25 and
    /// zy = 0 the multiplier is exactly 1: the product itself, saturated to int8.
    @Test func int8MulByHand() throws {
        let q = QuantizationParameters(scale: 0.5, zeroPoint: 0)
        let out = QuantizationParameters(scale: 0.25, zeroPoint: 0)
        let y = try Self.run(Self.binaryGraph(.mul(activation: .linear), constant: [3, -4, 20, -20], q: q, out: out), [5, 6, 7, 7])
        #expect(y == [15, -24, 127, -128])
        // Sub at equal scales: (x − c) requantized through TFLite's left-shift-20 path.
        let d = try Self.run(Self.binaryGraph(.sub(activation: .linear), constant: [3, -4, 20, -20], q: q, out: q), [5, 6, 7, 7])
        #expect(d == [2, 10, -13, 27])
    }
}
