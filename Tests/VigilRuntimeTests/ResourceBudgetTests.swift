import Testing
import VigilRuntime

/// What a hostile graph may cost beyond its tensor sizes: work per sample (MACs and
/// pooling-window visits), steps per node, padding, and constants a device can read in
/// place. Each is refused by validation (or, for the batch, at compile time) with an
/// error naming the limit, from the shapes alone: nothing is allocated or run.
struct ResourceBudgetTests {
    static func rejection(_ g: Graph) -> GraphError? {
        do { _ = try g.validated(); return nil } catch { return error }
    }

    /// A graph with one activation input of `shape` and one node making output "y".
    static func oneNode(_ op: Op, input shape: [Int], constants: [(String, [Int])] = []) -> Graph {
        var g = Graph()
        let x = g.addTensor(name: "x", shape: shape)
        var inputs = [x]
        for (name, shape) in constants {
            let count = shape.reduce(1, *)
            inputs.append(g.addConstant(name: name, shape: shape, values: [Float](repeating: 0.5, count: count)))
        }
        let y = g.addTensor(name: "y")
        g.inputs = [x]
        g.nodes = [Node(name: "hostile", op: op, inputs: inputs, outputs: [y])]
        g.outputs = [y]
        return g
    }

    /// An N-d pool whose windows cover most of a 4096 × 4096 input: 2049² outputs each
    /// visiting 2048² positions (1.8·10^13 visits), within every size limit.
    @Test func poolWithHugeWindowsExceedsTheWorkBudget() {
        let pool = Op.maxPoolND(PoolNDAttributes(window: WindowND(kernel: [2048, 2048])), columnMajorIndices: false)
        let g = Self.oneNode(pool, input: [4096, 4096, 1])
        guard case .workBudgetExceeded(let node, let work, _, let budget)? = Self.rejection(g) else {
            Issue.record("expected workBudgetExceeded, got \(String(describing: Self.rejection(g)))"); return
        }
        #expect(node == "hostile" && work == 2049 * 2049 * 2048 * 2048 && budget == Graph.maximumWorkPerSample)
        #expect(Self.rejection(g)!.message.contains("Graph.maximumWorkPerSample"))
        #expect(throws: GraphError.self) { _ = try Interpreter<PortableKernels>(graph: g) }
        // The same over a 1-D pool, and an average pool.
        let pool1D = Self.oneNode(.maxPool1D(Pool1DAttributes(poolSize: 1 << 14, stride: 1)), input: [1 << 16, 64])
        guard case .workBudgetExceeded? = Self.rejection(pool1D) else { Issue.record("\(String(describing: Self.rejection(pool1D)))"); return }
        let average = Self.oneNode(.averagePoolND(PoolNDAttributes(window: WindowND(kernel: [256, 256, 16])), countIncludePad: false), input: [512, 512, 32, 1])
        guard case .workBudgetExceeded? = Self.rejection(average) else { Issue.record("\(String(describing: Self.rejection(average)))"); return }
        // A pool of ordinary size still validates.
        #expect(Self.rejection(Self.oneNode(pool, input: [2048, 2048, 1])) == nil)
    }

    /// The budget counts multiply-accumulates too: a 1-D conv of 2^36 MACs.
    @Test func convolutionAboveTheWorkBudgetIsRefused() {
        let conv = Self.oneNode(.conv1D(Conv1DAttributes(kernelSize: 16, padding: .same)), input: [1 << 20, 64], constants: [("w", [16, 64, 64])])
        guard case .workBudgetExceeded(_, let work, _, _)? = Self.rejection(conv) else {
            Issue.record("expected workBudgetExceeded, got \(String(describing: Self.rejection(conv)))"); return
        }
        #expect(work == (1 << 20) * 16 * 64 * 64)
    }

    /// Padding of 10^6 around a 3-tap kernel made 2·10^6 outputs of padding alone; a
    /// convolution's padding is bounded by its kernel field − 1 or Graph.maximumPadding.
    @Test func convolutionPaddingBeyondTheBudgetIsRefused() {
        let nd = Self.oneNode(.convND(ConvNDAttributes(window: WindowND(kernel: [3, 3], padBegin: [1_000_000, 1], padEnd: [1_000_000, 1]))),
                              input: [8, 8, 2], constants: [("w", [3, 3, 2, 4])])
        guard case .badAttribute(let node, let reason)? = Self.rejection(nd) else { Issue.record("\(String(describing: Self.rejection(nd)))"); return }
        #expect(node == "hostile" && reason.contains("Graph.maximumPadding"))
        let oneD = Self.oneNode(.conv1D(Conv1DAttributes(kernelSize: 3, padding: .explicit(left: 1_000_000, right: 1_000_000))), input: [8, 2], constants: [("w", [3, 2, 4])])
        guard case .badAttribute(_, let r1)? = Self.rejection(oneD) else { Issue.record("\(String(describing: Self.rejection(oneD)))"); return }
        #expect(r1.contains("Graph.maximumPadding"))
        let justAbove = Self.oneNode(.conv1D(Conv1DAttributes(kernelSize: 3, padding: .explicit(left: 0, right: Graph.maximumPadding + 1))), input: [8, 2], constants: [("w", [3, 2, 4])])
        #expect(Self.rejection(justAbove) != nil)
        // Within the budget, or within the kernel field, padding is fine.
        let edge = Self.oneNode(.convND(ConvNDAttributes(window: WindowND(kernel: [3, 3], dilations: [2, 1], padBegin: [4, 2], padEnd: [4, Graph.maximumPadding]))),
                                input: [8, 8, 2], constants: [("w", [3, 3, 2, 4])])
        #expect(Self.rejection(edge) == nil)
        let longKernel = Self.oneNode(.conv1D(Conv1DAttributes(kernelSize: 5_000, padding: .explicit(left: 4_999, right: 0))), input: [8, 1], constants: [("w", [5_000, 1, 1])])
        #expect(Self.rejection(longKernel) == nil)
    }

