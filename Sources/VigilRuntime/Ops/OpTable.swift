/// The op table: the one place that ties each `Op` case to its tag in the package
/// format and to the rules, kernels and compilation in its file under `Ops/` (the
/// registration of TensorFlow Lite Micro's one-file-per-op kernels).
///
/// Every `switch` here is exhaustive, with no `default`: adding a case to `Op` makes the
/// compiler list each place the new op must be named, and `OpTag.allCases` drives the
/// tests that check every op (VigilRuntimeTests/OpTableTests.swift).
///
/// To add an op: write `Ops/NewOp.swift` (attributes, shape inference, reference
/// kernels, compilation, cost), add its case to `Op` and its tag to `OpTag`, then fill
/// in the cases the compiler asks for here, in `Op.name` and in GraphCoding.swift.

/// Op tags in the package format. Tags are part of the file format: never reuse one,
/// never change one.
public enum OpTag: UInt8, CaseIterable, Sendable {
    case conv1D = 1
    case dense = 2
    case matMul = 3
    case add = 4
    case sub = 5
    case mul = 6
    case div = 7
    case concatenate = 8
    case reshape = 9
    case zeroPadding1D = 10
    case maxPool1D = 11
    case averagePool1D = 12
    case globalAveragePool1D = 13
    case globalMaxPool1D = 14
    case activation = 15
    case softmax = 16
    case affine = 17
    /// A forward GRU without direction fields (files written before directions existed).
    case gru = 18
    /// A forward LSTM without peepholes, without direction fields.
    case lstm = 19
    case quantize = 20
    case dequantize = 21
    // N-d windows take tags from 40 on, clear of the 1-D ops' neighbourhood.
    case convND = 40
    case maxPoolND = 41
    case averagePoolND = 42
    // Data movement takes tags from 50 on.
    case transpose = 50
    case slice = 51
    case gather = 52
    case expand = 53
    /// A GRU with its direction and peephole fields (any direction).
    case gruWithDirection = 54
    /// An LSTM with its direction and peephole fields (any direction, peepholes).
    case lstmWithDirection = 55
    /// A SimpleRNN with its direction field.
    case simpleRNN = 56
    // Plain integer and training-mode ops take tags from 60 on.
    case clamp = 60
    case batchNormalizationTraining = 61
    // Normalizations over an axis take tags from 70 on.
    case layerNormalization = 70
    // More elementwise arithmetic takes tags from 80 on.
    case maximum = 80
    case minimum = 81
    case power = 82
    case squaredDifference = 83
    case prelu = 84
    case logSoftmax = 71
}

extension Op {
    /// The op's tag in the package format.
    public var tag: OpTag {
        switch self {
        case .conv1D: return .conv1D
        case .dense: return .dense
        case .matMul: return .matMul
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .maximum: return .maximum
        case .minimum: return .minimum
        case .power: return .power
        case .squaredDifference: return .squaredDifference
        case .prelu: return .prelu
        case .concatenate: return .concatenate
        case .reshape: return .reshape
        case .zeroPadding1D: return .zeroPadding1D
        case .maxPool1D: return .maxPool1D
        case .averagePool1D: return .averagePool1D
        case .globalAveragePool1D: return .globalAveragePool1D
        case .globalMaxPool1D: return .globalMaxPool1D
        case .convND: return .convND
        case .maxPoolND: return .maxPoolND
        case .averagePoolND: return .averagePoolND
        case .activation: return .activation
        case .softmax: return .softmax
        case .logSoftmax: return .logSoftmax
        case .affine: return .affine
        // Forward layers without peepholes keep their first tags, so files written
        // before directions existed read the same; the others add direction and peepholes.
        case .gru(let a): return a.direction == .forward && !a.peepholes ? .gru : .gruWithDirection
        case .lstm(let a): return a.direction == .forward && !a.peepholes ? .lstm : .lstmWithDirection
        case .simpleRNN: return .simpleRNN
        case .quantize: return .quantize
        case .dequantize: return .dequantize
        case .transpose: return .transpose
        case .slice: return .slice
        case .gather: return .gather
        case .expand: return .expand
        case .clamp: return .clamp
        case .batchNormalizationTraining: return .batchNormalizationTraining
        case .layerNormalization: return .layerNormalization
        }
    }

