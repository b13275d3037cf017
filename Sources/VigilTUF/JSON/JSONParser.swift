/// Why bytes are not the JSON that TUF metadata may be.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Byte offset of the problem.
    public let offset: Int
    public let reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A strict JSON parser (RFC 8259) for metadata that arrives from the network.
///
/// Stricter than JSON where TUF needs it to be: an object may not name a key twice
/// (which of the two did the signer mean?), numbers are integers within 64 bits (canonical
/// JSON has no floats, so a float could not have been signed), strings must be valid
/// UTF-8 without lone surrogate escapes, and nesting is limited to `maximumDepth` so that
/// a hostile file of brackets cannot exhaust the stack.
public struct JSONParser {
    public static let defaultMaximumDepth = 64

    let bytes: [UInt8]
    let maximumDepth: Int
    var position = 0

    public static func parse(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        if parser.position != bytes.count { throw parser.fail("content after the top-level value") }
        return value
    }

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    func fail(_ reason: String) -> JSONError { JSONError(offset: position, reason: reason) }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func expect(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        if position > bytes.count - count { throw fail("truncated literal") }
        for i in 0..<count where bytes[position + i] != literal.utf8Start[i] {
            throw fail("unexpected character")
        }
        position += count
    }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard position < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
        default: throw fail("unexpected character 0x\(String(bytes[position], radix: 16))")
        }
    }

    mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        if depth > maximumDepth { throw fail("nested deeper than \(maximumDepth) levels") }
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let keyOffset = position
            let key = try string()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            position += 1
            skipWhitespace()
            let v = try value(depth: depth)
            if members.updateValue(v, forKey: key) != nil {
                throw JSONError(offset: keyOffset, reason: "the object names \"\(key)\" twice")
            }
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of input in an object") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            throw fail("expected ',' or '}'")
        }
    }

    mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        if depth > maximumDepth { throw fail("nested deeper than \(maximumDepth) levels") }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth))
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of input in an array") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            throw fail("expected ',' or ']'")
        }
    }

    mutating func integer() throws(JSONError) -> Int64 {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") { negative = true; position += 1 }
        guard position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) else {
            throw fail("a number needs digits")
        }
        if bytes[position] == UInt8(ascii: "0"), position + 1 < bytes.count,
           (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position + 1]) {
            throw fail("a number may not start with 0")
        }
        // Accumulate negatively so that Int64.min parses.
        var magnitude: Int64 = 0
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            let digit = Int64(bytes[position] - UInt8(ascii: "0"))
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.subtractingReportingOverflow(digit)
            if o1 || o2 { throw JSONError(offset: start, reason: "an integer beyond 64 bits") }
            magnitude = next
            position += 1
        }
        if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
            throw JSONError(offset: start, reason: "a floating-point number (canonical JSON has integers only)")
        }
        if negative { return magnitude }
        if magnitude == .min { throw JSONError(offset: start, reason: "an integer beyond 64 bits") }
        return -magnitude
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        if position > bytes.count - 4 { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("bad hex digit in a \\u escape")
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    mutating func string() throws(JSONError) -> String {
        position += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else { throw fail("unterminated string") }
            let c = bytes[position]
            if c == UInt8(ascii: "\"") { position += 1; break }
            if c < 0x20 { throw fail("a control character inside a string") }
            if c != UInt8(ascii: "\\") { out.append(c); position += 1; continue }
            position += 1
            guard position < bytes.count else { throw fail("unterminated escape") }
            let e = bytes[position]
            position += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                        throw fail("a lone surrogate escape")
                    }
                    position += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("a lone surrogate escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("a lone surrogate escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("an invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw fail("an unknown escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("a string that is not UTF-8") }
        return s
    }
}
