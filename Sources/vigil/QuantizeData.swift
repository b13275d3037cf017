import Foundation
import VigilImport
import VigilKernels
import VigilNumPy
import VigilRuntime

/// Samples for `vigil quantize`: one float array per model input in Vigil's layout
/// (batch first, flattened) and optional integer labels.
struct QuantizeDataset {
    var inputs: [[Float]]
    var count: Int
    var labels: [Int]?
    /// How the samples were made, for the report, when the files do not say it themselves.
    var source: String?

    /// Reads an `.npz` (arrays input_0, input_1, … and optional `labels`) or one
    /// `.npy` file per model input, in the source framework's layout.
    static func load(_ paths: [String], for package: ModelPackage, option: String) throws -> QuantizeDataset {
        let graph = package.graph
        var arrays: [(array: NumPyArray, source: String)] = []
        var labelArray: NumPyArray?
        if paths.count == 1 && paths[0].hasSuffix(".npz") {
            let path = paths[0]
            let archive: [(name: String, array: NumPyArray)]
            do { archive = try NumPyArchive.read(path: path) } catch { throw CLIError("\(option): \(error)") }
            for i in graph.inputs.indices {
                guard let found = archive.first(where: { $0.name == "input_\(i)" }) else {
                    throw CLIError("\(option): \(path) has no array named input_\(i) (has: \(archive.map { $0.name }.joined(separator: ", "))); the model takes \(graph.inputs.count) input(s)")
                }
                arrays.append((found.array, "\(path):input_\(i)"))
            }
            labelArray = archive.first(where: { $0.name == "labels" })?.array
        } else {
            if paths.count != graph.inputs.count {
                throw CLIError("\(option): the model takes \(graph.inputs.count) input(s); give one .npz or one .npy per input, \(paths.count) file(s) given")
            }
            for path in paths {
                do { arrays.append((try NumPyArray.read(path: path), path)) } catch { throw CLIError("\(option): \(error)") }
            }
        }
        var inputs: [[Float]] = []
        var count = 0
        for (i, entry) in arrays.enumerated() {
            let (native, batch) = try PackageArrays.prepare(entry.array, for: package, input: i, source: entry.source)
            if i > 0 && batch != count {
                throw CLIError("\(entry.source): \(batch) samples, but the first input has \(count)")
            }
            count = batch
            inputs.append(native.floats)
        }
        var labels: [Int]?
        if let l = labelArray {
            guard l.shape.first == count, l.elementCount == count else {
                throw CLIError("\(option): labels have shape \(l.shape); expected [\(count)], one per sample")
            }
            let values = l.doubles
            if let bad = values.first(where: { !($0 >= 0 && $0 < 1e15) }) { throw CLIError("\(option): label \(bad) is not a class index") }
            labels = values.map { Int($0.rounded()) }
        }
        return QuantizeDataset(inputs: inputs, count: count, labels: labels)
    }

    /// Runs `graph` on every sample with the host kernels, in chunks; returns each
    /// graph output's values, sample after sample.
    func outputs(of graph: Graph, chunk: Int = 256) throws -> [[Float]] {
        var results = [[Float]](repeating: [], count: graph.outputs.count)
        var interpreters: [Int: Interpreter<HostKernels>] = [:]
        var start = 0
        while start < count {
            let b = min(chunk, count - start)
            let interpreter: Interpreter<HostKernels>
            if let cached = interpreters[b] {
                interpreter = cached
            } else {
                do { interpreter = try Interpreter<HostKernels>(graph: graph, batch: b) } catch { throw CLIError(error.message) }
                interpreters[b] = interpreter
            }
            for (i, id) in graph.inputs.enumerated() {
                let per = graph.tensors[id].elementCount
                let target = interpreter.input(i)
                for j in 0..<(b * per) { target[j] = inputs[i][start * per + j] }
            }
            interpreter.invoke()
            for (k, id) in graph.outputs.enumerated() {
                let n = b * graph.tensors[id].elementCount
                results[k].append(contentsOf: interpreter.output(k)[0..<n])
            }
            start += b
        }
        return results
    }
}

/// Float vs int8 comparison for the quantization report.
struct QuantizeComparison {
    var samples: Int
    var agreements: Int
    var maxAbsError: Double
    var classes: Int
    var floatConfusion: [[Int]]?
    var int8Confusion: [[Int]]?

    var agreement: Double { samples == 0 ? 0 : Double(agreements) / Double(samples) }

    static func argmax(_ row: ArraySlice<Float>) -> Int {
        var best = row.startIndex
        for i in row.indices where row[i] > row[best] { best = i }
        return best - row.startIndex
    }

    /// Top-1 over the last axis of output 0 (one row per sample), max abs error over all outputs.
    init(float: [[Float]], int8: [[Float]], graph: Graph, samples: Int, labels: [Int]?) {
        self.samples = samples
        var worst = 0.0
        for (a, b) in zip(float, int8) {
            for (x, y) in zip(a, b) { worst = max(worst, Double(abs(x - y))) }
        }
        maxAbsError = worst
        let shape = graph.tensors[graph.outputs[0]].shape
        let width = shape.last ?? 1
        classes = width
        let rowsPerSample = shape.reduce(1, *) / max(width, 1)
        var agree = 0
        var predictionsF: [Int] = [], predictionsQ: [Int] = []
        for r in 0..<(samples * rowsPerSample) {
            let f = QuantizeComparison.argmax(float[0][(r * width)..<((r + 1) * width)])
            let q = QuantizeComparison.argmax(int8[0][(r * width)..<((r + 1) * width)])
            if f == q { agree += 1 }
            predictionsF.append(f); predictionsQ.append(q)
        }
        agreements = agree
        self.samples = samples * rowsPerSample
        if let labels, rowsPerSample == 1 {
            let n = max(width, (labels.max() ?? 0) + 1)
            classes = n
            var cf = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
            var cq = cf
            for (i, label) in labels.enumerated() {
                cf[label][predictionsF[i]] += 1
                cq[label][predictionsQ[i]] += 1
            }
            floatConfusion = cf
            int8Confusion = cq
        }
    }
}
