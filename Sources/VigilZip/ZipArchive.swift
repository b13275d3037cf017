import CVigilZlib

/// A byte budget for what a zip member may inflate to, with the name the error
/// message gives it (`NumPyLimits.maximumArrayBytes`, for example).
public struct ZipLimit: Sendable, Equatable {
    public var bytes: Int
    public var name: String

    public init(bytes: Int, name: String) {
        self.bytes = bytes
        self.name = name
    }
}

public enum ZipError: Error, CustomStringConvertible, Equatable {
    /// The archive's structure is broken: a record runs past the end of the file, a
    /// signature is missing, the central directory contradicts itself.
    case malformed(String)
    /// A feature the reader does not take (encryption, a compression method other
    /// than stored and deflate, a multi-disk archive).
    case unsupported(String)
    /// A member's data are damaged: a bad deflate stream, a CRC-32 or size mismatch.
    case corrupt(member: String, reason: String)
    /// A member declares more than the caller's limit, or inflates past what it
    /// declares; the message names the limit.
    case limitExceeded(member: String, limit: ZipLimit, reason: String)

    public var description: String {
        switch self {
        case .malformed(let why): return "not a readable zip archive: \(why)"
        case .unsupported(let why): return "unsupported zip archive: \(why)"
        case .corrupt(let member, let why): return "'\(member)' is corrupt in the archive: \(why)"
        case .limitExceeded(let member, _, let why):
            return "'\(member)' \(why)"
        }
    }
}

