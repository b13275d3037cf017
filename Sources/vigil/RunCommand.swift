import ArgumentParser
import Foundation
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
        let outputs = try Self.run(package, inputs: inputs)
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
    }

    /// Runs the package's graph on the given .npy files; returns outputs in the source
    /// framework's layout, named by tensor.
    static func run(_ package: ModelPackage, inputs: [String]) throws -> [(name: String, array: NumPyArray)] {
        let graph = package.graph
        if inputs.count != graph.inputs.count {
            throw CLIError("the model takes \(graph.inputs.count) input(s), \(inputs.count) given")
        }
        var arrays: [NumPyArray] = []
        var batch = 0
        for (i, path) in inputs.enumerated() {
            let array: NumPyArray
            do { array = try NumPyArray.read(path: path) } catch { throw CLIError("\(error)") }
            let (native, b) = try PackageFiles.prepare(array, for: package, input: i, source: path)
            if batch != 0 && b != batch { throw CLIError("\(path): batch \(b) differs from the other inputs' \(batch)") }
            batch = b
            arrays.append(native)
        }
        let interpreter: Interpreter<HostKernels>
        // A graph without inputs (every output a constant) runs as one sample.
        do { interpreter = try Interpreter<HostKernels>(graph: graph, batch: max(batch, 1)) } catch { throw CLIError(error.message) }
        for (i, array) in arrays.enumerated() {
            let target = interpreter.inputBytes(i)
            array.bytes.withUnsafeBytes { target.copyMemory(from: $0) }
        }
        interpreter.invoke()
        var outputs: [(String, NumPyArray)] = []
        for (i, id) in graph.outputs.enumerated() {
            let tensor = graph.tensors[id]
            let bytes = Array(interpreter.outputBytes(i))
            // A constant output has no batch axis; its layout maps its own axes.
            let shape = tensor.isConstant ? tensor.shape : [max(batch, 1)] + tensor.shape
            let array = NumPyArray(dtype: PackageFiles.dtype(tensor.dtype), shape: shape, bytes: bytes)
            let layout = try PackageFiles.layout(package, "output", i, rank: shape.count)
            guard let framework = PackageFiles.rearrange(array, layout, toVigil: false) else {
                throw CLIError("output '\(tensor.name)' cannot be put in its framework layout \(layout)")
            }
            outputs.append((tensor.name, framework))
        }
        return outputs
    }
}
