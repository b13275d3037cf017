import Foundation
import Testing
import VigilHDF5

@Suite struct HDF5Tests {
    @Test func writesAndReadsEveryType() throws {
        let path = try Fixtures.temporaryDirectory() + "/t.h5"
        do {
            let file = try HDF5File.create(path)
            try file.createGroup("/a/b")
            try file.write((0..<12).map { Float($0) / 4 }, shape: [3, 4], to: "/a/b/floats")
            try file.write([Int32.min, -1, 0, Int32.max], shape: [2, 2], to: "/ints")
            try file.write([Int8.min, -1, 0, Int8.max], shape: [4], to: "/int8")
            try file.write([UInt8](0...255), shape: [2, 8, 16], to: "/uint8")
            try file.write((0..<100_000).map { Float($0) }, shape: [1000, 100], to: "/big")  // chunked + gzip
            try file.writeStrings(["101", "ünïcode", ""], to: "/names")
            try file.setAttribute("title", string: "vigil")
            try file.setAttribute("rate", value: Int32(256))
            try file.setAttribute("scale", values: [0.5, 2.0] as [Double], on: "/a/b/floats")
        }
        let file = try HDF5File.open(path)
        let floats = try file.read("/a/b/floats", as: Float.self)
        #expect(floats.shape == [3, 4] && floats.values == (0..<12).map { Float($0) / 4 })
        #expect(try file.read("/ints", as: Int32.self).values == [Int32.min, -1, 0, Int32.max])
        #expect(try file.read("/int8", as: Int8.self).values == [Int8.min, -1, 0, Int8.max])
        #expect(try file.read("/uint8", as: UInt8.self).shape == [2, 8, 16])
        #expect(try file.read("/big", as: Float.self).values.last == 99_999)
        #expect(try file.read("/int8", as: Float.self).values == [-128, -1, 0, 127])  // converted by the library
        #expect(try file.readStrings("/names") == ["101", "ünïcode", ""])
        #expect(try file.stringAttribute("title") == "vigil")
        #expect(try file.numericAttribute("rate", as: Int32.self) == [256])
        #expect(try file.numericAttribute("scale", of: "/a/b/floats", as: Double.self) == [0.5, 2.0])
        #expect(try file.children(of: "/") == ["a", "big", "int8", "ints", "names", "uint8"])
        #expect(try file.attributeNames(of: "/") == ["rate", "title"])
        #expect(file.isGroup("/a/b") && !file.isGroup("/ints") && !file.exists("/nope/x"))
    }

    @Test func errorsNameTheFileAndObject() throws {
        let directory = try Fixtures.temporaryDirectory()
        #expect(throws: HDF5Error.cannotOpen(file: directory + "/missing.h5")) { try HDF5File.open(directory + "/missing.h5") }
        let notHDF5 = directory + "/text.h5"
        try "hello".write(toFile: notHDF5, atomically: true, encoding: .utf8)
        #expect(throws: HDF5Error.cannotOpen(file: notHDF5)) { try HDF5File.open(notHDF5) }
        let path = directory + "/t.h5"
        do {
            let file = try HDF5File.create(path)
            try file.writeStrings(["x"], to: "/s")
            #expect(throws: HDF5Error.shapeMismatch(file: path, object: "/bad", shape: [2, 2], valueCount: 3)) {
                try file.write([Float](repeating: 0, count: 3), shape: [2, 2], to: "/bad")
            }
        }
        let file = try HDF5File.open(path)
        #expect(throws: HDF5Error.notFound(file: path, object: "/nothing")) { try file.read("/nothing", as: Float.self) }
        #expect(throws: HDF5Error.typeMismatch(file: path, object: "/s", expected: "float32", found: "strings")) {
            try file.read("/s", as: Float.self)
        }
        #expect(throws: HDF5Error.notFound(file: path, object: "/@units")) { try file.stringAttribute("units") }
        #expect(throws: HDF5Error.cannotCreate(file: directory + "/no/such/dir/x.h5")) { try HDF5File.create(directory + "/no/such/dir/x.h5") }
    }
}
