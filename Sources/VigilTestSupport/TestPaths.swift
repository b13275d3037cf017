import Foundation

/// Where tests find the repository, the shared datasets, and a scratch folder.
public enum TestPaths {
    /// The repository root (this file is Sources/VigilTestSupport/TestPaths.swift).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shared datasets folder, `<repo>/../shared/datasets`; it may be absent.
    public static let datasets: String = repository.appendingPathComponent("../shared/datasets").standardized.path

    /// A fresh, empty temporary folder named `<prefix>-<UUID>`.
    public static func temporaryDirectory(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
