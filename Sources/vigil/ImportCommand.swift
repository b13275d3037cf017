import ArgumentParser
import Foundation
import VigilImport
import VigilKernels
import VigilRuntime

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a Keras (.h5, .keras), ONNX (.onnx) or quantized TFLite (.tflite) model into a Vigil package.",
        discussion: """
        The package records golden input/output vectors (seeded random inputs and Vigil's \
        outputs on them) that a device re-runs before it activates the model. With --check, \
        REF.npz holds the framework's reference: arrays input_0, input_1, … and output_0, … \
        in the framework's own layout; the command reports the largest absolute and \
        relative errors and fails when they exceed the tolerances.
        """)

    @Argument(help: "The model file.")
    var model: String

    @Option(name: .shortAndLong, help: "Where to write the package.")
    var output: String

    @Option(help: "Reference inputs and outputs to compare against (.npz).")
    var check: String?

    @Option(help: "Largest relative error --check accepts (plus --absolute-tolerance).")
    var relativeTolerance: Double = 1e-5

    @Option(help: "Largest absolute error --check accepts (plus --relative-tolerance).")
    var absoluteTolerance: Double = 1e-6

    @Option(help: "Package name (default: the model file's name).")
    var name: String?

    @Option(help: "Package version.")
    var version: String = "0.1.0"

    func run() throws {
        let imported: ImportedModel
        do { imported = try ModelImporter.importModel(path: model) } catch { throw CLIError(error.description) }
        let baseName = URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
        let package = try imported.package(name: name ?? baseName, version: version)
        try PackageFiles.write(package, to: output)
        let device = try? package.resourceNeeds(kernels: PortableKernels.self)
        let host = try? Interpreter<HostKernels>.memoryPlan(imported.graph, batch: 1)
        print("imported \(model) (\(imported.source)): \(imported.graph.nodes.count) ops, \(device?.macs ?? 0) MACs, device arena \(device?.deviceArenaBytes ?? 0) bytes, host arena \(host?.arenaBytes ?? 0) bytes, constants \(imported.graph.constantBytes) bytes")
        print("wrote \(output)")
        if let check { try compare(package, reference: check) }
    }

    func compare(_ package: ModelPackage, reference: String) throws {
        let check = try ReferenceCheck.compare(package, reference: reference, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance, kernels: HostKernels.self)
        print("check against \(reference): \(check.values) values, max abs error \(check.maxAbsoluteError), max rel error \(check.maxRelativeError)")
        if !check.passed {
            throw CLIError("\(check.failures) of \(check.values) values exceed \(absoluteTolerance) + \(relativeTolerance)·|reference|")
        }
        print("check passed (within \(absoluteTolerance) + \(relativeTolerance)·|reference|)")
    }
}
