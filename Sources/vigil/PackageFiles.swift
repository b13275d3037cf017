import Foundation
import VigilKernels
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

    /// Runs a package's golden vectors on the host kernels before anything uses it: a
    /// package that does not reproduce them is refused. Returns false for a package
    /// without golden vectors (the caller warns: nothing shows it computes what its
    /// maker saw).
    static func selfTest(_ package: ModelPackage, path: String) throws -> Bool {
        guard package.golden != nil else { return false }
        let result = package.selfTest(kernels: HostKernels.self)
        if !result.passed { throw CLIError("\(path): self-test failed: \(result.failure)") }
        return true
    }
}
