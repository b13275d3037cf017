import Testing
import VigilRuntime
import VigilTestSupport
import VigilReferenceModel

/// Properties of `MemoryPlanner` plans checked against lifetimes the test derives from
/// the graph itself (never from `plan.lifetimes`), on hand-derived cases and on
/// hundreds of random graphs.
struct PlannerTests {

    /// One arena buffer as the test sees it: where the plan put it, how big it is, and
    /// the node indices between which its bytes must stay intact.
    struct Buffer: CustomStringConvertible {
        var label: String
        var offset: Int
        var size: Int
        var first: Int
        var last: Int

        var description: String { "\(label) @\(offset)+\(size) [\(first), \(last)]" }

        func liveTogether(with other: Buffer) -> Bool { first <= other.last && other.first <= last }
        func sharesBytes(with other: Buffer) -> Bool { offset < other.offset + other.size && other.offset < offset + size }
    }

    static func roundUp(_ n: Int, _ alignment: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// The buffers a plan must hold, with lifetimes derived from the graph: a graph input
    /// is written before node 0 runs and must survive until its last reader; a node
    /// output from its producer until its last reader (or its producer, if none reads it);
    /// a graph output until after the last node (index `nodes.count`). A node's scratch
    /// lives while that node runs.
    static func buffers(of graph: Graph, plan: MemoryPlan, scratchBytes: [Int], sourceLocation: SourceLocation = #_sourceLocation) -> [Buffer] {
        var producer: [TensorID: Int] = [:]
        var readers: [TensorID: [Int]] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for id in node.outputs { producer[id] = index }
            for id in node.inputs { readers[id, default: []].append(index) }
        }
        var result: [Buffer] = []
        for (id, t) in graph.tensors.enumerated() {
            if t.isConstant {
                #expect(plan.offsets[id] == -1 && plan.sizes[id] == 0, "constant \(t.name) is in the arena", sourceLocation: sourceLocation)
                continue
            }
            let isInput = graph.inputs.contains(id), isOutput = graph.outputs.contains(id)
            guard isInput || isOutput || producer[id] != nil || readers[id] != nil else { continue }
            let first = producer[id] ?? 0
            var last = max(first, readers[id]?.max() ?? first)
            if isOutput { last = graph.nodes.count }
            #expect(plan.offsets[id] >= 0, "tensor \(t.name) has no arena offset", sourceLocation: sourceLocation)
            #expect(plan.sizes[id] == t.elementCount * t.dtype.byteSize * plan.batch, "tensor \(t.name) size \(plan.sizes[id])", sourceLocation: sourceLocation)
            result.append(Buffer(label: t.name, offset: plan.offsets[id], size: plan.sizes[id], first: first, last: last))
        }
        for (index, node) in graph.nodes.enumerated() {
            let bytes = index < scratchBytes.count ? scratchBytes[index] : 0
            #expect(plan.scratchSizes[index] == bytes, "scratch of \(node.name)", sourceLocation: sourceLocation)
            if bytes > 0 {
                #expect(plan.scratchOffsets[index] >= 0, "scratch of \(node.name) not placed", sourceLocation: sourceLocation)
                result.append(Buffer(label: "scratch(\(node.name))", offset: plan.scratchOffsets[index], size: bytes, first: index, last: index))
            } else {
                #expect(plan.scratchOffsets[index] == -1, sourceLocation: sourceLocation)
            }
        }
        return result
    }

    /// What is wrong with a layout: two buffers alive at the same node sharing a byte, a
    /// buffer misaligned or outside the arena, an arena larger than all buffers side by
    /// side, or smaller than what is alive at the busiest node.
    static func layoutProblems(_ buffers: [Buffer], arenaBytes: Int, alignment: Int) -> [String] {
        var problems: [String] = []
        for (i, a) in buffers.enumerated() {
            if a.offset < 0 || a.offset + a.size > arenaBytes { problems.append("\(a) outside arena of \(arenaBytes)") }
            if a.offset % alignment != 0 { problems.append("\(a) not \(alignment)-aligned") }
            for b in buffers[(i + 1)...] where a.liveTogether(with: b) && a.sharesBytes(with: b) {
                problems.append("\(a) overlaps \(b)")
            }
        }
        if arenaBytes % alignment != 0 { problems.append("arena \(arenaBytes) not \(alignment)-aligned") }
        let sideBySide = buffers.reduce(0) { $0 + roundUp($1.size, alignment) }
        if arenaBytes > sideBySide { problems.append("arena \(arenaBytes) > sum of aligned sizes \(sideBySide)") }
        let horizon = buffers.map(\.last).max() ?? 0
        var busiest = 0
        if !buffers.isEmpty {
            for t in 0...horizon {
                busiest = max(busiest, buffers.filter { $0.first <= t && t <= $0.last }.reduce(0) { $0 + $1.size })
            }
        }
        if arenaBytes < busiest { problems.append("arena \(arenaBytes) smaller than the \(busiest) bytes alive at once") }
        return problems
    }

