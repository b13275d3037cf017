import Testing
import VigilRuntime

/// The N-d window ops (2-D and 3-D convolution and pooling): hand-derived values,
/// agreement with the 1-D reference conv, the package file round trip, and malformed
/// attributes that end in named errors. ONNX Runtime comparisons over several axes,
/// groups and padding modes are in VigilImportTests' `ONNXWindowTests`.
struct WindowNDTests {
    /// Runs a one-input graph on `batch` samples and returns the output.
    func run(_ graph: Graph, batch: Int, input: [Float]) throws -> [Float] {
        let interpreter = try Interpreter<PortableKernels>(graph: graph, batch: batch)
        let buffer = interpreter.input(0)
        #expect(buffer.count == input.count)
        for i in input.indices { buffer[i] = input[i] }
        interpreter.invoke()
        return Array(interpreter.output(0))
    }

    /// x = 1…9 as a 3 × 3 image of one channel; the second sample adds 10.
    static let image: [Float] = (1...9).map(Float.init) + (11...19).map(Float.init)

    func singleNode(_ op: Op, weight: [Float]? = nil, weightShape: [Int] = [], bias: [Float]? = nil) throws -> Graph {
        var b = GraphBuilder()
        let x = b.input("x", shape: [3, 3, 1])
        var inputs = [x]
        if let weight { inputs.append(b.constant("w", shape: weightShape, values: weight)) }
        if let bias { inputs.append(b.constant("b", shape: [bias.count], values: bias)) }
        b.output(b.node(op, inputs, name: "node"))
        return try b.build()
    }

    /// 2 × 2 kernel [[1, 2], [3, 4]] over [[1, 2, 3], [4, 5, 6], [7, 8, 9]], bias 0.5:
    /// top left 1·1 + 2·2 + 4·3 + 5·4 = 37, then 47, 67, 77; the second sample adds
    /// 10 · (1 + 2 + 3 + 4) = 100 to each.
    @Test func conv2DByHand() throws {
        let graph = try singleNode(.convND(ConvNDAttributes(window: WindowND(kernel: [2, 2]))), weight: [1, 2, 3, 4], weightShape: [2, 2, 1, 1], bias: [0.5])
        #expect(graph.tensors[graph.outputs[0]].shape == [2, 2, 1])
        #expect(try run(graph, batch: 2, input: Self.image) == [37.5, 47.5, 67.5, 77.5, 137.5, 147.5, 167.5, 177.5])
    }

    /// 2 × 2 windows, stride 2, one row and column of padding after: windows {1, 2, 4, 5},
    /// {3, 6}, {7, 8}, {9}. Averages divide by the positions inside the input, or by 4
    /// when padding counts.
    @Test func pool2DByHand() throws {
        let window = WindowND(kernel: [2, 2], strides: [2, 2], padEnd: [1, 1])
        let maxGraph = try singleNode(.maxPoolND(PoolNDAttributes(window: window), columnMajorIndices: false))
        #expect(try run(maxGraph, batch: 2, input: Self.image) == [5, 6, 8, 9, 15, 16, 18, 19])
        let average = try singleNode(.averagePoolND(PoolNDAttributes(window: window), countIncludePad: false))
        #expect(try run(average, batch: 2, input: Self.image) == [3, 4.5, 7.5, 9, 13, 14.5, 17.5, 19])
        let counted = try singleNode(.averagePoolND(PoolNDAttributes(window: window), countIncludePad: true))
        #expect(try run(counted, batch: 2, input: Self.image) == [3, 2.25, 3.75, 2.25, 13, 7.25, 8.75, 4.75])
    }

    /// Ceil mode keeps a last window that starts inside the input: over length 3 with
    /// kernel 2, stride 2 the windows are {1, 2} and {3}.
    @Test func ceilModeKeepsTheLastPartialWindow() throws {
        let graph = try singleNode(.maxPoolND(PoolNDAttributes(window: WindowND(kernel: [2, 2], strides: [2, 2]), ceilMode: true), columnMajorIndices: false))
        #expect(graph.tensors[graph.outputs[0]].shape == [2, 2, 1])
        #expect(try run(graph, batch: 1, input: Array(Self.image[0..<9])) == [5, 6, 8, 9])
    }