    /// Every integer the op carries, so that validation can bound them all before any
    /// size arithmetic on a hostile graph.
    public var integerAttributes: [Int] {
        switch self {
        case .conv1D(let a): return a.integers
        case .concatenate(let axis), .softmax(let axis), .logSoftmax(let axis), .gather(let axis): return [axis]
        case .reshape(let shape), .expand(let shape): return shape
        case .zeroPadding1D(let l, let r): return [l, r]
        case .maxPool1D(let p), .averagePool1D(let p): return p.integers
        case .convND(let a): return a.window.integers + [a.groups]
        case .maxPoolND(let p, _), .averagePoolND(let p, _): return p.window.integers
        case .gru(let a), .lstm(let a), .simpleRNN(let a): return [a.units]
        case .transpose(let permutation): return permutation
        case .slice(let starts, let steps, let sizes): return starts + steps + sizes
        case .dense, .matMul, .add, .sub, .mul, .div, .maximum, .minimum, .power, .squaredDifference, .prelu, .globalAveragePool1D, .globalMaxPool1D, .activation, .affine,
             .quantize, .dequantize, .clamp, .batchNormalizationTraining, .layerNormalization:
            return []
        }
    }

    /// Whether the op has an int8 kernel (run when its first input is int8).
    var hasInt8Kernel: Bool {
        switch self {
        case .conv1D, .dense, .add, .sub, .mul, .maximum, .minimum, .squaredDifference, .prelu, .concatenate, .reshape, .maxPool1D, .averagePool1D,
             .globalAveragePool1D, .globalMaxPool1D, .activation, .softmax, .transpose, .slice, .gather, .expand, .matMul:
            return true
        case .logSoftmax, .div, .power, .zeroPadding1D, .convND, .maxPoolND, .averagePoolND, .affine, .gru, .lstm, .simpleRNN,
             .quantize, .dequantize, .clamp, .batchNormalizationTraining, .layerNormalization:
            return false
        }
    }

    /// Whether the op only moves elements (DataMovement.swift): it moves plain integers as
    /// they are and int8 with its parameters.
    var movesElements: Bool {
        switch self {
        case .transpose, .slice, .gather, .expand:
            return true
        case .conv1D, .dense, .matMul, .add, .sub, .mul, .div, .maximum, .minimum, .power, .squaredDifference, .prelu, .concatenate, .reshape, .zeroPadding1D,
             .maxPool1D, .averagePool1D, .globalAveragePool1D, .globalMaxPool1D, .convND, .maxPoolND, .averagePoolND, .activation,
             .softmax, .logSoftmax, .affine, .gru, .lstm, .simpleRNN, .quantize, .dequantize, .clamp, .batchNormalizationTraining,
             .layerNormalization:
            return false
        }
    }

    /// Whether the op has a plain integer kernel (run when its first input is a plain
    /// integer). Reshape only moves bytes.
    var hasIntegerKernel: Bool {
        switch self {
        case .add, .sub, .mul, .div, .maximum, .minimum, .power, .squaredDifference, .prelu, .clamp, .maxPool1D, .maxPoolND, .reshape:
            return true
        case .conv1D, .dense, .matMul, .concatenate, .zeroPadding1D, .averagePool1D, .globalAveragePool1D, .globalMaxPool1D,
             .convND, .averagePoolND, .activation, .softmax, .logSoftmax, .affine, .gru, .lstm, .simpleRNN, .quantize, .dequantize,
             .transpose, .slice, .gather, .expand, .batchNormalizationTraining, .layerNormalization:
            return false
        }
    }
}

extension Op {
    /// The activation a weighted layer (Conv1D, ConvND, Dense: a weight whose last axis
    /// is the output channels, and a bias) applies; nil for every other op. The graph
    /// rewriter folds constants into such layers.
    public var weightedLayerActivation: Activation? {
        switch self {
        case .conv1D(let a): return a.activation
        case .convND(let a): return a.activation
        case .dense(let act): return act
        case .matMul, .add, .sub, .mul, .div, .maximum, .minimum, .power, .squaredDifference, .prelu, .concatenate, .reshape, .zeroPadding1D, .maxPool1D, .averagePool1D,
             .globalAveragePool1D, .globalMaxPool1D, .maxPoolND, .averagePoolND, .activation, .softmax, .logSoftmax, .affine, .gru, .lstm, .simpleRNN,
             .quantize, .dequantize, .transpose, .slice, .gather, .expand, .clamp, .batchNormalizationTraining, .layerNormalization:
            return nil
        }
    }

