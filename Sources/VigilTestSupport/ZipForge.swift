import CVigilZlib

/// Builds zip archives for tests, honest or forged: members stored or deflated, any
/// declared size or CRC-32, and helpers to move the central directory's offset.
public enum ZipForge {
    public struct Member {
        public var name: String
        public var contents: [UInt8]
        public var deflated: Bool
        /// The uncompressed size written in the headers; the real size when nil.
        public var declaredSize: Int?

        public init(_ name: String, _ contents: [UInt8], deflated: Bool = false, declaredSize: Int? = nil) {
            self.name = name
            self.contents = contents
            self.deflated = deflated
            self.declaredSize = declaredSize
        }
    }

    /// A zip of `members` (no zip64, no data descriptors). The CRC-32 is that of the
    /// real contents.
    public static func archive(_ members: [Member]) -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        for m in members {
            let data = m.deflated ? deflate(m.contents) : m.contents
            let crc = crc32(m.contents)
            let size = UInt32(m.declaredSize ?? m.contents.count)
            let name = Array(m.name.utf8)
            let offset = UInt32(out.count)
            out += le(UInt32(0x0403_4b50)) + le(UInt16(20)) + le(UInt16(0)) + le(UInt16(m.deflated ? 8 : 0))
            out += le(UInt16(0)) + le(UInt16(0x21)) + le(crc) + le(UInt32(data.count)) + le(size)
            out += le(UInt16(name.count)) + le(UInt16(0)) + name + data
            directory += le(UInt32(0x0201_4b50)) + le(UInt16(20)) + le(UInt16(20)) + le(UInt16(0)) + le(UInt16(m.deflated ? 8 : 0))
            directory += le(UInt16(0)) + le(UInt16(0x21)) + le(crc) + le(UInt32(data.count)) + le(size)
            directory += le(UInt16(name.count)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0))
            directory += le(UInt32(0)) + le(offset) + name
        }
        let directoryOffset = UInt32(out.count)
        out += directory
        out += le(UInt32(0x0605_4b50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(members.count)) + le(UInt16(members.count))
        out += le(UInt32(directory.count)) + le(directoryOffset) + le(UInt16(0))
        return out
    }

    /// Offset of the end-of-central-directory record of an archive without a comment.
    public static func endRecord(_ zip: [UInt8]) -> Int { zip.count - 22 }

    /// The archive with its end record's central directory offset replaced.
    public static func withCentralDirectoryOffset(_ zip: [UInt8], _ offset: UInt32) -> [UInt8] {
        var out = zip
        out.replaceSubrange((endRecord(zip) + 16)..<(endRecord(zip) + 20), with: le(offset))
        return out
    }

    /// Raw deflate (no zlib header), as zip members hold it.
    public static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o -> Int in
                stream.next_in = i.baseAddress
                stream.avail_in = UInt32(i.count)
                stream.next_out = o.baseAddress
                stream.avail_out = UInt32(o.count)
                precondition(CVigilZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return o.count - Int(stream.avail_out)
            }
        }
        return Array(out[0..<produced])
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: CVigilZlib.crc32(0, $0.baseAddress, UInt32($0.count))) }
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
    }
}
