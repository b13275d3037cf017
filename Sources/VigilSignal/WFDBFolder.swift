import Foundation

/// A folder of WFDB records (MIT-BIH, NST, CU), as `vigil qrs` and `vigil dataset` read it.
public enum WFDBFolder {
    /// The requested records, or every record in `folder` (its `.hea` files, sorted).
    /// Requested names must be plain names (no `/`, not empty).
    public static func recordNames(in folder: String, requested: [String]) throws(ReplayError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .noSuchFolder(folder)
        }
        if !requested.isEmpty {
            for name in requested where name.isEmpty || name.contains("/") {
                throw .invalidRecordName(name)
            }
            return requested
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let names = entries.filter { $0.hasSuffix(".hea") }.map { String($0.dropLast(4)) }.sorted()
        if names.isEmpty { throw .noRecords(folder: folder) }
        return names
    }
}
