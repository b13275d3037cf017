import Testing
import VigilRuntime
import VigilReferenceModel

/// Every way a graph can be malformed is rejected by `validated()` (or at plan time)
/// with its own `GraphError` case naming the node or tensor at fault.
///
/// Each test starts from a small graph that validates (checked in `baselinesValidate`)
/// and breaks exactly one thing, so that the error seen can only come from that change.
struct MalformedGraphTests {

    // MARK: - Helpers

    /// Hand-assembled graphs with explicit tensor ids, so that tests can break them.
    struct RawGraph {
        var graph = Graph()

        @discardableResult
        mutating func input(_ name: String, _ shape: [Int], dtype: DType = .float32) -> TensorID {
            let id = graph.addTensor(name: name, dtype: dtype, shape: shape)
            graph.inputs.append(id)
            return id
        }

        mutating func constant(_ name: String, _ shape: [Int]) -> TensorID {
            let count = shape.reduce(1, *)
            return graph.addConstant(name: name, shape: shape, values: (0..<count).map { Float($0 % 7) * 0.125 - 0.25 })
        }

        mutating func tensor(_ name: String) -> TensorID { graph.addTensor(name: name) }

        mutating func node(_ name: String, _ op: Op, _ inputs: [TensorID], _ outputs: [TensorID]) {
            graph.nodes.append(Node(name: name, op: op, inputs: inputs, outputs: outputs))
        }

        /// A node with one fresh output tensor named "<node>:0".
        @discardableResult
        mutating func apply(_ name: String, _ op: Op, _ inputs: [TensorID]) -> TensorID {
            let out = tensor(name + ":0")
            node(name, op, inputs, [out])
            return out
        }

        mutating func output(_ id: TensorID) { graph.outputs.append(id) }
    }

    static func validationError(_ graph: Graph) -> GraphError? {
        do {
            _ = try graph.validated()
            return nil
        } catch {
            return error
        }
    }

    enum Kind: String { case shapeMismatch, badAttribute, typeMismatch }

