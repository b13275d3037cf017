/// The part of the TFLite schema (tflite/converter/schema/schema.fbs) the importer
/// reads, decoded from the flatbuffer into plain values. Field slots are the schema's
/// field order; a union takes two slots (its type, then its value).
struct TFLiteModel {
    enum TensorType: UInt8 {
        case float32 = 0, float16 = 1, int32 = 2, uint8 = 3, int64 = 4, string = 5, bool = 6, int16 = 7, complex64 = 8, int8 = 9

        var name: String {
            switch self {
            case .float32: return "FLOAT32"
            case .float16: return "FLOAT16"
            case .int32: return "INT32"
            case .uint8: return "UINT8"
            case .int64: return "INT64"
            case .string: return "STRING"
            case .bool: return "BOOL"
            case .int16: return "INT16"
            case .complex64: return "COMPLEX64"
            case .int8: return "INT8"
            }
        }
    }

    struct Tensor {
        var name: String
        var shape: [Int]
        var type: TensorType
        var buffer: Int
        var scales: [Float]
        var zeroPoints: [Int64]
        var quantizedDimension: Int
    }

    struct Operator {
        var code: Int32
        var customCode: String?
        var inputs: [Int]
        var outputs: [Int]
        /// The builtin options table, read by the op's translator.
        var options: FlatBufferReader.Table?
    }

    var version: UInt32
    var tensors: [Tensor]
    var operators: [Operator]
    var inputs: [Int]
    var outputs: [Int]
    /// Data of each buffer (empty for tensors without constant data).
    var buffers: [ArraySlice<UInt8>]

    static func opName(_ code: Int32) -> String { BuiltinOperator(rawValue: code)?.name ?? "builtin operator \(code)" }

    init(bytes: [UInt8], path: String) throws(ImportError) {
        let r = FlatBufferReader(bytes: bytes, path: path)
        let model = try r.root()
        version = try model.u32(0)
        if version != 3 { throw .unsupportedVersion("TFLite schema version \(version); Vigil reads version 3") }

        var codes: [(Int32, String?)] = []
        for c in try model.tables(1) {
            let deprecated = Int32(Int8(bitPattern: try c.u8(0)))
            let builtin = try c.i32(3)
            codes.append((max(deprecated, builtin), try c.string(1)))
        }

        var buffers: [ArraySlice<UInt8>] = []
        for b in try model.tables(4) {
            if let data = try b.bytes(0) {
                buffers.append(data)
            } else {
                let offset = try b.u64(1), size = try b.u64(2)
                if offset > 1 {
                    if offset > UInt64(bytes.count) || size > UInt64(bytes.count) - offset {
                        throw .malformedFile(path: path, reason: "buffer data at \(offset) (+\(size)) lies outside the file")
                    }
                    buffers.append(bytes[Int(offset)..<Int(offset + size)])
                } else {
                    buffers.append([])
                }
            }
        }
        self.buffers = buffers

        let subgraphs = try model.tables(2)
        guard let graph = subgraphs.first else { throw .malformedFile(path: path, reason: "the model has no subgraph") }
        if subgraphs.count > 1 { throw .unsupportedAttribute(node: "model", reason: "\(subgraphs.count) subgraphs (control flow); Vigil imports one") }

        var tensors: [Tensor] = []
        for (i, t) in (try graph.tables(0)).enumerated() {
            let rawType = try t.u8(1)
            guard let type = TensorType(rawValue: rawType) else {
                throw .malformedFile(path: path, reason: "tensor \(i) has unknown type \(rawType)")
            }
            let shape = (try t.int32s(0) ?? []).map { Int($0) }
            let buffer = Int(try t.u32(2))
            if buffer >= max(buffers.count, 1) && !(buffer == 0 && buffers.isEmpty) {
                throw .malformedFile(path: path, reason: "tensor \(i) refers to buffer \(buffer) of \(buffers.count)")
            }
            var scales: [Float] = [], zeros: [Int64] = [], dimension = 0
            if let q = try t.table(4) {
                scales = try q.floats(2) ?? []
                zeros = try q.int64s(3) ?? []
                dimension = Int(try q.i32(6))
            }
            tensors.append(Tensor(name: try t.string(3) ?? "tensor_\(i)", shape: shape, type: type, buffer: buffer,
                                  scales: scales, zeroPoints: zeros, quantizedDimension: dimension))
        }
        self.tensors = tensors

        func ids(_ values: [Int32]?, _ what: String) throws(ImportError) -> [Int] {
            var out: [Int] = []
            for v in values ?? [] {
                if v < -1 || Int(v) >= tensors.count { throw .malformedFile(path: path, reason: "\(what) refers to tensor \(v) of \(tensors.count)") }
                out.append(Int(v))
            }
            return out
        }
        // An operator may leave an optional input out (-1); the subgraph's own inputs and
        // outputs are real tensors.
        func graphIDs(_ values: [Int32]?, _ what: String) throws(ImportError) -> [Int] {
            let out = try ids(values, what)
            if out.contains(-1) { throw .malformedFile(path: path, reason: "\(what) name tensor -1") }
            return out
        }
        inputs = try graphIDs(try graph.int32s(1), "subgraph inputs")
        outputs = try graphIDs(try graph.int32s(2), "subgraph outputs")
        var operators: [Operator] = []
        for (i, op) in (try graph.tables(3)).enumerated() {
            let index = Int(try op.u32(0))
            if index >= codes.count { throw .malformedFile(path: path, reason: "operator \(i) has opcode index \(index) of \(codes.count)") }
            operators.append(Operator(code: codes[index].0, customCode: codes[index].1,
                                      inputs: try ids(try op.int32s(1), "operator \(i) inputs"),
                                      outputs: try ids(try op.int32s(2), "operator \(i) outputs"),
                                      options: try op.table(4)))
        }
        self.operators = operators
    }