    /// The activation the op fuses, for ops that fuse one; nil for the others.
    public var fusedActivation: Activation? {
        switch self {
        case .add(let act), .sub(let act), .mul(let act), .div(let act), .maximum(let act), .minimum(let act), .power(let act), .squaredDifference(let act), .prelu(let act): return act
        case .conv1D, .convND, .dense, .matMul, .concatenate, .reshape, .zeroPadding1D, .maxPool1D, .averagePool1D,
             .globalAveragePool1D, .globalMaxPool1D, .maxPoolND, .averagePoolND, .activation, .softmax, .logSoftmax, .affine, .gru, .lstm, .simpleRNN,
             .quantize, .dequantize, .transpose, .slice, .gather, .expand, .clamp, .batchNormalizationTraining, .layerNormalization:
            return weightedLayerActivation
        }
    }

    /// The op with `activation` fused in place of its own; nil for ops that fuse none.
    public func fusing(_ activation: Activation) -> Op? {
        switch self {
        case .conv1D(var a): a.activation = activation; return .conv1D(a)
        case .convND(var a): a.activation = activation; return .convND(a)
        case .dense: return .dense(activation: activation)
        case .add: return .add(activation: activation)
        case .sub: return .sub(activation: activation)
        case .mul: return .mul(activation: activation)
        case .div: return .div(activation: activation)
        case .maximum: return .maximum(activation: activation)
        case .minimum: return .minimum(activation: activation)
        case .power: return .power(activation: activation)
        case .squaredDifference: return .squaredDifference(activation: activation)
        case .prelu: return .prelu(activation: activation)
        case .matMul, .concatenate, .reshape, .zeroPadding1D, .maxPool1D, .averagePool1D, .globalAveragePool1D, .globalMaxPool1D,
             .maxPoolND, .averagePoolND, .activation, .softmax, .logSoftmax, .affine, .gru, .lstm, .simpleRNN, .quantize, .dequantize,
             .transpose, .slice, .gather, .expand, .clamp, .batchNormalizationTraining, .layerNormalization:
            return nil
        }
    }
}

extension Graph {
    /// The op's shape inference: checks the node's inputs and attributes and sets its
    /// output shapes.
    mutating func inferOp(_ c: NodeContext) throws(GraphError) {
        switch c.node.op {
        case .conv1D(let a): try inferConv1D(c, a)
        case .dense(let act): try inferDense(c, act)
        case .matMul: try inferMatMul(c)
        case .add(let act), .sub(let act), .mul(let act), .div(let act), .maximum(let act), .minimum(let act), .power(let act), .squaredDifference(let act), .prelu(let act): try inferElementwise(c, act)
        case .concatenate(let axis): try inferConcatenate(c, axis)
        case .reshape(let target): try inferReshape(c, target)
        case .zeroPadding1D(let left, let right): try inferZeroPadding1D(c, left: left, right: right)
        case .maxPool1D(let p), .averagePool1D(let p): try inferPool1D(c, p)
        case .globalAveragePool1D, .globalMaxPool1D: try inferGlobalPool1D(c)
        case .convND(let a): try inferConvND(c, a)
        case .maxPoolND(let p, _), .averagePoolND(let p, _): try inferPoolND(c, p)
        case .activation(let act): try inferActivation(c, act)
        case .softmax(let axis), .logSoftmax(let axis): try inferSoftmax(c, axis)
        case .affine: try inferAffine(c)
        case .gru(let a): try inferRecurrent(c, a, gates: 3)
        case .lstm(let a): try inferRecurrent(c, a, gates: 4)
        case .simpleRNN(let a): try inferRecurrent(c, a, gates: 1)
        case .quantize: try inferQuantize(c)
        case .dequantize: try inferDequantize(c)
        case .transpose(let permutation): try inferTranspose(c, permutation: permutation)
        case .slice(let starts, let steps, let sizes): try inferSlice(c, starts: starts, steps: steps, sizes: sizes)
        case .gather(let axis): try inferGather(c, axis: axis)
        case .expand(let shape): try inferExpand(c, target: shape)
        case .clamp: try inferClamp(c)
        case .batchNormalizationTraining(let epsilon, let momentum): try inferBatchNormalizationTraining(c, epsilon: epsilon, momentum: momentum)
        case .layerNormalization(let epsilon): try inferLayerNormalization(c, epsilon: epsilon)
        }
    }

