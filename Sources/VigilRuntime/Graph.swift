/// A model as the runtime executes it: tensors, nodes in execution order, and the
/// constant bytes that weights point into.
///
/// A `Graph` may come from the builder, an importer or a package file, so nothing
/// about it is trusted: `validated()` checks every reference, attribute and shape
/// before a plan is made, and names the node at fault.
public struct Graph: Sendable, Equatable {
    public var tensors: [TensorDescriptor]
    public var nodes: [Node]
    public var inputs: [TensorID]
    public var outputs: [TensorID]
    /// Weights and other constants, each at the offset its descriptor names,
    /// aligned to `Graph.constantAlignment`.
    public var constantData: [UInt8]

    /// Constants start on this boundary so that kernels and a device reading from
    /// flash can use them in place.
    public static let constantAlignment = 16

    public init(tensors: [TensorDescriptor] = [], nodes: [Node] = [], inputs: [TensorID] = [], outputs: [TensorID] = [], constantData: [UInt8] = []) {
        self.tensors = tensors
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.constantData = constantData
    }

    /// Bytes of constant data (weights, biases) the model needs.
    public var constantBytes: Int {
        var total = 0
        for t in tensors where t.isConstant { total += t.byteCount }
        return total
    }

    /// Returns the graph with the shapes of every intermediate tensor inferred, or
    /// the first problem found.
    public func validated() throws(GraphError) -> Graph {
        var g = self
        try g.checkReferences()
        try g.checkOrder()
        var work = 0
        for index in g.nodes.indices {
            try g.inferShapes(ofNode: index)
            // Budgeted as each node's shapes become known, before anything runs.
            let cost = MemoryPlanner.work(of: g.nodes[index], in: g)
            let (sum, overflow) = work.addingReportingOverflow(cost)
            work = overflow ? .max : sum
            if work > Graph.maximumWorkPerSample {
                throw .workBudgetExceeded(node: g.nodes[index].name, work: cost, total: work, budget: Graph.maximumWorkPerSample)
            }
        }
        return g
    }

    // MARK: - Structure

    private func checkReferences() throws(GraphError) {
        let count = tensors.count
        if outputs.isEmpty { throw .noOutputs }
        for id in inputs where id < 0 || id >= count { throw .danglingTensor(node: "graph inputs", tensor: id) }
        for id in outputs where id < 0 || id >= count { throw .danglingTensor(node: "graph outputs", tensor: id) }
        for node in nodes {
            for id in node.inputs where id < 0 || id >= count { throw .danglingTensor(node: node.name, tensor: id) }
            for id in node.outputs where id < 0 || id >= count { throw .danglingTensor(node: node.name, tensor: id) }
            if node.outputs.isEmpty { throw .badAttribute(node: node.name, reason: "the node has no outputs") }
        }
        for id in inputs {
            let t = tensors[id]
            if t.isConstant { throw .badAttribute(node: "graph inputs", reason: "input '\(t.name)' is a constant") }
            try Graph.checkDimensions(t)
        }
        for (id, t) in tensors.enumerated() {
            guard case .constant(let offset) = t.storage else { continue }
            // A constant graph output may be empty (ONNX Shape with start ≥ end makes
            // one); no node may read an empty tensor.
            try Graph.checkDimensions(t, allowingEmpty: outputs.contains(id) && !nodes.contains { $0.inputs.contains(id) })
            if offset < 0 || offset > constantData.count || t.byteCount > constantData.count - offset {
                throw .constantOutOfRange(tensor: t.name)
            }
            let alignment = Graph.constantElementAlignment(t.dtype)
            if offset % alignment != 0 { throw .constantMisaligned(tensor: t.name, offset: offset, alignment: alignment) }
        }
    }

    /// Bounds that keep every size computation of a hostile graph (byte counts of
    /// 8-byte elements, padded lengths, dilated windows, slice extents) inside `Int`. On
    /// a 64-bit host: no dimension or attribute above 2^24, no tensor above 2^28
    /// elements. On a 32-bit device, where `Int` ends at 2^31: 2^15 and 2^24, so that a
    /// tensor stays below 2^27 bytes and a window's (k − 1)·dilation below 2^30.
    public static let maximumDimension = Int.bitWidth == 64 ? 1 << 24 : 1 << 15
    public static let maximumElements = Int.bitWidth == 64 ? 1 << 28 : 1 << 24

