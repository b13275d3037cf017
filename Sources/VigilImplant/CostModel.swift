import Foundation
import VigilKernelsM4
import VigilRuntime

/// Instructions to cycles on the Cortex-M4 (Device/README.md, "Cycle model").
public enum CycleModel {
    /// Cycles per instruction of the int8 kernels' inner loops, from their disassembly
    /// and the Cortex-M4 Technical Reference Manual's timings (see Device/README.md).
    public static let cortexM4CyclesPerInstruction = 1.3
}

/// One node of a measured run: what the cost model sees of it and what it cost.
public struct NodeMeasurement: Sendable, Equatable {
    public var op: String
    public var macs: Int
    public var inputElements: Int
    public var outputElements: Int
    /// Trips of a convolution's inner loop: on the DSP kernel (`CortexM4Kernels`) the
    /// receptive field's 4-byte words per output, on the reference kernel its taps per
    /// output (the loop over input channels starts once per tap); 0 for other ops.
    public var taps: Int
    public var instructions: Int

    public init(op: String, macs: Int, inputElements: Int, outputElements: Int, taps: Int, instructions: Int) {
        self.op = op; self.macs = macs; self.inputElements = inputElements; self.outputElements = outputElements
        self.taps = taps; self.instructions = instructions
    }

    /// The node `index` of a graph, with a measured count.
    public init(graph: Graph, node index: Int, instructions: Int) {
        let node = graph.nodes[index]
        // Kernels differ by element type, and an int8 convolution by which device kernel
        // runs it: the key is the op, its output's type and, for those, the kernel.
        let dtype = node.outputs.first.map { graph.tensors[$0].dtype } ?? .float32
        op = node.op.name + "/" + dtype.name
        macs = MemoryPlanner.macs(of: node, in: graph)
        inputElements = node.inputs.reduce(0) { graph.tensors[$1].isConstant ? $0 : $0 + graph.tensors[$1].elementCount }
        outputElements = node.outputs.reduce(0) { $0 + graph.tensors[$1].elementCount }
        switch node.op {
        case .conv1D(let a) where dtype == .int8 && CortexM4Kernels.usesDSP(groups: a.groups, dilation: a.dilation):
            let fieldBytes = outputElements > 0 ? macs / outputElements : 0
            taps = outputElements * ((fieldBytes + 3) / 4)
            op += "/dsp"
        case .conv1D(let a):
            taps = outputElements * a.kernelSize
        default:
            taps = 0
        }
        self.instructions = instructions
    }
}

/// A measured model: its nodes and the per-inference total (one whole invoke).
public struct ModelMeasurement: Sendable, Equatable {
    public var model: String
    public var nodes: [NodeMeasurement]
    public var instructionsPerInference: Int

    public init(model: String, nodes: [NodeMeasurement], instructionsPerInference: Int) {
        self.model = model; self.nodes = nodes; self.instructionsPerInference = instructionsPerInference
    }

    public var json: [String: Any] {
        ["model": model, "instructions_per_inference": instructionsPerInference,
         "nodes": nodes.map { ["op": $0.op, "macs": $0.macs, "input_elements": $0.inputElements, "output_elements": $0.outputElements, "taps": $0.taps, "instructions": $0.instructions] }]
    }

    public init(json object: [String: Any]) throws(ImplantError) {
        guard let model = object["model"] as? String, let total = object["instructions_per_inference"] as? Int,
              let nodes = object["nodes"] as? [[String: Any]] else { throw .model("a measurement needs model, instructions_per_inference and nodes") }
        var parsed: [NodeMeasurement] = []
        for n in nodes {
            guard let op = n["op"] as? String, let macs = n["macs"] as? Int, let i = n["input_elements"] as? Int,
                  let o = n["output_elements"] as? Int, let taps = n["taps"] as? Int, let count = n["instructions"] as? Int else {
                throw .model("\(model): a node measurement lacks a field")
            }
            parsed.append(NodeMeasurement(op: op, macs: macs, inputElements: i, outputElements: o, taps: taps, instructions: count))
        }
        self.init(model: model, nodes: parsed, instructionsPerInference: total)
    }
}

/// Instructions per op as a function of its shape, fitted by least squares from runs on
/// the emulated Cortex-M4 (Device/measure.sh): per op kind,
/// `instructions = a + b·MACs + c·output elements + d·input elements + e·taps`, with the terms
/// an op kind's measurements cannot tell apart left out. Whole-inference overhead
/// (the interpreter's loop) is the mean difference between a whole invoke and the
/// sum of its nodes.
public struct CostModel: Sendable {
    /// Coefficients per op kind: intercept, per MAC, per output element, per input element, per tap.
    public var coefficients: [String: [Double]]
    public var overheadPerNode: Double
    public var fittedOn: [String]

    public init(coefficients: [String: [Double]], overheadPerNode: Double, fittedOn: [String]) {
        self.coefficients = coefficients; self.overheadPerNode = overheadPerNode; self.fittedOn = fittedOn
    }

    /// The op kinds the fit covers.
    public var ops: Set<String> { Set(coefficients.keys) }

    public static func features(_ n: NodeMeasurement) -> [Double] {
        [1, Double(n.macs), Double(n.outputElements), Double(n.inputElements), Double(n.taps)]
    }

