import VigilRuntime

/// A model quantized in ONNX's QDQ or QOperator format (ONNX Runtime's quantizer)
/// imports as float ops between Quantize and Dequantize nodes that carry the model's
/// own parameters (`ONNXQuantizationOps`). Lowering runs those float ops on Vigil's int8
/// kernels with the model's parameters, no calibration needed:
///
/// 1. Each Quantize of a float tensor f with parameters p, and the Dequantizes reading
///    it back, are removed: their readers read f, and f keeps p. int8 data movement
///    between them (QOperator's MaxPool, Reshape, Transpose on quantized data) becomes
///    the float op on f, its output keeping the same parameters.
/// 2. The result, a float graph with fixed parameters, goes through the quantizer's
///    rewriter as calibration statistics would: Conv1D, Dense and the elementwise,
///    pooling and data movement ops run in int8 where their inputs and output have
///    parameters; weights become int8 per channel again (ONNX Runtime's symmetric
///    per-channel int8 weights are on that same grid), biases int32 at s_in·s_w.
///    Ops without parameters on their output (the QDQ model's own float islands), and
///    Softmax, sigmoid and tanh whose output parameters differ from TFLite's fixed
///    ones, stay float.
///
/// Requantization follows TFLite's integer kernels, ONNX Runtime's follows its own, so
/// an output can land a step apart from ONNX Runtime's.
extension PostTrainingQuantizer {
    /// Whether the graph quantizes float data itself but computes nothing in int8 beyond
    /// moving it (imported from QDQ or QOperator, not yet lowered): a package `vigil
    /// quantize` already wrote computes in int8 and is not one.
    public static func carriesQuantization(_ g: Graph) -> Bool {
        g.nodes.contains { $0.op == .quantize && g.tensors[$0.inputs[0]].dtype == .float32 }
            && !g.nodes.contains { $0.op != .quantize && g.tensors[$0.outputs[0]].dtype == .int8 && !Rewriter.keepsInputParameters($0.op) }
    }

    /// The float graph a QDQ graph computes between its Quantize and Dequantize nodes,
    /// and the parameters its Quantizes fix.
    static func strippedQDQ(_ g: Graph) throws(QuantizationError) -> (graph: Graph, parameters: [TensorID: QuantizationParameters]) {
        var out = g
        out.nodes = []
        var parameters: [TensorID: QuantizationParameters] = [:]
        /// The float tensor each removed int8 tensor stands for.
        var floatOf: [TensorID: TensorID] = [:]
        /// Dequantized tensors and the float tensor they read back.
        var alias: [TensorID: TensorID] = [:]
        func resolved(_ id: TensorID) -> TensorID { alias[id] ?? id }
        for node in g.nodes {
            let inputs = node.inputs.map(resolved)
            let first = inputs.first.map { out.tensors[$0] }
            if node.op == .quantize, let x = first, x.dtype == .float32, let p = out.tensors[node.outputs[0]].quantization {
                if let q = parameters[inputs[0]], q != p {
                    throw .invalidGraph(.quantizationMismatch(node: node.name, tensor: x.name, reason: "quantized twice with different parameters"))
                }
                parameters[inputs[0]] = p
                floatOf[node.outputs[0]] = inputs[0]
                continue
            }
            if node.op == .dequantize, let f = inputs.first.flatMap({ floatOf[$0] }) {
                alias[node.outputs[0]] = f
                continue
            }
            if let f = inputs.first.flatMap({ floatOf[$0] }), out.tensors[node.outputs[0]].dtype == .int8, node.inputs.count == 1 {
                // int8 data movement on quantized data: the float op, parameters kept.
                let y = out.tensors[node.outputs[0]]
                let floatOut = out.addTensor(name: y.name + "/float", dtype: .float32, shape: y.shape)
                if let p = y.quantization { parameters[floatOut] = p }
                floatOf[node.outputs[0]] = floatOut
                out.nodes.append(Node(name: node.name, op: node.op, inputs: [f], outputs: [floatOut]))
                continue
            }
            if inputs.contains(where: { floatOf[$0] != nil }) {
                throw .invalidGraph(.typeMismatch(node: node.name, reason: "reads quantized data other than through Dequantize; Vigil lowers QDQ graphs whose int8 data only moves"))
            }
            out.nodes.append(Node(name: node.name, op: node.op, inputs: inputs, outputs: node.outputs))
        }
        out.outputs = g.outputs.map { id in resolved(floatOf[id] ?? id) }
        // The removed int8 tensors stay in the table, unwritten and unread.
        return (out, parameters)
    }

    /// The int8 graph of a QDQ graph (see above) and a summary.
    public func lowerQDQ(_ graph: Graph) throws(QuantizationError) -> (graph: Graph, summary: Summary) {
        let g: Graph
        do { g = try graph.validated() } catch { throw .invalidGraph(error) }
        let (stripped, quantized) = try Self.strippedQDQ(g)
        // No graph optimization here, nor `prepared`'s forward folding of Affines: each
        // quantized tensor is a rounding and clamping point of the model (a ReLU that ONNX
        // Runtime removed lives on as the zero point −128), so folding ops across one
        // would change what the model computes.
        let prepared: Graph
        do { prepared = try Self.separatingTableActivations(Self.affinesAsDepthwiseConvolutions(stripped)).validated() } catch { throw .invalidGraph(error) }
        // Parameters pass through the ops that keep their input's: forward to an output
        // the model did not quantize itself (the importer's own layout reshapes), and,
        // a reshape holding its input's values, backward too (the importer's reshapes
        // sit on either side of a QuantizeLinear).
        var parameters = quantized
        var changed = true
        while changed {
            changed = false
            for node in prepared.nodes where Rewriter.keepsInputParameters(node.op) {
                let (x, y) = (node.inputs[0], node.outputs[0])
                if parameters[y] == nil, let p = parameters[x] { parameters[y] = p; changed = true }
                if case .reshape = node.op, parameters[x] == nil, let p = parameters[y] { parameters[x] = p; changed = true }
            }
        }
        var rewriter = Rewriter(source: prepared, statistics: CalibrationStatistics(), observer: observer, floatHead: floatHead,
                                keepFloat: keepFloat, fixed: parameters)
        try rewriter.run()
        let result: Graph
        do { result = try rewriter.out.validated() } catch { throw .invalidGraph(error) }
        return (result, rewriter.summary)
    }
}
