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

    public var description: String {
        switch self {
        case .notNumPy(let file): return "\(file): not a NumPy .npy file (bad magic)"
        case .unsupportedDType(let file, let d): return "\(file): dtype '\(d)' is not supported (use float32, bool, or a signed or unsigned integer type of 8 to 64 bits)"
        case .fortranOrder(let file): return "\(file): Fortran-ordered arrays are not supported; save with C order"
        case .malformedHeader(let file, let why): return "\(file): malformed .npy header: \(why)"
        case .sizeMismatch(let file, let expected, let actual): return "\(file): data holds \(actual) bytes, the header promises \(expected)"
        case .archive(let file, let why): return "\(file): \(why)"
        case .missingArray(let file, let name): return "\(file): no array named '\(name)'"
        }
    }
}

extension NumPyArray {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Parses `.npy` bytes; `name` appears in errors.
    public static func decode(_ data: [UInt8], name: String) throws(NumPyError) -> NumPyArray {
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
        guard headerStart + headerLength <= data.count,
              let header = String(bytes: data[headerStart..<(headerStart + headerLength)], encoding: .isoLatin1) else {
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
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        let payload = data.count - headerStart - headerLength
        if overflow || count > payload / dtype.byteSize || count * dtype.byteSize != payload {
            throw .sizeMismatch(name, expected: overflow ? Int.max : count * dtype.byteSize, actual: payload)
        }
        return NumPyArray(dtype: dtype, shape: shape, bytes: Array(data[(headerStart + headerLength)...]))
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
        let dims = shape.map(String.init).joined(separator: ", ")
        let shapeText = shape.count == 1 ? "(\(dims),)" : "(\(dims))"
        var header = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out = NumPyArray.magic + [1, 0]
        let length = header.utf8.count
        out += [UInt8(length & 0xff), UInt8(length >> 8)]
        out += Array(header.utf8)
        out += bytes
        return out
    }

    public static func read(path: String) throws -> NumPyArray {
        let data = try readFile(path)
        return try decode(data, name: path)
    }

    public func write(path: String) throws {
        try Data(encoded()).write(to: URL(fileURLWithPath: path))
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw NumPyError.archive(path, "cannot read the file (missing or unreadable)")
    }
    return [UInt8](data)
}
