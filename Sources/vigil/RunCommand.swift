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

    func run() throws {
        let package = try PackageFiles.read(package)
        let tested = try PackageFiles.selfTest(package, path: self.package)
        let outputs = try PackageArrays.run(package, inputFiles: inputs, kernels: HostKernels.self)
        do {
            if output.hasSuffix(".npz") {
                try NumPyArchive.write(outputs, path: output)
            } else {
                guard outputs.count == 1 else {
                    throw CLIError("the model has \(outputs.count) outputs; name an .npz file with -o")
                }
                try outputs[0].array.write(path: output)
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(output): cannot write: \(error.localizedDescription)")
        }
        if !tested { FileHandle.standardError.write(Data("warning: \(self.package): the package has no golden vectors; it was not self-tested\n".utf8)) }
    }
}
