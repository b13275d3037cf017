import VigilRuntime

/// Per-tensor statistics of a float graph over a calibration set, keyed by the tensor
/// IDs of the validated float graph.
public struct CalibrationStatistics: Sendable {
    public var tensors: [TensorID: TensorStatistics]
    /// Samples the statistics were collected over.
    public var samples: Int

    public init(tensors: [TensorID: TensorStatistics] = [:], samples: Int = 0) {
        self.tensors = tensors
        self.samples = samples
    }
}

/// Runs a float graph over calibration samples and records every activation tensor
/// (graph inputs and every node output).
///
/// The interpreter's arena reuses memory, so intermediates are read from an
/// *observation graph*: the same nodes with every node output promoted to a graph
/// output, which the memory planner keeps alive to the end of the run.
public enum Calibration {
    /// The validated graph with every node output as a graph output (the original
    /// outputs first, then the rest in node order).
    public static func observationGraph(_ graph: Graph) -> Graph {
        var g = graph
        var seen = Set(g.outputs)
        for node in g.nodes {
            for id in node.outputs where !seen.contains(id) {
                g.outputs.append(id)
                seen.insert(id)
            }
        }
        return g
    }

    /// Collects statistics in one pass (min/max) or two (min/max, then histograms for
    /// the percentile and entropy observers).
    ///
    /// - Parameters:
    ///   - inputs: one array per graph input: `samples` items in Vigil's layout, item
    ///     after item (batch first).
    ///   - kernels: the float kernels to run (PortableKernels, or HostKernels for speed).
    public static func collect<K: KernelSet>(_ graph: Graph, inputs: [[Float]], samples: Int, observer: CalibrationObserver, batchSize: Int = 32, kernels: K.Type) throws(QuantizationError) -> CalibrationStatistics {
        let g: Graph
        do { g = try graph.validated() } catch { throw .invalidGraph(error) }
        try PostTrainingQuantizer.requireFloat(g)
        if samples < 1 { throw .badCalibrationData("no samples") }
        if inputs.count != g.inputs.count {
            throw .badCalibrationData("the model takes \(g.inputs.count) input(s), \(inputs.count) given")
        }
        for (i, id) in g.inputs.enumerated() {
            let per = g.tensors[id].elementCount
            if inputs[i].count != per * samples {
                throw .badCalibrationData("input \(i) ('\(g.tensors[id].name)') holds \(inputs[i].count) values, expected \(samples) × \(per)")
            }
        }
        let observed = observationGraph(g)
        var stats = CalibrationStatistics(samples: samples)
        for id in g.inputs { stats.tensors[id] = TensorStatistics() }
        for id in observed.outputs { stats.tensors[id] = TensorStatistics() }

        var interpreters: [Int: Interpreter<K>] = [:]
        let passes = observer.needsHistogram ? 2 : 1
        for pass in 0..<passes {
            var start = 0
            while start < samples {
                let b = min(batchSize, samples - start)
                let interpreter: Interpreter<K>
                if let cached = interpreters[b] {
                    interpreter = cached
                } else {
                    do { interpreter = try Interpreter<K>(graph: observed, batch: b) } catch { throw .invalidGraph(error) }
                    interpreters[b] = interpreter
                }
                for (i, id) in g.inputs.enumerated() {
                    let per = g.tensors[id].elementCount
                    let target = interpreter.input(i)
                    inputs[i].withUnsafeBufferPointer { source in
                        let slice = UnsafeBufferPointer(rebasing: source[(start * per)..<((start + b) * per)])
                        for j in 0..<slice.count { target[j] = slice[j] }
                        record(&stats.tensors[id]!, slice, pass: pass)
                    }
                }
                interpreter.invoke()
                for (k, id) in observed.outputs.enumerated() {
                    let count = b * g.tensors[id].elementCount
                    let values = UnsafeBufferPointer(rebasing: interpreter.output(k)[0..<count])
                    record(&stats.tensors[id]!, values, pass: pass)
                    if pass == 0 { stats.tensors[id]!.observeChannels(values, channels: g.tensors[id].shape.last ?? 1) }
                }
                start += b
            }
        }
        return stats
    }

    static func record(_ s: inout TensorStatistics, _ values: UnsafeBufferPointer<Float>, pass: Int) {
        if pass == 0 { s.observeRange(values) } else { s.observeHistogram(values) }
    }
}
