import VigilRuntime

/// A Keras activation as Vigil runs it: elementwise activations fuse into the op
/// before them, softmax needs its own node over the last axis.
enum KerasActivation: Sendable, Equatable {
    case elementwise(Activation)
    case softmax
    case logSoftmax

    static let supportedNames = [
        "linear", "relu", "relu6", "leaky_relu", "sigmoid", "hard_sigmoid", "tanh", "softmax", "elu", "selu", "gelu",
        "swish", "silu", "softplus", "softsign", "hard_swish", "hard_silu", "exponential", "mish", "log_softmax",
    ]

    /// The activation named by a layer argument: a name, null, or (Keras 3) a
    /// serialized function object whose config is the name.
    init(_ json: KerasJSON?, layer: String, argument: String, dialect: KerasDialect) throws(ImportError) {
        let name: String
        switch json {
        case nil, .null?: name = "linear"
        case .string(let s)?: name = s
        case .object(let o)?:
            guard let s = o["config"]?.string ?? o["config"]?["name"]?.string ?? o["class_name"]?.string else {
                throw .unsupportedAttribute(node: layer, reason: "\(argument): cannot read the activation \(json!)")
            }
            name = s
        default:
            throw .unsupportedAttribute(node: layer, reason: "\(argument): cannot read the activation \(json!)")
        }
        switch name {
        case "linear", "identity": self = .elementwise(.linear)
        case "relu": self = .elementwise(.relu)
        case "relu6": self = .elementwise(.relu6)
        // keras.activations.leaky_relu defaults to a slope of 0.2.
        case "leaky_relu": self = .elementwise(.leakyRelu(alpha: 0.2))
        case "sigmoid": self = .elementwise(.sigmoid)
        case "hard_sigmoid": self = .elementwise(dialect.hardSigmoid)
        case "tanh": self = .elementwise(.tanh)
        case "softmax": self = .softmax
        case "log_softmax": self = .logSoftmax
        // The functions' default arguments: elu's alpha 1, gelu exact (not tanh-approximated).
        case "elu": self = .elementwise(.elu(alpha: 1))
        case "selu": self = .elementwise(.selu(alpha: 1.6732632, gamma: 1.050701))
        case "gelu": self = .elementwise(.gelu(approximate: false))
        case "swish", "silu": self = .elementwise(.swish)
        case "softplus": self = .elementwise(.softplus)
        case "softsign": self = .elementwise(.softsign)
        case "hard_swish", "hard_silu": self = .elementwise(.hardSwish)
        case "exponential": self = .elementwise(.exponential)
        case "mish": self = .elementwise(.mish)
        default:
            throw .unsupportedAttribute(node: layer, reason: "\(argument) '\(name)' is not supported; supported activations: \(Self.supportedNames.joined(separator: ", "))")
        }
    }

    /// What a fused op applies itself (softmax follows as its own node).
    var fused: Activation {
        if case .elementwise(let a) = self { return a }
        return .linear
    }
}