    /// Expects `graph` to be rejected with `kind`, naming `node`, with a reason that
    /// contains each of `mentioning` (so that the right check fired, not another one of
    /// the same kind).
    static func expectRejected(_ graph: Graph, _ kind: Kind, node: String, mentioning: [String] = [],
                               sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = validationError(graph) else {
            Issue.record("graph was accepted; expected \(kind) at \(node)", sourceLocation: sourceLocation)
            return
        }
        let seen: (Kind, String, String)?
        switch error {
        case .shapeMismatch(let n, let r): seen = (.shapeMismatch, n, r)
        case .badAttribute(let n, let r): seen = (.badAttribute, n, r)
        case .typeMismatch(let n, let r): seen = (.typeMismatch, n, r)
        default: seen = nil
        }
        guard let (k, n, reason) = seen, k == kind, n == node else {
            Issue.record("expected \(kind) at '\(node)', got \(error)", sourceLocation: sourceLocation)
            return
        }
        for word in mentioning {
            #expect(reason.contains(word), "reason '\(reason)' does not mention '\(word)'", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Baseline graphs (each validates as built)

    /// x [L, Cin] → conv "conv" (weight "w", optional bias "b") → output.
    static func convGraph(x: [Int] = [16, 4], w: [Int] = [3, 4, 8], bias: [Int]? = [8],
                          _ attributes: Conv1DAttributes = Conv1DAttributes(kernelSize: 3), dtype: DType = .float32) -> Graph {
        var g = RawGraph()
        let xi = g.input("x", x, dtype: dtype)
        let wi = g.constant("w", w)
        var inputs = [xi, wi]
        if let bias { inputs.append(g.constant("b", bias)) }
        g.output(g.apply("conv", .conv1D(attributes), inputs))
        return g.graph
    }

    /// x → dense "dense" (weight "w" [In, Out], optional bias "b") → output.
    static func denseGraph(x: [Int] = [10], w: [Int] = [10, 3], bias: [Int]? = [3], activation: Activation = .linear) -> Graph {
        var g = RawGraph()
        let xi = g.input("x", x)
        let wi = g.constant("w", w)
        var inputs = [xi, wi]
        if let bias { inputs.append(g.constant("b", bias)) }
        g.output(g.apply("dense", .dense(activation: activation), inputs))
        return g.graph
    }

    /// a (input) op b (input, or a constant when `bConstant`) → output.
    static func binaryGraph(_ a: [Int] = [16, 4], _ b: [Int] = [16, 4], bConstant: Bool = false,
                            op: Op = .add(activation: .linear), dtype: DType = .float32) -> Graph {
        var g = RawGraph()
        let ai = g.input("a", a, dtype: dtype)
        let bi = bConstant ? g.constant("b", b) : g.input("b", b)
        g.output(g.apply("add", op, [ai, bi]))
        return g.graph
    }

    /// x → one single-input node "op" → output.
    static func unaryGraph(_ op: Op, x: [Int] = [16, 4], dtype: DType = .float32) -> Graph {
        var g = RawGraph()
        let xi = g.input("x", x, dtype: dtype)
        g.output(g.apply("op", op, [xi]))
        return g.graph
    }

    /// One input per shape, concatenated by "concat".
    static func concatGraph(_ shapes: [[Int]] = [[16, 4], [16, 3]], axis: Int = -1) -> Graph {
        var g = RawGraph()
        let ins = shapes.enumerated().map { g.input("in\($0.offset)", $0.element) }
        g.output(g.apply("concat", .concatenate(axis: axis), ins))
        return g.graph
    }

    /// x → relu "first" → relu "second" → output. Tensor ids: x 0, first:0 1, second:0 2.
    static func chainGraph() -> Graph {
        var g = RawGraph()
        let x = g.input("x", [16, 4])
        let a = g.apply("first", .activation(.relu), [x])
        g.output(g.apply("second", .activation(.relu), [a]))
        return g.graph
    }

    @Test func baselinesValidate() throws {
        let baselines: [Graph] = [
            Self.convGraph(), Self.convGraph(bias: nil), Self.denseGraph(), Self.binaryGraph(),
            Self.binaryGraph([16, 4], [4], bConstant: true), Self.unaryGraph(.activation(.relu)),
            Self.unaryGraph(.softmax(axis: -1)), Self.unaryGraph(.maxPool1D(Pool1DAttributes(poolSize: 2))),
            Self.unaryGraph(.reshape(shape: [8, 8])), Self.concatGraph(), Self.chainGraph(),
            Self.convGraph(x: [16, 4], w: [3, 1, 4], bias: [4], Conv1DAttributes(kernelSize: 3, groups: 4)),
        ]
        for g in baselines {
            let v = try g.validated()
            #expect(v.tensors[v.outputs[0]].shape.allSatisfy { $0 > 0 } && !v.tensors[v.outputs[0]].shape.isEmpty)
        }
        // Spot-check inferred shapes, so that the baselines are the graphs we think they are.
        #expect(try Self.convGraph().validated().tensors[3].shape == [14, 8])  // x 0, w 1, b 2, conv:0 3 → valid: 16 − 3 + 1
        #expect(try Self.concatGraph().validated().tensors[2].shape == [16, 7])
    }

    // MARK: - Dangling ids

    @Test func danglingTensorInNodeInput() {
        var g = Self.chainGraph()
        g.nodes[1].inputs = [99]
        #expect(throws: GraphError.danglingTensor(node: "second", tensor: 99)) { try g.validated() }
        g.nodes[1].inputs = [-1]
        #expect(throws: GraphError.danglingTensor(node: "second", tensor: -1)) { try g.validated() }
    }

    @Test func danglingTensorInNodeOutput() {
        var g = Self.chainGraph()
        g.nodes[0].outputs = [42]
        #expect(throws: GraphError.danglingTensor(node: "first", tensor: 42)) { try g.validated() }
    }

    @Test func danglingTensorInGraphInputs() {
        var g = Self.chainGraph()
        g.inputs.append(g.tensors.count)
        #expect(throws: GraphError.danglingTensor(node: "graph inputs", tensor: 3)) { try g.validated() }
    }

    @Test func danglingTensorInGraphOutputs() {
        var g = Self.chainGraph()
        g.outputs = [7]
        #expect(throws: GraphError.danglingTensor(node: "graph outputs", tensor: 7)) { try g.validated() }
        g.outputs = [-3]
        #expect(throws: GraphError.danglingTensor(node: "graph outputs", tensor: -3)) { try g.validated() }
    }

    // MARK: - Producers and order

    @Test func undefinedTensorReadByNode() {
        var g = Self.chainGraph()
        let ghost = g.addTensor(name: "ghost", shape: [16, 4])
        g.nodes[1].inputs = [ghost]
        #expect(throws: GraphError.undefinedTensor(node: "second", tensor: "ghost")) { try g.validated() }
    }

    @Test func undefinedTensorAsGraphOutput() {
        var g = Self.chainGraph()
        let ghost = g.addTensor(name: "ghost", shape: [16, 4])
        g.outputs.append(ghost)
        #expect(throws: GraphError.undefinedTensor(node: "graph outputs", tensor: "ghost")) { try g.validated() }
    }

    @Test func tensorProducedTwice() {
        var g = Self.chainGraph()
        // "second" writes first:0 as well, which "first" already produces.
        g.nodes[1].outputs = [1]
        g.nodes[1].inputs = [0]
        #expect(throws: GraphError.producedTwice(tensor: "first:0", node: "second")) { try g.validated() }
    }

    @Test func nodeWritesGraphInput() {
        var g = Self.chainGraph()
        g.nodes[1].outputs = [0]
        #expect(throws: GraphError.producedTwice(tensor: "x", node: "second")) { try g.validated() }
    }

    @Test func nodeWritesConstant() {
        var g = Self.convGraph()
        // x 0, w 1, b 2, conv:0 3: the conv writes its own weight.
        g.nodes[0].outputs = [1]
        #expect(throws: GraphError.producedTwice(tensor: "w", node: "conv")) { try g.validated() }
    }

    @Test func twoNodeCycle() throws {
        // a = add(x, t2) → t1;  b = relu(t1) → t2: each feeds the other.
        var r = RawGraph()
        let x = r.input("x", [8, 2])
        let t1 = r.tensor("t1"), t2 = r.tensor("t2")
        r.node("a", .add(activation: .linear), [x, t2], [t1])
        r.node("b", .activation(.relu), [t1], [t2])
        r.output(t2)
        let error = try #require(Self.validationError(r.graph))
        guard case .cycle(let node) = error else {
            Issue.record("expected a cycle, got \(error)")
            return
        }
        #expect(node == "a" || node == "b", "the cycle is reported at '\(node)', which is not on it")
    }

    @Test func selfLoop() {
        var r = RawGraph()
        let x = r.input("x", [8, 2])
        let t = r.tensor("t")
        r.node("loop", .add(activation: .linear), [x, t], [t])
        r.output(t)
        #expect(throws: GraphError.cycle(node: "loop")) { try r.graph.validated() }
    }

    @Test func consumerBeforeProducer() {
        var g = Self.chainGraph()
        // Same edges, wrong order: "second" (reads first:0) runs before "first". No cycle.
        g.nodes.swapAt(0, 1)
        #expect(throws: GraphError.notInExecutionOrder(node: "second", tensor: "first:0")) { try g.validated() }
    }

    // MARK: - Dimensions

    @Test func nonPositiveInputDimension() {
        var g = Self.chainGraph()
        g.tensors[0].shape = [0, 4]
        #expect(throws: GraphError.nonPositiveDimension(tensor: "x", shape: [0, 4])) { try g.validated() }
        g.tensors[0].shape = [16, -2]
        #expect(throws: GraphError.nonPositiveDimension(tensor: "x", shape: [16, -2])) { try g.validated() }
    }

    @Test func nonPositiveConstantDimension() {
        var g = Self.convGraph()
        g.tensors[1].shape = [3, 0, 8]
        #expect(throws: GraphError.nonPositiveDimension(tensor: "w", shape: [3, 0, 8])) { try g.validated() }
        g.tensors[1].shape = [3, 4, 8]
        g.tensors[2].shape = [-8]
        #expect(throws: GraphError.nonPositiveDimension(tensor: "b", shape: [-8])) { try g.validated() }
    }

    // MARK: - Input counts

    @Test func wrongInputCount() {
        var conv = Self.convGraph()
        conv.nodes[0].inputs = [0]
        #expect(throws: GraphError.wrongInputCount(node: "conv", expected: "2 to 3", got: 1)) { try conv.validated() }

        var add = Self.binaryGraph()
        add.nodes[0].inputs = [0]
        #expect(throws: GraphError.wrongInputCount(node: "add", expected: "2", got: 1)) { try add.validated() }
        add.nodes[0].inputs = [0, 1, 0]
        #expect(throws: GraphError.wrongInputCount(node: "add", expected: "2", got: 3)) { try add.validated() }

        var relu = Self.unaryGraph(.activation(.relu))
        relu.nodes[0].inputs = [0, 0]
        #expect(throws: GraphError.wrongInputCount(node: "op", expected: "1", got: 2)) { try relu.validated() }

        var dense = Self.denseGraph()
        dense.nodes[0].inputs = [0, 1, 2, 2]
        #expect(throws: GraphError.wrongInputCount(node: "dense", expected: "2 to 3", got: 4)) { try dense.validated() }

        var concat = Self.concatGraph()
        concat.nodes[0].inputs = []
        #expect(throws: GraphError.wrongInputCount(node: "concat", expected: "at least 1", got: 0)) { try concat.validated() }
    }

    // MARK: - Shape mismatches

    @Test func convWeightInputChannelsMismatch() {
        // Input has 4 channels, the weight expects 5.
        Self.expectRejected(Self.convGraph(x: [16, 4], w: [3, 5, 8]), .shapeMismatch, node: "conv", mentioning: ["input channels"])
        // Grouped: groups 2 divides 4 and 8, but the weight's 3 channels per group × 2 ≠ 4.
        Self.expectRejected(Self.convGraph(x: [16, 4], w: [3, 3, 8], Conv1DAttributes(kernelSize: 3, groups: 2)),
                            .shapeMismatch, node: "conv", mentioning: ["input channels"])
    }

    @Test func convWeightKernelSizeMismatch() {
        // The attribute says 5, the weight has 3 taps: a disagreement between two shapes.
        Self.expectRejected(Self.convGraph(w: [3, 4, 8], Conv1DAttributes(kernelSize: 5)), .shapeMismatch, node: "conv", mentioning: ["kernel size"])
    }

    @Test func convWindowLongerThanInput() {
        Self.expectRejected(Self.convGraph(x: [2, 4], w: [3, 4, 8]), .shapeMismatch, node: "conv", mentioning: ["longer"])
        // Dilation 4 stretches 3 taps over 9 positions.
        Self.expectRejected(Self.convGraph(x: [8, 4], w: [3, 4, 8], Conv1DAttributes(kernelSize: 3, dilation: 4)),
                            .shapeMismatch, node: "conv", mentioning: ["longer"])
    }

    @Test func denseWeightRowsMismatch() {
        Self.expectRejected(Self.denseGraph(x: [10], w: [12, 3]), .shapeMismatch, node: "dense", mentioning: ["weight rows"])
        Self.expectRejected(Self.denseGraph(x: [5, 11], w: [10, 3]), .shapeMismatch, node: "dense", mentioning: ["weight rows"])
    }

    @Test func biasShapeMismatch() {
        Self.expectRejected(Self.convGraph(bias: [7]), .shapeMismatch, node: "conv", mentioning: ["bias"])
        Self.expectRejected(Self.convGraph(bias: [1, 8]), .shapeMismatch, node: "conv", mentioning: ["bias"])
        Self.expectRejected(Self.denseGraph(bias: [4]), .shapeMismatch, node: "dense", mentioning: ["bias"])
    }

    @Test func addShapesDoNotBroadcast() {
        Self.expectRejected(Self.binaryGraph([16, 4], [16, 3]), .shapeMismatch, node: "add", mentioning: ["broadcast"])
        Self.expectRejected(Self.binaryGraph([16, 4], [3], bConstant: true), .shapeMismatch, node: "add", mentioning: ["broadcast"])
        Self.expectRejected(Self.binaryGraph([16, 4], [8, 4], op: .mul(activation: .linear)), .shapeMismatch, node: "add", mentioning: ["broadcast"])
    }

    @Test func concatMismatchedDimensions() {
        // Lengths 16 and 15 differ outside the channel axis.
        Self.expectRejected(Self.concatGraph([[16, 4], [15, 4]], axis: -1), .shapeMismatch, node: "concat", mentioning: ["outside axis"])
        Self.expectRejected(Self.concatGraph([[16, 4], [16, 3]], axis: 1), .shapeMismatch, node: "concat", mentioning: ["outside axis"])
        Self.expectRejected(Self.concatGraph([[16, 4], [64]], axis: -1), .shapeMismatch, node: "concat", mentioning: ["rank"])
    }

    @Test func reshapeElementCount() {
        // 16 × 4 = 64 elements.
        Self.expectRejected(Self.unaryGraph(.reshape(shape: [10, 6])), .shapeMismatch, node: "op", mentioning: ["reshape"])
        Self.expectRejected(Self.unaryGraph(.reshape(shape: [-1, 5])), .shapeMismatch, node: "op", mentioning: ["reshape"])
        Self.expectRejected(Self.unaryGraph(.reshape(shape: [65])), .shapeMismatch, node: "op", mentioning: ["reshape"])
    }

    @Test func poolLargerThanInput() {
        // A valid-padded window of 8 does not fit in 4 steps: the output would be empty.
        Self.expectRejected(Self.unaryGraph(.maxPool1D(Pool1DAttributes(poolSize: 8)), x: [4, 3]), .shapeMismatch, node: "op", mentioning: ["longer"])
        Self.expectRejected(Self.unaryGraph(.averagePool1D(Pool1DAttributes(poolSize: 5)), x: [4, 3]), .shapeMismatch, node: "op", mentioning: ["longer"])
    }

    @Test func declaredOutputShapeDisagrees() {
        var g = Self.chainGraph()
        g.tensors[2].shape = [16, 5]
        Self.expectRejected(g, .shapeMismatch, node: "second", mentioning: ["declared"])
    }

    // MARK: - Bad attributes

    @Test func convStrideDilationKernelGroupsZero() {
        Self.expectRejected(Self.convGraph(Conv1DAttributes(kernelSize: 3, stride: 0)), .badAttribute, node: "conv", mentioning: ["stride 0"])
        Self.expectRejected(Self.convGraph(Conv1DAttributes(kernelSize: 3, stride: -1)), .badAttribute, node: "conv", mentioning: ["stride -1"])
        Self.expectRejected(Self.convGraph(Conv1DAttributes(kernelSize: 3, dilation: 0)), .badAttribute, node: "conv", mentioning: ["dilation 0"])
        Self.expectRejected(Self.convGraph(Conv1DAttributes(kernelSize: 0)), .badAttribute, node: "conv", mentioning: ["kernel 0"])
        Self.expectRejected(Self.convGraph(Conv1DAttributes(kernelSize: 3, groups: 0)), .badAttribute, node: "conv", mentioning: ["groups 0"])
    }

    @Test func convGroupsNotDividingChannels() {
        // 3 divides neither 4 input nor 8 output channels.
        Self.expectRejected(Self.convGraph(x: [16, 4], w: [3, 1, 8], Conv1DAttributes(kernelSize: 3, groups: 3)), .badAttribute, node: "conv", mentioning: ["groups 3"])
        // 4 divides the 4 input channels but not the 6 output channels.
        Self.expectRejected(Self.convGraph(x: [16, 4], w: [3, 1, 6], bias: nil, Conv1DAttributes(kernelSize: 3, groups: 4)), .badAttribute, node: "conv", mentioning: ["groups 4"])
    }

    @Test func negativePadding() {
        Self.expectRejected(Self.convGraph(Conv1DAttributes(kernelSize: 3, padding: .explicit(left: -1, right: 0))), .badAttribute, node: "conv", mentioning: ["negative padding"])
        Self.expectRejected(Self.unaryGraph(.zeroPadding1D(left: 2, right: -1)), .badAttribute, node: "op", mentioning: ["negative padding"])
        Self.expectRejected(Self.unaryGraph(.maxPool1D(Pool1DAttributes(poolSize: 2, padding: .explicit(left: -1, right: 0)))), .badAttribute, node: "op", mentioning: ["padding"])
        Self.expectRejected(Self.unaryGraph(.averagePool1D(Pool1DAttributes(poolSize: 2, padding: .explicit(left: 0, right: -1)))), .badAttribute, node: "op", mentioning: ["padding"])
    }

    @Test func poolStrideZeroAndPaddingAsWideAsWindow() {
        Self.expectRejected(Self.unaryGraph(.maxPool1D(Pool1DAttributes(poolSize: 2, stride: 0))), .badAttribute, node: "op", mentioning: ["stride 0"])
        Self.expectRejected(Self.unaryGraph(.maxPool1D(Pool1DAttributes(poolSize: 0))), .badAttribute, node: "op", mentioning: ["pool size 0"])
        // A window made only of padding has nothing to pool.
        Self.expectRejected(Self.unaryGraph(.averagePool1D(Pool1DAttributes(poolSize: 2, padding: .explicit(left: 2, right: 0)))), .badAttribute, node: "op", mentioning: ["smaller than the pool size"])
    }

    @Test func clipMinAboveMax() {
        Self.expectRejected(Self.unaryGraph(.activation(.clip(min: 1, max: 0))), .badAttribute, node: "op", mentioning: ["clip"])
        Self.expectRejected(Self.convGraph(Conv1DAttributes(kernelSize: 3, activation: .clip(min: 6, max: -6))), .badAttribute, node: "conv", mentioning: ["clip"])
        Self.expectRejected(Self.denseGraph(activation: .clip(min: .nan, max: 1)), .badAttribute, node: "dense", mentioning: ["clip"])
        Self.expectRejected(Self.binaryGraph(op: .add(activation: .clip(min: 2, max: 1))), .badAttribute, node: "add", mentioning: ["clip"])
    }

    @Test func softmaxNotOnLastAxis() {
        // Input [16, 4] is rank 3 with the batch: the last axis is 2 (or -1).
        Self.expectRejected(Self.unaryGraph(.softmax(axis: 1)), .badAttribute, node: "op", mentioning: ["last axis"])
        Self.expectRejected(Self.unaryGraph(.softmax(axis: -2)), .badAttribute, node: "op", mentioning: ["last axis"])
        Self.expectRejected(Self.unaryGraph(.softmax(axis: 0)), .badAttribute, node: "op", mentioning: ["last axis"])
        #expect(Self.validationError(Self.unaryGraph(.softmax(axis: 2))) == nil)
    }

    @Test func concatOnBatchAxis() {
        Self.expectRejected(Self.concatGraph([[16, 4], [16, 4]], axis: 0), .badAttribute, node: "concat", mentioning: ["batch axis"])
        // -3 is the batch axis of a rank-3 (with batch) tensor; 3 is past the end.
        Self.expectRejected(Self.concatGraph([[16, 4], [16, 4]], axis: -3), .badAttribute, node: "concat", mentioning: ["batch axis"])
        Self.expectRejected(Self.concatGraph([[16, 4], [16, 4]], axis: 3), .badAttribute, node: "concat", mentioning: ["out of range"])
    }

    @Test func constantWhereActivationExpected() {
        var g = Self.convGraph()
        g.nodes[0].inputs = [1, 1, 2]  // the weight as the conv's data input
        Self.expectRejected(g, .badAttribute, node: "conv", mentioning: ["must be an activation"])
        var h = Self.convGraph()
        h.nodes[0].inputs = [0, 0, 2]  // the data input as the weight
        Self.expectRejected(h, .badAttribute, node: "conv", mentioning: ["must be a constant"])
    }

    // MARK: - Constants, outputs, types

    @Test func constantDataOutOfRange() {
        var g = Self.convGraph()
        g.tensors[1].storage = .constant(offset: g.constantData.count)
        #expect(throws: GraphError.constantOutOfRange(tensor: "w")) { try g.validated() }
        g.tensors[1].storage = .constant(offset: -16)
        #expect(throws: GraphError.constantOutOfRange(tensor: "w")) { try g.validated() }

        // The bias is the last constant; cutting the buffer short leaves its tail outside.
        var h = Self.convGraph()
        h.constantData.removeLast(4)
        #expect(throws: GraphError.constantOutOfRange(tensor: "b")) { try h.validated() }
    }

    @Test func noOutputs() {
        var g = Self.chainGraph()
        g.outputs = []
        #expect(throws: GraphError.noOutputs) { try g.validated() }
    }

    /// An int8 tensor where only float32 is accepted. The int8 inputs carry valid
    /// per-tensor quantization parameters, so that the dtype alone is at fault.
    @Test func int8InputToFloatOp() {
        let q = QuantizationParameters(scale: 0.05, zeroPoint: 0)
        // Ops without an int8 kernel: zero padding and a GRU reading an int8 sequence.
        var pad = Self.unaryGraph(.zeroPadding1D(left: 1, right: 1), dtype: .int8)
        pad.tensors[0].quantization = q
        Self.expectRejected(pad, .typeMismatch, node: "op", mentioning: ["'x' is int8"])

        var gru = RawGraph()
        let gx = gru.input("x", [16, 4], dtype: .int8)
        gru.graph.tensors[gx].quantization = q
        let k = gru.constant("k", [4, 6]), rk = gru.constant("rk", [2, 6])
        gru.output(gru.apply("gru", .gru(RecurrentAttributes(units: 2)), [gx, k, rk]))
        Self.expectRejected(gru.graph, .typeMismatch, node: "gru", mentioning: ["'x' is int8"])

        // A float convolution given an int8 (or int32) weight.
        var conv = RawGraph()
        let cx = conv.input("x", [16, 4])
        let w8 = conv.graph.addConstant(name: "w", shape: [3, 4, 8], values: [Int8](repeating: 1, count: 96), quantization: QuantizationParameters(scale: 0.01, zeroPoint: 0))
        conv.output(conv.apply("conv", .conv1D(Conv1DAttributes(kernelSize: 3)), [cx, w8]))
        Self.expectRejected(conv.graph, .typeMismatch, node: "conv", mentioning: ["'w' is int8"])

        var conv32 = RawGraph()
        let x32 = conv32.input("x", [16, 4])
        let w32 = conv32.graph.addConstant(name: "w", shape: [3, 4, 8], values: [Int32](repeating: 1, count: 96))
        conv32.output(conv32.apply("conv", .conv1D(Conv1DAttributes(kernelSize: 3)), [x32, w32]))
        Self.expectRejected(conv32.graph, .typeMismatch, node: "conv", mentioning: ["'w' is int32"])

        // A float add whose second operand is int8.
        var add = Self.binaryGraph()
        add.tensors[1].dtype = .int8
        add.tensors[1].quantization = q
        Self.expectRejected(add, .typeMismatch, node: "add", mentioning: ["'b' is int8"])
    }

    // MARK: - Plan time

    /// The reference model's arena at batch 1 and 64-byte alignment with the portable
    /// kernels (no scratch). Buffers (bytes): beat 1024, rr 16, conv1 256×16×4 = 16384,
    /// pool1 8192, conv2 16384, pool2 8192, conv3 16384, gap 256, concat 272, dense1 128,
    /// logits 20, softmax 20. The inputs stay alive for the whole invocation (beat) or
    /// until the concat (rr, node 6), so at pool1 (node 1) beat + rr + conv1 + pool1 =
    /// 1024 + 16 + 16384 + 8192 = 25616 bytes are alive at once: no plan is smaller. The
    /// greedy plan reaches that bound (the convs at 0, the pools at 16384, beat at 24576,
    /// rr at 25600), and 25616 rounds up to 64 as 25664.
    static let referenceArena64 = 25664
    /// The same at 16-byte alignment: 25616 is already a multiple of 16.
    static let referenceArena16 = 25616

    @Test func arenaBudgetExceededAtInterpreterInit() throws {
        let model = ReferenceModel.arrhythmia()
        #expect(throws: GraphError.arenaBudgetExceeded(required: Self.referenceArena64, budget: Self.referenceArena64 - 1)) {
            _ = try Interpreter<PortableKernels>(graph: model, batch: 1, arenaBudget: Self.referenceArena64 - 1)
        }
        #expect(throws: GraphError.arenaBudgetExceeded(required: Self.referenceArena64, budget: 1024)) {
            _ = try Interpreter<PortableKernels>(graph: model, batch: 1, arenaBudget: 1024)
        }
        // Exactly the required bytes is within budget.
        let interpreter = try Interpreter<PortableKernels>(graph: model, batch: 1, arenaBudget: Self.referenceArena64)
        #expect(interpreter.plan.arenaBytes == Self.referenceArena64)
    }

