import Foundation

/// A parsed JSON value from a Keras model config. Configs are free-form (every layer
/// class has its own keys, and Keras 2 and 3 spell some differently), so the importer
/// reads them through this small tree instead of fixed Codable types.
enum KerasJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([KerasJSON])
    case object([String: KerasJSON])

    /// Parses JSON text. Python's `json.dumps` writes `NaN` and `Infinity` as bare
    /// words, which JSON5 mode accepts.
    static func parse(_ data: Data) throws(KerasJSONError) -> KerasJSON {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        do {
            return try decoder.decode(KerasJSON.self, from: data)
        } catch let error as DecodingError {
            throw KerasJSONError(reason: Self.describe(error))
        } catch {
            throw KerasJSONError(reason: "\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError { return "invalid JSON: \(underlying)" }
            return "invalid JSON: \(context.debugDescription)"
        default:
            return "invalid JSON: \(error)"
        }
    }

    subscript(key: String) -> KerasJSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var isNull: Bool { self == .null }
    var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var double: Double? { if case .number(let d) = self { return d } else { return nil } }
    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var array: [KerasJSON]? { if case .array(let a) = self { return a } else { return nil } }
    var object: [String: KerasJSON]? { if case .object(let o) = self { return o } else { return nil } }

    /// An integral number that fits an Int.
    var int: Int? {
        guard let d = double, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    /// An integer, or a one-element list of one (Keras stores `kernel_size` as `[3]`).
    var scalarInt: Int? {
        if let i = int { return i }
        if let a = array, a.count == 1 { return a[0].int }
        return nil
    }

    /// A list of integers, where nulls (unknown dimensions) are nil.
    var dimensions: [Int?]? {
        guard let a = array else { return nil }
        var out: [Int?] = []
        for v in a {
            if v.isNull { out.append(nil) } else if let i = v.int { out.append(i) } else { return nil }
        }
        return out
    }
}

extension KerasJSON: Decodable {
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([KerasJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: KerasJSON].self)) }
    }
}

/// Why a config could not be parsed; the importer adds the file path.
struct KerasJSONError: Error {
    var reason: String
}
