import Foundation
import VigilImport
import VigilKernels
import VigilNumPy
import VigilRuntime

/// Calibration or validation samples: one float array per model input in Vigil's
/// layout (batch first, flattened) and optional integer labels.
public struct QuantizeDataset: Sendable {
    public var inputs: [[Float]]
    public var count: Int
    public var labels: [Int]?
    /// How the samples were made, for the report, when the files do not say it themselves.
    public var source: String?

    public init(inputs: [[Float]], count: Int, labels: [Int]? = nil, source: String? = nil) {
        self.inputs = inputs
        self.count = count
        self.labels = labels
        self.source = source
    }

    /// Whether `paths` is one folder: WFDB records (`WFDBBeatSource`) rather than NumPy files.
    public static func isWFDBFolder(_ paths: [String]) -> Bool {
        var isDirectory: ObjCBool = false
        return paths.count == 1 && FileManager.default.fileExists(atPath: paths[0], isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Reads an `.npz` (arrays input_0, input_1, … and optional `labels`) or one
    /// `.npy` file per model input, in the source framework's layout.
    public static func load(_ paths: [String], for package: ModelPackage, option: String) throws(DatasetError) -> QuantizeDataset {
        let graph = package.graph
        var arrays: [(array: NumPyArray, source: String)] = []
        var labelArray: NumPyArray?
        if paths.count == 1 && paths[0].hasSuffix(".npz") {
            let path = paths[0]
            let archive: [(name: String, array: NumPyArray)]
            do { archive = try NumPyArchive.read(path: path) } catch { throw DatasetError("\(option): \(error)") }
            for i in graph.inputs.indices {
                guard let found = archive.first(where: { $0.name == "input_\(i)" }) else {
                    throw DatasetError("\(option): \(path) has no array named input_\(i) (has: \(archive.map { $0.name }.joined(separator: ", "))); the model takes \(graph.inputs.count) input(s)")
                }
                arrays.append((found.array, "\(path):input_\(i)"))
            }
            labelArray = archive.first(where: { $0.name == "labels" })?.array
        } else {
            if paths.count != graph.inputs.count {
                throw DatasetError("\(option): the model takes \(graph.inputs.count) input(s); give one .npz or one .npy per input, \(paths.count) file(s) given")
            }
            for path in paths {
                do { arrays.append((try NumPyArray.read(path: path), path)) } catch { throw DatasetError("\(option): \(error)") }
            }
        }
        var inputs: [[Float]] = []
        var count = 0
        for (i, entry) in arrays.enumerated() {
            let native: NumPyArray, batch: Int
            do { (native, batch) = try PackageArrays.prepare(entry.array, for: package, input: i, source: entry.source) } catch { throw DatasetError(error.description) }
            if i > 0 && batch != count {
                throw DatasetError("\(entry.source): \(batch) samples, but the first input has \(count)")
            }
            count = batch
            inputs.append(native.floats)
        }
        var labels: [Int]?
        if let l = labelArray {
            guard l.shape.first == count, l.elementCount == count else {
                throw DatasetError("\(option): labels have shape \(l.shape); expected [\(count)], one per sample")
            }
            let values = l.doubles
            if let bad = values.first(where: { !($0 >= 0 && $0 < 1e15) }) { throw DatasetError("\(option): label \(bad) is not a class index") }
            labels = values.map { Int($0.rounded()) }
        }
        return QuantizeDataset(inputs: inputs, count: count, labels: labels)
    }

    /// Runs `graph` on every sample with the host kernels, in chunks; returns each
    /// graph output's values, sample after sample.
    public func outputs(of graph: Graph, chunk: Int = 256) throws(GraphError) -> [[Float]] {
        var results = [[Float]](repeating: [], count: graph.outputs.count)
        var interpreters: [Int: Interpreter<HostKernels>] = [:]
        var start = 0
        while start < count {
            let b = min(chunk, count - start)
            let interpreter: Interpreter<HostKernels>
            if let cached = interpreters[b] {
                interpreter = cached
            } else {
                interpreter = try Interpreter<HostKernels>(graph: graph, batch: b)
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