    func data(of tensor: Int) -> ArraySlice<UInt8> {
        let b = tensors[tensor].buffer
        return b < buffers.count ? buffers[b] : []
    }
}

/// The codes of TFLite's `BuiltinOperator` (schema.fbs) that the importer translates or
/// names in its messages, under their official names.
enum BuiltinOperator: Int32, CaseIterable {
    case add = 0
    case averagePool2D = 1
    case concatenation = 2
    case conv2D = 3
    case depthwiseConv2D = 4
    case dequantize = 6
    case fullyConnected = 9
    case logistic = 14
    case maxPool2D = 17
    case mul = 18
    case relu = 19
    case relu6 = 21
    case reshape = 22
    case softmax = 25
    case tanh = 28
    case pad = 34
    case gather = 36
    case batchToSpaceND = 37
    case spaceToBatchND = 38
    case transpose = 39
    case mean = 40
    case sub = 41
    case div = 42
    case squeeze = 43
    case stridedSlice = 45
    case exp = 47
    case split = 49
    case maximum = 55
    case minimum = 57
    case neg = 59
    case expandDims = 70
    case sum = 74
    case rsqrt = 76
    case shape = 77
    case reduceProd = 81
    case reduceMax = 82
    case pack = 83
    case leakyRelu = 98
    case squaredDifference = 99
    case quantize = 114
    case abs = 101
    case hardSwish = 117
    case batchMatMul = 126
    case unpack = 88
    case prelu = 54
    case splitV = 102
    case gelu = 150

    /// The schema's name of the operator.
    var name: String {
        switch self {
        case .add: return "ADD"
        case .batchMatMul: return "BATCH_MATMUL"
        case .unpack: return "UNPACK"
        case .prelu: return "PRELU"
        case .splitV: return "SPLIT_V"
        case .averagePool2D: return "AVERAGE_POOL_2D"
        case .concatenation: return "CONCATENATION"
        case .conv2D: return "CONV_2D"
        case .depthwiseConv2D: return "DEPTHWISE_CONV_2D"
        case .dequantize: return "DEQUANTIZE"
        case .fullyConnected: return "FULLY_CONNECTED"
        case .logistic: return "LOGISTIC"
        case .maxPool2D: return "MAX_POOL_2D"
        case .mul: return "MUL"
        case .relu: return "RELU"
        case .relu6: return "RELU6"
        case .reshape: return "RESHAPE"
        case .softmax: return "SOFTMAX"
        case .tanh: return "TANH"
        case .pad: return "PAD"
        case .gather: return "GATHER"
        case .batchToSpaceND: return "BATCH_TO_SPACE_ND"
        case .spaceToBatchND: return "SPACE_TO_BATCH_ND"
        case .transpose: return "TRANSPOSE"
        case .mean: return "MEAN"
        case .sub: return "SUB"
        case .div: return "DIV"
        case .squeeze: return "SQUEEZE"
        case .stridedSlice: return "STRIDED_SLICE"
        case .exp: return "EXP"
        case .split: return "SPLIT"
        case .maximum: return "MAXIMUM"
        case .minimum: return "MINIMUM"
        case .neg: return "NEG"
        case .expandDims: return "EXPAND_DIMS"
        case .sum: return "SUM"
        case .rsqrt: return "RSQRT"
        case .shape: return "SHAPE"
        case .reduceProd: return "REDUCE_PROD"
        case .reduceMax: return "REDUCE_MAX"
        case .pack: return "PACK"
        case .leakyRelu: return "LEAKY_RELU"
        case .squaredDifference: return "SQUARED_DIFFERENCE"
        case .quantize: return "QUANTIZE"
        case .abs: return "ABS"
        case .hardSwish: return "HARD_SWISH"
        case .gelu: return "GELU"
        }
    }
}
