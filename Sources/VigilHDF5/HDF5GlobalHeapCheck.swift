/// A pre-flight check of an HDF5 file's global heap, where variable-length strings
/// live (Keras' `model_config` and weight names among them).
///
/// libhdf5 1.10 trusts the global heap when it reads such a string: a corrupted
/// object size makes it copy past the heap collection, and a corrupted reference
/// (object index or length) makes it index past its object table or overflow the
/// string buffer. Any of these crashes the process. This check applies the bounds
/// checks the library omits, so a reader of untrusted files can reject them before
/// libhdf5 sees them:
///
/// 1. every collection ("GCOL") lies inside the file and every object inside its
///    collection;
/// 2. every object is named by exactly one well-formed reference — 16 bytes of
///    length, collection address and index — anywhere in the file. A reference
///    whose index or length was damaged leaves its object unreferenced.
///
/// The second rule assumes what writers like h5py and Keras do: each string has its
/// own heap object and no reference sits in compressed data.
public enum HDF5GlobalHeapCheck {
    /// A description of the first inconsistency found, or nil when the heap is
    /// consistent (or the file uses a layout the check does not cover).
    public static func problem(in bytes: UnsafeRawBufferPointer) -> String? {
        guard let layout = Superblock(bytes), layout.lengthSize == 8, layout.offsetSize == 8 else { return nil }
        var collections: [Int: [Int: UInt64]] = [:]
        var offset = 0
        while offset + 16 <= bytes.count {
            defer { offset += 1 }
            // "GCOL", version 1, three zero bytes; anything else is data that happens
            // to spell the signature.
            guard bytes[offset] == 0x47, bytes[offset + 1] == 0x43, bytes[offset + 2] == 0x4F, bytes[offset + 3] == 0x4C,
                  bytes[offset + 4] == 1, bytes[offset + 5] == 0, bytes[offset + 6] == 0, bytes[offset + 7] == 0 else { continue }
            switch objects(bytes, collectionAt: offset) {
            case .failure(let problem): return problem.description
            case .success(let objects): collections[offset] = objects
            }
        }
        if collections.isEmpty || layout.baseAddress != 0 { return nil }
        return referenceProblem(bytes, collections)
    }

    public static func problem(in bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { problem(in: $0) }
    }

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// The collection's objects (index → size), excluding the free space.
    private static func objects(_ bytes: UnsafeRawBufferPointer, collectionAt start: Int) -> Result<[Int: UInt64], Problem> {
        let size = readUInt(bytes, start + 8, width: 8)
        guard size >= 4096, size <= UInt64(bytes.count - start) else {
            return .failure(Problem(description: "global heap collection at byte \(start) claims \(size) bytes (the file has \(bytes.count - start) left)"))
        }
        let end = start + Int(size)
        var objects: [Int: UInt64] = [:]
        var p = start + 16
        while p + 16 <= end {
            let index = Int(readUInt(bytes, p, width: 2))
            let objectSize = readUInt(bytes, p + 8, width: 8)
            // Object 0 is the free space, its size including its header; the others
            // are a 16-byte header and the data padded to 8 bytes.
            let span: UInt64 = index == 0 ? objectSize : (objectSize &+ 23) & ~7
            guard objectSize < UInt64(Int32.max), span >= 16, span <= UInt64(end - p) else {
                return .failure(Problem(description: "global heap object \(index) at byte \(p) claims \(objectSize) bytes, past the end of its collection at byte \(end)"))
            }
            if index != 0 {
                if objects[index] != nil { return .failure(Problem(description: "global heap object \(index) appears twice in the collection at byte \(start)")) }
                objects[index] = objectSize
            }
            p += Int(span)
        }
        return .success(objects)
    }

    private static func referenceProblem(_ bytes: UnsafeRawBufferPointer, _ collections: [Int: [Int: UInt64]]) -> String? {
        var referenced: Set<[Int]> = []
        let addresses = Set(collections.keys)
        var i = 0
        while i + 16 <= bytes.count {
            defer { i += 1 }
            let address = readUInt(bytes, i + 4, width: 8)
            guard address < UInt64(bytes.count), addresses.contains(Int(address)) else { continue }
            let length = readUInt(bytes, i, width: 4), index = Int(readUInt(bytes, i + 12, width: 4))
            guard let size = collections[Int(address)]?[index], length > 0, size % length == 0, size / length <= 16 else { continue }
            referenced.insert([Int(address), index])
        }
        for (address, objects) in collections.sorted(by: { $0.key < $1.key }) {
            for index in objects.keys.sorted() where !referenced.contains([address, index]) {
                return "global heap object \(index) of the collection at byte \(address) is named by no intact reference (a damaged string reference?)"
            }
        }
        return nil
    }

    /// The superblock fields the check needs (versions 0–3).
    private struct Superblock {
        var offsetSize: Int
        var lengthSize: Int
        var baseAddress: UInt64

        init?(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count >= 40 else { return nil }
            switch bytes[8] {
            case 0, 1:
                offsetSize = Int(bytes[13]); lengthSize = Int(bytes[14])
                baseAddress = readUInt(bytes, bytes[8] == 0 ? 24 : 28, width: 8)
            case 2, 3:
                offsetSize = Int(bytes[9]); lengthSize = Int(bytes[10])
                baseAddress = readUInt(bytes, 12, width: 8)
            default:
                return nil
            }
        }
    }

    private static func readUInt(_ bytes: UnsafeRawBufferPointer, _ offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return value
    }
}