    static func checkLayout(_ buffers: [Buffer], arenaBytes: Int, alignment: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = layoutProblems(buffers, arenaBytes: arenaBytes, alignment: alignment)
        #expect(problems.isEmpty, "\(problems.prefix(6).joined(separator: "; "))", sourceLocation: sourceLocation)
    }

    // MARK: - Random graphs

    /// A random graph of conv, dense, pool, concat, add and activation nodes. Each node
    /// reads one of the two newest tensors most of the time (chains) and an older one
    /// otherwise (branches that stay alive); besides the last tensor, random others
    /// become graph outputs, and the rest of the unread tensors are dead ends.
    static func randomGraph(_ rng: inout SplitMix64) throws -> Graph {
        var b = GraphBuilder()
        var tensors: [(id: TensorID, shape: [Int])] = []
        for i in 0..<rng.int(1...3) {
            let shape = rng.chance(85) ? [rng.int(4...24), rng.int(1...8)] : [rng.int(2...12)]
            tensors.append((b.input("in\(i)", shape: shape), shape))
        }
        let inputCount = tensors.count
        var constants = 0
        func weight(_ shape: [Int]) -> TensorID {
            constants += 1
            return b.constant("w\(constants)", shape: shape, values: [Float](repeating: 0.25, count: shape.reduce(1, *)))
        }
        for n in 0..<rng.int(1...16) {
            let source = rng.chance(70) ? max(0, tensors.count - 1 - rng.int(0...1)) : rng.int(0...(tensors.count - 1))
            let (x, shape) = tensors[source]
            let name = "n\(n)"
            var out: (TensorID, [Int])
            switch (rng.int(0...6), shape.count) {
            case (1, _):
                let partners = tensors.filter { $0.shape == shape }
                let other = rng.pick(partners).id
                out = (b.node(.add(activation: rng.chance(50) ? .relu : .linear), [x, other], name: name), shape)
            case (2, 2):
                let k = rng.int(1...min(5, shape[0]))
                let padding: Padding = rng.pick([.same, .valid, .causal])
                let stride = rng.int(1...2)
                let cout = rng.int(1...10)
                let length = padding.outputLength(length: shape[0], kernel: k, stride: stride, dilation: 1)
                let attributes = Conv1DAttributes(kernelSize: k, stride: stride, padding: padding, activation: .relu)
                out = (b.conv1D(x, weight: weight([k, shape[1], cout]), bias: rng.chance(50) ? weight([cout]) : nil, attributes, name: name), [length, cout])
            case (3, 2):
                var parts = [x]
                var channels = shape[1]
                for t in tensors where t.shape.count == 2 && t.shape[0] == shape[0] && parts.count < 3 && rng.chance(60) {
                    parts.append(t.id)
                    channels += t.shape[1]
                }
                out = (b.node(.concatenate(axis: -1), parts, name: name), [shape[0], channels])
            case (4, 2) where shape[0] >= 2:
                let p = Pool1DAttributes(poolSize: 2, stride: rng.int(1...2))
                let length = Padding.valid.outputLength(length: shape[0], kernel: 2, stride: p.stride, dilation: 1)
                out = (b.node(rng.chance(50) ? .maxPool1D(p) : .averagePool1D(p), [x], name: name), [length, shape[1]])
            case (5, _):
                let units = rng.int(1...12)
                out = (b.dense(x, weight: weight([shape.last!, units]), activation: .tanh, name: name), Array(shape.dropLast()) + [units])
            case (6, 2):
                out = (b.node(.globalAveragePool1D, [x], name: name), [shape[1]])
            default:
                out = (b.activation(x, rng.pick([.relu, .sigmoid, .tanh, .relu6]), name: name), shape)
            }
            tensors.append(out)
        }
        b.output(tensors.last!.id)
        for (index, t) in tensors.enumerated().dropLast() where rng.chance(index < inputCount ? 5 : 20) {
            b.output(t.id)
        }
        return try b.graph.validated()
    }

