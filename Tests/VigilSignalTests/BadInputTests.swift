import Foundation
import Testing
@testable import VigilSignal
@testable import VigilSignalCore

/// Broken records give a specific error that names the file, never a crash.
@Suite struct BadInputTests {
    /// Copies a synthetic fixture record into a fresh folder, to be damaged there.
    func copy(_ name: String) throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        for ext in ["hea", "dat"] {
            try FileManager.default.copyItem(atPath: Fixtures.path("formats/\(name).\(ext)"), toPath: "\(directory)/\(name).\(ext)")
        }
        return directory + "/" + name
    }

    func readError(_ path: String) -> WFDBError? {
        do { _ = try WFDBRecord.read(path); return nil } catch { return error }
    }

    @Test func missingDatFile() throws {
        let path = try copy("fmt16")
        try FileManager.default.removeItem(atPath: path + ".dat")
        #expect(readError(path) == .missingFile(path: path + ".dat"))
    }

    @Test func missingHeader() throws {
        let path = try copy("fmt16")
        #expect(readError(path + "x") == .missingFile(path: path + "x.hea"))
    }

    @Test func truncatedDatFile() throws {
        let path = try copy("fmt212")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path + ".dat"))
        try bytes.prefix(bytes.count - 4).write(to: URL(fileURLWithPath: path + ".dat"))
        // 37 frames × 2 signals = 74 samples of format 212 = 111 bytes needed.
        #expect(readError(path) == .truncatedSignalFile(path: path + ".dat", expectedBytes: 111, actualBytes: 107))
    }

    @Test func headerAndSignalLengthMismatch() throws {
        let path = try copy("fmt16")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path + ".dat"))
        bytes.append(Data(repeating: 0, count: 40))  // ten more frames of 2 × 16-bit
        try bytes.write(to: URL(fileURLWithPath: path + ".dat"))
        #expect(readError(path) == .signalLengthMismatch(path: path + ".dat", headerSamples: 37, fileSamples: 47))
    }

    @Test func unknownFormat() throws {
        let path = try copy("fmt16")
        let header = try String(contentsOfFile: path + ".hea", encoding: .utf8).replacingOccurrences(of: ".dat 16 ", with: ".dat 17 ")
        try header.write(toFile: path + ".hea", atomically: true, encoding: .utf8)
        #expect(readError(path) == .unsupportedFormat(path: path + ".hea", format: "17"))
    }

    @Test func checksumMismatch() throws {
        let path = try copy("fmt16")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path + ".dat"))
        bytes[10] ^= 0x01  // frame 2, signal 1: the sum changes by ±1
        try bytes.write(to: URL(fileURLWithPath: path + ".dat"))
        guard case .checksumMismatch(let file, let signal, _, _)? = readError(path) else {
            Issue.record("expected a checksum mismatch"); return
        }
        #expect(file == path + ".dat" && signal == 1)
        #expect(try WFDBRecord.read(path, verifyChecksums: false).frameCount == 37)
    }

    @Test func malformedHeader() throws {
        let path = try copy("fmt16")
        try "fmt16 two 360 37\n".write(toFile: path + ".hea", atomically: true, encoding: .utf8)
        guard case .invalidHeader(let file, let reason)? = readError(path) else { Issue.record("expected invalidHeader"); return }
        #expect(file == path + ".hea" && reason.contains("number of signals"))
        try "fmt16 3 360 37\nfmt16.dat 16\n".write(toFile: path + ".hea", atomically: true, encoding: .utf8)
        guard case .invalidHeader(_, let r2)? = readError(path) else { Issue.record("expected invalidHeader"); return }
        #expect(r2.contains("declares 3 signals"))
    }

    /// Found by FuzzWFDBHeader: a frequency field of slashes alone ("/", "//") split
    /// into no parts and trapped on the first; each is now an invalid frequency.
    @Test func frequencyFieldsOfSlashesAlone() {
        for field in ["/", "//", "/073", "360/", "360//"] {
            #expect(throws: WFDBHeader.ParseError.self, "'\(field)'") { try WFDBHeader.parse("r 2 \(field) 37\nr.dat 212\nr.dat 212\n") }
        }
    }

    @Test func descriptionsNameTheFile() {
        let error = WFDBError.truncatedSignalFile(path: "/x/101.dat", expectedBytes: 10, actualBytes: 4)
        #expect(error.description.hasPrefix("/x/101.dat: truncated"))
    }
}