    /// Checks node `c` as an int8 node and types its output (Int8ShapeInference.swift).
    mutating func checkInt8(_ c: NodeContext) throws(GraphError) {
        switch c.node.op {
        case .conv1D(let a): try checkInt8Conv1D(c, a)
        case .dense(let act): try checkInt8Dense(c, act)
        case .add(let act), .sub(let act), .mul(let act), .maximum(let act), .minimum(let act), .squaredDifference(let act), .prelu(let act): try checkInt8Binary(c, act)
        case .concatenate: try checkInt8Concatenate(c)
        case .reshape, .maxPool1D, .averagePool1D, .globalMaxPool1D, .transpose, .slice, .gather, .expand: try checkInt8KeepingParameters(c)
        case .globalAveragePool1D: try checkInt8GlobalAveragePool1D(c)
        case .activation(let a): try checkInt8Activation(c, a)
        case .softmax: try checkInt8Softmax(c)
        case .matMul: try checkInt8MatMul(c)
        case .logSoftmax, .div, .power, .zeroPadding1D, .convND, .maxPoolND, .averagePoolND, .affine, .gru, .lstm, .simpleRNN,
             .quantize, .dequantize, .clamp, .batchNormalizationTraining, .layerNormalization:
            try noInt8Kernel(c)
        }
    }

    /// The op's own checks of an integer node (IntegerGraph.swift types the outputs).
    func checkIntegerOp(_ c: NodeContext) throws(GraphError) {
        switch c.node.op {
        case .add(let act), .sub(let act), .mul(let act), .div(let act), .maximum(let act), .minimum(let act), .power(let act), .squaredDifference(let act), .prelu(let act): try checkIntegerElementwise(c, act)
        case .clamp: try checkIntegerClamp(c)
        case .maxPoolND: try checkIntegerMaxPoolND(c)
        case .maxPool1D, .reshape: break
        case .conv1D, .dense, .matMul, .concatenate, .zeroPadding1D, .averagePool1D, .globalAveragePool1D, .globalMaxPool1D,
             .convND, .averagePoolND, .activation, .softmax, .logSoftmax, .affine, .gru, .lstm, .simpleRNN, .quantize, .dequantize,
             .transpose, .slice, .gather, .expand, .batchNormalizationTraining, .layerNormalization:
            try noIntegerKernel(c)
        }
    }
}

extension MemoryPlanner {
    /// The op's multiply-accumulates for one batch item (0 for ops without products).
    static func macsOfOp(_ node: Node, in graph: Graph) -> Int {
        switch node.op {
        case .conv1D: return conv1DMACs(node, in: graph)
        case .convND: return convNDMACs(node, in: graph)
        case .dense, .matMul: return denseMACs(node, in: graph)
        case .gru(let a), .lstm(let a), .simpleRNN(let a): return recurrentMACs(node, a, in: graph)
        case .add, .sub, .mul, .div, .maximum, .minimum, .power, .squaredDifference, .prelu, .concatenate, .reshape, .zeroPadding1D, .maxPool1D, .averagePool1D,
             .globalAveragePool1D, .globalMaxPool1D, .maxPoolND, .averagePoolND, .activation, .softmax, .logSoftmax, .affine,
             .quantize, .dequantize, .transpose, .slice, .gather, .expand, .clamp, .batchNormalizationTraining, .layerNormalization:
            return 0
        }
    }
}

extension MemoryPlanner {
    /// The op's work for one batch item, what `Graph.maximumWorkPerSample` budgets: its
    /// multiply-accumulates plus the elements its pooling windows visit (saturating).
    /// Every other op does work linear in its tensors, which the size limits bound.
    public static func work(of node: Node, in graph: Graph) -> Int {
        let (sum, overflow) = macsOfOp(node, in: graph).addingReportingOverflow(windowVisitsOfOp(node, in: graph))
        return overflow ? .max : sum
    }

