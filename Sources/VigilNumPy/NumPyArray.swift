import Foundation

/// An n-dimensional array as NumPy's `.npy` format stores it: the exchange format
/// for model inputs, outputs and reference values on the host.
public struct NumPyArray: Equatable, Sendable {
    public enum DType: String, Sendable, Equatable {
        case float32 = "<f4"
        case int8 = "|i1"
        case int32 = "<i4"
        case int16 = "<i2"
        case int64 = "<i8"
        case uint8 = "|u1"
        case uint16 = "<u2"
        case uint32 = "<u4"
        case uint64 = "<u8"
        case bool = "|b1"

        public var byteSize: Int {
            switch self {
            case .int8, .uint8, .bool: return 1
            case .int16, .uint16: return 2
            case .float32, .int32, .uint32: return 4
            case .int64, .uint64: return 8
            }
        }
    }

    public var dtype: DType
    public var shape: [Int]
    /// Row-major element bytes, little-endian.
    public var bytes: [UInt8]

    public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    public init(float32 values: [Float], shape: [Int]) {
        self.dtype = .float32
        self.shape = shape
        self.bytes = values.withUnsafeBytes { Array($0) }
    }

    public var elementCount: Int { shape.reduce(1, *) }

    public var floats: [Float] {
        guard dtype == .float32 else { return [] }
        return bytes.withUnsafeBytes { raw in (0..<elementCount).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
    }

    /// Every element as a Double, whatever the dtype, for comparing arrays of any type
    /// (exact for integers up to 2^53).
    public var doubles: [Double] {
        let size = dtype.byteSize
        return bytes.withUnsafeBytes { raw in
            (0..<elementCount).map { i -> Double in
                let o = i * size
                switch dtype {
                case .float32: return Double(raw.loadUnaligned(fromByteOffset: o, as: Float.self))
                case .int8: return Double(raw.load(fromByteOffset: o, as: Int8.self))
                case .int16: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int16.self))
                case .int32: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int32.self))
                case .int64: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int64.self))
                case .uint8, .bool: return Double(raw.load(fromByteOffset: o, as: UInt8.self))
                case .uint16: return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self))
                case .uint32: return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))
                case .uint64: return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))
                }
            }
        }
    }
}

public enum NumPyError: Error, CustomStringConvertible, Equatable {
    case notNumPy(String)
    case unsupportedDType(String, String)
    case fortranOrder(String)
    case malformedHeader(String, String)
    case sizeMismatch(String, expected: Int, actual: Int)
    case archive(String, String)
    case missingArray(String, String)
    /// A file exceeds one of `NumPyLimits`; the reason names the limit.
    case limitExceeded(String, String)

    public var description: String {
        switch self {
        case .notNumPy(let file): return "\(file): not a NumPy .npy file (bad magic)"
        case .unsupportedDType(let file, let d): return "\(file): dtype '\(d)' is not supported (use float32, bool, or a signed or unsigned integer type of 8 to 64 bits)"
        case .fortranOrder(let file): return "\(file): Fortran-ordered arrays are not supported; save with C order"
        case .malformedHeader(let file, let why): return "\(file): malformed .npy header: \(why)"
        case .sizeMismatch(let file, let expected, let actual): return "\(file): data holds \(actual) bytes, the header promises \(expected)"
        case .archive(let file, let why): return "\(file): \(why)"
        case .missingArray(let file, let name): return "\(file): no array named '\(name)'"
        case .limitExceeded(let file, let why): return "\(file): \(why)"
        }
    }
}

extension NumPyArray {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// What a `.npy` header says: the element type, the shape, where the data start
    /// and how many bytes they take (checked against `NumPyLimits`).
    public struct Header: Equatable, Sendable {
        public var dtype: DType
        public var shape: [Int]
        public var dataOffset: Int
        public var dataBytes: Int
    }

    /// Bytes needed before the header dictionary can be located: magic, version and
    /// the header length field.
    static let preambleBytes = 12

    /// The length of the whole header (preamble included), from the file's first
    /// `preambleBytes` bytes (fewer for a short file).
    static func headerEnd(_ data: [UInt8], name: String) throws(NumPyError) -> Int {
        guard data.count >= 10, Array(data[0..<6]) == magic else { throw .notNumPy(name) }
        let major = data[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(data[8]) | Int(data[9]) << 8
            headerStart = 10
        case 2, 3:
            guard data.count >= 12 else { throw .malformedHeader(name, "truncated") }
            headerLength = Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
            headerStart = 12
        default:
            throw .malformedHeader(name, "format version \(major)")
        }
        if headerLength > NumPyLimits.maximumHeaderBytes {
            throw .limitExceeded(name, "the header is \(headerLength) bytes, more than NumPyLimits.maximumHeaderBytes (\(NumPyLimits.maximumHeaderBytes) bytes)")
        }
        return headerStart + headerLength
    }

