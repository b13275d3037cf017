/// How a 1-D window op extends its input at the edges.
public enum Padding: Sendable, Equatable {
    /// No padding: the output shrinks by the receptive field.
    case valid
    /// Keras/TF `same`: output length ceil(L / stride), padding split with the odd
    /// element on the right.
    case same
    /// All padding on the left, so output t depends only on inputs ≤ t.
    case causal
    /// Explicit amounts, as ONNX `pads` gives them.
    case explicit(left: Int, right: Int)

    /// Padding (left, right) for an input of `length` with the given receptive field.
    public func amounts(length: Int, kernel: Int, stride: Int, dilation: Int) -> (left: Int, right: Int) {
        let field = (kernel - 1) * dilation + 1
        switch self {
        case .valid:
            return (0, 0)
        case .same:
            let outLength = (length + stride - 1) / stride
            let total = max((outLength - 1) * stride + field - length, 0)
            return (total / 2, total - total / 2)
        case .causal:
            return (field - 1, 0)
        case .explicit(let left, let right):
            return (left, right)
        }
    }

    /// The integers an explicit padding carries, for validation's bounds check.
    var integers: [Int] {
        if case .explicit(let l, let r) = self { return [l, r] }
        return []
    }

    /// Output length, or a non-positive number when the window does not fit.
    public func outputLength(length: Int, kernel: Int, stride: Int, dilation: Int) -> Int {
        let (left, right) = amounts(length: length, kernel: kernel, stride: stride, dilation: dilation)
        let field = (kernel - 1) * dilation + 1
        let padded = length + left + right
        if padded < field { return 0 }
        return (padded - field) / stride + 1
    }
}

/// An elementwise activation: a standalone op or fused into conv, dense and recurrent ops.
public enum Activation: Sendable, Equatable {
    case linear
    case relu
    case relu6
    /// Clamp to [min, max] (ONNX Clip, Keras ReLU with max_value).
    case clip(min: Float, max: Float)
    case leakyRelu(alpha: Float)
    case sigmoid
    /// Keras 3 / ONNX: max(0, min(1, alpha·x + beta)).
    case hardSigmoid(alpha: Float, beta: Float)
    case tanh
    /// x for x > 0, alpha·(e^x − 1) otherwise (Keras/ONNX ELU).
    case elu(alpha: Float)
    /// gamma·(x for x > 0, alpha·(e^x − 1) otherwise); Keras' SELU is alpha 1.6732632,
    /// gamma 1.0507010 (ONNX's defaults).
    case selu(alpha: Float, gamma: Float)
    /// x·Φ(x): exactly 0.5·x·erfc(−x/√2), or Keras' and ONNX's tanh approximation.
    case gelu(approximate: Bool)
    /// x·sigmoid(x) (Keras swish/silu).
    case swish
    /// ln(1 + e^x).
    case softplus
    /// x / (1 + |x|).
    case softsign
    /// x·relu6(x + 3)/6 (Keras hard_swish/hard_silu, ONNX HardSwish).
    case hardSwish
    /// e^x.
    case exponential
    /// x·tanh(softplus(x)).
    case mish
    /// Elementwise math ONNX and TFLite write as ops of their own: −x, |x|, ln x, √x,
    /// 1/x and erf x (nan outside their domains, as IEEE and numpy give).
    case negate, absolute, logarithm, squareRoot, reciprocal, errorFunction
    /// 1/√x (TFLite RSQRT).
    case reciprocalSquareRoot

    public var name: String {
        switch self {
        case .linear: return "linear"
        case .relu: return "relu"
        case .relu6: return "relu6"
        case .clip: return "clip"
        case .leakyRelu: return "leaky_relu"
        case .sigmoid: return "sigmoid"
        case .hardSigmoid: return "hard_sigmoid"
        case .tanh: return "tanh"
        case .elu: return "elu"
        case .selu: return "selu"
        case .gelu(let approximate): return approximate ? "gelu(tanh)" : "gelu"
        case .swish: return "swish"
        case .softplus: return "softplus"
        case .softsign: return "softsign"
        case .hardSwish: return "hard_swish"
        case .exponential: return "exponential"
        case .mish: return "mish"
        case .negate: return "neg"
        case .absolute: return "abs"
        case .logarithm: return "log"
        case .squareRoot: return "sqrt"
        case .reciprocal: return "reciprocal"
        case .errorFunction: return "erf"
        case .reciprocalSquareRoot: return "rsqrt"
        }
    }