    public static func fit(_ runs: [ModelMeasurement]) -> CostModel {
        var byOp: [String: [NodeMeasurement]] = [:]
        for run in runs { for n in run.nodes { byOp[n.op, default: []].append(n) } }
        var coefficients: [String: [Double]] = [:]
        for (op, nodes) in byOp { coefficients[op] = solve(nodes) }
        var overhead = 0.0, count = 0
        for run in runs where !run.nodes.isEmpty {
            let sum = run.nodes.reduce(0) { $0 + $1.instructions }
            overhead += Double(run.instructionsPerInference - sum)
            count += run.nodes.count
        }
        return CostModel(coefficients: coefficients, overheadPerNode: count > 0 ? overhead / Double(count) : 0, fittedOn: runs.map(\.model))
    }

    /// Least squares over the features that vary among the measurements (a feature
    /// that is 0 throughout, or proportional to one already taken, is left out; with
    /// one distinct shape only the per-unit term of the largest feature stays).
    static func solve(_ nodes: [NodeMeasurement]) -> [Double] {
        let rows = nodes.map(features)
        let y = nodes.map { Double($0.instructions) }
        var chosen: [Int] = []
        for f in [1, 4, 2, 3, 0] {  // MACs, taps, outputs, inputs, then the intercept
            let column = rows.map { $0[f] }
            if column.allSatisfy({ $0 == 0 }) { continue }
            let candidate = chosen + [f]
            if distinctRows(rows, candidate) >= candidate.count, rank(rows, candidate) == candidate.count { chosen = candidate }
        }
        if chosen.isEmpty { chosen = [0] }
        let solution = leastSquares(rows.map { r in chosen.map { r[$0] } }, y) ?? [Double](repeating: 0, count: chosen.count)
        var c = [Double](repeating: 0, count: 5)
        for (k, f) in chosen.enumerated() { c[f] = solution[k] }
        return c
    }

    static func distinctRows(_ rows: [[Double]], _ columns: [Int]) -> Int {
        Set(rows.map { r in columns.map { r[$0] } }).count
    }

    static func rank(_ rows: [[Double]], _ columns: [Int]) -> Int {
        var m = rows.map { r in columns.map { r[$0] } }
        // Columns scaled to unit maximum so that the pivot threshold is relative.
        for j in columns.indices {
            let scale = m.map { abs($0[j]) }.max() ?? 0
            if scale > 0 { for i in m.indices { m[i][j] /= scale } }
        }
        var rank = 0
        for j in columns.indices {
            guard let pivot = (rank..<m.count).max(by: { abs(m[$0][j]) < abs(m[$1][j]) }), abs(m[pivot][j]) > 1e-9 else { continue }
            m.swapAt(rank, pivot)
            for i in m.indices where i != rank {
                let f = m[i][j] / m[rank][j]
                for k in columns.indices { m[i][k] -= f * m[rank][k] }
            }
            rank += 1
            if rank == m.count { break }
        }
        return rank
    }

    /// Solves the normal equations by Gaussian elimination with partial pivoting.
    static func leastSquares(_ a: [[Double]], _ y: [Double]) -> [Double]? {
        let n = a.first?.count ?? 0
        var m = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
        for (row, value) in zip(a, y) {
            for i in 0..<n {
                for j in 0..<n { m[i][j] += row[i] * row[j] }
                m[i][n] += row[i] * value
            }
        }
        for col in 0..<n {
            guard let p = (col..<n).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }), m[p][col] != 0 else { return nil }
            m.swapAt(col, p)
            for r in 0..<n where r != col {
                let f = m[r][col] / m[col][col]
                for k in col...n { m[r][k] -= f * m[col][k] }
            }
        }
        return (0..<n).map { m[$0][n] / m[$0][$0] }
    }

    /// Predicted instructions of one node; nil for an op kind the fit has not seen.
    public func instructions(_ node: NodeMeasurement) -> Double? {
        guard let c = coefficients[node.op] else { return nil }
        let f = Self.features(node)
        return max(0, zip(c, f).reduce(0) { $0 + $1.0 * $1.1 }) + overheadPerNode
    }

    /// Predicted instructions of one inference of a graph at batch 1.
    public func instructions(graph: Graph) throws(ImplantError) -> Double {
        var total = 0.0
        for i in graph.nodes.indices {
            let node = NodeMeasurement(graph: graph, node: i, instructions: 0)
            guard let cost = instructions(node) else {
                throw .model("node '\(graph.nodes[i].name)': the cost model has no measurements of \(node.op); add a model with one to Device/measure.sh")
            }
            total += cost
        }
        return total
    }

    /// The measurements shipped with Vigil (Sources/VigilImplant/Measurements/models, written by
    /// Device/measure.sh), every one or all but `excluding`.
    public static func shippedMeasurements(excluding: Set<String> = []) throws(ImplantError) -> [ModelMeasurement] {
        guard let folder = Bundle.module.url(forResource: "Measurements", withExtension: nil)?.appendingPathComponent("models"),
              let files = try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil) else {
            throw .model("the device measurements are missing from the build")
        }
        var runs: [ModelMeasurement] = []
        for file in files.sorted(by: { $0.path < $1.path }) where file.pathExtension == "json" {
            guard let data = FileManager.default.contents(atPath: file.path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw .model("\(file.lastPathComponent): not a measurement")
            }
            let run = try ModelMeasurement(json: object)
            if !excluding.contains(run.model) { runs.append(run) }
        }
        return runs
    }
}
