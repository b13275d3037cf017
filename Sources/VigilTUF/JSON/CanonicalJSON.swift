/// Canonical JSON exactly as securesystemslib's `encode_canonical` writes it, the bytes
/// every TUF signature covers: no whitespace, object keys sorted by code point (Python's
/// string order), strings escaping only `"` and `\` and otherwise written as raw UTF-8,
/// integers in decimal.
public enum CanonicalJSON {
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, to: &out)
        return out
    }

    static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .string(let s): writeString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(e, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, key) in sortedKeys(members).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(members[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Keys in Python's order: by Unicode code point, which for UTF-8 is byte order.
    static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
        members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Metadata written for people and tools to read: the same values, indented, keys
    /// sorted, non-ASCII kept (what a repository serves; signatures never cover it).
    public static func pretty(_ value: JSONValue, indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent + 1)
        let end = String(repeating: " ", count: indent)
        switch value {
        case .null, .bool, .integer: return String(decoding: encode(value), as: UTF8.self)
        case .string(let s): return jsonString(s)
        case .array(let elements):
            if elements.isEmpty { return "[]" }
            return "[\n" + elements.map { pad + pretty($0, indent: indent + 1) }.joined(separator: ",\n") + "\n" + end + "]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            return "{\n" + sortedKeys(members).map { key in
                pad + jsonString(key) + ": " + pretty(members[key]!, indent: indent + 1)
            }.joined(separator: ",\n") + "\n" + end + "}"
        }
    }

    /// A JSON string literal that any JSON parser reads back: unlike the canonical form,
    /// control characters are escaped.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
