import Foundation
import Testing
@testable import VigilNumPy

/// Fixtures were written by NumPy (make_numpy_fixtures.py); expected values are the
/// formulas listed in that script's docstring.
@Suite("NumPy .npy and .npz")
struct NumPyTests {
    func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return url.path
    }

    @Test func readsFloat32() throws {
        let a = try NumPyArray.read(path: fixture("f32_2x3.npy"))
        #expect(a.dtype == .float32)
        #expect(a.shape == [2, 3])
        #expect(a.floats == [-1, -0.5, 0, 0.5, 1, 1.5])
    }

    @Test func readsIntegers() throws {
        let a = try NumPyArray.read(path: fixture("i8_4.npy"))
        #expect(a.dtype == .int8 && a.shape == [4])
        #expect(a.bytes.map { Int8(bitPattern: $0) } == [-128, -1, 0, 127])
        let b = try NumPyArray.read(path: fixture("i32_2x2.npy"))
        #expect(b.dtype == .int32 && b.shape == [2, 2])
        let values = b.bytes.withUnsafeBytes { raw in (0..<4).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self) } }
        #expect(values == [Int32.min, 7, 0, Int32.max])
    }

    @Test func readsEveryIntegerTypeAndBool() throws {
        let arrays = try NumPyArchive.read(path: fixture("ints.npz"))
        func array(_ name: String) throws -> NumPyArray { try #require(arrays.first { $0.name == name }?.array) }
        let expected: [(String, NumPyArray.DType, [Double])] = [
            ("u8", .uint8, [0, 255]), ("i16", .int16, [-32768, 32767]), ("u16", .uint16, [0, 65535]),
            ("u32", .uint32, [0, 4294967295]), ("b", .bool, [1, 0, 1]),
        ]
        for (name, dtype, values) in expected {
            let a = try array(name)
            #expect(a.dtype == dtype && a.doubles == values, "\(name)")
            // Writing gives NumPy's bytes back.
            #expect(try NumPyArray.decode(a.encoded(), name: name) == a)
        }
        // 64-bit extremes, checked on the bytes (a Double cannot hold them exactly).
        let i64 = try array("i64"), u64 = try array("u64")
        #expect(i64.dtype == .int64 && u64.dtype == .uint64)
        #expect(i64.bytes.withUnsafeBytes { raw in (0..<2).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) } } == [Int64.min, Int64.max])
        #expect(u64.bytes.withUnsafeBytes { raw in (0..<2).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self) } } == [0, UInt64.max])
    }

    @Test func readsScalarsAndVersion2() throws {
        let s = try NumPyArray.read(path: fixture("f32_scalar.npy"))
        #expect(s.shape == [] && s.floats == [3.25])
        let v2 = try NumPyArray.read(path: fixture("f32_v2.npy"))
        #expect(v2.shape == [3] && v2.floats == [1, 2, 3])
    }

    @Test func encodingMatchesNumPyBytes() throws {
        for name in ["f32_2x3.npy", "i8_4.npy", "i32_2x2.npy"] {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
            let array = try NumPyArray.decode(original, name: name)
            #expect(array.encoded() == original, "re-encoding \(name)")
        }
    }

    @Test func readsArchivesPlainAndCompressed() throws {
        for name in ["pair.npz", "pair_z.npz"] {
            let arrays = try NumPyArchive.read(path: fixture(name))
            #expect(arrays.map { $0.name } == ["a", "b"])
            #expect(arrays[0].array.floats == [-1, -0.5, 0, 0.5, 1, 1.5])
            #expect(arrays[1].array.shape == [4])
        }
    }

    @Test func archiveRoundTrip() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-roundtrip-\(UUID()).npz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = NumPyArray(float32: [1, 2, 3, 4], shape: [2, 2])
        try NumPyArchive.write([("x", a)], path: path)
        let back = try NumPyArchive.read(path: path)
        #expect(back.count == 1 && back[0].name == "x" && back[0].array == a)
    }

    @Test func rejectsBadInput() throws {
        #expect(throws: NumPyError.unsupportedDType(try fixture("f64_2.npy"), "<f8")) { try NumPyArray.read(path: try fixture("f64_2.npy")) }
        #expect(throws: NumPyError.fortranOrder(try fixture("fortran.npy"))) { try NumPyArray.read(path: try fixture("fortran.npy")) }
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("f32_2x3.npy"))))
        #expect(throws: NumPyError.sizeMismatch("t", expected: 24, actual: 20)) { try NumPyArray.decode(Array(good.dropLast(4)), name: "t") }
        #expect(throws: NumPyError.notNumPy("t")) { try NumPyArray.decode([1, 2, 3], name: "t") }
        for cut in stride(from: 0, to: good.count, by: 5) {
            #expect(throws: NumPyError.self) { try NumPyArray.decode(Array(good[0..<cut]), name: "t") }
        }
        let zip = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("pair.npz"))))
        let truncated = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-trunc-\(UUID()).npz").path
        defer { try? FileManager.default.removeItem(atPath: truncated) }
        try Data(zip[0..<(zip.count / 2)]).write(to: URL(fileURLWithPath: truncated))
        #expect(throws: NumPyError.self) { try NumPyArchive.read(path: truncated) }
        #expect(throws: NumPyError.self) { try NumPyArray.read(path: "/nonexistent/x.npy") }
        // A flipped byte inside the stored (uncompressed) payload of pair.npz: the zip
        // structure stays valid, only the CRC-32 can tell.
        var flipped = zip
        flipped[190] ^= 0x01  // inside the float data of a.npy (bytes 183..<207)
        let corrupt = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-crc-\(UUID()).npz").path
        defer { try? FileManager.default.removeItem(atPath: corrupt) }
        try Data(flipped).write(to: URL(fileURLWithPath: corrupt))
        #expect(throws: NumPyError.self) { try NumPyArchive.read(path: corrupt) }
    }
}
