import Foundation
import Testing
@testable import VigilImport

/// A model file larger than `ImportLimits.maximumModelFileBytes` is refused from its size
/// alone, before a byte is read: the test files are sparse, so they cost no disk and a
/// read of them would take seconds and gigabytes.
struct ModelFileLimitTests {
    @Test(arguments: ["onnx", "tflite", "keras", "h5"])
    func oversizedModelFileIsRefusedUnread(_ ext: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-huge-\(UUID().uuidString).\(ext)").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(ImportLimits.maximumModelFileBytes) + 1)
        try handle.close()
        do {
            _ = try ModelImporter.importModel(path: path)
            Issue.record("a \(ext) file over the limit was imported")
        } catch {
            guard case .malformedFile(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("ImportLimits.maximumModelFileBytes"), "\(reason)")
        }
    }
}