    @Test func randomGraphPlansAreSound() throws {
        var rng = SplitMix64(seed: 0x5EED_0001)
        var totalBuffers = 0, sharedBytes = 0, withScratch = 0, multiOutput = 0
        for _ in 0..<300 {
            let g = try Self.randomGraph(&rng)
            let batch = rng.int(1...4)
            let alignment = rng.pick([1, 4, 16, 64])
            // Random per-node scratch, including sizes that are not multiples of the alignment.
            let scratch = g.nodes.map { _ in rng.chance(30) ? rng.int(1...3000) : 0 }
            if scratch.contains(where: { $0 > 0 }) { withScratch += 1 }
            if g.outputs.count > 1 { multiOutput += 1 }

            let plan = try MemoryPlanner.plan(g, batch: batch, scratchBytes: scratch, alignment: alignment)
            #expect(plan.batch == batch)
            let buffers = Self.buffers(of: g, plan: plan, scratchBytes: scratch)
            Self.checkLayout(buffers, arenaBytes: plan.arenaBytes, alignment: alignment)
            totalBuffers += buffers.count
            if plan.arenaBytes < buffers.reduce(0, { $0 + $1.size }) { sharedBytes += 1 }

            // The interpreter plans with 64-byte alignment and a 64-aligned arena.
            let interpreter = try Interpreter<PortableKernels>(graph: g, batch: batch)
            let zero = [Int](repeating: 0, count: g.nodes.count)
            Self.checkLayout(Self.buffers(of: interpreter.graph, plan: interpreter.plan, scratchBytes: zero),
                             arenaBytes: interpreter.plan.arenaBytes, alignment: 64)
            #expect(Int(bitPattern: interpreter.arena) % 64 == 0)
        }
        // The generator made the graphs this test is about.
        #expect(totalBuffers > 300 * 4)
        #expect(sharedBytes > 150, "the planner reused memory in only \(sharedBytes) of 300 plans")
        #expect(withScratch > 100 && multiOutput > 50)
    }

    /// The checker itself finds two live buffers on the same bytes, one sticking out of
    /// the arena, a misaligned one and a wasteful arena, and accepts a sound layout.
    @Test func checkerCatchesBrokenPlans() {
        let a = Buffer(label: "a", offset: 0, size: 100, first: 0, last: 1)
        let b = Buffer(label: "b", offset: 64, size: 64, first: 1, last: 2)
        #expect(a.liveTogether(with: b) && a.sharesBytes(with: b))
        let c = Buffer(label: "c", offset: 64, size: 64, first: 2, last: 3)
        #expect(!a.liveTogether(with: c))
        let d = Buffer(label: "d", offset: 100, size: 28, first: 0, last: 1)
        #expect(!a.sharesBytes(with: d))
        let overlapping = Self.layoutProblems([a, b], arenaBytes: 128, alignment: 64)
        #expect(overlapping.contains { $0.contains("a @0+100 [0, 1] overlaps b @64+64 [1, 2]") }, "\(overlapping)")
        let outside = Self.layoutProblems([a, Buffer(label: "e", offset: 128, size: 64, first: 0, last: 0)], arenaBytes: 128, alignment: 64)
        #expect(outside.contains { $0.contains("outside arena") } && outside.contains { $0.contains("alive at once") }, "\(outside)")
        let misaligned = Self.layoutProblems([Buffer(label: "f", offset: 8, size: 8, first: 0, last: 0)], arenaBytes: 64, alignment: 64)
        #expect(misaligned.count == 1 && misaligned[0].contains("not 64-aligned"), "\(misaligned)")
        let wasteful = Self.layoutProblems([Buffer(label: "h", offset: 0, size: 64, first: 0, last: 0)], arenaBytes: 192, alignment: 64)
        #expect(wasteful.count == 1 && wasteful[0].contains("sum of aligned sizes"), "\(wasteful)")
        #expect(Self.layoutProblems([a, c, Buffer(label: "g", offset: 128, size: 64, first: 0, last: 3)], arenaBytes: 192, alignment: 64).isEmpty)
    }

    // MARK: - Hand-derived chain

    /// x [8, 4] → conv "n1" (kernel 1, 4 → 8 channels) → pool "n2" (size 2) → dense "n3" (8 → 2).
    static func chain() throws -> Graph {
        var b = GraphBuilder()
        let x = b.input("x", shape: [8, 4])
        let w1 = b.constant("w1", shape: [1, 4, 8], values: [Float](repeating: 0.5, count: 32))
        let t1 = b.conv1D(x, weight: w1, Conv1DAttributes(kernelSize: 1), name: "n1")
        let t2 = b.node(.maxPool1D(Pool1DAttributes(poolSize: 2)), [t1], name: "n2")
        let w3 = b.constant("w3", shape: [8, 2], values: [Float](repeating: 0.5, count: 16))
        b.output(b.dense(t2, weight: w3, name: "n3"))
        return try b.graph.validated()
    }