    /// A MatMul by a constant of rank > 2 compiles into one step per matrix slice and
    /// batch item: 2^20 slices of 1 × 1 matrices would be a million steps per sample.
    @Test func slicedMatMulStepsAreBudgeted() throws {
        let many = Self.oneNode(.matMul, input: [1 << 20, 1, 1], constants: [("b", [1 << 20, 1, 1])])
        guard case .stepBudgetExceeded(let node, let steps, let limit)? = Self.rejection(many) else {
            Issue.record("expected stepBudgetExceeded, got \(String(describing: Self.rejection(many)))"); return
        }
        #expect(node == "hostile" && steps == 1 << 20 && limit.contains("Graph.maximumMatMulSlices"))
        // At the per-sample limit the graph validates, but a batch multiplies its steps.
        let slices = Graph.maximumMatMulSlices
        let allowed = Self.oneNode(.matMul, input: [slices, 1, 2], constants: [("b", [slices, 2, 1])])
        #expect(Self.rejection(allowed) == nil)
        _ = try Interpreter<PortableKernels>(graph: allowed, batch: 4)
        let batch = Graph.maximumStepsPerNode / slices + 1
        #expect(throws: GraphError.stepBudgetExceeded(node: "hostile", steps: batch * slices, limit: "Graph.maximumStepsPerNode (\(Graph.maximumStepsPerNode) steps for the whole batch)")) {
            _ = try Interpreter<PortableKernels>(graph: allowed, batch: batch)
        }
    }

    /// A float constant at an offset that is not a multiple of 4, encoded in a package:
    /// a Cortex-M4 float load from it would fault, so the reader refuses the package.
    @Test func unalignedConstantOffsetInAPackageIsRefused() throws {
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [4])
        g.constantData = [UInt8](repeating: 0, count: 32)
        g.tensors.append(TensorDescriptor(name: "c", dtype: .float32, shape: [4], storage: .constant(offset: 2)))
        let y = g.addTensor(name: "y")
        g.inputs = [x]
        g.nodes = [Node(name: "add", op: .add(activation: .linear), inputs: [x, 1], outputs: [y])]
        g.outputs = [y]
        #expect(Self.rejection(g) == .constantMisaligned(tensor: "c", offset: 2, alignment: 4))
        let bytes = ModelPackage(manifest: Manifest(name: "unaligned"), graph: g).encoded()
        #expect(throws: PackageError.invalidGraph(.constantMisaligned(tensor: "c", offset: 2, alignment: 4))) {
            _ = try ModelPackage.decode(bytes)
        }
        #expect(PackageError.invalidGraph(.constantMisaligned(tensor: "c", offset: 2, alignment: 4)).message.contains("not aligned"))
        // int64 needs 8, int8 any offset; at offset 16 the same float constant is fine.
        var aligned = g
        aligned.tensors[1].storage = .constant(offset: 16)
        #expect(try ModelPackage.decode(ModelPackage(manifest: Manifest(name: "aligned"), graph: aligned).encoded()).graph.nodes.count == 1)
        #expect(Graph.constantElementAlignment(.int64) == 8 && Graph.constantElementAlignment(.int8) == 1 && Graph.constantElementAlignment(.float32) == 4)
    }

    /// The constants section itself must start aligned, as the writer places it.
    @Test func unalignedConstantsSectionIsRefused() throws {
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [4])
        let c = g.addConstant(name: "c", shape: [4], values: [1, 2, 3, 4])
        let y = g.addTensor(name: "y")
        g.inputs = [x]
        g.nodes = [Node(name: "add", op: .add(activation: .linear), inputs: [x, c], outputs: [y])]
        g.outputs = [y]
        var bytes = ModelPackage(manifest: Manifest(name: "p"), graph: g).encoded()
        let layout = try bytes.withUnsafeBytes { raw in try ModelPackage.layout(of: raw) }
        let constants = try #require(layout.range(of: .constants))
        // Move the constants section 4 bytes later (into the gap before the next section,
        // or the end of the file) and point its table entry there.
        let index = try #require(layout.sections.firstIndex { $0.kind == .constants })
        let entry = PackageFormat.headerSize + index * PackageFormat.sectionEntrySize + 8
        let moved = constants.lowerBound + 4
        let section = Array(bytes[constants])
        if moved + section.count > bytes.count {
            bytes += [UInt8](repeating: 0, count: moved + section.count - bytes.count)
            for i in 0..<8 { bytes[16 + i] = UInt8(truncatingIfNeeded: UInt64(bytes.count) >> (8 * UInt64(i))) }
        }
        bytes.replaceSubrange(moved..<(moved + section.count), with: section)
        for i in 0..<8 { bytes[entry + i] = UInt8(truncatingIfNeeded: UInt64(moved) >> (8 * UInt64(i))) }
        #expect(throws: PackageError.malformed("section table", "constants section at offset \(moved) is not aligned to \(PackageFormat.sectionAlignment) bytes")) {
            _ = try ModelPackage.decode(bytes)
        }
    }
}
