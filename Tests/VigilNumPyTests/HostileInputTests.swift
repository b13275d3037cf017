import Foundation
import Testing
import VigilNumPy
import VigilTestSupport
import VigilZip

/// Hostile `.npz` and `.npy` files, made here: each fails with an error naming the
/// problem or the limit, quickly, never a trap, a hang or gigabytes of memory.
@Suite("hostile NumPy and zip input", .timeLimit(.minutes(1)))
struct HostileInputTests {
    static func npy(_ values: [Float]) -> [UInt8] { NumPyArray(float32: values, shape: [values.count]).encoded() }

    func reading(_ bytes: [UInt8]) throws -> NumPyError? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-hostile-\(UUID()).npz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try NumPyArchive.read(path: path)
            return nil
        } catch let error as NumPyError {
            return error
        }
    }

    @Test func honestForgedArchiveReads() throws {
        let a = Self.npy([1, 2, 3]), b = Self.npy([Float](repeating: 0.5, count: 1000))
        let zip = ZipForge.archive([.init("a.npy", a), .init("b.npy", b, deflated: true)])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-honest-\(UUID()).npz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(zip).write(to: URL(fileURLWithPath: path))
        let arrays = try NumPyArchive.read(path: path)
        #expect(arrays.map(\.name) == ["a", "b"])
        #expect(arrays[0].array.floats == [1, 2, 3] && arrays[1].array.floats == [Float](repeating: 0.5, count: 1000))
    }

    /// Kind 1: the central directory offset points past the end of the file (what
    /// trapped ZIPFoundation reading from memory).
    @Test func centralDirectoryPastTheEnd() throws {
        let zip = ZipForge.archive([.init("a.npy", Self.npy([1, 2, 3]))])
        for offset: UInt32 in [UInt32(zip.count), UInt32(zip.count + 1000), 0x7fff_ffff, 0xffff_fff0] {
            let error = try #require(try reading(ZipForge.withCentralDirectoryOffset(zip, offset)))
            #expect(error.description.contains("central directory") && error.description.contains("past the end"), "\(error)")
        }
    }

    /// Every byte of the central directory and end record set to 0x00, 0xFF or 0x80:
    /// the reader fails with an error or reads the archive, never traps.
    @Test func damagedDirectoryNeverTraps() throws {
        let zip = ZipForge.archive([.init("a.npy", Self.npy([1, 2, 3])), .init("b.npy", Self.npy([4, 5]), deflated: true)])
        let directory = Int(zip[ZipForge.endRecord(zip) + 16]) | Int(zip[ZipForge.endRecord(zip) + 17]) << 8
        for at in directory..<zip.count {
            for value: UInt8 in [0x00, 0xff, 0x80] {
                var copy = zip
                copy[at] = value
                _ = try? ZipArchive(bytes: copy).entries.map { try ZipArchive(bytes: copy).extract($0, limit: ZipLimit(bytes: 1 << 20, name: "test")) }
            }
        }
        // Local headers moved out of reach, and a directory claiming more entries than it holds.
        let local = try #require(try? ZipArchive(bytes: zip)).entries.count
        #expect(local == 2)
        var many = zip
        many[ZipForge.endRecord(zip) + 8] = 0xff; many[ZipForge.endRecord(zip) + 10] = 0xff
        #expect(throws: ZipError.self) { try ZipArchive(bytes: many) }
        var farLocal = zip
        farLocal.replaceSubrange((directory + 42)..<(directory + 46), with: [0xf0, 0xff, 0xff, 0x7f])
        let error = try #require(try reading(farLocal))
        #expect(error.description.contains("local header") && error.description.contains("past the end"), "\(error)")
    }

    /// Kind 3: a member that declares 10 bytes but inflates to 4 MB stops at the 11th byte.
    @Test func memberInflatingPastItsDeclaredSize() throws {
        let zeros = NumPyArray(float32: [Float](repeating: 0, count: 1 << 20), shape: [1 << 20]).encoded()
        let zip = ZipForge.archive([.init("x.npy", zeros, deflated: true, declaredSize: 10)])
        let error = try #require(try reading(zip))
        #expect(error.description.contains("'x.npy' inflates past the 10 bytes it declares"), "\(error)")
        #expect(error.description.contains("NumPyLimits.maximumArrayBytes"), "\(error)")
    }

    /// A bomb that declares its size honestly (3 GB) is refused before inflating.
    @Test func memberDeclaringMoreThanTheLimit() throws {
        let zip = ZipForge.archive([.init("x.npy", [UInt8](repeating: 0, count: 1 << 16), deflated: true, declaredSize: 3_000_000_000)])
        let error = try #require(try reading(zip))
        #expect(error.description.contains("declares 3000000000 bytes, more than NumPyLimits.maximumArrayBytes"), "\(error)")
    }

    /// The running count with a limit lowered, and a deflate stream cut short.
    @Test func zipLimitsAndTruncatedStreams() throws {
        let zeros = [UInt8](repeating: 0, count: 100_000)
        let archive = try ZipArchive(bytes: ZipForge.archive([.init("z", zeros, deflated: true)]))
        let limit = ZipLimit(bytes: 4096, name: "TestLimits.small")
        #expect(throws: ZipError.limitExceeded(member: "z", limit: limit, reason: "declares 100000 bytes, more than TestLimits.small (4096 bytes)")) {
            try archive.extract(archive.entries[0], limit: limit)
        }
        #expect(try archive.extract(archive.entries[0], limit: ZipLimit(bytes: 100_000, name: "x")) == zeros)

        // The compressed data end early: the central directory's compressed size is cut.
        let text = [UInt8]((0..<20_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) })
        var zip = ZipForge.archive([.init("t", text, deflated: true)])
        let directory = Int(zip[ZipForge.endRecord(zip) + 16]) | Int(zip[ZipForge.endRecord(zip) + 17]) << 8
        let compressed = Int(zip[directory + 20]) | Int(zip[directory + 21]) << 8
        zip[directory + 20] = UInt8((compressed / 2) & 0xff); zip[directory + 21] = UInt8((compressed / 2) >> 8)
        let cut = try ZipArchive(bytes: zip)
        #expect(throws: ZipError.corrupt(member: "t", reason: "the deflate stream ends before its end marker")) {
            try cut.extract(cut.entries[0], limit: ZipLimit(bytes: 1 << 20, name: "x"))
        }
    }

    /// Kind 4: shapes whose byte count overflows Int, or passes the limit.
    @Test func hugeShapesNameTheLimit() throws {
        for shape in ["(4611686018427387904, 4611686018427387904)", "(4611686018427387904,)", "(3000000000,)", "(9223372036854775807, 0, 2)"] {
            let header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }\n"
            let bytes = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + [0, 0, 0, 0]
            if shape.contains(" 0,") {
                // An empty array is small whatever its other axes.
                #expect(throws: NumPyError.sizeMismatch("t", expected: 0, actual: 4)) { try NumPyArray.decode(bytes, name: "t") }
                continue
            }
            let error = try #require(throws: NumPyError.self) { try NumPyArray.decode(bytes, name: "t") }
            #expect(error.description.contains("NumPyLimits.maximumArrayBytes") && error.description.contains(shape), "\(error)")

            let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-shape-\(UUID()).npy").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let streamed = try #require(throws: NumPyError.self) { try NumPyReader(path: path) }
            #expect(streamed.description.contains("NumPyLimits.maximumArrayBytes"), "\(streamed)")
        }
    }

    @Test func readerAndWriterStreamRows() throws {
        let values = (0..<60).map(Float.init)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-stream-\(UUID()).npy").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try NumPyWriter(path: path, dtype: .float32, shape: [10, 3, 2])
        for start in stride(from: 0, to: 10, by: 4) {
            let rows = min(4, 10 - start)
            try writer.append(NumPyArray(float32: Array(values[(start * 6)..<((start + rows) * 6)]), shape: [rows, 3, 2]).bytes)
        }
        try writer.finish()
        #expect(try NumPyArray.read(path: path) == NumPyArray(float32: values, shape: [10, 3, 2]))
        let reader = try NumPyReader(path: path)
        #expect(reader.shape == [10, 3, 2] && reader.rows == 10)
        var read: [Float] = []
        while reader.rowsRead < reader.rows { read += try reader.read(rows: 3).floats }
        #expect(read == values)

        // A file shorter than its header promises fails before any row is read.
        try Data(NumPyArray(float32: values, shape: [10, 3, 2]).encoded().dropLast(8)).write(to: URL(fileURLWithPath: path))
        #expect(throws: NumPyError.sizeMismatch(path, expected: 240, actual: 232)) { try NumPyReader(path: path) }
    }
}