/// A zip archive read from memory that no field of the file can drive out of bounds.
///
/// Every offset and size (the end-of-central-directory record, the zip64 records, each
/// central directory entry and each member's local header and data) is checked
/// against the bytes actually present before it is used, with overflow-checked
/// arithmetic. Members are stored or deflated; `extract` inflates with zlib and counts
/// the bytes it produces, stopping as soon as they pass the member's declared size or
/// the caller's `ZipLimit`, so a small member cannot inflate to gigabytes.
public struct ZipArchive: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        /// The uncompressed size the central directory declares.
        public var declaredSize: Int
        public var compressedSize: Int
        /// 0 stored, 8 deflate.
        public var method: UInt16
        public var crc32: UInt32
        /// Offset of the member's data (after its local header) in the archive.
        var dataOffset: Int

        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    public let entries: [Entry]
    private let bytes: [UInt8]

    public subscript(name: String) -> Entry? { entries.first { $0.name == name } }

    public init(bytes: [UInt8]) throws(ZipError) {
        self.bytes = bytes
        self.entries = try Self.readDirectory(bytes)
    }

    // MARK: - Structure

    static let endOfCentralDirectory: UInt32 = 0x0605_4b50
    static let zip64EndLocator: UInt32 = 0x0706_4b50
    static let zip64End: UInt32 = 0x0606_4b50
    static let centralEntry: UInt32 = 0x0201_4b50
    static let localHeader: UInt32 = 0x0403_4b50

    /// Little-endian reads that fail instead of trapping.
    struct Reader {
        let bytes: [UInt8]

        func range(_ offset: Int, _ count: Int) -> Range<Int>? {
            guard offset >= 0, count >= 0 else { return nil }
            let (end, overflow) = offset.addingReportingOverflow(count)
            guard !overflow, end <= bytes.count else { return nil }
            return offset..<end
        }

        func u16(_ o: Int) -> UInt16? {
            guard let r = range(o, 2) else { return nil }
            return UInt16(bytes[r.lowerBound]) | UInt16(bytes[r.lowerBound + 1]) << 8
        }

        func u32(_ o: Int) -> UInt32? {
            guard let r = range(o, 4) else { return nil }
            var v: UInt32 = 0
            for i in r.reversed() { v = v << 8 | UInt32(bytes[i]) }
            return v
        }

        func u64(_ o: Int) -> UInt64? {
            guard let r = range(o, 8) else { return nil }
            var v: UInt64 = 0
            for i in r.reversed() { v = v << 8 | UInt64(bytes[i]) }
            return v
        }
    }

    /// A size or offset from the file as an Int, or nil when it cannot be one.
    static func int(_ v: UInt64) -> Int? { Int(exactly: v) }

    static func readDirectory(_ bytes: [UInt8]) throws(ZipError) -> [Entry] {
        let r = Reader(bytes: bytes)
        // The end record is the last 22 bytes, or sits before a comment of at most 65,535.
        guard bytes.count >= 22 else { throw .malformed("\(bytes.count) bytes is too short for a zip archive") }
        var eocd: Int?
        var candidate = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 0xffff)
        while candidate >= lowest {
            if r.u32(candidate) == endOfCentralDirectory, let comment = r.u16(candidate + 20),
               r.range(candidate + 22, Int(comment)) != nil {
                eocd = candidate
                break
            }
            candidate -= 1
        }
        guard let eocd else { throw .malformed("no end-of-central-directory record") }
        guard let disk = r.u16(eocd + 4), let cdDisk = r.u16(eocd + 6), let diskEntries16 = r.u16(eocd + 8),
              let entries16 = r.u16(eocd + 10), let cdSize32 = r.u32(eocd + 12), let cdOffset32 = r.u32(eocd + 16) else {
            throw .malformed("truncated end-of-central-directory record")
        }
        var entryCount = UInt64(entries16), diskEntries = UInt64(diskEntries16)
        var cdSize = UInt64(cdSize32), cdOffset = UInt64(cdOffset32)
        var directoryEnd = eocd  // the central directory lies before the end records
        if entries16 == 0xffff || diskEntries16 == 0xffff || cdSize32 == 0xffff_ffff || cdOffset32 == 0xffff_ffff {
            // zip64: a locator right before the end record names the zip64 end record.
            let locator = eocd - 20
            guard locator >= 0, r.u32(locator) == zip64EndLocator, let recordOffset = r.u64(locator + 8).flatMap(int),
                  recordOffset <= locator - 56, r.u32(recordOffset) == zip64End,
                  let n = r.u64(recordOffset + 32), let d = r.u64(recordOffset + 24),
                  let size = r.u64(recordOffset + 40), let offset = r.u64(recordOffset + 48) else {
                throw .malformed("the zip64 end-of-central-directory record is missing or runs past the end of the file")
            }
            entryCount = n
            diskEntries = d
            cdSize = size
            cdOffset = offset
            directoryEnd = recordOffset
        }
        if disk != 0 || cdDisk != 0 || diskEntries != entryCount {
            throw .unsupported("multi-disk (split) archives are not supported")
        }
        guard let start = int(cdOffset), let size = int(cdSize), let directory = r.range(start, size), directory.upperBound <= directoryEnd else {
            throw .malformed("the central directory (offset \(cdOffset), \(cdSize) bytes) runs past the end of the file (\(bytes.count) bytes)")
        }
        // Each entry takes at least 46 bytes, which bounds the count before any is read.
        guard entryCount <= UInt64(size / 46) else {
            throw .malformed("the central directory claims \(entryCount) entries, more than its \(size) bytes can hold")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(entryCount))
        var at = directory.lowerBound
        for index in 0..<Int(entryCount) {
            entries.append(try readEntry(r, at: &at, directoryEnd: directory.upperBound, index: index))
        }
        return entries
    }

    /// The central directory entry at `at` (advanced past it) and its local header.
    static func readEntry(_ r: Reader, at: inout Int, directoryEnd: Int, index: Int) throws(ZipError) -> Entry {
        guard let fixed = r.range(at, 46), fixed.upperBound <= directoryEnd, r.u32(at) == centralEntry,
              let flags = r.u16(at + 8), let method = r.u16(at + 10), let crc = r.u32(at + 16),
              let compressed32 = r.u32(at + 20), let size32 = r.u32(at + 24),
              let nameLength = r.u16(at + 28), let extraLength = r.u16(at + 30), let commentLength = r.u16(at + 32),
              let startDisk = r.u16(at + 34), let localOffset32 = r.u32(at + 42) else {
            throw .malformed("central directory entry \(index) is missing or runs past the directory")
        }
        let variable = Int(nameLength) + Int(extraLength) + Int(commentLength)
        guard let nameRange = r.range(at + 46, Int(nameLength)), let whole = r.range(at, 46 + variable), whole.upperBound <= directoryEnd else {
            throw .malformed("central directory entry \(index) runs past the directory")
        }
        let name = String(decoding: r.bytes[nameRange], as: UTF8.self)
        var compressed = UInt64(compressed32), size = UInt64(size32), localOffset = UInt64(localOffset32)
        // zip64 extended information (header 0x0001) holds, in order, each field that is all ones.
        var extra = nameRange.upperBound
        let extraEnd = extra + Int(extraLength)
        while extra + 4 <= extraEnd, let id = r.u16(extra), let length = r.u16(extra + 2) {
            let body = extra + 4
            guard body + Int(length) <= extraEnd else { throw .malformed("'\(name)': an extra field runs past its entry") }
            if id == 0x0001 {
                var field = body
                func next() throws(ZipError) -> UInt64 {
                    guard field + 8 <= body + Int(length), let v = r.u64(field) else {
                        throw .malformed("'\(name)': the zip64 extra field is too short")
                    }
                    field += 8
                    return v
                }
                if size32 == 0xffff_ffff { size = try next() }
                if compressed32 == 0xffff_ffff { compressed = try next() }
                if localOffset32 == 0xffff_ffff { localOffset = try next() }
            }
            extra = body + Int(length)
        }
        at = whole.upperBound
        if flags & 1 != 0 { throw .unsupported("'\(name)' is encrypted") }
        if startDisk != 0 && startDisk != 0xffff { throw .unsupported("'\(name)' starts on another disk") }
        guard method == 0 || method == 8 else {
            throw .unsupported("'\(name)' uses compression method \(method); only stored (0) and deflate (8) are read")
        }
        guard let compressedSize = int(compressed), let declaredSize = int(size), let local = int(localOffset) else {
            throw .malformed("'\(name)': sizes or offset out of range")
        }
        // The local header repeats the name and has its own extra field; the data follow.
        guard r.range(local, 30) != nil, r.u32(local) == localHeader,
              let localName = r.u16(local + 26), let localExtra = r.u16(local + 28) else {
            throw .malformed("'\(name)': the local header at offset \(local) is missing or runs past the end of the file (\(r.bytes.count) bytes)")
        }
        let dataOffset = local + 30 + Int(localName) + Int(localExtra)
        guard r.range(dataOffset, compressedSize) != nil else {
            throw .malformed("'\(name)': its \(compressedSize) bytes of data at offset \(dataOffset) run past the end of the file (\(r.bytes.count) bytes)")
        }
        if method == 0 && compressedSize != declaredSize {
            throw .malformed("'\(name)' is stored with \(compressedSize) bytes but declares \(declaredSize)")
        }
        return Entry(name: name, declaredSize: declaredSize, compressedSize: compressedSize, method: method, crc32: crc, dataOffset: dataOffset)
    }

    // MARK: - Extraction

    /// The member's bytes. Fails before inflating anything when the member declares
    /// more than `limit`, and while inflating as soon as the bytes produced pass its
    /// declared size (hence the limit); checks the size and CRC-32 at the end.
    public func extract(_ entry: Entry, limit: ZipLimit) throws(ZipError) -> [UInt8] {
        if entry.declaredSize > limit.bytes {
            throw .limitExceeded(member: entry.name, limit: limit,
                                 reason: "declares \(entry.declaredSize) bytes, more than \(limit.name) (\(limit.bytes) bytes)")
        }
        let input = entry.dataOffset..<(entry.dataOffset + entry.compressedSize)  // checked in readEntry
        let out: [UInt8]
        if entry.method == 0 {
            out = Array(bytes[input])
        } else {
            out = try inflate(input, entry: entry, limit: limit)
        }
        let crc = out.withUnsafeBufferPointer { buffer -> UInt32 in
            var c = crc32(0, nil, 0)
            var at = 0
            while at < buffer.count {
                let n = min(buffer.count - at, 1 << 30)
                c = crc32(c, buffer.baseAddress! + at, UInt32(n))
                at += n
            }
            return UInt32(truncatingIfNeeded: c)
        }
        if out.count != entry.declaredSize {
            throw .corrupt(member: entry.name, reason: "inflated to \(out.count) bytes, the archive declares \(entry.declaredSize)")
        }
        if crc != entry.crc32 {
            throw .corrupt(member: entry.name, reason: "CRC-32 \(crc) ≠ \(entry.crc32) recorded")
        }
        return out
    }

    /// Raw deflate with a running count of the bytes produced.
    private func inflate(_ input: Range<Int>, entry: Entry, limit: ZipLimit) throws(ZipError) -> [UInt8] {
        // Never more than the member declares (at most the limit, checked before):
        // one byte past it is already an error.
        let cap = entry.declaredSize
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt(member: entry.name, reason: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        out.reserveCapacity(min(cap, 1 << 24))
        let chunk = 1 << 16
        var buffer = [UInt8](repeating: 0, count: chunk)
        var fed = input.lowerBound
        var status: Int32 = Z_OK
        try bytes.withUnsafeBufferPointer { (source: UnsafeBufferPointer<UInt8>) throws(ZipError) in
            while status != Z_STREAM_END {
                if stream.avail_in == 0 && fed < input.upperBound {
                    let n = min(input.upperBound - fed, 1 << 30)
                    stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + fed)
                    stream.avail_in = UInt32(n)
                    fed += n
                }
                let before = stream.avail_in
                let produced = buffer.withUnsafeMutableBufferPointer { b -> Int in
                    stream.next_out = b.baseAddress
                    stream.avail_out = UInt32(chunk)
                    status = CVigilZlib.inflate(&stream, Z_NO_FLUSH)
                    return chunk - Int(stream.avail_out)
                }
                switch status {
                case Z_OK, Z_STREAM_END, Z_BUF_ERROR: break
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw .corrupt(member: entry.name, reason: "bad deflate data (\(message))")
                }
                if out.count + produced > cap {
                    throw .limitExceeded(member: entry.name, limit: limit, reason: "inflates past the \(cap) bytes it declares "
                        + "(a member may inflate to its declared size, at most \(limit.name) = \(limit.bytes) bytes)")
                }
                out.append(contentsOf: buffer[0..<produced])
                // No progress with room to write: the input is used up (new input is fed
                // above while there is any), so the stream is cut short.
                if status != Z_STREAM_END && produced == 0 && stream.avail_in == before {
                    throw .corrupt(member: entry.name, reason: "the deflate stream ends before its end marker")
                }
            }
        }
        return out
    }
}