    /// Whether this activation is a clamp, which an int8 kernel applies for free.
    public var isClamp: Bool {
        switch self {
        case .linear, .relu, .relu6, .clip: return true
        case .leakyRelu, .sigmoid, .hardSigmoid, .tanh, .elu, .selu, .gelu, .swish, .softplus, .softsign, .hardSwish, .exponential, .mish,
             .negate, .absolute, .logarithm, .squareRoot, .reciprocal, .reciprocalSquareRoot, .errorFunction:
            return false
        }
    }
}

/// One operation of the graph. Attributes live in the case; tensors are the node's
/// inputs, in the order each case documents. Each op's rules, kernels and compilation
/// live in its file under `Ops/`; Ops/OpTable.swift ties the cases to them.
public enum Op: Sendable, Equatable {
    /// inputs: x [L, Cin], weight [K, Cin/groups, Cout], optional bias [Cout] → [L', Cout]
    case conv1D(Conv1DAttributes)
    /// inputs: x [..., In], weight [In, Out], optional bias [Out] → [..., Out]
    case dense(activation: Activation)
    /// inputs: a [..., M, K] by a constant b [K, N] → [..., M, N]; a [..., M, K] by a
    /// run-time b [..., K, N] with the same leading axes (per sample); or a by a constant of matrix slices
    /// [..., K, N] that broadcast against a's leading axes (ONNX MatMul of rank > 2).
    case matMul
    /// Elementwise with numpy broadcasting of trailing dimensions.
    case add(activation: Activation)
    case sub(activation: Activation)
    case mul(activation: Activation)
    case div(activation: Activation)
    /// Elementwise maximum and minimum, broadcasting as Add (ONNX Max/Min, Keras
    /// Maximum/Minimum).
    case maximum(activation: Activation)
    case minimum(activation: Activation)
    /// x^y elementwise (ONNX Pow): NaN for a negative base and a non-integer exponent.
    case power(activation: Activation)
    /// (x − y)² elementwise, broadcasting as Add (TFLite SQUARED_DIFFERENCE, the
    /// variance in LayerNormalization's moments).
    case squaredDifference(activation: Activation)
    /// x ≥ 0 ? x : slope·x elementwise, the slope (often per channel) broadcasting as
    /// Add (Keras PReLU, ONNX PRelu, TFLite PRELU).
    case prelu(activation: Activation)
    /// Axis counts the batch dimension as 0, as Keras and ONNX do; negative from the end.
    /// Constant operands (at least one operand is not) hold one sample, repeated for
    /// every batch item.
    case concatenate(axis: Int)
    /// Target shape without the batch dimension; one entry may be -1.
    case reshape(shape: [Int])
    case zeroPadding1D(left: Int, right: Int)
    case maxPool1D(Pool1DAttributes)
    case averagePool1D(Pool1DAttributes)
    case globalAveragePool1D
    case globalMaxPool1D
    /// inputs: x [S…, Cin] over 1 to 3 spatial axes, weight [K…, Cin/groups, Cout],
    /// optional bias [Cout] → [S'…, Cout] (Ops/ConvND.swift).
    case convND(ConvNDAttributes)
    /// inputs: x [S…, C] → [S'…, C], and optionally the int64 position of each maximum
    /// as ONNX counts it: in the batch flattened channels first ([N, C, S…]), the
    /// spatial axes row-major, or column-major with `columnMajorIndices`.
    case maxPoolND(PoolNDAttributes, columnMajorIndices: Bool)
    case averagePoolND(PoolNDAttributes, countIncludePad: Bool)
    case activation(Activation)
    /// Axis counts the batch dimension as 0; -1 is the last.
    case softmax(axis: Int)
    /// ln softmax, computed as x − max − ln Σ e^(x − max) (Ops/Softmax.swift).
    case logSoftmax(axis: Int)
    /// inputs: x, scale [C], shift [C] → x·scale + shift per channel (last axis).
    case affine
    /// inputs: x [T, F], kernel [F, 3U], recurrent kernel [U, 3U], bias [3U] or [2, 3U] (reset_after).
    case gru(RecurrentAttributes)
    /// inputs: x [T, F], kernel [F, 4U], recurrent kernel [U, 4U], bias [4U], peepholes
    /// [3U] when the attributes say so. Gate order i, f, c, o. outputs: the hidden
    /// state(s), then optionally the last cell state [U].
    case lstm(RecurrentAttributes)
    /// inputs: x [T, F], kernel [F, U], recurrent kernel [U, U], bias [U]: a Keras
    /// SimpleRNN (Ops/SimpleRNN.swift).
    case simpleRNN(RecurrentAttributes)
    /// float32 → int8 with the output tensor's per-tensor parameters (round half away
    /// from zero, as TFLite's QUANTIZE), or int8 → int8 requantization between two
    /// scales.
    case quantize
    /// int8 → float32: scale × (q − zero point) with the input tensor's parameters.
    case dequantize
    /// inputs: x → x with its per-sample axes permuted: output axis i is input axis
    /// permutation[i]; the batch stays first. (Ops/DataMovement.swift)
    case transpose(permutation: [Int])
    /// inputs: x → along each per-sample axis i, `sizes[i]` elements from `starts[i]`
    /// in steps of `steps[i]` (negative: backwards). Importers resolve their clamping
    /// rules, so every index read lies inside the input.
    case slice(starts: [Int], steps: [Int], sizes: [Int])
    /// inputs: x, indices (an int32 constant, each in [0, size of the axis)) → x with
    /// per-sample axis `axis` (0 is the first after the batch) replaced by the indices'
    /// axes, as ONNX Gather.
    case gather(axis: Int)
    /// inputs: x → x broadcast to the per-sample `shape` (numpy rules, aligned at the
    /// last axis; x may have fewer axes).
    case expand(shape: [Int])
    /// inputs: x of a plain integer type, min and max: one-element constants of that
    /// type → x clamped to [min, max]; max wins where min > max, as in ONNX Clip. Float
    /// clipping is `.activation(.clip)`; integer bounds need the element type's range.
    case clamp
    /// Training-mode batch normalization, inputs: x [..., C], scale, bias, running mean,
    /// running variance [C] (constants) → y [..., C], new running mean [C], new running
    /// variance [C]. Each batch item is normalized with the mean and (population)
    /// variance of its own positions, so batch items stay independent; an importer
    /// uses it for a model imported as one sample, whose item is the framework's batch.
    case batchNormalizationTraining(epsilon: Float, momentum: Float)
    /// inputs: x [..., C], scale [C], bias [C] → x normalized over its last axis, then
    /// scaled and shifted, and optionally each row's mean and inverse deviation
    /// (Ops/LayerNormalization.swift).
    case layerNormalization(epsilon: Float)