    @Test func arenaBudgetExceededInPlanner() throws {
        let g = try ReferenceModel.arrhythmia().validated()
        let noScratch = [Int](repeating: 0, count: g.nodes.count)
        #expect(throws: GraphError.arenaBudgetExceeded(required: Self.referenceArena16, budget: Self.referenceArena16 - 1)) {
            _ = try MemoryPlanner.plan(g, batch: 1, scratchBytes: noScratch, alignment: 16, budget: Self.referenceArena16 - 1)
        }
        let plan = try MemoryPlanner.plan(g, batch: 1, scratchBytes: noScratch, alignment: 16, budget: Self.referenceArena16)
        #expect(plan.arenaBytes == Self.referenceArena16)
        // Scratch adds to the arena: 10 000 bytes for conv2 (node 2) are alive with beat,
        // rr, pool1 and conv2 (1024 + 16 + 8192 + 16384 = 25616 bytes), so the arena needs
        // at least 35616, and the greedy plan reaches it.
        var scratch = noScratch
        scratch[2] = 10_000
        #expect(throws: GraphError.arenaBudgetExceeded(required: 25616 + 10_000, budget: Self.referenceArena16)) {
            _ = try MemoryPlanner.plan(g, batch: 1, scratchBytes: scratch, alignment: 16, budget: Self.referenceArena16)
        }
    }

    @Test func invalidBatchSize() throws {
        let model = ReferenceModel.arrhythmia()
        #expect(throws: GraphError.invalidBatchSize(0)) { _ = try Interpreter<PortableKernels>(graph: model, batch: 0) }
        #expect(throws: GraphError.invalidBatchSize(-2)) { _ = try Interpreter<PortableKernels>(graph: model, batch: -2) }
        let g = try model.validated()
        #expect(throws: GraphError.invalidBatchSize(0)) {
            _ = try MemoryPlanner.plan(g, batch: 0, scratchBytes: [Int](repeating: 0, count: g.nodes.count))
        }
    }

    @Test func interpreterAndBuilderReportValidationErrors() {
        var g = Self.chainGraph()
        g.nodes.swapAt(0, 1)
        #expect(throws: GraphError.notInExecutionOrder(node: "second", tensor: "first:0")) {
            _ = try Interpreter<PortableKernels>(graph: g, batch: 1)
        }
        var b = GraphBuilder()
        let x = b.input("x", shape: [16, 4])
        let y = b.node(.softmax(axis: 1), [x], name: "sm")
        b.output(y)
        #expect(throws: GraphError.badAttribute(node: "sm", reason: "softmax runs over the last axis only; axis 1 of rank 3")) {
            _ = try b.build()
        }
    }
}
