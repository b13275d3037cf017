/// Element types the runtime computes with. int8 carries activations and weights
/// of quantized models, int32 their biases and accumulators: those tensors have
/// quantization parameters. An integer tensor without them holds plain integers (ONNX's
/// integer tensors), which the integer ops compute on with wrap-around arithmetic
/// (IntegerKernels.swift). bool holds 0 or 1 in a byte; no op computes with it, it
/// only carries constant outputs such as Dropout's mask.
public enum DType: UInt8, Sendable, Equatable {
    case float32 = 0
    case int8 = 1
    case int32 = 2
    case int16 = 3
    case int64 = 4
    case uint8 = 5
    case uint16 = 6
    case uint32 = 7
    case uint64 = 8
    case bool = 9

    public var byteSize: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .int64, .uint64: return 8
        }
    }

    public var name: String {
        switch self {
        case .float32: return "float32"
        case .int8: return "int8"
        case .int32: return "int32"
        case .int16: return "int16"
        case .int64: return "int64"
        case .uint8: return "uint8"
        case .uint16: return "uint16"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .bool: return "bool"
        }
    }

    /// The integer types integer ops compute with (bool is not one).
    public var isInteger: Bool {
        switch self {
        case .float32, .bool: return false
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: return true
        }
    }
}

/// Affine quantization: real = scale × (q − zeroPoint). One scale per tensor, or one
/// per slice along `axis` (per-channel weights), as in the TFLite int8 specification.
public struct QuantizationParameters: Sendable, Equatable {
    public var scales: [Float]
    public var zeroPoints: [Int32]
    /// The axis whose slices have their own scale; nil for per-tensor parameters.
    public var axis: Int?

    public init(scale: Float, zeroPoint: Int32) {
        self.scales = [scale]
        self.zeroPoints = [zeroPoint]
        self.axis = nil
    }

    public init(scales: [Float], zeroPoints: [Int32], axis: Int) {
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.axis = axis
    }

    public var isPerChannel: Bool { axis != nil }
}

/// Where a tensor's bytes live while a model runs.
public enum TensorStorage: Sendable, Equatable {
    /// Planned into the arena (inputs, outputs and intermediates).
    case arena
    /// Read-only bytes at this offset of the graph's constant data; on a device they
    /// stay in flash and are used in place.
    case constant(offset: Int)
}

/// A tensor's static description. Activations carry a dynamic leading batch dimension
/// that `shape` leaves out; constants have no batch dimension.
public struct TensorDescriptor: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    /// Dimensions without the batch dimension. Empty until shape inference for
    /// intermediates that a builder created.
    public var shape: [Int]
    public var quantization: QuantizationParameters?
    public var storage: TensorStorage

    public init(name: String, dtype: DType, shape: [Int], quantization: QuantizationParameters? = nil, storage: TensorStorage = .arena) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.quantization = quantization
        self.storage = storage
    }

    public var isConstant: Bool {
        if case .constant = storage { return true }
        return false
    }

    /// Elements of one batch item (or of the whole tensor for a constant).
    public var elementCount: Int {
        var n = 1
        for d in shape { n *= d }
        return n
    }

    public var byteCount: Int { elementCount * dtype.byteSize }

    /// An integer tensor without quantization parameters: plain integers, not a
    /// quantized real value.
    public var isPlainInteger: Bool { dtype.isInteger && quantization == nil }
}

/// An index into `Graph.tensors`.
public typealias TensorID = Int
