/// The outcome of running a package's golden vectors.
public struct SelfTestResult: Sendable, Equatable {
    /// Whether every output matched: integer outputs bit for bit, float32 outputs
    /// within the vectors' tolerance.
    public var passed: Bool
    /// Output elements compared, and those out of tolerance.
    public var compared: Int
    public var mismatched: Int
    /// The largest absolute difference over float outputs (0 for integer outputs).
    public var largestDifference: Float
    /// What failed, for an error message; empty when passed.
    public var failure: String

    public var summary: String {
        passed ? "golden vectors pass (\(compared) output values, largest difference \(largestDifference))"
               : "golden vectors fail: \(failure)"
    }
}

/// What running a package costs a device, computed from the graph itself (never from
/// the manifest), planned for the kernel set the device runs.
public struct ResourceNeeds: Sendable, Equatable {
    /// Peak arena bytes at batch 1 with the portable kernels (scratch included).
    public var deviceArenaBytes: Int
    /// Constant bytes read in place from flash.
    public var constantBytes: Int
    /// Multiply-accumulates per inference.
    public var macs: Int

    public init(deviceArenaBytes: Int, constantBytes: Int, macs: Int) {
        self.deviceArenaBytes = deviceArenaBytes; self.constantBytes = constantBytes; self.macs = macs
    }
}

extension ModelPackage {
    /// Runs the golden inputs through an interpreter over `Kernels` and compares its
    /// outputs with the recorded ones. A package without golden vectors, or whose
    /// vectors do not fit its graph, fails. `constants` points at the package's
    /// constant section where it already lies in memory (flash); nil copies it.
    public func selfTest<Kernels: KernelSet>(kernels: Kernels.Type, constants: UnsafeRawPointer? = nil) -> SelfTestResult {
        func fail(_ why: String) -> SelfTestResult {
            SelfTestResult(passed: false, compared: 0, mismatched: 0, largestDifference: 0, failure: why)
        }
        guard let golden else { return fail("the package has no golden vectors") }
        if golden.batch < 1 || golden.batch > GoldenVectors.maximumBatch {
            return fail("golden batch \(golden.batch) is outside 1…\(GoldenVectors.maximumBatch)")
        }
        if golden.inputs.count != graph.inputs.count || golden.outputs.count != graph.outputs.count {
            return fail("\(golden.inputs.count) inputs and \(golden.outputs.count) outputs recorded for a graph of \(graph.inputs.count) and \(graph.outputs.count)")
        }
        let interpreter: Interpreter<Kernels>
        do { interpreter = try Interpreter<Kernels>(graph: graph, batch: golden.batch, constants: constants) } catch {
            return fail(error.message)
        }
        for (i, bytes) in golden.inputs.enumerated() {
            let target = interpreter.inputBytes(i)
            if bytes.count != target.count {
                return fail("input \(i) '\(graph.tensors[graph.inputs[i]].name)': \(bytes.count) bytes recorded, \(target.count) needed")
            }
            bytes.withUnsafeBytes { target.copyMemory(from: $0) }
        }
        interpreter.invoke()
        var result = SelfTestResult(passed: true, compared: 0, mismatched: 0, largestDifference: 0, failure: "")
        for (i, expected) in golden.outputs.enumerated() {
            let t = graph.tensors[graph.outputs[i]]
            let actual = interpreter.outputBytes(i)
            if expected.count != actual.count {
                return fail("output \(i) '\(t.name)': \(expected.count) bytes recorded, \(actual.count) produced")
            }
            var firstBad = -1
            if t.dtype == .float32 {
                for k in 0..<(actual.count / 4) {
                    let a = actual.loadUnaligned(fromByteOffset: 4 * k, as: Float.self)
                    let e = expected.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * k, as: Float.self) }
                    let d = abs(a - e)
                    result.compared += 1
                    if d > result.largestDifference || d.isNaN { result.largestDifference = d }
                    // NaN where NaN was recorded matches; any other NaN does not.
                    if !(d <= golden.tolerance) && !(a.isNaN && e.isNaN) {
                        result.mismatched += 1
                        if firstBad < 0 { firstBad = k }
                    }
                }
            } else {
                let size = t.dtype.byteSize
                for k in 0..<(actual.count / size) {
                    result.compared += 1
                    for b in 0..<size where actual[k * size + b] != expected[k * size + b] {
                        result.mismatched += 1
                        if firstBad < 0 { firstBad = k }
                        break
                    }
                }
            }
            if firstBad >= 0 && result.passed {
                result.passed = false
                result.failure = "output \(i) '\(t.name)' differs first at element \(firstBad)" +
                    (t.dtype == .float32 ? " (tolerance \(golden.tolerance))" : " (\(t.dtype.name) must match exactly)")
            }
        }
        if !result.passed { result.failure += "; \(result.mismatched) of \(result.compared) values differ" }
        return result
    }

    /// Arena, flash and MACs of this package on a device running `kernels` (the
    /// portable kernels on the reference device), from its graph.
    public func resourceNeeds<Kernels: KernelSet>(kernels: Kernels.Type) throws(GraphError) -> ResourceNeeds {
        let plan = try Interpreter<Kernels>.memoryPlan(graph, batch: 1)
        return ResourceNeeds(deviceArenaBytes: plan.arenaBytes, constantBytes: graph.constantBytes, macs: plan.totalMACs)
    }
}

extension GoldenVectors {
    /// The largest golden batch a self-test runs (bounds the arena a hostile package
    /// can make a device plan).
    public static let maximumBatch = 64
}

extension Interpreter {
    /// The plan `init` makes for `graph` at `batch` with this kernel set, without
    /// allocating the arena or compiling the steps.
    public static func memoryPlan(_ graph: Graph, batch: Int) throws(GraphError) -> MemoryPlan {
        let g = try graph.validated()
        return try MemoryPlanner.plan(g, batch: batch, scratchBytes: scratchBytes(g, batch: batch), alignment: 64)
    }
}