    /// What one inference of a hostile graph may cost, beyond the size of its tensors:
    /// multiply-accumulates plus the elements every pooling window visits (positions
    /// outside the input included), summed over the nodes, for one batch item. 2^30 on
    /// a 64-bit host (about a second on the portable kernels), 2^26 on a 32-bit device
    /// (a beat classifier needs well under 2^20). Checked by `validated()`, naming the
    /// node at which the sum passes it.
    public static let maximumWorkPerSample = Int.bitWidth == 64 ? 1 << 30 : 1 << 26
    /// Most padding a convolution may add on one side of an axis beyond what its kernel
    /// field needs (field − 1, a full 'same' or causal padding): padding past the field
    /// only adds outputs that read padding alone, so a file's padding of 10^6 could
    /// otherwise inflate a small convolution into millions of outputs.
    public static let maximumPadding = 1 << 12
    /// Most matrix slices a MatMul by a constant of rank > 2 may take per sample; each
    /// compiles into one step per batch item.
    public static let maximumMatMulSlices = 1 << 10
    /// Most steps one node may compile into for a whole batch (sliced MatMul: slices ×
    /// batch), checked when an interpreter is built for a batch size.
    public static let maximumStepsPerNode = 1 << 18

    /// The alignment a constant's offset needs for its elements to be read in place:
    /// the element size, and at least 4 bytes for float32 (a Cortex-M4 `VLDR` faults on
    /// an unaligned address).
    public static func constantElementAlignment(_ dtype: DType) -> Int {
        dtype == .float32 ? 4 : dtype.byteSize
    }

    static func checkDimensions(_ t: TensorDescriptor, allowingEmpty: Bool = false) throws(GraphError) {
        for d in t.shape where d < 0 || (d == 0 && !allowingEmpty) { throw .nonPositiveDimension(tensor: t.name, shape: t.shape) }
        if t.shape.count > 8 || boundedProduct(t.shape) == nil { throw .tooLarge(tensor: t.name, shape: t.shape) }
    }

    /// The product of positive sizes, or nil above `maximumElements`.
    static func boundedProduct(_ sizes: [Int]) -> Int? {
        var product = 1
        for d in sizes {
            if d > maximumDimension { return nil }
            let (p, overflow) = product.multipliedReportingOverflow(by: d)
            if overflow || p > maximumElements { return nil }
            product = p
        }
        return product
    }

    /// Every tensor has at most one producer, inputs and constants have none, there is
    /// no cycle, and every node runs after the producers of what it reads.
    private func checkOrder() throws(GraphError) {
        var producer = [Int](repeating: -1, count: tensors.count)
        var isSource = [Bool](repeating: false, count: tensors.count)
        for id in inputs { isSource[id] = true }
        for (id, t) in tensors.enumerated() where t.isConstant { isSource[id] = true }
        for (index, node) in nodes.enumerated() {
            for id in node.outputs {
                if isSource[id] || producer[id] >= 0 { throw .producedTwice(tensor: tensors[id].name, node: node.name) }
                producer[id] = index
            }
        }
        // Cycle search over the producer edges (iterative DFS, colours 0 new, 1 open, 2 done).
        var colour = [UInt8](repeating: 0, count: nodes.count)
        var stack: [(node: Int, next: Int)] = []
        for start in nodes.indices where colour[start] == 0 {
            colour[start] = 1
            stack.append((start, 0))
            while let top = stack.last {
                let node = nodes[top.node]
                if top.next == node.inputs.count {
                    colour[top.node] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let p = producer[node.inputs[top.next]]
                if p < 0 { continue }
                if colour[p] == 1 { throw .cycle(node: nodes[p].name) }
                if colour[p] == 0 {
                    colour[p] = 1
                    stack.append((p, 0))
                }
            }
        }
        for (index, node) in nodes.enumerated() {
            for id in node.inputs where !isSource[id] {
                let p = producer[id]
                if p < 0 { throw .undefinedTensor(node: node.name, tensor: tensors[id].name) }
                if p >= index { throw .notInExecutionOrder(node: node.name, tensor: tensors[id].name) }
            }
        }
        for id in outputs where !isSource[id] && producer[id] < 0 {
            throw .undefinedTensor(node: "graph outputs", tensor: tensors[id].name)
        }
    }
}
