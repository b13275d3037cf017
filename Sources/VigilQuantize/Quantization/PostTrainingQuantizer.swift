import Foundation
import VigilRuntime

/// Vigil's post-training quantization: a float graph and calibration statistics in, an
/// int8 graph with float inputs and outputs out (DESIGN §4, the TFLite int8
/// specification).
///
/// - Conv1D and Dense weights: int8, symmetric per output channel (zero point 0,
///   [-127, 127]); their biases int32 with scale s_in·s_w[c].
/// - Activations: int8 per tensor, asymmetric, from the observer's range widened to
///   contain 0 (so that zero and padding are exact).
/// - Conv1D and Dense always run as int8; the other ops with int8 kernels (Add,
///   Concatenate, Reshape, pools, activations, Softmax) run as int8 when one of their
///   inputs already is, so that a lone Reshape between float ops adds no boundary.
///   Ops without int8 kernels (GRU, LSTM, MatMul, Div, LayerNormalization,
///   ZeroPadding1D…) stay float; an Affine over [L, C] runs as the depthwise
///   convolution it is (`prepared`). With `floatHead` the classifier head stays float.
/// - A Quantize node is inserted where an int8 node reads a float tensor, a
///   Dequantize node where a float node or a graph output reads an int8 tensor.
/// - Pools, Reshape and global max keep their input's parameters; Softmax outputs
///   1/256 with zero point −128; sigmoid 1/256, −128 and tanh 1/128, 0 (TFLite's
///   fixed output parameters); fused activations are clamps the kernels apply.
public struct PostTrainingQuantizer {
    public var observer: CalibrationObserver
    /// Keep the classifier head float (`Rewriter.head`): the Dense that computes the
    /// logits and the Softmax after it. Off by default, so that a package stays
    /// integer-only and bit-exact across host and device.
    public var floatHead: Bool
    /// Nodes (by name, as `prepared` names them) kept float: float islands the user
    /// chooses, as ONNX Runtime's `nodes_to_exclude`. A name the graph lacks is refused.
    public var keepFloat: Set<String>

    public init(observer: CalibrationObserver = .minMax, floatHead: Bool = false, keepFloat: Set<String> = []) {
        self.observer = observer
        self.floatHead = floatHead
        self.keepFloat = keepFloat
    }

    /// The float graph as calibration and quantization see it: Affines folded forward into
    /// the layer after them where that is exact, the others over [L, C] as depthwise
    /// convolutions, table activations separated. It computes the same values.
    public static func prepared(_ graph: Graph) -> Graph {
        separatingTableActivations(affinesAsDepthwiseConvolutions(affinesFoldedForward(graph)))
    }

    /// What the quantizer did, for reports.
    public struct Summary: Sendable, Equatable {
        public var int8Nodes: [String] = []
        public var floatNodes: [String] = []
        public var quantizeNodes = 0
        public var dequantizeNodes = 0
    }

    /// Rejects graphs that already hold integer tensors.
    static func requireFloat(_ g: Graph) throws(QuantizationError) {
        for t in g.tensors where t.dtype != .float32 { throw .alreadyQuantized(tensor: t.name) }
    }

    /// The int8 graph (validated, so its int8 rules hold) and a summary.
    /// - Parameter statistics: from `Calibration.collect` on the same float graph, which
    ///   prepared as `prepared` does.
    public func quantize(_ graph: Graph, statistics: CalibrationStatistics) throws(QuantizationError) -> (graph: Graph, summary: Summary) {
        let g: Graph
        do { g = try graph.validated() } catch { throw .invalidGraph(error) }
        try PostTrainingQuantizer.requireFloat(g)
        let names = Set(g.nodes.map(\.name))
        if let unknown = keepFloat.sorted().first(where: { !names.contains($0) }) {
            throw .unknownNode(unknown, nodes: g.nodes.map(\.name))
        }
        var rewriter = Rewriter(source: g, statistics: statistics, observer: observer, floatHead: floatHead, keepFloat: keepFloat)
        try rewriter.run()
        let result: Graph
        do { result = try rewriter.out.validated() } catch { throw .invalidGraph(error) }
        return (result, rewriter.summary)
    }