    /// The indices output numbers each maximum as ONNX does: (b·C + c)·9 + the spatial
    /// position, row-major (3·row + column) or column-major (row + 3·column). Channel 0
    /// holds 1…9, whose window maxima sit bottom right; channel 1 holds 9…1, whose
    /// maxima sit top left.
    @Test(arguments: [false, true])
    func maxPoolIndices(columnMajor: Bool) throws {
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [3, 3, 2])
        let y = g.addTensor(name: "y"), indices = g.addTensor(name: "indices")
        g.inputs = [x]
        g.outputs = [y, indices]
        let op = Op.maxPoolND(PoolNDAttributes(window: WindowND(kernel: [2, 2], strides: [2, 2], padEnd: [1, 1])), columnMajorIndices: columnMajor)
        g.nodes = [Node(name: "pool", op: op, inputs: [x], outputs: [y, indices])]
        let interpreter = try Interpreter<PortableKernels>(graph: g, batch: 2)
        #expect(interpreter.graph.tensors[indices].dtype == .int64)
        let sample: [Float] = (1...9).flatMap { [Float($0), Float(10 - $0)] }
        let input = interpreter.input(0)
        for (i, v) in (sample + sample).enumerated() { input[i] = v }
        interpreter.invoke()
        #expect(Array(interpreter.output(0)) == [5, 9, 6, 7, 8, 3, 9, 1, 5, 9, 6, 7, 8, 3, 9, 1])
        let got = interpreter.outputBytes(1).withMemoryRebound(to: Int64.self) { Array($0) }
        let first: [Int64] = columnMajor ? [4, 9, 7, 15, 5, 11, 8, 17] : [4, 9, 5, 11, 7, 15, 8, 17]
        #expect(got == first + first.map { $0 + 18 })
    }

    /// Over one axis the N-d convolution computes what the 1-D reference conv computes,
    /// with groups, dilation and asymmetric padding.
    @Test func oneAxisMatchesConv1D() throws {
        let (length, cin, cout, k) = (11, 4, 6, 3)
        let x = (0..<(2 * length * cin)).map { Float(($0 * 37) % 23) * 0.125 - 1 }
        let w = (0..<(k * 2 * cout)).map { Float(($0 * 11) % 13) * 0.25 - 1.5 }
        let bias = (0..<cout).map { Float($0) * 0.5 }
        func graph(_ op: Op) throws -> Graph {
            var b = GraphBuilder()
            let input = b.input("x", shape: [length, cin])
            b.output(b.node(op, [input, b.constant("w", shape: [k, 2, cout], values: w), b.constant("b", shape: [cout], values: bias)]))
            return try b.build()
        }
        let nd = try graph(.convND(ConvNDAttributes(window: WindowND(kernel: [k], dilations: [2], padBegin: [2], padEnd: [1]), groups: 2, activation: .relu)))
        let oneD = try graph(.conv1D(Conv1DAttributes(kernelSize: k, dilation: 2, padding: .explicit(left: 2, right: 1), groups: 2, activation: .relu)))
        #expect(try run(nd, batch: 2, input: x) == run(oneD, batch: 2, input: x))
    }

    /// conv → ReLU (fused) → ceil-mode dilated max pool → average pool counting padding,
    /// written to a package file and read back: the same graph, the same outputs.
    @Test func packageRoundTrip() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [6, 5, 3])
        let w = b.constant("w", shape: [2, 2, 1, 6], values: (0..<24).map { Float($0 % 5) - 2 })
        let conv = b.node(.convND(ConvNDAttributes(window: WindowND(kernel: [2, 2], strides: [1, 2], dilations: [2, 1], padBegin: [1, 0], padEnd: [0, 1]), groups: 3)), [x, w], name: "conv")
        let relu = b.activation(conv, .relu)
        let pooled = b.node(.maxPoolND(PoolNDAttributes(window: WindowND(kernel: [2, 2], strides: [2, 2], dilations: [1, 2]), ceilMode: true), columnMajorIndices: true), [relu], name: "max")
        let volume = b.node(.reshape(shape: [1, 3, 2, 3]), [pooled], name: "to3d")
        b.output(b.node(.averagePoolND(PoolNDAttributes(window: WindowND(kernel: [1, 2, 2], padBegin: [0, 1, 0], padEnd: [0, 0, 1])), countIncludePad: true), [volume], name: "avg"))
        let graph = try b.build()
        #expect(graph.nodes.map(\.op.name) == ["Conv2D(groups)", "MaxPool2D", "Reshape", "AveragePool3D"])
        let package = ModelPackage(manifest: Manifest(name: "windows"), graph: graph)
        let decoded = try ModelPackage.decode(package.encoded())
        #expect(decoded.graph == graph)
        let input = (0..<90).map { Float(($0 * 7) % 19) - 9 }
        #expect(try run(decoded.graph, batch: 1, input: input) == run(graph, batch: 1, input: input))
    }

    // MARK: - Malformed

    func validationError(_ op: Op, x: [Int] = [3, 3, 1], weight: [Int]? = nil, dtype: DType = .float32) -> GraphError? {
        var g = Graph()
        let input = g.addTensor(name: "x", dtype: dtype, shape: x)
        g.inputs = [input]
        var inputs = [input]
        if dtype == .int8 { g.tensors[input].quantization = QuantizationParameters(scale: 0.5, zeroPoint: 0) }
        if let weight { inputs.append(g.addConstant(name: "w", shape: weight, values: [Float](repeating: 1, count: weight.reduce(1, *)))) }
        let out = g.addTensor(name: "y")
        g.nodes = [Node(name: "bad", op: op, inputs: inputs, outputs: [out])]
        g.outputs = [out]
        do {
            _ = try g.validated()
            return nil
        } catch {
            return error
        }
    }

    func expectBadAttribute(_ error: GraphError?, mentioning text: String) {
        guard case .badAttribute(let node, let reason)? = error else {
            Issue.record("expected badAttribute, got \(String(describing: error))")
            return
        }
        #expect(node == "bad")
        #expect(reason.contains(text), "\(reason)")
    }

    func expectShapeMismatch(_ error: GraphError?, mentioning text: String) {
        guard case .shapeMismatch(let node, let reason)? = error else {
            Issue.record("expected shapeMismatch, got \(String(describing: error))")
            return
        }
        #expect(node == "bad")
        #expect(reason.contains(text), "\(reason)")
    }

    @Test func malformedAttributesAreNamed() {
        let pool = { (w: WindowND) in Op.maxPoolND(PoolNDAttributes(window: w), columnMajorIndices: false) }
        expectBadAttribute(validationError(pool(WindowND(kernel: [2, 2], strides: [1]))), mentioning: "differ in length")
        expectBadAttribute(validationError(pool(WindowND(kernel: [1, 1, 1, 1]))), mentioning: "1 to 3 spatial axes")
        expectBadAttribute(validationError(pool(WindowND(kernel: []))), mentioning: "not 0")
        expectBadAttribute(validationError(pool(WindowND(kernel: [2, 0]))), mentioning: "≥ 1")
        expectBadAttribute(validationError(pool(WindowND(kernel: [2, 2], padBegin: [0, -1]))), mentioning: "negative padding")
        // A pad as wide as the window would leave windows of padding alone (no maximum,
        // an average of nothing).
        expectBadAttribute(validationError(pool(WindowND(kernel: [2, 2], padBegin: [0, 2]))), mentioning: "smaller than the window")
        expectBadAttribute(validationError(pool(WindowND(kernel: [3, 2], dilations: [1, 1], padEnd: [3, 0]))), mentioning: "smaller than the window")
        expectBadAttribute(validationError(pool(WindowND(kernel: [2, 1 << 30]))), mentioning: "out of range")
        expectBadAttribute(validationError(.convND(ConvNDAttributes(window: WindowND(kernel: [2, 2]), groups: 0)), weight: [2, 2, 1, 1]), mentioning: "groups 0")
    }

    @Test func badShapesNameTheNode() {
        let conv = Op.convND(ConvNDAttributes(window: WindowND(kernel: [2, 2])))
        expectShapeMismatch(validationError(conv, weight: [3, 2, 1, 1]), mentioning: "≠ attribute [2, 2]")
        expectShapeMismatch(validationError(conv, weight: [2, 2, 2, 1]), mentioning: "expects 2 input channels")
        expectShapeMismatch(validationError(conv, x: [9, 1], weight: [2, 2, 1, 1]), mentioning: "needs [2 spatial axes, channels]")
        expectShapeMismatch(validationError(.maxPoolND(PoolNDAttributes(window: WindowND(kernel: [4, 2])), columnMajorIndices: false)), mentioning: "longer than the padded input 3")
    }

    /// The N-d ops have no int8 kernels; an int8 input is refused, not misread.
    @Test func int8InputIsRefused() {
        let error = validationError(.averagePoolND(PoolNDAttributes(window: WindowND(kernel: [2, 2])), countIncludePad: false), dtype: .int8)
        guard case .typeMismatch(let node, let reason)? = error else {
            Issue.record("expected typeMismatch, got \(String(describing: error))")
            return
        }
        #expect(node == "bad" && reason.contains("int8"), "\(reason)")
    }

    /// A package whose window claims more axes than the kernels take is malformed.
    @Test func decodingRefusesAWindowOverFourAxes() throws {
        let graph = try singleNode(.maxPoolND(PoolNDAttributes(window: WindowND(kernel: [2, 2])), columnMajorIndices: false))
        var bytes = graph.encoded()
        // The node name "node" is followed by the op tag and the window's rank.
        let name = Array("node".utf8)
        let at = try #require((0...(bytes.count - name.count)).last { Array(bytes[$0..<($0 + name.count)]) == name })
        #expect(bytes[at + name.count] == 41 && bytes[at + name.count + 1] == 2)
        bytes[at + name.count + 1] = 4
        #expect(throws: PackageError.malformed("graph section", "node 'node' has a window over 4 axes (1 to 3)")) {
            try bytes.withUnsafeBytes { try Graph.decode($0, constants: graph.constantData) }
        }
    }
}
