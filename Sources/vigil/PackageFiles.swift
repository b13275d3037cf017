import Foundation
import VigilRuntime

/// Reading and writing package files, with the CLI's messages.
enum PackageFiles {
    static func read(_ path: String) throws -> ModelPackage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): cannot read the package (missing or unreadable)")
        }
        do {
            return try ModelPackage.decode([UInt8](data))
        } catch {
            throw CLIError("\(path): \(error.message)")
        }
    }

    static func write(_ package: ModelPackage, to path: String) throws {
        do {
            try Data(package.encoded()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("\(path): cannot write the package: \(error.localizedDescription)")
        }
    }
}
