import Foundation
import Testing
import VigilImport
import VigilRuntime

/// One array of a fixture, in the framework's (ONNX's) axis order.
struct FixtureArray: Decodable {
    var name: String
    var shape: [Int]
    var data: [Float]
}

/// Inputs and the outputs ONNX Runtime (or the ONNX node-test data) computed for them.
struct FixtureData: Decodable {
    var inputs: [FixtureArray]
    var outputs: [FixtureArray]

    static func load(_ url: URL) throws -> FixtureData {
        try JSONDecoder().decode(FixtureData.self, from: Data(contentsOf: url))
    }
}

enum ONNXFixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/onnx")
    }

    static func url(_ name: String, _ ext: String) -> URL {
        directory.appendingPathComponent(name).appendingPathExtension(ext)
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(name, "onnx")))
    }
}

/// Runs an imported model on framework-ordered inputs and returns framework-ordered
/// outputs, transposing at the boundary as each layout says.
enum ModelRunner {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run<K: KernelSet>(_ model: ImportedModel, inputs: [FixtureArray], kernels: K.Type) throws -> [FixtureArray] {
        let graph = model.graph
        guard graph.inputs.count == inputs.count else {
            throw Failure(description: "graph has \(graph.inputs.count) inputs, fixture \(inputs.count)")
        }
        var ordered: [FixtureArray] = []
        for id in graph.inputs {
            guard let input = inputs.first(where: { $0.name == graph.tensors[id].name }) ?? (inputs.count == 1 ? inputs.first : nil) else {
                throw Failure(description: "no fixture input for graph input '\(graph.tensors[id].name)'")
            }
            ordered.append(input)
        }
        guard let first = ordered.first, let layout = model.inputLayouts.first, layout.storedAxes[0] < first.shape.count else {
            throw Failure(description: "no inputs")
        }
        // A batch-free model takes each framework tensor as one sample.
        let batch = model.isBatchFree ? 1 : first.shape[layout.storedAxes[0]]
        let interpreter = try Interpreter<K>(graph: graph, batch: batch)
        for (i, input) in ordered.enumerated() {
            guard let stored = model.inputLayouts[i].toVigil(input.data, frameworkShape: input.shape) else {
                throw Failure(description: "input '\(input.name)' of shape \(input.shape) does not fit layout \(model.inputLayouts[i])")
            }
            let buffer = interpreter.input(i)
            guard buffer.count == stored.count else {
                throw Failure(description: "input '\(input.name)': arena holds \(buffer.count) floats, fixture \(stored.count)")
            }
            for j in stored.indices { buffer[j] = stored[j] }
        }
        interpreter.invoke()
        var outputs: [FixtureArray] = []
        for (i, id) in graph.outputs.enumerated() {
            let storedShape = [batch] + graph.tensors[id].shape
            let values = Array(interpreter.output(i))
            guard let shape = model.outputLayouts[i].frameworkShape(storedShape: storedShape),
                  let framework = model.outputLayouts[i].toFramework(values, storedShape: storedShape) else {
                throw Failure(description: "output \(i) of stored shape \(storedShape) does not fit layout \(model.outputLayouts[i])")
            }
            outputs.append(FixtureArray(name: graph.tensors[id].name, shape: shape, data: framework))
        }
        return outputs
    }

    /// Element-wise |got − want| ≤ absolute + relative·|want|; nil when all match,
    /// else a description of the worst mismatches.
    static func compare(_ got: [FixtureArray], _ want: [FixtureArray], relative: Float, absolute: Float) -> String? {
        guard got.count == want.count else { return "\(got.count) outputs, expected \(want.count)" }
        var problems: [String] = []
        for (g, w) in zip(got, want) {
            // Unit axes may be dropped or kept by either side (a [N] vs [N, 1] output).
            if g.shape.filter({ $0 != 1 }) != w.shape.filter({ $0 != 1 }) || g.data.count != w.data.count {
                problems.append("output '\(w.name)': shape \(g.shape), expected \(w.shape)")
                continue
            }
            var bad = 0
            for i in g.data.indices {
                let (a, b) = (g.data[i], w.data[i])
                if a.isNaN && b.isNaN { continue }
                if a == b { continue }
                if !(abs(a - b) <= absolute + relative * abs(b)) {
                    if bad < 4 { problems.append("output '\(w.name)' [\(i)]: got \(a), expected \(b)") }
                    bad += 1
                }
            }
            if bad > 4 { problems.append("… \(bad) mismatches in '\(w.name)'") }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "\n")
    }
}
