/// Little-endian encoding of the package's fields. The reader checks every length
/// against what remains before it reads, so a hostile file ends in an error, never
/// in an out-of-bounds read.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt16(i)))) } }
    public mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    public mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    public mutating func i32(_ v: Int) { u32(UInt32(bitPattern: Int32(truncatingIfNeeded: v))) }
    public mutating func f32(_ v: Float) { u32(v.bitPattern) }
    public mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }

    public mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    public mutating func align(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }
}

public struct ByteReader {
    public let bytes: UnsafeRawBufferPointer
    public private(set) var position: Int
    /// Which part of the file is being read, for error messages.
    public let context: String

    public init(_ bytes: UnsafeRawBufferPointer, context: String) {
        self.bytes = bytes
        self.position = 0
        self.context = context
    }

    public var remaining: Int { bytes.count - position }

    mutating func take(_ n: Int) throws(PackageError) -> Int {
        if n < 0 || n > remaining { throw .truncated(context, needed: n, available: remaining) }
        let at = position
        position += n
        return at
    }

    public mutating func u8() throws(PackageError) -> UInt8 { bytes[try take(1)] }

    public mutating func u16() throws(PackageError) -> UInt16 {
        let at = try take(2)
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    public mutating func u32() throws(PackageError) -> UInt32 {
        let at = try take(4)
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[at + i]) << (8 * UInt32(i)) }
        return v
    }

    public mutating func u64() throws(PackageError) -> UInt64 {
        let at = try take(8)
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        return v
    }

    public mutating func i32() throws(PackageError) -> Int { Int(Int32(bitPattern: try u32())) }
    public mutating func f32() throws(PackageError) -> Float { Float(bitPattern: try u32()) }

    public mutating func bool() throws(PackageError) -> Bool {
        let v = try u8()
        if v > 1 { throw .malformed(context, "boolean byte \(v)") }
        return v == 1
    }

    /// A count of items that each take at least `minimumItemBytes`; rejects counts the
    /// remaining bytes cannot hold, so a forged count cannot make us allocate gigabytes.
    public mutating func count(minimumItemBytes: Int) throws(PackageError) -> Int {
        let n = Int(try u32())
        if n * max(minimumItemBytes, 1) > remaining { throw .truncated(context, needed: n * minimumItemBytes, available: remaining) }
        return n
    }

    public mutating func string() throws(PackageError) -> String {
        let n = try count(minimumItemBytes: 1)
        let at = try take(n)
        var utf8: [UInt8] = []
        utf8.reserveCapacity(n)
        for i in 0..<n { utf8.append(bytes[at + i]) }
        guard let s = String(validating: utf8, as: UTF8.self) else { throw .malformed(context, "string is not valid UTF-8") }
        return s
    }

    public mutating func raw(_ n: Int) throws(PackageError) -> [UInt8] {
        let at = try take(n)
        var out = [UInt8](repeating: 0, count: n)
        for i in 0..<n { out[i] = bytes[at + i] }
        return out
    }

    public mutating func skip(toAlignment alignment: Int) throws(PackageError) {
        let pad = (alignment - position % alignment) % alignment
        _ = try take(pad)
    }
}
