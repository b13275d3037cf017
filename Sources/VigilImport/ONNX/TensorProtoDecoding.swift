import Foundation

/// Reads an ONNX TensorProto into a `ConstantTensor`, checking every size the file
/// states against the bytes it holds.
enum TensorProtoDecoding {
    /// ONNX TensorProto.DataType values the importer reads.
    enum DataType: Int32 {
        case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7
        case bool = 9, double = 11, uint32 = 12, uint64 = 13
    }

    static func decode(_ proto: Onnx_TensorProto, name: String, path: String) throws(ImportError) -> ConstantTensor {
        func fail(_ reason: String) -> ImportError { .malformedFile(path: path, reason: "tensor '\(name)': \(reason)") }
        if proto.dataLocation == .external || !proto.externalData.isEmpty {
            throw .unsupportedAttribute(node: name, reason: "tensor data stored in an external file is not supported; save the model with its weights inside")
        }
        if proto.hasSegment { throw fail("segmented tensors are not supported") }
        var shape: [Int] = []
        for d in proto.dims {
            if d < 0 || d > Int64(ConstantTensor.maxElements) { throw fail("dimension \(d) out of range") }
            shape.append(Int(d))
        }
        guard let count = ConstantTensor.elementCount(shape) else { throw fail("shape \(shape) has too many elements") }
        guard let type = DataType(rawValue: proto.dataType) else {
            throw .unsupportedAttribute(node: name, reason: "tensor element type \(proto.dataType) is not supported (float, double and integer types are)")
        }
        let raw = proto.hasRawData ? proto.rawData : nil

        func rawValues<T>(_ width: Int, _ load: (UnsafeRawBufferPointer, Int) -> T) throws(ImportError) -> [T] {
            guard let raw else { return [] }
            if raw.count != count * width { throw fail("raw data has \(raw.count) bytes, shape \(shape) needs \(count * width)") }
            return raw.withUnsafeBytes { bytes in (0..<count).map { load(bytes, $0 * width) } }
        }
        func checkCount(_ n: Int) throws(ImportError) {
            if n != count { throw fail("holds \(n) values, shape \(shape) needs \(count)") }
        }

        switch type {
        case .float:
            if raw != nil {
                let v = try rawValues(4) { b, o in Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt32.self))) }
                return ConstantTensor(shape: shape, floats: v)
            }
            try checkCount(proto.floatData.count)
            return ConstantTensor(shape: shape, floats: proto.floatData)
        case .double:
            if raw != nil {
                let v = try rawValues(8) { b, o in Float(Double(bitPattern: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt64.self)))) }
                return ConstantTensor(shape: shape, floats: v)
            }
            try checkCount(proto.doubleData.count)
            return ConstantTensor(shape: shape, floats: proto.doubleData.map { Float($0) })
        case .int64:
            if raw != nil {
                return ConstantTensor(shape: shape, ints: try rawValues(8) { b, o in Int64(littleEndian: b.loadUnaligned(fromByteOffset: o, as: Int64.self)) })
            }
            try checkCount(proto.int64Data.count)
            return ConstantTensor(shape: shape, ints: proto.int64Data)
        case .uint64:
            if raw != nil {
                return ConstantTensor(shape: shape, ints: try rawValues(8) { b, o in Int64(truncatingIfNeeded: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt64.self))) })
            }
            try checkCount(proto.uint64Data.count)
            return ConstantTensor(shape: shape, ints: proto.uint64Data.map { Int64(truncatingIfNeeded: $0) })
        case .int32, .int16, .int8, .uint16, .uint8, .bool, .uint32:
            let width: Int
            switch type {
            case .int32, .uint32: width = 4
            case .int16, .uint16: width = 2
            default: width = 1
            }
            if raw != nil {
                let v: [Int64] = try rawValues(width) { b, o in
                    switch type {
                    case .int32: return Int64(Int32(littleEndian: b.loadUnaligned(fromByteOffset: o, as: Int32.self)))
                    case .uint32: return Int64(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
                    case .int16: return Int64(Int16(littleEndian: b.loadUnaligned(fromByteOffset: o, as: Int16.self)))
                    case .uint16: return Int64(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
                    case .int8: return Int64(b.load(fromByteOffset: o, as: Int8.self))
                    case .bool: return b.load(fromByteOffset: o, as: UInt8.self) == 0 ? 0 : 1
                    default: return Int64(b.load(fromByteOffset: o, as: UInt8.self))
                    }
                }
                return ConstantTensor(shape: shape, ints: v)
            }
            // Small integer types travel in int32_data (uint32 in uint64_data).
            if type == .uint32 {
                try checkCount(proto.uint64Data.count)
                return ConstantTensor(shape: shape, ints: proto.uint64Data.map { Int64(truncatingIfNeeded: $0) })
            }
            try checkCount(proto.int32Data.count)
            return ConstantTensor(shape: shape, ints: proto.int32Data.map { Int64($0) })
        }
    }
}
