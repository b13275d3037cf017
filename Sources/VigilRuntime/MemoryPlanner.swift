/// Where every arena tensor lives, and what the model costs.
public struct MemoryPlan: Sendable, Equatable {
    public var batch: Int
    /// Arena byte offset of each tensor; -1 for constants and tensors nothing uses.
    public var offsets: [Int]
    /// Bytes each tensor occupies at this batch size (0 for constants).
    public var sizes: [Int]
    /// Arena offset of each node's scratch buffer; -1 when it needs none.
    public var scratchOffsets: [Int]
    public var scratchSizes: [Int]
    /// Peak arena bytes: the size of the one buffer all activations share.
    public var arenaBytes: Int
    public var constantBytes: Int
    /// Multiply-accumulates of each node for one batch item.
    public var macsPerNode: [Int]
    /// First and last node index at which each arena buffer is alive (tensors, then
    /// scratch buffers), kept so that tests can check the plan.
    public var lifetimes: [(first: Int, last: Int)]

    public var totalMACs: Int {
        macsPerNode.reduce(0) { total, macs in
            let (sum, overflow) = total.addingReportingOverflow(macs)
            return overflow ? .max : sum
        }
    }

    public static func == (a: MemoryPlan, b: MemoryPlan) -> Bool {
        a.batch == b.batch && a.offsets == b.offsets && a.sizes == b.sizes && a.scratchOffsets == b.scratchOffsets
            && a.arenaBytes == b.arenaBytes && a.constantBytes == b.constantBytes && a.macsPerNode == b.macsPerNode
    }
}

/// Lays out all intermediate tensors in one arena, TFLM style: buffers sorted by
/// size, largest first, each placed in the lowest gap that no buffer with an
/// overlapping lifetime occupies.
public enum MemoryPlanner {
    /// - Parameters:
    ///   - graph: a validated graph.
    ///   - scratchBytes: per node, the scratch space its kernel asks for (per batch).
    ///   - budget: maximum arena bytes; exceeding it is an error at plan time.
    public static func plan(_ graph: Graph, batch: Int, scratchBytes: [Int], alignment: Int = 16, budget: Int? = nil) throws(GraphError) -> MemoryPlan {
        if batch < 1 { throw .invalidBatchSize(batch) }
        let tensorCount = graph.tensors.count
        let nodeCount = graph.nodes.count
        var first = [Int](repeating: Int.max, count: tensorCount)
        var last = [Int](repeating: -1, count: tensorCount)
        // Graph inputs stay intact for the whole invocation (as in TFLite), so a caller
        // may invoke again on the same inputs without writing them anew.
        for id in graph.inputs { first[id] = 0; last[id] = nodeCount }
        for (i, node) in graph.nodes.enumerated() {
            for id in node.outputs { first[id] = min(first[id], i); last[id] = max(last[id], i) }
            for id in node.inputs { last[id] = max(last[id], i) }
        }
        for id in graph.outputs { last[id] = nodeCount; first[id] = min(first[id], nodeCount) }

        // Buffers: arena tensors first, then one scratch buffer per node that needs one.
        var sizes: [Int] = []
        var lifetimes: [(first: Int, last: Int)] = []
        var owner: [Int] = []  // tensor id, or -(node + 1) for scratch
        var tensorSizes = [Int](repeating: 0, count: tensorCount)
        for (id, t) in graph.tensors.enumerated() where !t.isConstant && last[id] >= 0 {
            let (bytes, overflow) = t.byteCount.multipliedReportingOverflow(by: batch)
            if overflow { throw .arenaBudgetExceeded(required: Int.max, budget: budget ?? Int.max) }
            tensorSizes[id] = bytes
            sizes.append(bytes)
            lifetimes.append((first[id], last[id]))
            owner.append(id)
        }
        for i in 0..<nodeCount where i < scratchBytes.count && scratchBytes[i] > 0 {
            sizes.append(scratchBytes[i])
            lifetimes.append((i, i))
            owner.append(-(i + 1))
        }

        // No offset exceeds the sum of every aligned buffer: bounding that sum keeps the
        // layout's arithmetic inside Int, which on a 32-bit device a large batch or many
        // large tensors could otherwise leave.
        var total = 0
        for size in sizes {
            let (sum, overflow) = total.addingReportingOverflow(size)
            if overflow || sum > Int.max / 2 { throw .arenaBudgetExceeded(required: Int.max, budget: budget ?? Int.max) }
            total = sum + alignment
        }
        let offsets = layout(sizes: sizes, lifetimes: lifetimes, alignment: alignment)
        var arenaBytes = 0
        for (b, off) in offsets.enumerated() { arenaBytes = max(arenaBytes, off + sizes[b]) }
        arenaBytes = (arenaBytes + alignment - 1) / alignment * alignment
        if let budget, arenaBytes > budget { throw .arenaBudgetExceeded(required: arenaBytes, budget: budget) }

        var tensorOffsets = [Int](repeating: -1, count: tensorCount)
        var scratchOffsets = [Int](repeating: -1, count: nodeCount)
        var scratchSizes = [Int](repeating: 0, count: nodeCount)
        for (b, o) in owner.enumerated() {
            if o >= 0 { tensorOffsets[o] = offsets[b] } else { scratchOffsets[-o - 1] = offsets[b]; scratchSizes[-o - 1] = sizes[b] }
        }
        return MemoryPlan(
            batch: batch, offsets: tensorOffsets, sizes: tensorSizes,
            scratchOffsets: scratchOffsets, scratchSizes: scratchSizes,
            arenaBytes: arenaBytes, constantBytes: graph.constantBytes,
            macsPerNode: graph.nodes.map { macs(of: $0, in: graph) },
            lifetimes: lifetimes)
    }

    /// Greedy-by-size placement; returns each buffer's offset.
    public static func layout(sizes: [Int], lifetimes: [(first: Int, last: Int)], alignment: Int) -> [Int] {
        let order = sizes.indices.sorted { a, b in sizes[a] != sizes[b] ? sizes[a] > sizes[b] : a < b }
        var offsets = [Int](repeating: -1, count: sizes.count)
        var placed: [Int] = []  // buffer indices, kept sorted by offset
        for b in order {
            var candidate = 0
            for p in placed {
                let overlaps = lifetimes[p].first <= lifetimes[b].last && lifetimes[b].first <= lifetimes[p].last
                if !overlaps { continue }
                if offsets[p] >= candidate + sizes[b] { break }
                let end = (offsets[p] + sizes[p] + alignment - 1) / alignment * alignment
                candidate = max(candidate, end)
            }
            offsets[b] = candidate
            var at = placed.count
            while at > 0 && offsets[placed[at - 1]] > candidate { at -= 1 }
            placed.insert(b, at: at)
        }
        return offsets
    }

    /// Multiply-accumulates of one node for one batch item, saturating at Int.max: a
    /// valid graph's count can pass 2^31 on a 32-bit device, and a count is no reason
    /// to trap. Each op counts its own (`macsOfOp`, Ops/OpTable.swift).
    public static func macs(of node: Node, in graph: Graph) -> Int {
        macsOfOp(node, in: graph)
    }

    /// a · b, saturating at Int.max.
    static func times(_ a: Int, _ b: Int) -> Int {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : p
    }

    /// The product of `values`, saturating at Int.max.
    static func product<S: Sequence>(_ values: S) -> Int where S.Element == Int {
        values.reduce(1, times)
    }
}
