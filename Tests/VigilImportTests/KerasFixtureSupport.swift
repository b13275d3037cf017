import Foundation
import VigilImport
import VigilNumPy
import VigilRuntime

/// The Keras importer's fixtures (made by Fixtures/keras/make_keras_fixtures.py):
/// each model saved by Keras 3 (`k3_`) and tf_keras 2.x (`k2_`) as legacy `.h5` and
/// `.keras`, with the inputs and Keras' outputs in `<stem>.npz`.
enum KerasImportFixtures {
    static let models = ["reference", "gru", "lstm", "separable", "sequential", "two_outputs"]
    /// Models of layers and activations only Keras 3 has (written by Keras 3 alone).
    static let keras3Models = ["activations", "normalization", "shapes", "layer_norm", "merges", "bidirectional", "attention", "transformer", "unit_norm", "transposed"]
    static let writers = ["k3", "k2"]
    static let formats = ["h5", "keras"]

    /// Every model file, e.g. "k3_reference.h5".
    static let modelFiles: [String] = writers.flatMap { w in models.flatMap { m in formats.map { "\(w)_\(m).\($0)" } } }
        + keras3Models.flatMap { m in formats.map { "k3_\(m).\($0)" } }

    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/keras") }

    static func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

    static func bytes(_ file: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(file)) }

    /// The stem's inputs and expected outputs, in index order.
    static func expectations(for file: String) throws -> (inputs: [NumPyArray], outputs: [NumPyArray]) {
        let stem = (file as NSString).deletingPathExtension
        let arrays = try NumPyArchive.read(path: path(stem + ".npz"))
        func numbered(_ prefix: String) -> [NumPyArray] {
            var out: [NumPyArray] = []
            while let a = arrays.first(where: { $0.name == "\(prefix)_\(out.count)" }) { out.append(a.array) }
            return out
        }
        return (numbered("input"), numbered("output"))
    }

    /// Writes `data` to a fresh temporary file with the given extension and returns its path.
    static func temporaryCopy(_ data: Data, extension ext: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-keras-test-\(UUID().uuidString).\(ext)")
        try data.write(to: url)
        return url.path
    }
}

/// Runs an imported Keras model on batched inputs (native layouts: the arrays are
/// already in Vigil's order) and returns each output's values and batched shape.
enum KerasModelRun {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run<K: KernelSet>(_ model: ImportedModel, inputs: [NumPyArray], kernels: K.Type) throws -> [(shape: [Int], values: [Float])] {
        let graph = model.graph
        guard graph.inputs.count == inputs.count, let batch = inputs.first?.shape.first else {
            throw Failure(description: "graph has \(graph.inputs.count) inputs, the fixture \(inputs.count)")
        }
        let interpreter = try Interpreter<K>(graph: graph, batch: batch)
        for (i, input) in inputs.enumerated() {
            let expectedShape = [batch] + graph.tensors[graph.inputs[i]].shape
            guard input.shape == expectedShape, model.inputLayouts[i].isNative else {
                throw Failure(description: "input \(i): fixture shape \(input.shape), graph \(expectedShape), layout \(model.inputLayouts[i])")
            }
            let buffer = interpreter.input(i)
            let values = input.floats
            guard buffer.count == values.count else { throw Failure(description: "input \(i): \(buffer.count) floats in the arena, \(values.count) in the fixture") }
            for j in values.indices { buffer[j] = values[j] }
        }
        interpreter.invoke()
        return graph.outputs.indices.map { i in ([batch] + graph.tensors[graph.outputs[i]].shape, Array(interpreter.output(i))) }
    }

    /// Differences beyond |got − want| ≤ absolute + relative·|want|, described; nil when none.
    static func mismatches(_ got: [Float], _ want: [Float], relative: Float, absolute: Float) -> String? {
        if got.count != want.count { return "\(got.count) values, expected \(want.count)" }
        var lines: [String] = []
        var worst: Float = 0
        for i in got.indices {
            let error = abs(got[i] - want[i]), allowed = absolute + relative * abs(want[i])
            worst = error.isNaN ? .nan : max(worst, error / allowed)
            if !(error <= allowed) && lines.count < 6 { lines.append("[\(i)] vigil \(got[i]) keras \(want[i])") }
        }
        return lines.isEmpty ? nil : "worst error \(worst)× the tolerance\n" + lines.joined(separator: "\n")
    }
}