    public var name: String {
        switch self {
        case .conv1D(let a): return a.groups == 1 ? "Conv1D" : "Conv1D(groups)"
        case .dense: return "Dense"
        case .matMul: return "MatMul"
        case .add: return "Add"
        case .sub: return "Sub"
        case .mul: return "Mul"
        case .div: return "Div"
        case .maximum: return "Maximum"
        case .minimum: return "Minimum"
        case .power: return "Pow"
        case .squaredDifference: return "SquaredDifference"
        case .prelu: return "PRelu"
        case .concatenate: return "Concatenate"
        case .reshape: return "Reshape"
        case .zeroPadding1D: return "ZeroPadding1D"
        case .maxPool1D: return "MaxPool1D"
        case .averagePool1D: return "AveragePool1D"
        case .globalAveragePool1D: return "GlobalAveragePool1D"
        case .globalMaxPool1D: return "GlobalMaxPool1D"
        case .convND(let a): return "Conv\(a.window.rank)D" + (a.groups == 1 ? "" : "(groups)")
        case .maxPoolND(let p, _): return "MaxPool\(p.window.rank)D"
        case .averagePoolND(let p, _): return "AveragePool\(p.window.rank)D"
        case .activation(let a): return a.name
        case .softmax: return "Softmax"
        case .logSoftmax: return "LogSoftmax"
        case .affine: return "Affine"
        case .gru: return "GRU"
        case .lstm: return "LSTM"
        case .simpleRNN: return "SimpleRNN"
        case .quantize: return "Quantize"
        case .dequantize: return "Dequantize"
        case .transpose: return "Transpose"
        case .slice: return "Slice"
        case .gather: return "Gather"
        case .expand: return "Expand"
        case .clamp: return "Clamp"
        case .batchNormalizationTraining: return "BatchNormalizationTraining"
        case .layerNormalization: return "LayerNormalization"
        }
    }
}

/// A node applies one op to input tensors and writes output tensors.
public struct Node: Sendable, Equatable {
    public var name: String
    public var op: Op
    public var inputs: [TensorID]
    public var outputs: [TensorID]

    public init(name: String, op: Op, inputs: [TensorID], outputs: [TensorID]) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
    }
}
