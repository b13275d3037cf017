/// Why a graph, a plan or a model file was rejected. Every case names the node or
/// tensor at fault, so that an importer's user can find it in their model.
public enum GraphError: Error, Sendable, Equatable {
    /// A node or the graph's input/output list refers to a tensor id that does not exist.
    case danglingTensor(node: String, tensor: Int)
    /// A node reads a tensor that is neither an input, a constant, nor produced by any node.
    case undefinedTensor(node: String, tensor: String)
    /// Two nodes write the same tensor, or a node writes an input or a constant.
    case producedTwice(tensor: String, node: String)
    /// The node is part of a dependency cycle.
    case cycle(node: String)
    /// The node reads a tensor that a later node produces.
    case notInExecutionOrder(node: String, tensor: String)
    /// A declared dimension is zero or negative.
    case nonPositiveDimension(tensor: String, shape: [Int])
    /// A tensor above the size limits (`Graph.maximumDimension`, `maximumElements`).
    case tooLarge(tensor: String, shape: [Int])
    case wrongInputCount(node: String, expected: String, got: Int)
    case shapeMismatch(node: String, reason: String)
    case badAttribute(node: String, reason: String)
    case typeMismatch(node: String, reason: String)
    /// An int8 tensor's quantization parameters are missing, malformed, or inconsistent
    /// with the node (bias scale ≠ input scale × weight scale, a per-channel axis that
    /// is not the output channel, output parameters an op requires, ...).
    case quantizationMismatch(node: String, tensor: String, reason: String)
    /// A constant's bytes lie outside the graph's constant data.
    case constantOutOfRange(tensor: String)
    /// A constant's offset is not a multiple of its element alignment
    /// (`Graph.constantElementAlignment`): a Cortex-M4 float load from it would fault.
    case constantMisaligned(tensor: String, offset: Int, alignment: Int)
    /// The graph's work per sample (multiply-accumulates and pooling-window visits)
    /// passes `Graph.maximumWorkPerSample` at `node`, which alone costs `work`.
    case workBudgetExceeded(node: String, work: Int, total: Int, budget: Int)
    /// A node would compile into more steps than `limit` allows (a sliced MatMul's
    /// matrix slices: `Graph.maximumMatMulSlices` per sample, `Graph.maximumStepsPerNode`
    /// for the whole batch).
    case stepBudgetExceeded(node: String, steps: Int, limit: String)
    case noOutputs
    /// The planned arena does not fit the configured budget.
    case arenaBudgetExceeded(required: Int, budget: Int)
    case invalidBatchSize(Int)

    public var message: String {
        switch self {
        case .danglingTensor(let node, let tensor):
            return "\(node): refers to tensor id \(tensor), which does not exist"
        case .undefinedTensor(let node, let tensor):
            return "\(node): reads tensor '\(tensor)', which no node produces and which is neither an input nor a constant"
        case .producedTwice(let tensor, let node):
            return "\(node): writes tensor '\(tensor)', which already has a producer (or is an input or constant)"
        case .cycle(let node):
            return "\(node): is part of a dependency cycle"
        case .notInExecutionOrder(let node, let tensor):
            return "\(node): reads tensor '\(tensor)' before the node that produces it runs"
        case .nonPositiveDimension(let tensor, let shape):
            return "tensor '\(tensor)': dimension zero or negative in shape \(shape)"
        case .tooLarge(let tensor, let shape):
            return "tensor '\(tensor)': shape \(shape) exceeds the limits (\(Graph.maximumDimension) per dimension, \(Graph.maximumElements) elements, rank 8)"
        case .wrongInputCount(let node, let expected, let got):
            return "\(node): expects \(expected) inputs, got \(got)"
        case .shapeMismatch(let node, let reason):
            return "\(node): shape mismatch: \(reason)"
        case .badAttribute(let node, let reason):
            return "\(node): bad attribute: \(reason)"
        case .typeMismatch(let node, let reason):
            return "\(node): type mismatch: \(reason)"
        case .quantizationMismatch(let node, let tensor, let reason):
            return "\(node): quantization of '\(tensor)': \(reason)"
        case .constantOutOfRange(let tensor):
            return "constant '\(tensor)': data lies outside the constant buffer"
        case .constantMisaligned(let tensor, let offset, let alignment):
            return "constant '\(tensor)': offset \(offset) is not aligned to its \(alignment)-byte elements (Graph.constantElementAlignment)"
        case .workBudgetExceeded(let node, let work, let total, let budget):
            let amount = total == Int.max ? "more than \(budget)" : "\(total)"
            return "\(node): the graph needs \(amount) multiply-accumulates and window-element visits per sample (this node \(work == Int.max ? "more than \(budget)" : "\(work)")), above Graph.maximumWorkPerSample (\(budget))"
        case .stepBudgetExceeded(let node, let steps, let limit):
            return "\(node): compiles into \(steps) steps, above \(limit)"
        case .noOutputs:
            return "the graph has no outputs"
        case .arenaBudgetExceeded(let required, let budget):
            return "arena needs \(required) bytes, budget is \(budget) bytes"
        case .invalidBatchSize(let n):
            return "batch size \(n) must be at least 1"
        }
    }
}