    /// Input elements a pooling op's windows visit for one batch item (0 for other ops).
    static func windowVisitsOfOp(_ node: Node, in graph: Graph) -> Int {
        switch node.op {
        case .maxPool1D(let p), .averagePool1D(let p): return pool1DVisits(node, p, in: graph)
        case .maxPoolND(let p, _), .averagePoolND(let p, _): return poolNDVisits(node, p, in: graph)
        case .conv1D, .convND, .dense, .matMul, .gru, .lstm, .simpleRNN, .add, .sub, .mul, .div, .maximum, .minimum, .power, .squaredDifference, .prelu, .concatenate, .reshape, .zeroPadding1D,
             .globalAveragePool1D, .globalMaxPool1D, .activation, .softmax, .logSoftmax, .affine,
             .quantize, .dequantize, .transpose, .slice, .gather, .expand, .clamp, .batchNormalizationTraining, .layerNormalization:
            return 0
        }
    }
}

extension Interpreter {
    /// The scratch bytes node `node`'s kernel asks for (the whole batch).
    static func scratchBytes(_ g: Graph, _ node: Node, batch: Int) -> Int {
        switch node.op {
        case .conv1D(let a): return conv1DScratchBytes(g, node, a, batch: batch)
        case .gru(let a): return gruScratchBytes(g, node, a, batch: batch)
        case .lstm(let a): return lstmScratchBytes(g, node, a, batch: batch)
        case .simpleRNN(let a): return simpleRNNScratchBytes(g, node, a, batch: batch)
        case .dense, .matMul, .add, .sub, .mul, .div, .maximum, .minimum, .power, .squaredDifference, .prelu, .concatenate, .reshape, .zeroPadding1D, .maxPool1D, .averagePool1D,
             .globalAveragePool1D, .globalMaxPool1D, .convND, .maxPoolND, .averagePoolND, .activation, .softmax, .logSoftmax, .affine,
             .quantize, .dequantize, .transpose, .slice, .gather, .expand, .clamp, .batchNormalizationTraining, .layerNormalization:
            return 0
        }
    }

    /// Appends the steps of node `builder.index`, float, int8 or plain integer as its
    /// inputs say.
    static func compileNode(_ b: inout StepBuilder) throws(GraphError) {
        switch b.node.op {
        case .conv1D(let a): try compileConv1D(&b, a)
        case .dense(let act): try compileDense(&b, act)
        case .matMul: try compileMatMul(&b)
        case .add(let act), .sub(let act), .mul(let act), .div(let act), .maximum(let act), .minimum(let act), .power(let act), .squaredDifference(let act), .prelu(let act): try compileElementwise(&b, act)
        case .concatenate(let axis): compileConcatenate(&b, axis)
        case .reshape: compileCopy(&b)
        case .zeroPadding1D(let left, let right): compileZeroPadding1D(&b, left: left, right: right)
        case .maxPool1D(let p): compileMaxPool1D(&b, p)
        case .averagePool1D(let p): compileAveragePool1D(&b, p)
        case .globalAveragePool1D: compileGlobalPool1D(&b, max: false)
        case .globalMaxPool1D: compileGlobalPool1D(&b, max: true)
        case .convND(let a): compileConvND(&b, a)
        case .maxPoolND(let p, let columnMajor): compilePoolND(&b, p, isMax: true, countIncludePad: false, columnMajorIndices: columnMajor)
        case .averagePoolND(let p, let countIncludePad): compilePoolND(&b, p, isMax: false, countIncludePad: countIncludePad, columnMajorIndices: false)
        case .activation(let act): compileActivation(&b, act)
        case .softmax: compileSoftmax(&b)
        case .logSoftmax: compileLogSoftmax(&b)
        case .affine: compileAffine(&b)
        case .gru(let a): compileGRU(&b, a)
        case .lstm(let a): compileLSTM(&b, a)
        case .simpleRNN(let a): compileSimpleRNN(&b, a)
        case .quantize: compileQuantize(&b)
        case .dequantize: compileDequantize(&b)
        case .transpose(let permutation): compileTranspose(&b, permutation: permutation)
        case .slice(let starts, let steps, _): compileSlice(&b, starts: starts, steps: steps)
        case .gather(let axis): compileGather(&b, axis: axis)
        case .expand: compileExpand(&b)
        case .clamp: compileClamp(&b)
        case .batchNormalizationTraining(let epsilon, let momentum): compileBatchNormalizationTraining(&b, epsilon: epsilon, momentum: momentum)
        case .layerNormalization(let epsilon): compileLayerNormalization(&b, epsilon: epsilon)
        }
    }
}
