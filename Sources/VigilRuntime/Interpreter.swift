/// A source of timestamps for per-op profiling (a monotonic clock on the host, a
/// cycle counter on a device). Generic, not an existential, so that the core stays
/// embedded-clean.
public protocol TickSource {
    /// Monotonic ticks; `ticksPerSecond` converts them.
    static func now() -> UInt64
    static var ticksPerSecond: UInt64 { get }
}

/// One resolved kernel call. Payloads are integers and pointers only.
@usableFromInline
enum Step {
    case conv1D(Conv1DParameters, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>, UnsafeMutableRawPointer?)
    case dense(DenseParameters, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>)
    case matMul(batch: Int, m: Int, k: Int, n: Int, UnsafePointer<Float>, UnsafePointer<Float>, bStride: Int, UnsafeMutablePointer<Float>)
    case binary(BinaryParameters, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>)
    case activation(Activation, UnsafePointer<Float>, UnsafeMutablePointer<Float>, count: Int)
    case maxPool(Pool1DParameters, UnsafePointer<Float>, UnsafeMutablePointer<Float>)
    case averagePool(Pool1DParameters, UnsafePointer<Float>, UnsafeMutablePointer<Float>)
    case globalPool(max: Bool, batch: Int, length: Int, channels: Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>)
    /// N-d window parameters live out of line (in `int8Tables`) so that they do not
    /// enlarge every step.
    case convND(UnsafePointer<ConvNDParameters>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>)
    case poolND(UnsafePointer<PoolNDParameters>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int64>?)
    case softmax(rows: Int, width: Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>)
    case logSoftmax(rows: Int, width: Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>)
    case affine(rows: Int, channels: Int, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>)
    case zeroPadding(batch: Int, length: Int, channels: Int, left: Int, right: Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>)
    case interleave(outer: Int, chunk: Int, stride: Int, UnsafeRawPointer, UnsafeMutableRawPointer)
    case stridedCopy(StridedCopyParameters, UnsafeRawPointer, UnsafeMutableRawPointer)
    case gather(GatherParameters, UnsafeRawPointer, UnsafeMutableRawPointer)
    case gru(RecurrentParameters, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
    case simpleRNN(RecurrentParameters, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
    case lstm(RecurrentParameters, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>)
    // int8 kernels (each compiled in its op's file under Ops/); requantization tables live in `int8Tables`.
    case int8Conv1D(Int8Conv1DParameters, UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int32>?, UnsafeMutablePointer<Int8>, UnsafeMutableRawPointer?)
    case int8Dense(Int8DenseParameters, UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int32>?, UnsafeMutablePointer<Int8>)
    case int8Binary(Int8BinaryParameters, UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8MaxPool(Pool1DParameters, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8AveragePool(Pool1DParameters, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8Mean(Int8MeanParameters, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8GlobalMax(batch: Int, length: Int, channels: Int, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8Lookup(UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>, count: Int)
    case int8Softmax(Int8SoftmaxParameters, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8MatMul(Int8MatMulParameters, UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8Requantize(Int8RequantizeParameters, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case quantize(count: Int, scale: Float, zeroPoint: Int32, UnsafePointer<Float>, UnsafeMutablePointer<Int8>)
    case dequantize(count: Int, scale: Float, zeroPoint: Int32, UnsafePointer<Int8>, UnsafeMutablePointer<Float>)
    /// A plain integer kernel (IntegerKernels.swift) and its element type.
    case integer(IntegerStep, DType)
    /// inputs x, scale, bias, mean, variance; outputs y, new mean, new variance.
    case layerNormalization(rows: Int, channels: Int, epsilon: Float, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?)
    case batchNormalizationTraining(BatchNormalizationTrainingParameters, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
}

extension Step {
    /// A contiguous copy of `bytes`: a reshape, or the rows a fused pool left pooled.
    static func copy(bytes: Int, from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer) -> Step {
        .interleave(outer: 1, chunk: bytes, stride: bytes, source, target)
    }
}

extension Step {
    /// The `KernelSet` requirement this step calls: a device image links the kernels
    /// its package's steps name and no others (Device/Image/SelectedKernels.swift).
    var kernelName: String {
        switch self {
        case .conv1D: return "conv1D"
        case .dense: return "dense"
        case .matMul: return "batchedMatMul"
        case .binary: return "binary"
        case .activation: return "activation"
        case .maxPool: return "maxPool1D"
        case .averagePool: return "averagePool1D"
        case .globalPool: return "globalPool1D"
        case .convND: return "convND"
        case .poolND: return "poolND"
        case .softmax: return "softmax"
        case .logSoftmax: return "logSoftmax"
        case .affine: return "affine"
        case .zeroPadding: return "zeroPadding1D"
        case .interleave: return "interleave"
        case .stridedCopy: return "stridedCopy"
        case .gather: return "gather"
        case .gru: return "gru"
        case .simpleRNN: return "simpleRNN"
        case .lstm: return "lstm"
        case .int8Conv1D: return "int8Conv1D"
        case .int8Dense: return "int8Dense"
        case .int8Binary: return "int8Binary"
        case .int8MaxPool: return "int8MaxPool1D"
        case .int8AveragePool: return "int8AveragePool1D"
        case .int8Mean: return "int8Mean"
        case .int8GlobalMax: return "int8GlobalMax"
        case .int8Lookup: return "int8Lookup"
        case .int8Softmax: return "int8Softmax"
        case .int8MatMul: return "int8MatMul"
        case .int8Requantize: return "int8Requantize"
        case .quantize: return "quantize"
        case .dequantize: return "dequantize"
        case .integer(let step, _): return step.kernelName
        case .batchNormalizationTraining: return "batchNormalizationTraining"
        case .layerNormalization: return "layerNormalization"
        }
    }
}

/// Runs a validated graph: plans once, then `invoke` runs it any number of times
/// without allocating. All activations live in one arena laid out by
/// `MemoryPlanner`; constants are read in place.
public final class Interpreter<Kernels: KernelSet> {
    /// The validated graph; its `constantData` is empty when the constants are read in
    /// place (`constants` given to `init`).
    public private(set) var graph: Graph
    public let plan: MemoryPlan
    @usableFromInline let steps: [Step]
    /// The node each step belongs to (concatenation takes one step per input).
    public let stepNodes: [Int]
    public let arena: UnsafeMutableRawPointer
    private let ownedConstants: UnsafeMutableRawPointer?
    public let constants: UnsafeRawPointer
    /// Requantization multipliers, shifts and lookup tables of the int8 steps, and the
    /// parameters of N-d window steps, computed once at compile time.
    private let int8Tables: [UnsafeMutableRawPointer]

    /// - Parameters:
    ///   - batch: the batch size every `invoke` runs.
    ///   - arenaBudget: largest arena allowed, in bytes; a larger plan is an error.
    ///   - constants: where the graph's constant data already lives (a flash-mapped
    ///     package); nil copies it into an aligned buffer the interpreter owns.
    public init(graph: Graph, batch: Int = 1, arenaBudget: Int? = nil, constants: UnsafeRawPointer? = nil) throws(GraphError) {
        let g = try graph.validated()
        let scratch = Interpreter.scratchBytes(g, batch: batch)
        let plan = try MemoryPlanner.plan(g, batch: batch, scratchBytes: scratch, alignment: 64, budget: arenaBudget)
        self.graph = g
        self.plan = plan
        self.arena = UnsafeMutableRawPointer.allocate(byteCount: max(plan.arenaBytes, 64), alignment: 64)
        self.arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(plan.arenaBytes, 64))
        if let constants {
            self.ownedConstants = nil
            self.constants = constants
        } else {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(g.constantData.count, 16), alignment: 64)
            g.constantData.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
            }
            self.ownedConstants = buffer
            self.constants = UnsafeRawPointer(buffer)
        }
        var builder = StepBuilder(graph: g, plan: plan, arena: arena, constants: self.constants)
        do {
            try Interpreter.compile(into: &builder)
        } catch {
            arena.deallocate()
            ownedConstants?.deallocate()
            for t in builder.tables { t.deallocate() }
            throw error
        }
        self.int8Tables = builder.tables
        self.steps = builder.steps
        self.stepNodes = builder.stepNodes
        // Constants read in place (a device's flash) are not kept a second time.
        if constants != nil { self.graph.constantData = [] }
    }

    deinit {
        arena.deallocate()
        ownedConstants?.deallocate()
        for t in int8Tables { t.deallocate() }
    }

    public var batch: Int { plan.batch }

    /// Raw bytes of graph input `index` in the arena. Write the input here before
    /// `invoke`; inputs stay intact through `invoke`, so it may run again on them.
    public func inputBytes(_ index: Int) -> UnsafeMutableRawBufferPointer {
        let id = graph.inputs[index]
        return UnsafeMutableRawBufferPointer(start: arena + plan.offsets[id], count: plan.sizes[id])
    }

    public func input(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        let bytes = inputBytes(index)
        return UnsafeMutableBufferPointer(start: bytes.baseAddress!.assumingMemoryBound(to: Float.self), count: bytes.count / 4)
    }

    /// A constant output (a value the graph folds to, such as an ONNX Shape) has no
    /// batch axis: its bytes are the constant's, served in place at every invoke.
    public func outputBytes(_ index: Int) -> UnsafeRawBufferPointer {
        let id = graph.outputs[index]
        if case .constant(let offset) = graph.tensors[id].storage {
            return UnsafeRawBufferPointer(start: constants + offset, count: graph.tensors[id].byteCount)
        }
        return UnsafeRawBufferPointer(start: arena + plan.offsets[id], count: plan.sizes[id])
    }

    public func output(_ index: Int) -> UnsafeBufferPointer<Float> {
        let bytes = outputBytes(index)
        return UnsafeBufferPointer(start: bytes.baseAddress!.assumingMemoryBound(to: Float.self), count: bytes.count / 4)
    }

    /// The `KernelSet` requirements the compiled steps call, each once, in step order.
    public var kernelNames: [String] {
        var names: [String] = []
        // Compared as bytes: on the device String's == would need Unicode data.
        for step in steps where !names.contains(where: { $0.utf8.elementsEqual(step.kernelName.utf8) }) { names.append(step.kernelName) }
        return names
    }

    /// Runs the model on what the inputs hold. Allocates nothing.
    @inlinable
    public func invoke() {
        steps.withUnsafeBufferPointer { steps in
            for i in 0..<steps.count { Interpreter.run(steps[i]) }
        }
    }

    /// Runs the model and adds each node's elapsed ticks to `ticks` (one entry per node).
    public func invoke<Clock: TickSource>(profilingWith clock: Clock.Type, into ticks: inout [UInt64]) {
        if ticks.count != graph.nodes.count { ticks = [UInt64](repeating: 0, count: graph.nodes.count) }
        steps.withUnsafeBufferPointer { steps in
            for i in 0..<steps.count {
                let start = Clock.now()
                Interpreter.run(steps[i])
                ticks[stepNodes[i]] &+= Clock.now() &- start
            }
        }
    }


    /// Runs one step through the kernel set: every step kind has a `KernelSet`
    /// requirement, so a set can replace any kernel.
    @inlinable @inline(__always)
    static func run(_ step: Step) {
        switch step {
        case .conv1D(let p, let x, let w, let b, let y, let s):
            Kernels.conv1D(p, input: x, weight: w, bias: b, output: y, scratch: s)
        case .dense(let p, let x, let w, let b, let y):
            Kernels.dense(p, input: x, weight: w, bias: b, output: y)
        case .matMul(let batch, let m, let k, let n, let a, let b, let bStride, let y):
            Kernels.batchedMatMul(batch: batch, m: m, k: k, n: n, a: a, b: b, bStride: bStride, output: y)
        case .binary(let p, let a, let b, let y):
            Kernels.binary(p, a: a, b: b, output: y)
        case .activation(let a, let x, let y, let count):
            Kernels.activation(a, input: x, output: y, count: count)
        case .maxPool(let p, let x, let y):
            Kernels.maxPool1D(p, input: x, output: y)
        case .averagePool(let p, let x, let y):
            Kernels.averagePool1D(p, input: x, output: y)
        case .globalPool(let isMax, let batch, let length, let channels, let x, let y):
            Kernels.globalPool1D(max: isMax, batch: batch, length: length, channels: channels, input: x, output: y)
        case .convND(let p, let x, let w, let b, let y):
            Kernels.convND(p.pointee, input: x, weight: w, bias: b, output: y)
        case .poolND(let p, let x, let y, let indices):
            Kernels.poolND(p.pointee, input: x, output: y, indices: indices)
        case .softmax(let rows, let width, let x, let y):
            Kernels.softmax(rows: rows, width: width, input: x, output: y)
        case .logSoftmax(let rows, let width, let x, let y):
            Kernels.logSoftmax(rows: rows, width: width, input: x, output: y)
        case .affine(let rows, let channels, let x, let scale, let shift, let y):
            Kernels.affine(rows: rows, channels: channels, input: x, scale: scale, shift: shift, output: y)
        case .zeroPadding(let batch, let length, let channels, let left, let right, let x, let y):
            Kernels.zeroPadding1D(batch: batch, length: length, channels: channels, left: left, right: right, input: x, output: y)
        case .interleave(let outer, let chunk, let stride, let x, let y):
            Kernels.interleave(outer: outer, chunk: chunk, stride: stride, input: x, output: y)
        case .stridedCopy(let p, let x, let y):
            Kernels.stridedCopy(p, input: x, output: y)
        case .gather(let p, let x, let y):
            Kernels.gather(p, input: x, output: y)
        case .gru(let p, let x, let k, let rk, let b, let y, let s):
            Kernels.gru(p, input: x, kernel: k, recurrentKernel: rk, bias: b, output: y, scratch: s)
        case .simpleRNN(let p, let x, let k, let rk, let b, let y, let s):
            Kernels.simpleRNN(p, input: x, kernel: k, recurrentKernel: rk, bias: b, output: y, scratch: s)
        case .lstm(let p, let x, let k, let rk, let b, let peepholes, let y, let cell, let s):
            Kernels.lstm(p, input: x, kernel: k, recurrentKernel: rk, bias: b, peepholes: peepholes, output: y, cellOutput: cell, scratch: s)
        case .int8Conv1D(let p, let x, let w, let b, let y, let s):
            Kernels.int8Conv1D(p, input: x, weight: w, bias: b, output: y, scratch: s)
        case .int8Dense(let p, let x, let w, let b, let y):
            Kernels.int8Dense(p, input: x, weight: w, bias: b, output: y)
        case .int8Binary(let p, let a, let b, let y):
            Kernels.int8Binary(p, a: a, b: b, output: y)
        case .int8MaxPool(let p, let x, let y):
            Kernels.int8MaxPool1D(p, input: x, output: y)
        case .int8AveragePool(let p, let x, let y):
            Kernels.int8AveragePool1D(p, input: x, output: y)
        case .int8Mean(let p, let x, let y):
            Kernels.int8Mean(p, input: x, output: y)
        case .int8GlobalMax(let batch, let length, let channels, let x, let y):
            Kernels.int8GlobalMax(batch: batch, length: length, channels: channels, input: x, output: y)
        case .int8Lookup(let table, let x, let y, let count):
            Kernels.int8Lookup(table: table, input: x, output: y, count: count)
        case .int8Softmax(let p, let x, let y):
            Kernels.int8Softmax(p, input: x, output: y)
        case .int8MatMul(let p, let a, let b, let y):
            Kernels.int8MatMul(p, a: a, b: b, output: y)
        case .int8Requantize(let p, let x, let y):
            Kernels.int8Requantize(p, input: x, output: y)
        case .quantize(let count, let scale, let zeroPoint, let x, let y):
            Kernels.quantize(count: count, scale: scale, zeroPoint: zeroPoint, input: x, output: y)
        case .dequantize(let count, let scale, let zeroPoint, let x, let y):
            Kernels.dequantize(count: count, scale: scale, zeroPoint: zeroPoint, input: x, output: y)
        case .integer(let step, let type):
            step.run(type, Kernels.self)
        case .batchNormalizationTraining(let p, let x, let scale, let bias, let mean, let variance, let y, let newMean, let newVariance):
            Kernels.batchNormalizationTraining(p, input: x, scale: scale, bias: bias, mean: mean, variance: variance, output: y, newMean: newMean, newVariance: newVariance)
        case .layerNormalization(let rows, let channels, let epsilon, let x, let scale, let bias, let y, let mean, let inverse):
            Kernels.layerNormalization(rows: rows, channels: channels, epsilon: epsilon, input: x, scale: scale, bias: bias, output: y, mean: mean, inverseDeviation: inverse)
        }
    }

    // MARK: - Compilation

    /// Per node, the scratch bytes its kernel asks for (`Interpreter.scratchBytes(_:_:batch:)`
    /// in Ops/OpTable.swift picks the op's rule).
    static func scratchBytes(_ g: Graph, batch: Int) -> [Int] {
        g.nodes.map { scratchBytes(g, $0, batch: batch) }
    }

    /// Compiles every node into steps, each op by its own rule (`compileNode`,
    /// Ops/OpTable.swift).
    static func compile(into builder: inout StepBuilder) throws(GraphError) {
        for index in builder.graph.nodes.indices {
            builder.index = index
            try compileNode(&builder)
        }
    }
}

/// What an op's compilation reads and writes: the graph and its plan, the node being
/// compiled, and the steps, step owners and out-of-line tables made so far (tables the
/// interpreter frees with itself).
struct StepBuilder {
    let graph: Graph
    let plan: MemoryPlan
    let arena: UnsafeMutableRawPointer
    let constants: UnsafeRawPointer
    var steps: [Step] = []
    /// The node each step belongs to.
    var stepNodes: [Int] = []
    var tables: [UnsafeMutableRawPointer] = []
    /// Max pools fused into the int8 convolution before them (Ops/Conv1D.swift).
    var fused: [Bool]
    /// The node being compiled.
    var index = 0

    init(graph: Graph, plan: MemoryPlan, arena: UnsafeMutableRawPointer, constants: UnsafeRawPointer) {
        self.graph = graph; self.plan = plan; self.arena = arena; self.constants = constants
        self.fused = [Bool](repeating: false, count: graph.nodes.count)
    }

    var batch: Int { plan.batch }
    var node: Node { graph.nodes[index] }
    var ins: [TensorDescriptor] { node.inputs.map { graph.tensors[$0] } }
    var out: TensorID { node.outputs[0] }
    /// The node runs its int8 kernel.
    var isInt8: Bool { Graph.runsAsInt8(node.op, ins) }
    /// The node runs its plain integer kernel.
    var isInteger: Bool { Graph.runsAsInteger(node.op, ins) }
    /// The node's scratch buffer, if the plan gave it one.
    var scratch: UnsafeMutableRawPointer? { plan.scratchOffsets[index] >= 0 ? arena + plan.scratchOffsets[index] : nil }

    func raw(_ id: TensorID) -> UnsafeMutableRawPointer {
        if case .constant(let offset) = graph.tensors[id].storage { return UnsafeMutableRawPointer(mutating: constants + offset) }
        return arena + plan.offsets[id]
    }
    func f(_ id: TensorID) -> UnsafeMutablePointer<Float> { raw(id).assumingMemoryBound(to: Float.self) }
    func cf(_ id: TensorID) -> UnsafePointer<Float> { UnsafePointer(f(id)) }
    func i8(_ id: TensorID) -> UnsafeMutablePointer<Int8> { raw(id).assumingMemoryBound(to: Int8.self) }
    func ci8(_ id: TensorID) -> UnsafePointer<Int8> { UnsafePointer(i8(id)) }
    func shape(_ id: TensorID) -> [Int] { graph.tensors[id].shape }
    func elements(_ id: TensorID) -> Int { graph.tensors[id].elementCount }
    /// Float input `i`, or nil when the node has fewer inputs.
    func optionalInput(_ i: Int) -> UnsafePointer<Float>? { node.inputs.count > i ? cf(node.inputs[i]) : nil }
    /// int32 input `i` (an int8 node's bias), or nil when the node has fewer inputs.
    func bias32(_ i: Int) -> UnsafePointer<Int32>? {
        node.inputs.count > i ? UnsafePointer(raw(node.inputs[i]).assumingMemoryBound(to: Int32.self)) : nil
    }
    /// Per-tensor (scale, zero point) of an int8 tensor.
    func params(_ t: TensorDescriptor) -> (scale: Float, zeroPoint: Int32) {
        (t.quantization?.scales.first ?? 1, t.quantization?.zeroPoints.first ?? 0)
    }

    mutating func append(_ step: Step) {
        steps.append(step)
        stepNodes.append(index)
    }

    /// `value` in a buffer the interpreter owns, so that a step stays small.
    mutating func outOfLine<T>(_ value: T) -> UnsafePointer<T> {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
        tables.append(buffer)
        return UnsafePointer(buffer.initializeMemory(as: T.self, repeating: value, count: 1))
    }

    /// `values` in a buffer the interpreter owns (at least 16 bytes, 16-byte aligned).
    mutating func table<T>(_ values: [T]) -> UnsafePointer<T> {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(MemoryLayout<T>.stride * values.count, 16), alignment: 16)
        tables.append(buffer)
        let p = buffer.bindMemory(to: T.self, capacity: values.count)
        for i in values.indices { (p + i).initialize(to: values[i]) }
        return UnsafePointer(p)
    }

    /// An uninitialized buffer of `bytes` the interpreter owns, 64-byte aligned.
    mutating func buffer(bytes: Int) -> UnsafeMutableRawPointer {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        tables.append(buffer)
        return buffer
    }
}
