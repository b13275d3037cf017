/// A bounds-checked reader of the FlatBuffers binary format, enough for the TFLite
/// schema: tables with vtables, scalars with defaults, offsets to tables, strings and
/// vectors. Every offset is checked against the buffer before it is followed, and
/// every count against the bytes that remain, so a corrupted file ends in
/// `ImportError.malformedFile`, never in a trap or a huge allocation.
struct FlatBufferReader {
    let bytes: [UInt8]
    let path: String

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    func fail(_ reason: String) -> ImportError { .malformedFile(path: path, reason: reason) }

    func check(_ position: Int, _ size: Int, _ what: String) throws(ImportError) {
        if position < 0 || size < 0 || position > bytes.count - size {
            throw fail("\(what) at byte \(position) (+\(size)) lies outside the \(bytes.count)-byte file")
        }
    }

    func u8(_ p: Int) throws(ImportError) -> UInt8 { try check(p, 1, "byte"); return bytes[p] }

    func u16(_ p: Int) throws(ImportError) -> UInt16 {
        try check(p, 2, "u16")
        return UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8
    }

    func u32(_ p: Int) throws(ImportError) -> UInt32 {
        try check(p, 4, "u32")
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[p + i]) << (8 * UInt32(i)) }
        return v
    }

    func u64(_ p: Int) throws(ImportError) -> UInt64 {
        try check(p, 8, "u64")
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[p + i]) << (8 * UInt64(i)) }
        return v
    }

    func i32(_ p: Int) throws(ImportError) -> Int32 { Int32(bitPattern: try u32(p)) }

    /// The root table's position.
    func root() throws(ImportError) -> Table {
        if bytes.count < 8 { throw fail("\(bytes.count) bytes is too short for a FlatBuffer") }
        return try table(at: Int(try u32(0)))
    }

    func table(at position: Int) throws(ImportError) -> Table {
        try check(position, 4, "table")
        let vtable = position - Int(try i32(position))
        try check(vtable, 4, "vtable")
        let vtableSize = Int(try u16(vtable))
        if vtableSize < 4 || vtableSize % 2 != 0 { throw fail("vtable at byte \(vtable) has size \(vtableSize)") }
        try check(vtable, vtableSize, "vtable")
        let tableSize = Int(try u16(vtable + 2))
        try check(position, tableSize, "table body")
        return Table(reader: self, position: position, vtable: vtable, vtableSize: vtableSize, tableSize: tableSize)
    }

    struct Table {
        let reader: FlatBufferReader
        let position: Int
        let vtable: Int
        let vtableSize: Int
        let tableSize: Int

        /// Position of field `slot`, or nil when absent.
        func field(_ slot: Int, size: Int) throws(ImportError) -> Int? {
            let entry = 4 + 2 * slot
            if entry + 2 > vtableSize { return nil }
            let offset = Int(try reader.u16(vtable + entry))
            if offset == 0 { return nil }
            if offset + size > tableSize { throw reader.fail("field \(slot) of the table at byte \(position) overruns the table") }
            return position + offset
        }

        func u8(_ slot: Int, default d: UInt8 = 0) throws(ImportError) -> UInt8 {
            guard let p = try field(slot, size: 1) else { return d }
            return try reader.u8(p)
        }

        func bool(_ slot: Int, default d: Bool = false) throws(ImportError) -> Bool { try u8(slot, default: d ? 1 : 0) != 0 }

        func i32(_ slot: Int, default d: Int32 = 0) throws(ImportError) -> Int32 {
            guard let p = try field(slot, size: 4) else { return d }
            return try reader.i32(p)
        }

        func u32(_ slot: Int, default d: UInt32 = 0) throws(ImportError) -> UInt32 {
            guard let p = try field(slot, size: 4) else { return d }
            return try reader.u32(p)
        }

        func u64(_ slot: Int, default d: UInt64 = 0) throws(ImportError) -> UInt64 {
            guard let p = try field(slot, size: 8) else { return d }
            return try reader.u64(p)
        }

        func f32(_ slot: Int, default d: Float = 0) throws(ImportError) -> Float {
            guard let p = try field(slot, size: 4) else { return d }
            return Float(bitPattern: try reader.u32(p))
        }

        /// The position an offset field points at.
        func indirect(_ slot: Int) throws(ImportError) -> Int? {
            guard let p = try field(slot, size: 4) else { return nil }
            let target = p + Int(try reader.u32(p))
            try reader.check(target, 4, "offset target of field \(slot)")
            return target
        }

        func table(_ slot: Int) throws(ImportError) -> Table? {
            guard let p = try indirect(slot) else { return nil }
            return try reader.table(at: p)
        }

        func string(_ slot: Int) throws(ImportError) -> String? {
            guard let p = try indirect(slot) else { return nil }
            let n = Int(try reader.u32(p))
            try reader.check(p + 4, n, "string")
            return String(decoding: reader.bytes[(p + 4)..<(p + 4 + n)], as: UTF8.self)
        }

        /// A vector: element count and the position of its first element.
        func vector(_ slot: Int, elementSize: Int) throws(ImportError) -> (count: Int, start: Int)? {
            guard let p = try indirect(slot) else { return nil }
            let n = Int(try reader.u32(p))
            if n > (reader.bytes.count - p - 4) / max(elementSize, 1) {
                throw reader.fail("vector of \(n) elements at byte \(p) overruns the file")
            }
            return (n, p + 4)
        }

        func int32s(_ slot: Int) throws(ImportError) -> [Int32]? {
            guard let (n, start) = try vector(slot, elementSize: 4) else { return nil }
            var out: [Int32] = []
            out.reserveCapacity(n)
            for i in 0..<n { out.append(try reader.i32(start + 4 * i)) }
            return out
        }

        func int64s(_ slot: Int) throws(ImportError) -> [Int64]? {
            guard let (n, start) = try vector(slot, elementSize: 8) else { return nil }
            var out: [Int64] = []
            out.reserveCapacity(n)
            for i in 0..<n { out.append(Int64(bitPattern: try reader.u64(start + 8 * i))) }
            return out
        }

        func floats(_ slot: Int) throws(ImportError) -> [Float]? {
            guard let (n, start) = try vector(slot, elementSize: 4) else { return nil }
            var out: [Float] = []
            out.reserveCapacity(n)
            for i in 0..<n { out.append(Float(bitPattern: try reader.u32(start + 4 * i))) }
            return out
        }

        func tables(_ slot: Int) throws(ImportError) -> [Table] {
            guard let (n, start) = try vector(slot, elementSize: 4) else { return [] }
            var out: [Table] = []
            out.reserveCapacity(n)
            for i in 0..<n {
                let p = start + 4 * i
                out.append(try reader.table(at: p + Int(try reader.u32(p))))
            }
            return out
        }

        func bytes(_ slot: Int) throws(ImportError) -> ArraySlice<UInt8>? {
            guard let (n, start) = try vector(slot, elementSize: 1) else { return nil }
            return reader.bytes[start..<(start + n)]
        }
    }
}