    /// Calibrates with `kernels` and quantizes: the whole pipeline in one call. The
    /// prepared graph is calibrated, equalized across layers where that balances its
    /// channels (`equalized`), calibrated again, and quantized.
    public func quantize<K: KernelSet>(_ graph: Graph, calibrationInputs: [[Float]], samples: Int, kernels: K.Type) throws(QuantizationError) -> (graph: Graph, summary: Summary) {
        var prepared = PostTrainingQuantizer.prepared(graph)
        var stats = try Calibration.collect(prepared, inputs: calibrationInputs, samples: samples, observer: observer, kernels: kernels)
        if let equalized = PostTrainingQuantizer.equalized(prepared, statistics: stats) {
            prepared = equalized
            stats = try Calibration.collect(prepared, inputs: calibrationInputs, samples: samples, observer: observer, kernels: kernels)
        }
        return try quantize(prepared, statistics: stats)
    }

    // MARK: - Parameter arithmetic

    /// Asymmetric int8 parameters of a real range (TFLite's
    /// `ChooseQuantizationParams`): the range is widened to contain 0, scale =
    /// (max − min) / 255, zero point = round(−128 − min / scale) nudged into [-128, 127].
    public static func activationParameters(min lo: Float, max hi: Float) -> QuantizationParameters {
        let a = Double(Swift.min(lo, 0)), b = Double(Swift.max(hi, 0))
        var range = b - a
        if !(range > 1e-8) || !range.isFinite { range = 1 }
        let scale = range / 255
        let zp = (-128 - a / scale).rounded()
        return QuantizationParameters(scale: Float(scale), zeroPoint: Int32(Swift.min(127, Swift.max(-128, zp))))
    }

    /// Symmetric per-channel int8 weights: scale[c] = max |w[c]| / 127 (1 for an
    /// all-zero channel), q = round(w / scale[c]) in [-127, 127].
    public static func quantizeWeights(_ w: [Float], shape: [Int], channelAxis: Int) -> (values: [Int8], scales: [Float]) {
        let channels = shape[channelAxis]
        var inner = 1
        for d in (channelAxis + 1)..<shape.count { inner *= shape[d] }
        func channel(_ i: Int) -> Int { (i / inner) % channels }
        var maxAbs = [Float](repeating: 0, count: channels)
        for i in w.indices { maxAbs[channel(i)] = Swift.max(maxAbs[channel(i)], abs(w[i])) }
        let scales = maxAbs.map { $0 > 0 ? $0 / 127 : 1 }
        var q = [Int8](repeating: 0, count: w.count)
        for i in w.indices {
            let v = (Double(w[i]) / Double(scales[channel(i)])).rounded()
            q[i] = Int8(Swift.min(127, Swift.max(-127, v)))
        }
        return (q, scales)
    }

    /// int32 bias: round(b[c] / (s_in · s_w[c])), saturated.
    public static func quantizeBias(_ b: [Float], inputScale: Float, weightScales: [Float]) -> (values: [Int32], scales: [Float]) {
        var values = [Int32](repeating: 0, count: b.count)
        var scales = [Float](repeating: 0, count: b.count)
        for c in b.indices {
            let s = Double(inputScale) * Double(weightScales[c])
            scales[c] = Float(s)
            let v = (Double(b[c]) / s).rounded()
            values[c] = Int32(Swift.min(Double(Int32.max), Swift.max(Double(Int32.min), v)))
        }
        return (values, scales)
    }
}

/// Builds the int8 graph node by node; tensor IDs of the source map to a float and/or
/// an int8 tensor of the result.
struct Rewriter {
    let source: Graph
    let statistics: CalibrationStatistics
    let observer: CalibrationObserver
    var out = Graph()
    var summary = PostTrainingQuantizer.Summary()
    var floatID: [TensorID: TensorID] = [:]
    var int8ID: [TensorID: TensorID] = [:]
    var constantID: [TensorID: TensorID] = [:]
    let graphOutputs: Set<TensorID>

