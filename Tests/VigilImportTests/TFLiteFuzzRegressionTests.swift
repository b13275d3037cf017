import Foundation
import Testing
@testable import VigilImport

/// The inputs FuzzTFLite crashed the importer with (Fuzz/Regressions/FuzzTFLite, which
/// every fuzz run also replays first): each must now be refused with an error.
struct TFLiteFuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/Regressions/FuzzTFLite").standardized

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test(arguments: files)
    func eachCrashIsNowAnError(_ file: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent(file)))
        #expect(throws: ImportError.self) { _ = try TFLiteImporter.importModel(contentsOf: bytes, name: file) }
    }

    /// The one that found a SPLIT whose input the file declares with another shape than
    /// the tensor its producer made: the shape mismatch is named.
    @Test func aSplitOfADeclaredButAbsentAxisIsAShapeMismatch() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent("split-axis-beyond-held-shape")))
        #expect {
            _ = try TFLiteImporter.importModel(contentsOf: bytes, name: "split.tflite")
        } throws: { error in
            guard case .shapeMismatch(_, let reason) = error as? ImportError else { return false }
            return reason.contains("is declared") && reason.contains("but holds")
        }
    }
}
