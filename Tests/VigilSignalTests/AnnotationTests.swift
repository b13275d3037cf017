import Foundation
import Testing
@testable import VigilSignal
@testable import VigilSignalCore

/// MIT-format annotations against wfdb-python: reading a file wfdb.wrann
/// wrote, and writing the same list byte for byte (so wfdb.rdann reads what
/// Vigil writes identically).
@Suite struct AnnotationTests {
    func roundtripFixture() throws -> [Annotation] {
        annotations(fromJSON: try #require(try Fixtures.json("annotations.json")["roundtrip"] as? [String: Any]))
    }

    @Test func readsWhatWFDBPythonWrote() throws {
        let expected = try roundtripFixture()
        let read = try AnnotationFile.read(Fixtures.path("annotations/roundtrip.atr"))
        #expect(read == expected)
    }

    @Test func writesWhatWFDBPythonWrites() throws {
        let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("annotations/roundtrip.atr"))))
        let written = try MITAnnotationCoding.encode(try roundtripFixture())
        #expect(written == expected)
    }

    @Test func fileRoundTrip() throws {
        let directory = try Fixtures.temporaryDirectory()
        let list = try roundtripFixture()
        try AnnotationFile.write(list, to: directory + "/x.qrs")
        #expect(try AnnotationFile.read(directory + "/x.qrs") == list)
    }

    @Test func handDerivedEncoding() throws {
        // N at sample 5: word (1 << 10) | 5 = 0x0405 → bytes 05 04; then V 1500 samples later needs a SKIP:
        // word 59 << 10 = 0xEC00, interval 1500 = 0x000005DC high word first, then V (5 << 10) | 0 = 0x1400; end 00 00.
        let bytes = try MITAnnotationCoding.encode([Annotation(sample: 5, code: .normal), Annotation(sample: 1505, code: AnnotationCode(5))])
        #expect(bytes == [0x05, 0x04, 0x00, 0xEC, 0x00, 0x00, 0xDC, 0x05, 0x00, 0x14, 0x00, 0x00])
    }

    @Test func codesAndClasses() {
        #expect(AnnotationCode(symbol: "N")?.rawValue == 1 && AnnotationCode(symbol: "!")?.rawValue == 31)
        let beats = (0...49).map { AnnotationCode(UInt8($0)) }.filter(\.isBeat).compactMap(\.symbol)
        #expect(beats.sorted() == ["/", "?", "A", "B", "E", "F", "J", "L", "N", "Q", "R", "S", "V", "a", "e", "f", "j", "n", "r"].sorted())
        #expect(AnnotationCode(symbol: "+")!.isBeat == false && AnnotationCode(symbol: "~")!.isBeat == false && AnnotationCode(symbol: "|")!.isBeat == false)
        #expect(AnnotationCode(symbol: "e")!.aamiClass(.ec57) == .s && AnnotationCode(symbol: "e")!.aamiClass(.deChazal) == .n)
        #expect(AnnotationCode(symbol: "r")!.aamiClass(.ec57) == .v && AnnotationCode(symbol: "r")!.aamiClass(.deChazal) == nil)
        #expect(AnnotationCode(symbol: "B")!.aamiClass(.ec57) == .n && AnnotationCode(symbol: "/")!.aamiClass(.deChazal) == .q)
    }

    @Test(arguments: [
        ([0x05, 0x04, 0x00], "odd number of bytes"),
        ([0x05, 0x04, 0x00, 0xEC, 0x00, 0x00], "SKIP"),
        ([0x05, 0x04, 0x07, 0xFC, 0x41, 0x42], "AUX"),
        ([0x01, 0xF0, 0x05, 0x04], "precedes any annotation"),
        ([0x00, 0xEC, 0xFF, 0xFF, 0x00, 0x00, 0x05, 0x04], "negative"),
    ] as [([UInt8], String)])
    func corruptStreamsAreRejected(bytes: [UInt8], reason: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        let path = directory + "/bad.atr"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try AnnotationFile.read(path)
            Issue.record("expected corruptAnnotations for \(bytes)")
        } catch {
            guard case .corruptAnnotations(let file, let message) = error else { Issue.record("wrong error \(error)"); return }
            #expect(file == path)
            #expect(message.contains(reason), "\(message)")
        }
    }

    @Test func writerRejectsUnorderedAnnotations() {
        #expect(throws: AnnotationFormatError.sampleOutOfOrder(index: 1)) {
            try MITAnnotationCoding.encode([Annotation(sample: 10, code: .normal), Annotation(sample: 9, code: .normal)])
        }
    }
}
