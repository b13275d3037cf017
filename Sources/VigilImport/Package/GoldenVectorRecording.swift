import VigilRuntime
import VigilSignalCore

/// Deterministic model inputs: for the reference model's two inputs a beat-like
/// window (a narrow QRS spike on a small T wave) and RR features; for any other
/// model, seeded uniform values in [-1, 1) (random bytes for non-float inputs).
/// Golden vectors record them; `vigil bench` and `vigil demo` run on them.
public enum SampleInputs {
    public static func fill(_ interpreter: Interpreter<some KernelSet>) {
        let graph = interpreter.graph
        // The DESIGN §11 inputs: a 256-sample beat window and 4 RR features.
        let isReference = graph.inputs.count == 2 && graph.tensors[graph.inputs[0]].shape == [256, 1]
            && graph.tensors[graph.inputs[1]].shape == [4]
        var rng = SplitMix64(seed: 2024)
        for i in 0..<graph.inputs.count {
            let tensor = graph.tensors[graph.inputs[i]]
            let bytes = interpreter.inputBytes(i)
            switch tensor.dtype {
            case .float32:
                let values = interpreter.input(i)
                let length = tensor.elementCount
                for b in 0..<interpreter.batch {
                    for t in 0..<length {
                        let value: Float
                        if isReference && i == 0 {
                            let x = Float(t - 90) / 6, y = Float(t - 170) / 20
                            value = 1.2 * VMath.exp(-x * x) + 0.25 * VMath.exp(-y * y) + Float(b % 7) * 0.01
                        } else if isReference {
                            value = [0.8, 0.82, 0.81, 0.99][t % 4]
                        } else {
                            value = 2 * rng.nextUnit() - 1
                        }
                        values[b * length + t] = value
                    }
                }
            default:
                for j in 0..<bytes.count { bytes[j] = UInt8(truncatingIfNeeded: rng.next()) }
            }
        }
    }
}

extension GoldenVectors {
    /// Records a package's golden vectors: four samples of `SampleInputs` and the
    /// reference kernels' outputs on them, which a device re-runs before it activates
    /// the model.
    /// `tolerance` bounds each float output's difference on another kernel set (0 for
    /// quantized models, which must match bit for bit).
    public static func recorded(for graph: Graph, tolerance: Float = 1e-4) throws(GraphError) -> GoldenVectors {
        let interpreter = try Interpreter<PortableKernels>(graph: graph, batch: 4)
        SampleInputs.fill(interpreter)
        let inputs = graph.inputs.indices.map { Array(interpreter.inputBytes($0)) }
        interpreter.invoke()
        let outputs = graph.outputs.indices.map { Array(interpreter.outputBytes($0)) }
        return GoldenVectors(batch: 4, inputs: inputs, outputs: outputs, tolerance: tolerance)
    }
}

extension ImportedModel {
    /// The package of an imported model: a manifest with the source as provenance and
    /// the framework layouts of inputs and outputs, the graph, and golden vectors.
    public func package(name: String, version: String) throws(GraphError) -> ModelPackage {
        let manifest = Manifest(name: name, version: version, provenance: source)
        var package = ModelPackage(manifest: manifest, graph: graph,
                                   inputContract: PackageLayouts.contract(inputs: inputLayouts, outputs: outputLayouts))
        package.golden = try GoldenVectors.recorded(for: graph)
        return package
    }
}