    /// The nodes kept float: `keepFloat`, and with `floatHead` the classifier head:
    /// walking back from each graph output through Softmax, activations and reshapes to
    /// the Dense that computes the logits.
    /// It then stays float: int8 logits are steps of (range / 256) and int8
    /// probabilities of 1/256, so beats near a tie tie and the lower class index wins;
    /// in float the decision keeps the int8 features' own resolution, for a few float
    /// MACs and exponentials.
    let head: Set<String>
    /// Parameters the model itself fixes (a QDQ graph's, `lowerQDQ`): used instead of
    /// the statistics, and a node whose output has none stays float.
    let fixed: [TensorID: QuantizationParameters]?

    init(source: Graph, statistics: CalibrationStatistics, observer: CalibrationObserver, floatHead: Bool, keepFloat: Set<String>,
         fixed: [TensorID: QuantizationParameters]? = nil) {
        self.fixed = fixed
        self.source = source
        self.statistics = statistics
        self.observer = observer
        self.graphOutputs = Set(source.outputs)
        var head: Set<String> = []
        for output in source.outputs where floatHead {
            var tensor = output
            while let node = source.nodes.last(where: { $0.outputs.contains(tensor) }) {
                switch node.op {
                case .softmax, .logSoftmax, .activation, .reshape:
                    head.insert(node.name)
                    tensor = node.inputs[0]
                    continue
                case .dense:
                    head.insert(node.name)
                default:
                    break
                }
                break
            }
        }
        self.head = head.union(keepFloat)
    }

    mutating func run() throws(QuantizationError) {
        for id in source.inputs {
            let t = source.tensors[id]
            floatID[id] = out.addTensor(name: t.name, dtype: .float32, shape: t.shape)
            out.inputs.append(floatID[id]!)
        }
        for node in source.nodes {
            if runsInt8(node) {
                try int8Node(node)
                summary.int8Nodes.append(node.name)
            } else {
                floatNode(node)
                summary.floatNodes.append(node.name)
            }
        }
        for id in source.outputs { out.outputs.append(floatTensor(id)) }
    }

    func isConstant(_ id: TensorID) -> Bool { source.tensors[id].isConstant }

    func runsInt8(_ node: Node) -> Bool {
        let activations = node.inputs.filter { !isConstant($0) }
        let anyInt8Input = activations.contains { int8ID[$0] != nil }
        if head.contains(node.name) { return false }
        if let fixed, !fixedParametersAllow(node, fixed) { return false }
        switch node.op {
        case .conv1D:
            return true
        case .dense:
            // The weight must be the [In, Out] constant (it is, after validation).
            return isConstant(node.inputs[1])
        case .add, .sub, .mul, .prelu:
            // A constant operand is quantized per tensor, as TensorFlow's converter does.
            return anyInt8Input && node.inputs.count == 2
        case .concatenate:
            // A constant operand stays float: the int8 Concatenate takes activations only.
            return anyInt8Input && activations.count == node.inputs.count
        case .reshape, .softmax, .maxPool1D, .averagePool1D, .globalAveragePool1D, .globalMaxPool1D, .activation, .transpose, .slice, .expand:
            return anyInt8Input
        case .matMul, .logSoftmax, .div, .maximum, .minimum, .power, .squaredDifference, .zeroPadding1D, .convND, .maxPoolND, .averagePoolND, .affine, .gru, .lstm, .simpleRNN,
             .quantize, .dequantize, .gather, .clamp, .batchNormalizationTraining, .layerNormalization:
            return false
        }
    }

    /// With fixed parameters: every activation the node reads has some (or is already
    /// int8), and its output has the ones the int8 kernel gives it (Softmax, sigmoid and
    /// tanh fix theirs; pools and reshapes keep their input's), or any for the others.
    func fixedParametersAllow(_ node: Node, _ fixed: [TensorID: QuantizationParameters]) -> Bool {
        for id in node.inputs where !isConstant(id) && int8ID[id] == nil && fixed[id] == nil { return false }
        guard let out = fixed[node.outputs[0]] else { return false }
        // The output parameters the int8 kernel sets itself, as `int8Node` gives them.
        var required: QuantizationParameters? = nil
        if case .softmax = node.op { required = QuantizationParameters(scale: 1.0 / 256.0, zeroPoint: -128) }
        if case .activation(let a) = node.op {
            if case .sigmoid = a { required = QuantizationParameters(scale: 1.0 / 256.0, zeroPoint: -128) }
            if case .hardSigmoid = a { required = QuantizationParameters(scale: 1.0 / 256.0, zeroPoint: -128) }
            if case .tanh = a { required = QuantizationParameters(scale: 1.0 / 128.0, zeroPoint: 0) }
        }
        if Self.keepsInputParameters(node.op) { required = node.inputs.first.flatMap { fixed[$0] } }
        if let required {
            return out.zeroPoints == required.zeroPoints && abs(out.scales[0] - required.scales[0]) <= 1e-6 * required.scales[0]
        }
        return true
    }

