/// A pre-flight check of an HDF5 file's global heap collections, the blocks that hold
/// variable-length strings (Keras' `model_config` and weight names among them).
///
/// libhdf5 1.10 trusts an object's recorded size when it copies a string out of a
/// collection: one corrupted size byte makes it read past the collection and crash
/// the process. This walk applies the bounds checks the library omits, so a reader
/// of untrusted files can reject them before libhdf5 sees them.
public enum HDF5GlobalHeapCheck {
    /// A description of the first inconsistency found, or nil when every collection
    /// is well formed (or the file uses a layout the check does not cover).
    public static func problem(in bytes: UnsafeRawBufferPointer) -> String? {
        guard lengthSize(bytes) == 8 else { return nil }
        let signature: [UInt8] = [0x47, 0x43, 0x4F, 0x4C]  // "GCOL"
        var offset = 0
        while offset + 16 <= bytes.count {
            defer { offset += 1 }
            guard bytes[offset] == signature[0], bytes[offset + 1] == signature[1],
                  bytes[offset + 2] == signature[2], bytes[offset + 3] == signature[3] else { continue }
            // Version 1 and three zero bytes; anything else is data that happens to
            // spell the signature.
            guard bytes[offset + 4] == 1, bytes[offset + 5] == 0, bytes[offset + 6] == 0, bytes[offset + 7] == 0 else { continue }
            if let problem = collectionProblem(bytes, at: offset) { return problem }
        }
        return nil
    }

    public static func problem(in bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { problem(in: $0) }
    }

    private static func collectionProblem(_ bytes: UnsafeRawBufferPointer, at start: Int) -> String? {
        let size = readLength(bytes, start + 8)
        guard size >= 4096, size <= UInt64(bytes.count - start) else {
            return "global heap collection at byte \(start) claims \(size) bytes (the file has \(bytes.count - start) left)"
        }
        let end = start + Int(size)
        var p = start + 16
        while p + 16 <= end {
            let index = Int(bytes[p]) | Int(bytes[p + 1]) << 8
            let objectSize = readLength(bytes, p + 8)
            // Object 0 is the free space; its size includes its header. Others are
            // a 16-byte header and the data, padded to 8 bytes.
            let (need, overflow) = index == 0
                ? (objectSize, false)
                : (objectSize + 23).addingReportingOverflow(0)
            let padded = index == 0 ? need : need & ~7
            guard !overflow, objectSize < UInt64(Int.max / 2), padded >= 16, padded <= UInt64(end - p) else {
                return "global heap object \(index) at byte \(p) claims \(objectSize) bytes, past the end of its collection at byte \(end)"
            }
            p += Int(padded)
        }
        return nil
    }

    /// Bytes per length field from the superblock (versions 0–3), or nil.
    private static func lengthSize(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 16 else { return nil }
        switch bytes[8] {
        case 0, 1: return Int(bytes[14])
        case 2, 3: return Int(bytes[10])
        default: return nil
        }
    }

    private static func readLength(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return value
    }
}
