import ArgumentParser
import Foundation
import VigilImport
import VigilKernels
import VigilNumPy
import VigilRuntime

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a package on NumPy inputs and write its outputs.",
        discussion: "Inputs are .npy files, one per model input in order, with the batch as the first axis. With one output, -o names a .npy file; with several, an .npz archive.")

    @Argument(help: "The package file.")
    var package: String

    @Option(name: .customLong("input"), help: "An input .npy file (repeat for each model input).")
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: "Where to write the output (.npy, or .npz for several outputs).")
    var output: String

    @Option(help: "Samples read, run and written at a time.")
    var chunk: Int = ImportLimits.runChunkSamples

    func validate() throws {
        if chunk < 1 { throw ValidationError("--chunk must be at least 1") }
    }

    func run() throws {
        let package = try PackageFiles.read(package)
        let tested = try PackageFiles.selfTest(package, path: self.package)
        if output.hasSuffix(".npz") {
            // An archive is written whole: the outputs are gathered, the inputs still streamed.
            let outputs = try PackageArrays.run(package, inputFiles: inputs, chunk: chunk, kernels: HostKernels.self)
            do { try NumPyArchive.write(outputs, path: output) } catch {
                throw CLIError("\(output): cannot write: \(error.localizedDescription)")
            }
        } else {
            try streamToNPY(package)
        }
        if !tested { FileHandle.standardError.write(Data("warning: \(self.package): the package has no golden vectors; it was not self-tested\n".utf8)) }
    }

    /// The inputs read, run and the output written `chunk` samples at a time
    /// (`ImportLimits.runChunkSamples` by default); a failed run leaves no partial file.
    private func streamToNPY(_ package: ModelPackage) throws {
        var writer: NumPyWriter?
        var failure: Error?
        do {
            try PackageArrays.stream(package, inputFiles: inputs, chunk: chunk, kernels: HostKernels.self, begin: { shapes throws(PackageDataError) in
                do {
                    guard shapes.count == 1 else {
                        throw CLIError("the model has \(shapes.count) outputs; name an .npz file with -o")
                    }
                    writer = try NumPyWriter(path: output, dtype: shapes[0].dtype, shape: shapes[0].shape)
                } catch {
                    failure = error
                    throw PackageDataError("")
                }
            }, emit: { arrays throws(PackageDataError) in
                do {
                    if let array = arrays[0] { try writer?.append(array.bytes) }
                } catch {
                    failure = error
                    throw PackageDataError("")
                }
            })
            try writer?.finish()
        } catch {
            if writer != nil { try? FileManager.default.removeItem(atPath: output) }
            switch failure ?? error {
            case let error as CLIError: throw error
            case let error as PackageDataError: throw error
            case let error as NumPyError: throw CLIError("\(output): cannot write: \(error)")
            case let error: throw CLIError("\(output): cannot write: \(error.localizedDescription)")
            }
        }
    }
}