    /// Float32 sizes at batch 1: x 8·4·4 = 128, t1 8·8·4 = 256, t2 4·8·4 = 128,
    /// t3 4·2·4 = 32 bytes. Lifetimes in node indices: x [0, 3] (graph inputs stay
    /// intact for the whole invocation), t1 [0, 1], t2 [1, 2], t3 [2, 3] (3 = after the
    /// last node: it is the graph output).
    /// Greedy by size (ties by tensor id): t1 → 0; x lives with t1 → 256; t2 lives with
    /// t1 (0..256) and x (256..384) → 384; t3 lives with x and t2 but not t1 → 0.
    /// Arena = 384 + 128 = 512, which is also the least possible: x + t1 + t2 = 512 bytes
    /// are alive at once at node 1.
    @Test func threeNodeChainExactArena() throws {
        let g = try Self.chain()
        let id = { (name: String) in g.tensors.firstIndex { $0.name == name }! }
        let (x, t1, t2, t3) = (id("x"), id("n1:0"), id("n2:0"), id("n3:0"))
        let plan = try MemoryPlanner.plan(g, batch: 1, scratchBytes: [0, 0, 0], alignment: 16)
        #expect(plan.sizes[x] == 128 && plan.sizes[t1] == 256 && plan.sizes[t2] == 128 && plan.sizes[t3] == 32)
        #expect(plan.offsets[t1] == 0 && plan.offsets[x] == 256 && plan.offsets[t2] == 384 && plan.offsets[t3] == 0)
        #expect(plan.arenaBytes == 512)

        // 64 bytes of scratch for the pool (node 1) live with t1 (0..256), x (256..384)
        // and t2 (384..512): the lowest free gap is at 512, so the arena grows to 576.
        // Nothing else moves (the scratch is placed last, being the smallest but t3).
        let withScratch = try MemoryPlanner.plan(g, batch: 1, scratchBytes: [0, 64, 0], alignment: 16)
        #expect(withScratch.scratchOffsets == [-1, 512, -1])
        #expect(withScratch.offsets[t2] == 384 && withScratch.offsets[t3] == 0)
        #expect(withScratch.arenaBytes == 576)

        // Batch 3 triples every size and offset: 3 · 512 = 1536.
        let batch3 = try MemoryPlanner.plan(g, batch: 3, scratchBytes: [0, 0, 0], alignment: 16)
        #expect(batch3.offsets[x] == 768 && batch3.offsets[t2] == 1152 && batch3.arenaBytes == 1536)

        // Alignment 256: t1 0..256, x 256..384, t2 starts at the next multiple of 256
        // after x (512) and ends at 640, which rounds the arena up to 768.
        #expect(try MemoryPlanner.plan(g, batch: 1, scratchBytes: [0, 0, 0], alignment: 256).arenaBytes == 768)
    }

    // MARK: - layout directly

    /// Sizes 100, 50, 60 with lifetimes [0, 1], [1, 2], [2, 3], alignment 16. Placed
    /// largest first: b0 → 0; b2 does not live with b0 → 0; b1 lives with both, above
    /// b0's end rounded to 16 (112) and above b2's (64) → 112.
    @Test func layoutHandCases() {
        #expect(MemoryPlanner.layout(sizes: [100, 50, 60], lifetimes: [(0, 1), (1, 2), (2, 3)], alignment: 16) == [0, 112, 0])
        // X [0, 3] → 0; Y [0, 0] → 112; Z [0, 3] lives with both → 224. W [1, 2] lives
        // with X (to 100) and Z (from 224), not Y: the gap 112..224 that Y leaves holds
        // W's 90 bytes → 112.
        #expect(MemoryPlanner.layout(sizes: [100, 100, 100, 90], lifetimes: [(0, 3), (0, 0), (0, 3), (1, 2)], alignment: 16) == [0, 112, 224, 112])
        // Disjoint lifetimes share offset 0; alignment 1 packs back to back.
        #expect(MemoryPlanner.layout(sizes: [10, 20, 30], lifetimes: [(0, 0), (1, 1), (2, 2)], alignment: 64) == [0, 0, 0])
        #expect(MemoryPlanner.layout(sizes: [10, 20, 30], lifetimes: [(0, 2), (0, 2), (0, 2)], alignment: 1) == [50, 30, 0])
        #expect(MemoryPlanner.layout(sizes: [], lifetimes: [], alignment: 16) == [])
    }

