import VigilRuntime

extension ONNXGraphConverter {
    /// The op types the importer translates (the default ONNX domain).
    static let supportedOps: [String] = [
        "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv",
        "Div", "Dropout", "Expand", "Flatten", "GRU", "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool",
        "HardSigmoid", "Identity", "LSTM", "LeakyRelu", "MatMul", "MaxPool", "Mul", "Relu", "Reshape",
        "Shape", "Sigmoid", "Slice", "Softmax", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze",
        "Elu", "Selu", "Gelu", "Softplus", "Softsign", "HardSwish", "Mish", "Exp", "Max", "Min", "PRelu", "LayerNormalization",
        "Neg", "Abs", "Log", "Sqrt", "Reciprocal", "Erf", "RNN", "LogSoftmax", "Pow", "Pad",
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
        "ConvTranspose", "Tile", "Resize", "Where", "Loop", "Split", "ReverseSequence", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal", "And", "Or", "Xor", "Not",
    ] + quantizedOps + microsoftOps.map { "com.microsoft." + $0 }

    /// Ops a batch-free import (one sample, no ONNX batch axis) does not translate. The
    /// window ops do: there the ONNX N axis is one more window axis, with a window of 1.
    static let batchedOnly: Set<String> = ["BatchNormalization", "RNN", "GRU", "LSTM"]

    /// Supported ops whose opset-11/12 definitions differ from opset 13's in more than
    /// element types and that the importer reads only in the opset-13 form.
    /// Ops that read a value whose first axis merges the batch with other axes
    /// (`RuntimeValue.mergedBatch`); Transpose only keeping axis 0 first.
    static let readsMergedBatch: Set<String> = ["Identity", "Reshape", "MatMul", "Shape", "Transpose", "QuantizeLinear", "DequantizeLinear"]

    static let changedInOpset13: Set<String> = ["Squeeze", "Unsqueeze"]