    /// The int8 ops whose output keeps their input's parameters (`int8Node`).
    static func keepsInputParameters(_ op: Op) -> Bool {
        switch op {
        case .reshape, .maxPool1D, .averagePool1D, .globalMaxPool1D, .transpose, .slice, .expand:
            return true
        case .conv1D, .dense, .matMul, .add, .sub, .mul, .div, .maximum, .minimum, .power, .squaredDifference, .prelu, .concatenate,
             .zeroPadding1D, .globalAveragePool1D, .convND, .maxPoolND, .averagePoolND, .activation, .softmax, .logSoftmax, .affine,
             .gru, .lstm, .simpleRNN, .quantize, .dequantize, .gather, .clamp, .batchNormalizationTraining, .layerNormalization:
            return false
        }
    }

    func parameters(of id: TensorID) -> QuantizationParameters {
        if let p = fixed?[id] { return p }
        let range = statistics.tensors[id]?.range(observer) ?? (min: 0, max: 0)
        return PostTrainingQuantizer.activationParameters(min: range.min, max: range.max)
    }

    /// The int8 version of a source activation, quantizing its float version once.
    mutating func int8Tensor(_ id: TensorID) -> TensorID {
        if let q = int8ID[id] { return q }
        let f = floatTensor(id)
        let t = source.tensors[id]
        let q = out.addTensor(name: t.name + "/quantized", dtype: .int8, shape: t.shape)
        out.tensors[q].quantization = parameters(of: id)
        out.nodes.append(Node(name: t.name + "/quantize", op: .quantize, inputs: [f], outputs: [q]))
        summary.quantizeNodes += 1
        int8ID[id] = q
        return q
    }

    /// The float version of a source activation, dequantizing its int8 version once.
    mutating func floatTensor(_ id: TensorID) -> TensorID {
        if let f = floatID[id] { return f }
        let q = int8ID[id]!
        let t = source.tensors[id]
        // A graph output keeps its name on the float tensor the package exposes.
        let name = graphOutputs.contains(id) ? t.name : t.name + "/dequantized"
        let f = out.addTensor(name: name, dtype: .float32, shape: t.shape)
        out.nodes.append(Node(name: t.name + "/dequantize", op: .dequantize, inputs: [q], outputs: [f]))
        summary.dequantizeNodes += 1
        floatID[id] = f
        return f
    }

    /// A float constant operand of an elementwise op as int8, per tensor over its range
    /// (zero included), as TensorFlow's converter quantizes such constants.
    mutating func quantizedConstant(_ id: TensorID) -> TensorID {
        let t = source.tensors[id]
        let values = source.floatValues(of: id)
        let q = PostTrainingQuantizer.activationParameters(min: values.min() ?? 0, max: values.max() ?? 0)
        let (scale, zero) = (q.scales[0], q.zeroPoints[0])
        let stored = values.map { Int8(clamping: Int32(($0 / scale).rounded()) + zero) }
        return out.addConstant(name: t.name, shape: t.shape, values: stored, quantization: q)
    }