    @Test func layoutOfRandomIntervals() {
        var rng = SplitMix64(seed: 0x1A70_0002)
        for _ in 0..<400 {
            let count = rng.int(1...40)
            let alignment = rng.pick([1, 8, 16, 64])
            var sizes: [Int] = [], lifetimes: [(first: Int, last: Int)] = []
            for _ in 0..<count {
                // Some equal sizes, to exercise the tie order.
                sizes.append(rng.chance(20) ? 256 : rng.int(1...3000))
                let first = rng.int(0...15)
                lifetimes.append((first, first + rng.int(0...6)))
            }
            let offsets = MemoryPlanner.layout(sizes: sizes, lifetimes: lifetimes, alignment: alignment)
            #expect(offsets.count == count)
            var end = 0
            for i in 0..<count { end = max(end, offsets[i] + sizes[i]) }
            let buffers = (0..<count).map { Buffer(label: "b\($0)", offset: offsets[$0], size: sizes[$0], first: lifetimes[$0].first, last: lifetimes[$0].last) }
            Self.checkLayout(buffers, arenaBytes: Self.roundUp(end, alignment), alignment: alignment)
        }
    }

    // MARK: - Reference model

    /// MACs for one beat, by hand. A Conv1D output element sums kernel × (input channels
    /// of its group) products, so a conv costs outLength · Cout · K · Cin/groups (the
    /// padding is `same`, so outLength is the input length):
    ///   conv1: 256 · 16 · 7 · 1  =  28,672
    ///   conv2: 128 · 32 · 5 · 16 = 327,680   (after pool1 halves 256)
    ///   conv3:  64 · 64 · 3 · 32 = 393,216   (after pool2 halves 128)
    /// A dense layer costs rows · In · Out:
    ///   dense1: 1 · (64 + 4) · 32 = 2,176;  logits: 1 · 32 · 5 = 160
    /// Pooling, concatenation and softmax multiply-accumulate nothing.
    /// Total: 28,672 + 327,680 + 393,216 + 2,176 + 160 = 751,904.
    @Test func referenceModelMACs() throws {
        let g = try ReferenceModel.arrhythmia().validated()
        let plan = try MemoryPlanner.plan(g, batch: 1, scratchBytes: [Int](repeating: 0, count: g.nodes.count))
        let expected: [String: Int] = [
            "conv1": 28_672, "pool1": 0, "conv2": 327_680, "pool2": 0, "conv3": 393_216,
            "gap": 0, "concat": 0, "dense1": 2_176, "logits": 160, "softmax": 0,
        ]
        #expect(g.nodes.map(\.name) == ["conv1", "pool1", "conv2", "pool2", "conv3", "gap", "concat", "dense1", "logits", "softmax"])
        for (i, node) in g.nodes.enumerated() {
            #expect(plan.macsPerNode[i] == expected[node.name], "\(node.name)")
        }
        #expect(plan.totalMACs == 751_904)
        // MACs are per batch item: batch 4 reports the same.
        #expect(try MemoryPlanner.plan(g, batch: 4, scratchBytes: [Int](repeating: 0, count: g.nodes.count)).totalMACs == 751_904)
        // Constants: conv1 7·1·16 + 16, conv2 5·16·32 + 32, conv3 3·32·64 + 64,
        // dense1 68·32 + 32, logits 32·5 + 5 = 11,301 floats = 45,204 bytes.
        #expect(plan.constantBytes == 45_204)
    }

    /// Grouped and strided convolutions: MACs use the weight's per-group input channels.
    @Test func groupedConvMACs() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [20, 6])
        // Depthwise, kernel 5, stride 2, valid: out (20 − 5) / 2 + 1 = 8 → 8 · 6 · 5 · 1 = 240.
        let w1 = b.constant("w1", shape: [5, 1, 6], values: [Float](repeating: 0.1, count: 30))
        let y = b.conv1D(x, weight: w1, Conv1DAttributes(kernelSize: 5, stride: 2, groups: 6), name: "dw")
        // Groups 3 over 6 channels → 12 channels, kernel 3, same: 8 · 12 · 3 · 2 = 576.
        let w2 = b.constant("w2", shape: [3, 2, 12], values: [Float](repeating: 0.1, count: 72))
        b.output(b.conv1D(y, weight: w2, Conv1DAttributes(kernelSize: 3, padding: .same, groups: 3), name: "g3"))
        let g = try b.graph.validated()
        let plan = try MemoryPlanner.plan(g, batch: 1, scratchBytes: [0, 0])
        #expect(plan.macsPerNode == [240, 576])
    }
}