    mutating func convert(_ proto: Onnx_NodeProto, index: Int) throws {
        let node = ONNXNode(proto, index: index)
        if proto.domain == "com.microsoft" && Self.microsoftOps.contains(proto.opType) {
            switch proto.opType {
            case "QLinearAdd": try qLinearBinary(node, "Add")
            case "QLinearMul": try qLinearBinary(node, "Mul")
            case "QGemm": try qGemm(node)
            case "QLinearGlobalAveragePool": try qLinearGlobalAveragePool(node)
            case "QLinearSoftmax": try qLinearSoftmax(node)
            case "QLinearConcat": try qLinearConcat(node)
            case "QLinearSigmoid": try qLinearUnary(node, "Sigmoid")
            case "QLinearLeakyRelu": try qLinearUnary(node, "LeakyRelu", attributes: ["alpha": .float(try node.attributes.float("alpha", default: 0.01))])
            default: throw ImportError.unsupportedOp(node: node.name, type: "com.microsoft.\(proto.opType)", supported: Self.supportedOps)
            }
            return
        }
        if !proto.domain.isEmpty && proto.domain != "ai.onnx" {
            throw ImportError.unsupportedOp(node: node.name, type: "\(proto.domain).\(proto.opType)", supported: Self.supportedOps)
        }
        // Training-mode BatchNormalization needs the whole framework batch in one sample.
        let trainingMode = try proto.opType == "BatchNormalization" && node.attributes.int("training_mode", default: 0) != 0
        if batchFree && Self.batchedOnly.contains(proto.opType) && !trainingMode {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "\(proto.opType) needs a batch axis; the model's inputs fix their first axes")
        }
        if opset < 13 && Self.changedInOpset13.contains(proto.opType) {
            throw ImportError.unsupportedVersion("node '\(node.name)': \(proto.opType) of opset \(opset) takes its axes as an attribute; Vigil imports it from opset 13")
        }
        if !Self.readsMergedBatch.contains(proto.opType) {
            for i in proto.input.indices {
                if case .runtime(let v)? = try optionalInput(node, i), v.mergedBatch {
                    throw ImportError.dynamicShape(node: node.name, reason: "\(proto.opType) of '\(proto.input[i])', whose first axis merges the batch with \(v.shape[0]) rows; Vigil follows such data only through \(Self.readsMergedBatch.sorted().joined(separator: ", "))")
                }
            }
        }
        switch proto.opType {
        case "Identity": try setOutput(node, 0, try input(node, 0))
        case "Dropout": try dropout(node)
        case "Cast": try cast(node)
        case "Constant": try constantNode(node)
        case "Relu": try unary(node, .relu)
        case "Sigmoid": try unary(node, .sigmoid)
        case "Tanh": try unary(node, .tanh)
        case "Elu": try unary(node, .elu(alpha: try node.attributes.float("alpha", default: 1)))
        case "Selu":
            try unary(node, .selu(alpha: try node.attributes.float("alpha", default: 1.6732632), gamma: try node.attributes.float("gamma", default: 1.050701)))
        case "Gelu":
            switch try node.attributes.string("approximate", default: "none") {
            case "none": try unary(node, .gelu(approximate: false))
            case "tanh": try unary(node, .gelu(approximate: true))
            case let other: throw ImportError.unsupportedAttribute(node: node.name, reason: "Gelu approximate '\(other)' is not 'none' or 'tanh'")
            }
        case "Softplus": try unary(node, .softplus)
        case "Softsign": try unary(node, .softsign)
        case "HardSwish": try unary(node, .hardSwish)
        case "Mish": try unary(node, .mish)
        case "Exp": try unary(node, .exponential)
        case "Neg": try unary(node, .negate)
        case "Abs": try unary(node, .absolute)
        case "Log": try unary(node, .logarithm)
        case "Sqrt": try unary(node, .squareRoot)
        case "Reciprocal": try unary(node, .reciprocal)
        case "Erf": try unary(node, .errorFunction)
        case "LeakyRelu": try unary(node, .leakyRelu(alpha: try node.attributes.float("alpha", default: 0.01)))
        case "HardSigmoid":
            try unary(node, .hardSigmoid(alpha: try node.attributes.float("alpha", default: 0.2), beta: try node.attributes.float("beta", default: 0.5)))
        case "Clip": try clip(node)
        case "Add": try binary(node, .add)
        case "Sub": try binary(node, .sub)
        case "Mul": try binary(node, .mul)
        case "Div": try binary(node, .div)
        case "Pow": try binary(node, .pow)
        case "PRelu": try prelu(node)
        case "Max": try variadic(node, .max)
        case "Min": try variadic(node, .min)
        case "Softmax": try softmax(node)
        case "LogSoftmax": try softmax(node, log: true)
        case "Conv": try conv(node)
        case "MaxPool", "AveragePool": try pool(node)
        case "GlobalAveragePool", "GlobalMaxPool": try globalPool(node)
        case "BatchNormalization": try batchNormalization(node)
        case "LayerNormalization": try layerNormalization(node)
        case "Gemm": try gemm(node)
        case "MatMul": try matMul(node)
        case "Concat": try concat(node)
        case "Reshape": try reshape(node)
        case "Flatten": try flatten(node)
        case "Transpose": try transpose(node)
        case "Squeeze": try squeeze(node)
        case "Unsqueeze": try unsqueeze(node)
        case "Shape": try shape(node)
        case "Gather": try gather(node)
        case "Expand": try expand(node)
        case "Pad": try pad(node)
        case "Slice": try slice(node)
        case "ConvTranspose": try convTranspose(node)
        case "Tile": try tile(node)
        case "Resize": try resize(node)
        case "Where": try whereOp(node)
        case "Loop": try loop(node)
        case "Split": try split(node)
        case "ReverseSequence": try reverseSequence(node)
        case "Less": try compare(node, .less)
        case "LessOrEqual": try compare(node, .lessOrEqual)
        case "Greater": try compare(node, .greater)
        case "GreaterOrEqual": try compare(node, .greaterOrEqual)
        case "Equal": try compare(node, .equal)
        case "And": try compare(node, .and)
        case "Or": try compare(node, .or)
        case "Xor": try compare(node, .xor)
        case "Not": try not(node)
        case "ReduceMean": try reduce(node, .mean)
        case "ReduceSum": try reduce(node, .sum)
        case "ReduceMax": try reduce(node, .max)
        case "ReduceMin": try reduce(node, .min)
        case "ReduceProd": try reduce(node, .prod)
        case "RNN": try recurrent(node, gates: 1)
        case "GRU": try recurrent(node, gates: 3)
        case "LSTM": try recurrent(node, gates: 4)
        case "QuantizeLinear": try quantizeLinear(node)
        case "DequantizeLinear": try dequantizeLinear(node)
        case "QLinearConv": try qLinearConv(node)
        case "QLinearMatMul": try qLinearMatMul(node)
        case "MatMulInteger": try matMulInteger(node)
        default:
            throw ImportError.unsupportedOp(node: node.name, type: proto.opType, supported: Self.supportedOps)
        }
    }

    /// Normalizes a possibly negative axis against `rank`.
    func axis(_ a: Int, rank: Int, node: ONNXNode) throws -> Int {
        let n = a < 0 ? a + rank : a
        if n < 0 || n >= rank { throw ImportError.unsupportedAttribute(node: node.name, reason: "axis \(a) is out of range for rank \(rank)") }
        return n
    }
}
