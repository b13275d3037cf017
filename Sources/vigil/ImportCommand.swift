import ArgumentParser
import Foundation
import VigilImport
import VigilKernels
import VigilNumPy
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
        var manifest = Manifest(name: name ?? baseName, version: version, provenance: imported.source)
        for (i, layout) in imported.inputLayouts.enumerated() where !layout.isNative {
            manifest.metadata.append(("input.\(i).layout", PackageFiles.metadataValue(layout)))
        }
        for (i, layout) in imported.outputLayouts.enumerated() where !layout.isNative {
            manifest.metadata.append(("output.\(i).layout", PackageFiles.metadataValue(layout)))
        }
        var package = ModelPackage(manifest: manifest, graph: imported.graph)
        package.golden = try Self.goldenVectors(imported.graph)
        try PackageFiles.write(package, to: output)
        let plan = try? Interpreter<PortableKernels>(graph: imported.graph, batch: 1).plan
        print("imported \(model) (\(imported.source)): \(imported.graph.nodes.count) ops, \(plan?.totalMACs ?? 0) MACs, arena \(plan?.arenaBytes ?? 0) bytes, constants \(imported.graph.constantBytes) bytes")
        print("wrote \(output)")
        if let check { try compare(package, reference: check) }
    }

    /// Four seeded random samples and the reference kernels' outputs on them.
    static func goldenVectors(_ graph: Graph) throws -> GoldenVectors {
        let interpreter: Interpreter<PortableKernels>
        do { interpreter = try Interpreter<PortableKernels>(graph: graph, batch: 4) } catch { throw CLIError(error.message) }
        Measure.fillInputs(interpreter)
        let inputs = graph.inputs.indices.map { Array(interpreter.inputBytes($0)) }
        interpreter.invoke()
        let outputs = graph.outputs.indices.map { Array(interpreter.outputBytes($0)) }
        return GoldenVectors(batch: 4, inputs: inputs, outputs: outputs, tolerance: 1e-4)
    }

    func compare(_ package: ModelPackage, reference: String) throws {
        let arrays: [(name: String, array: NumPyArray)]
        do { arrays = try NumPyArchive.read(path: reference) } catch { throw CLIError("\(error)") }
        func named(_ prefix: String, _ count: Int) throws -> [NumPyArray] {
            try (0..<count).map { i in
                guard let found = arrays.first(where: { $0.name == "\(prefix)_\(i)" }) else {
                    throw CLIError("\(reference): no array named \(prefix)_\(i) (have: \(arrays.map { $0.name }.joined(separator: ", ")))")
                }
                return found.array
            }
        }
        let graph = package.graph
        let inputs = try named("input", graph.inputs.count)
        let expected = try named("output", graph.outputs.count)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (i, array) in inputs.enumerated() {
            let path = directory.appendingPathComponent("input_\(i).npy").path
            try array.write(path: path)
            paths.append(path)
        }
        let outputs = try RunCommand.run(package, inputs: paths)
        var worstAbsolute = 0.0, worstRelative = 0.0, failures = 0, total = 0
        for (i, (name, actual)) in outputs.enumerated() {
            guard actual.shape == expected[i].shape else {
                throw CLIError("output \(i) ('\(name)'): shape \(actual.shape), reference \(expected[i].shape)")
            }
            for (a, b) in zip(actual.doubles, expected[i].doubles) {
                let error = abs(a - b)
                worstAbsolute = max(worstAbsolute, error)
                worstRelative = max(worstRelative, error / max(abs(b), 1e-30))
                if error > absoluteTolerance + relativeTolerance * abs(b) || error.isNaN { failures += 1 }
                total += 1
            }
        }
        print("check against \(reference): \(total) values, max abs error \(worstAbsolute), max rel error \(worstRelative)")
        if failures > 0 {
            throw CLIError("\(failures) of \(total) values exceed \(absoluteTolerance) + \(relativeTolerance)·|reference|")
        }
        print("check passed (within \(absoluteTolerance) + \(relativeTolerance)·|reference|)")
    }
}