    /// A source constant copied as it is.
    mutating func copiedConstant(_ id: TensorID) -> TensorID {
        if let c = constantID[id] { return c }
        let t = source.tensors[id]
        guard case .constant(let offset) = t.storage else { return id }
        let c = source.constantData.withUnsafeBytes { raw in
            out.addConstant(name: t.name, dtype: t.dtype, shape: t.shape, bytes: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + t.byteCount)]), quantization: t.quantization)
        }
        constantID[id] = c
        return c
    }

    mutating func floatNode(_ node: Node) {
        let inputs = node.inputs.map { isConstant($0) ? copiedConstant($0) : floatTensor($0) }
        var outputs: [TensorID] = []
        for id in node.outputs {
            let t = source.tensors[id]
            let f = out.addTensor(name: t.name, dtype: .float32, shape: t.shape)
            floatID[id] = f
            outputs.append(f)
        }
        out.nodes.append(Node(name: node.name, op: node.op, inputs: inputs, outputs: outputs))
    }

    mutating func int8Node(_ node: Node) throws(QuantizationError) {
        var inputs: [TensorID] = []
        let outSource = node.outputs[0]
        let outT = source.tensors[outSource]
        var outParameters: QuantizationParameters

        switch node.op {
        case .conv1D, .dense:
            let x = int8Tensor(node.inputs[0])
            let inputScale = out.tensors[x].quantization!.scales[0]
            let weightID = node.inputs[1]
            let w = source.tensors[weightID]
            let axis: Int
            if case .conv1D = node.op { axis = 2 } else { axis = 1 }
            let (qw, scales) = PostTrainingQuantizer.quantizeWeights(source.floatValues(of: weightID), shape: w.shape, channelAxis: axis)
            let wq = out.addConstant(name: w.name, shape: w.shape, values: qw,
                                     quantization: QuantizationParameters(scales: scales, zeroPoints: [Int32](repeating: 0, count: scales.count), axis: axis))
            inputs = [x, wq]
            if node.inputs.count == 3 {
                let b = source.tensors[node.inputs[2]]
                let (qb, bs) = PostTrainingQuantizer.quantizeBias(source.floatValues(of: node.inputs[2]), inputScale: inputScale, weightScales: scales)
                inputs.append(out.addConstant(name: b.name, shape: b.shape, values: qb,
                                              quantization: QuantizationParameters(scales: bs, zeroPoints: [Int32](repeating: 0, count: bs.count), axis: 0)))
            }
            outParameters = parameters(of: outSource)
        case .add, .sub, .mul, .prelu:
            inputs = node.inputs.map { isConstant($0) ? quantizedConstant($0) : int8Tensor($0) }
            outParameters = parameters(of: outSource)
        case .concatenate:
            inputs = node.inputs.map { int8Tensor($0) }
            outParameters = parameters(of: outSource)
        case .reshape, .maxPool1D, .averagePool1D, .globalMaxPool1D, .transpose, .slice, .expand:
            // `keepsInputParameters`.
            let x = int8Tensor(node.inputs[0])
            inputs = [x]
            outParameters = out.tensors[x].quantization!
        case .globalAveragePool1D:
            inputs = [int8Tensor(node.inputs[0])]
            outParameters = parameters(of: outSource)
        case .softmax:
            inputs = [int8Tensor(node.inputs[0])]
            outParameters = QuantizationParameters(scale: 1.0 / 256.0, zeroPoint: -128)
        case .activation(let a):
            inputs = [int8Tensor(node.inputs[0])]
            switch a {
            case .sigmoid, .hardSigmoid: outParameters = QuantizationParameters(scale: 1.0 / 256.0, zeroPoint: -128)
            case .tanh: outParameters = QuantizationParameters(scale: 1.0 / 128.0, zeroPoint: 0)
            case .linear, .relu, .relu6, .clip, .leakyRelu, .elu, .selu, .gelu, .swish, .softplus, .softsign, .hardSwish, .exponential, .mish, .negate, .absolute, .logarithm, .squareRoot, .reciprocal, .reciprocalSquareRoot, .errorFunction:
                outParameters = parameters(of: outSource)
            }
        case .matMul, .logSoftmax, .div, .maximum, .minimum, .power, .squaredDifference, .zeroPadding1D, .convND, .maxPoolND, .averagePoolND, .affine, .gru, .lstm, .simpleRNN,
             .quantize, .dequantize, .gather, .clamp, .batchNormalizationTraining, .layerNormalization:
            throw .invalidGraph(.typeMismatch(node: node.name, reason: "\(node.op.name) has no int8 kernel"))
        }
        let name = graphOutputs.contains(outSource) ? outT.name + "/int8" : outT.name
        let q = out.addTensor(name: name, dtype: .int8, shape: outT.shape)
        out.tensors[q].quantization = outParameters
        int8ID[outSource] = q
        out.nodes.append(Node(name: node.name, op: node.op, inputs: inputs, outputs: [q]))
    }
}
