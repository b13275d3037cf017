import VigilRuntime

/// Integer element types, constant graph outputs and the other values whose Vigil
/// element type is not float32.
extension TensorProtoDecoding.DataType {
    /// The Vigil element type holding this ONNX type exactly; nil for double, which
    /// Vigil's float32 would round.
    var vigilType: DType? {
        switch self {
        case .float: return .float32
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .int32: return .int32
        case .int64: return .int64
        case .bool: return .bool
        case .uint32: return .uint32
        case .uint64: return .uint64
        case .double: return nil
        }
    }
}

extension ONNXGraphConverter {
    /// The element type of a run-time value.
    func elementType(_ v: RuntimeValue) -> DType { graph.tensors[v.id].dtype }

    /// The values of `dtype` as Int64: two's complement for the signed types; uint64 above
    /// Int64.max appears as its bit pattern, which is how constants carry it.
    static func integerRange(_ dtype: DType) -> (min: Int64, max: Int64) {
        switch dtype {
        case .int8: return (Int64(Int8.min), Int64(Int8.max))
        case .int16: return (Int64(Int16.min), Int64(Int16.max))
        case .int32: return (Int64(Int32.min), Int64(Int32.max))
        case .uint8: return (0, Int64(UInt8.max))
        case .uint16: return (0, Int64(UInt16.max))
        case .uint32: return (0, Int64(UInt32.max))
        case .uint64: return (0, Int64(bitPattern: UInt64.max))
        case .bool: return (0, 1)
        case .int64, .float32: return (Int64.min, Int64.max)
        }
    }

    /// A Vigil constant of an integer or bool type holding `c`'s integers, each of which
    /// must fit the type.
    mutating func integerConstant(_ name: String, shape: [Int], _ c: ConstantTensor, dtype: DType, node: String) throws -> TensorID {
        if c.isFloat { throw ImportError.unsupportedAttribute(node: node, reason: "'\(name)' holds floats; the \(dtype.name) operation needs \(dtype.name) values") }
        if c.containsBatchSymbol { throw ImportError.dynamicShape(node: node, reason: "'\(name)' holds the batch size, which a static graph does not know") }
        let values = c.ints
        if dtype != .uint64 && dtype != .int64 {
            let range = Self.integerRange(dtype)
            if let bad = values.first(where: { $0 < range.min || $0 > range.max }) {
                throw ImportError.unsupportedAttribute(node: node, reason: "'\(name)' holds \(bad), outside the range of \(dtype.name)")
            }
        }
        let size = dtype.byteSize
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * size)
        for v in values {
            let bits = UInt64(bitPattern: v)
            for i in 0..<size { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
        }
        return bytes.withUnsafeBytes { graph.addConstant(name: name, dtype: dtype, shape: shape, bytes: $0) }
    }

    /// Clip of plain integers: a Clamp with bounds of the data's type, the type's own
    /// range where a bound is omitted.
    mutating func integerClip(_ node: ONNXNode, _ x: RuntimeValue) throws {
        let dtype = elementType(x)
        let range = Self.integerRange(dtype)
        func bound(_ i: Int, _ role: String, default value: Int64) throws -> TensorID {
            var c = ConstantTensor(shape: [1], ints: [value])
            if let given = try constantInput(node, i, role: role) {
                guard given.count == 1 else { throw ImportError.shapeMismatch(node: node.name, reason: "Clip \(role) has shape \(given.shape); it must be a scalar") }
                c = ConstantTensor(shape: [1], storage: given.storage)
            }
            return try integerConstant(node.name + "/" + role, shape: [1], c, dtype: dtype, node: node.name)
        }
        let lo = try bound(1, "min", default: range.min), hi = try bound(2, "max", default: range.max)
        var result = x
        result.id = emit(.clamp, [x.id, lo, hi], node: node, shape: x.storedShape)
        try setOutput(node, 0, .runtime(result))
    }

    /// A graph output whose value is known at import: a constant tensor the runtime
    /// serves as the output. It has no batch axis, so its layout is its own shape.
    mutating func constantOutput(_ c: ConstantTensor, _ output: Onnx_ValueInfoProto) throws -> (TensorID, TensorLayout) {
        let name = output.name
        if c.containsBatchSymbol {
            throw ImportError.dynamicShape(node: name, reason: "graph output '\(name)' holds the batch size, which a static graph does not know")
        }
        var dtype: DType = c.isFloat ? .float32 : .int64
        if case .tensorType(let type)? = output.type.value, type.elemType != 0 {
            guard let declared = TensorProtoDecoding.DataType(rawValue: type.elemType)?.vigilType else {
                throw ImportError.unsupportedAttribute(node: name, reason: "graph output '\(name)' has element type \(type.elemType), which Vigil has no tensor type for")
            }
            dtype = declared
        }
        let id: TensorID
        if dtype == .float32 {
            id = graph.addConstant(name: name, shape: c.shape, values: c.floats)
        } else {
            id = try integerConstant(name, shape: c.shape, c, dtype: dtype, node: name)
        }
        return (id, TensorLayout(storedAxes: Array(0..<c.shape.count), frameworkRank: c.shape.count))
    }
}