    /// Parses the header at the start of `data`, which must hold it whole (the data
    /// may follow or not); `name` appears in errors.
    public static func header(_ data: [UInt8], name: String) throws(NumPyError) -> Header {
        let end = try headerEnd(data, name: name)
        let headerStart = data[6] == 1 ? 10 : 12
        guard end <= data.count, let header = String(bytes: data[headerStart..<end], encoding: .isoLatin1) else {
            throw .malformedHeader(name, "header runs past the end of the file")
        }
        let descr = try field("descr", in: header, name: name).trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        let fortran = try field("fortran_order", in: header, name: name).trimmingCharacters(in: .whitespaces)
        if fortran == "True" { throw .fortranOrder(name) }
        // One-byte types have no byte order; NumPy writes '|', some writers '<' or '='.
        let oneByte = ["i1", "u1", "b1"].contains(String(descr.dropFirst())) ? "|" + descr.dropFirst() : descr
        guard let dtype = DType(rawValue: oneByte) else { throw .unsupportedDType(name, descr) }
        let shapeText = try field("shape", in: header, name: name)
        let inner = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let d = Int(t), d >= 0 else { throw .malformedHeader(name, "shape \(shapeText)") }
            shape.append(d)
        }
        // Checked: a shape from the file may multiply past Int.max.
        var bytes = dtype.byteSize
        var overflow = false
        for d in shape {
            let (p, o) = bytes.multipliedReportingOverflow(by: d)
            bytes = p
            overflow = overflow || o
        }
        if shape.contains(0) { bytes = 0; overflow = false }
        if overflow || bytes > NumPyLimits.maximumArrayBytes {
            let size = overflow ? "more than \(Int.max)" : "\(bytes)"
            throw .limitExceeded(name, "shape \(shapeText) of \(dtype.rawValue) needs \(size) bytes, more than NumPyLimits.maximumArrayBytes (\(NumPyLimits.maximumArrayBytes) bytes)")
        }
        return Header(dtype: dtype, shape: shape, dataOffset: end, dataBytes: bytes)
    }

    /// Parses `.npy` bytes; `name` appears in errors.
    public static func decode(_ data: [UInt8], name: String) throws(NumPyError) -> NumPyArray {
        let h = try header(data, name: name)
        let payload = data.count - h.dataOffset
        if payload != h.dataBytes {
            throw .sizeMismatch(name, expected: h.dataBytes, actual: payload)
        }
        return NumPyArray(dtype: h.dtype, shape: h.shape, bytes: Array(data[h.dataOffset...]))
    }

    /// The value text of `'key': value` in a .npy header dictionary.
    static func field(_ key: String, in header: String, name: String) throws(NumPyError) -> String {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\""),
              let colon = header[keyRange.upperBound...].firstIndex(of: ":") else {
            throw .malformedHeader(name, "no '\(key)' entry")
        }
        var rest = header[header.index(after: colon)...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw .malformedHeader(name, "unclosed shape tuple") }
            return String(rest[...close])
        }
        if let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) { rest = rest[..<end] }
        return String(rest)
    }

    /// `.npy` version 1.0 bytes.
    public func encoded() -> [UInt8] {
        NumPyArray.encodedHeader(dtype: dtype, shape: shape) + bytes
    }

    /// The `.npy` version 1.0 header (magic to newline) for an array of this type and shape.
    public static func encodedHeader(dtype: DType, shape: [Int]) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ")
        let shapeText = shape.count == 1 ? "(\(dims),)" : "(\(dims))"
        var header = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out = NumPyArray.magic + [1, 0]
        let length = header.utf8.count
        out += [UInt8(length & 0xff), UInt8(length >> 8)]
        out += Array(header.utf8)
        return out
    }

    public static func read(path: String) throws -> NumPyArray {
        let data = try readFile(path, limit: NumPyLimits.maximumArrayBytes + NumPyLimits.maximumHeaderBytes + preambleBytes,
                                limitName: "NumPyLimits.maximumArrayBytes")
        return try decode(data, name: path)
    }

    public func write(path: String) throws {
        try Data(encoded()).write(to: URL(fileURLWithPath: path))
    }
}

/// The file's bytes, refused unread when it holds more than `limit` bytes.
func readFile(_ path: String, limit: Int, limitName: String) throws(NumPyError) -> [UInt8] {
    if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
       let size = (attributes[.size] as? NSNumber)?.intValue, size > limit {
        throw .limitExceeded(path, "the file holds \(size) bytes, more than \(limitName) allows (\(limit) bytes)")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw NumPyError.archive(path, "cannot read the file (missing or unreadable)")
    }
    return [UInt8](data)
}
