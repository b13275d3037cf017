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
    case affine(rows: Int, channels: Int, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>)
    case zeroPadding(batch: Int, length: Int, channels: Int, left: Int, right: Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>)
    case interleave(outer: Int, chunk: Int, stride: Int, UnsafeRawPointer, UnsafeMutableRawPointer)
    case stridedCopy(StridedCopyParameters, UnsafeRawPointer, UnsafeMutableRawPointer)
    case gather(GatherParameters, UnsafeRawPointer, UnsafeMutableRawPointer)
    case gru(RecurrentParameters, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
    case lstm(RecurrentParameters, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>)
    // int8 kernels (Int8Compilation.swift); requantization tables live in `int8Tables`.
    case int8Conv1D(Int8Conv1DParameters, UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int32>?, UnsafeMutablePointer<Int8>, UnsafeMutableRawPointer?)
    case int8Dense(Int8DenseParameters, UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int32>?, UnsafeMutablePointer<Int8>)
    case int8Add(Int8AddParameters, UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8MaxPool(Pool1DParameters, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8AveragePool(Pool1DParameters, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8Mean(Int8MeanParameters, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8GlobalMax(batch: Int, length: Int, channels: Int, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8Lookup(UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>, count: Int)
    case int8Softmax(Int8SoftmaxParameters, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case int8Requantize(Int8RequantizeParameters, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
    case quantize(count: Int, scale: Float, zeroPoint: Int32, UnsafePointer<Float>, UnsafeMutablePointer<Int8>)
    case dequantize(count: Int, scale: Float, zeroPoint: Int32, UnsafePointer<Int8>, UnsafeMutablePointer<Float>)
    /// A plain integer kernel (IntegerKernels.swift) and its element type.
    case integer(IntegerStep, DType)
    /// inputs x, scale, bias, mean, variance; outputs y, new mean, new variance.
    case batchNormalizationTraining(BatchNormalizationTrainingParameters, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
}

extension Step {
    /// A contiguous copy of `bytes`: a reshape, or the rows a fused pool left pooled.
    static func copy(bytes: Int, from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer) -> Step {
        .interleave(outer: 1, chunk: bytes, stride: bytes, source, target)
    }
}

extension Interpreter {
    /// A concatenation along `axis` (the batch counted as 0, negative from the end) into
    /// an output of per-sample shape `outShape`: the per-sample axis it joins, how many
    /// outer blocks (the batch included) each operand contributes to, and the bytes one
    /// entry of the joined axis spans.
    static func concatenationLayout(_ outShape: [Int], axis: Int, batch: Int, elementBytes: Int) -> (axis: Int, outer: Int, inner: Int) {
        let a = (axis < 0 ? axis + outShape.count + 1 : axis) - 1
        var outer = batch
        for d in 0..<a { outer *= outShape[d] }
        var inner = elementBytes
        for d in (a + 1)..<outShape.count { inner *= outShape[d] }
        return (a, outer, inner)
    }
}

/// Runs a validated graph: plans once, then `invoke` runs it any number of times
/// without allocating. All activations live in one arena laid out by
/// `MemoryPlanner`; constants are read in place.
public final class Interpreter<Kernels: KernelSet> {
    public let graph: Graph
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
        var steps: [Step] = []
        var stepNodes: [Int] = []
        var tables: [UnsafeMutableRawPointer] = []
        do {
            try Interpreter.compile(g, plan: plan, arena: arena, constants: self.constants, into: &steps, nodes: &stepNodes, tables: &tables)
        } catch {
            arena.deallocate()
            ownedConstants?.deallocate()
            for t in tables { t.deallocate() }
            throw error
        }
        self.int8Tables = tables
        self.steps = steps
        self.stepNodes = stepNodes
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
        case .affine(let rows, let channels, let x, let scale, let shift, let y):
            ReferenceKernels.affine(rows: rows, channels: channels, input: x, scale: scale, shift: shift, output: y)
        case .zeroPadding(let batch, let length, let channels, let left, let right, let x, let y):
            ReferenceKernels.zeroPadding1D(batch: batch, length: length, channels: channels, left: left, right: right, input: x, output: y)
        case .interleave(let outer, let chunk, let stride, let x, let y):
            ReferenceKernels.interleave(outer: outer, chunk: chunk, stride: stride, input: x, output: y)
        case .stridedCopy(let p, let x, let y):
            ReferenceKernels.stridedCopy(p, input: x, output: y)
        case .gather(let p, let x, let y):
            ReferenceKernels.gather(p, input: x, output: y)
        case .gru(let p, let x, let k, let rk, let b, let y, let s):
            ReferenceKernels.gru(p, input: x, kernel: k, recurrentKernel: rk, bias: b, output: y, scratch: s)
        case .lstm(let p, let x, let k, let rk, let b, let peepholes, let y, let cell, let s):
            ReferenceKernels.lstm(p, input: x, kernel: k, recurrentKernel: rk, bias: b, peepholes: peepholes, output: y, cellOutput: cell, scratch: s)
        case .int8Conv1D(let p, let x, let w, let b, let y, let s):
            Kernels.int8Conv1D(p, input: x, weight: w, bias: b, output: y, scratch: s)
        case .int8Dense(let p, let x, let w, let b, let y):
            Kernels.int8Dense(p, input: x, weight: w, bias: b, output: y)
        case .int8Add(let p, let a, let b, let y):
            Int8ReferenceKernels.add(p, a: a, b: b, output: y)
        case .int8MaxPool(let p, let x, let y):
            Kernels.int8MaxPool1D(p, input: x, output: y)
        case .int8AveragePool(let p, let x, let y):
            Int8ReferenceKernels.averagePool1D(p, input: x, output: y)
        case .int8Mean(let p, let x, let y):
            Kernels.int8Mean(p, input: x, output: y)
        case .int8GlobalMax(let batch, let length, let channels, let x, let y):
            Int8ReferenceKernels.globalMax(batch: batch, length: length, channels: channels, input: x, output: y)
        case .int8Lookup(let table, let x, let y, let count):
            Int8ReferenceKernels.lookup(table: table, input: x, output: y, count: count)
        case .int8Softmax(let p, let x, let y):
            Int8ReferenceKernels.softmax(p, input: x, output: y)
        case .int8Requantize(let p, let x, let y):
            Int8ReferenceKernels.requantize(p, input: x, output: y)
        case .quantize(let count, let scale, let zeroPoint, let x, let y):
            Int8ReferenceKernels.quantize(count: count, scale: scale, zeroPoint: zeroPoint, input: x, output: y)
        case .dequantize(let count, let scale, let zeroPoint, let x, let y):
            Int8ReferenceKernels.dequantize(count: count, scale: scale, zeroPoint: zeroPoint, input: x, output: y)
        case .integer(let step, let type):
            step.run(type)
        case .batchNormalizationTraining(let p, let x, let scale, let bias, let mean, let variance, let y, let newMean, let newVariance):
            ReferenceKernels.batchNormalizationTraining(p, input: x, scale: scale, bias: bias, mean: mean, variance: variance, output: y, newMean: newMean, newVariance: newVariance)
        }
    }

    // MARK: - Compilation

    static func conv1DParameters(_ g: Graph, _ node: Node, _ a: Conv1DAttributes, batch: Int) -> Conv1DParameters {
        let x = g.tensors[node.inputs[0]].shape, y = g.tensors[node.outputs[0]].shape
        let pad = a.padding.amounts(length: x[0], kernel: a.kernelSize, stride: a.stride, dilation: a.dilation)
        return Conv1DParameters(batch: batch, inLength: x[0], inChannels: x[1], outLength: y[0], outChannels: y[1],
                                kernelSize: a.kernelSize, stride: a.stride, dilation: a.dilation, padLeft: pad.left,
                                groups: a.groups, activation: a.activation)
    }

    static func recurrentParameters(_ g: Graph, _ node: Node, _ a: RecurrentAttributes, batch: Int) -> RecurrentParameters {
        let x = g.tensors[node.inputs[0]].shape
        return RecurrentParameters(batch: batch, steps: x[0], features: x[1], units: a.units, returnSequences: a.returnSequences,
                                   activation: a.activation, recurrentActivation: a.recurrentActivation,
                                   resetAfter: a.resetAfter, hasBias: node.inputs.count >= 4, direction: a.direction)
    }

    static func scratchBytes(_ g: Graph, batch: Int) -> [Int] {
        g.nodes.map { node in
            if let bytes = int8ScratchBytes(g, node, batch: batch) { return bytes }
            switch node.op {
            case .conv1D(let a): return Kernels.conv1DScratchBytes(conv1DParameters(g, node, a, batch: batch))
            case .gru(let a): return 4 * recurrentParameters(g, node, a, batch: batch).scratchFloats(gates: 3)
            case .lstm(let a): return 4 * recurrentParameters(g, node, a, batch: batch).scratchFloats(gates: 4)
            default: return 0
            }
        }
    }

    static func compile(_ g: Graph, plan: MemoryPlan, arena: UnsafeMutableRawPointer, constants: UnsafeRawPointer, into steps: inout [Step], nodes stepNodes: inout [Int], tables: inout [UnsafeMutableRawPointer]) throws(GraphError) {
        let batch = plan.batch
        func raw(_ id: TensorID) -> UnsafeMutableRawPointer {
            if case .constant(let offset) = g.tensors[id].storage { return UnsafeMutableRawPointer(mutating: constants + offset) }
            return arena + plan.offsets[id]
        }
        func f(_ id: TensorID) -> UnsafeMutablePointer<Float> { raw(id).assumingMemoryBound(to: Float.self) }
        func cf(_ id: TensorID) -> UnsafePointer<Float> { UnsafePointer(f(id)) }
        func shape(_ id: TensorID) -> [Int] { g.tensors[id].shape }
        func elements(_ id: TensorID) -> Int { g.tensors[id].elementCount }
        func outOfLine<T>(_ value: T) -> UnsafePointer<T> {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
            tables.append(buffer)
            return UnsafePointer(buffer.initializeMemory(as: T.self, repeating: value, count: 1))
        }

        var fused = [Bool](repeating: false, count: g.nodes.count)
        for (index, node) in g.nodes.enumerated() {
            let out = node.outputs[0]
            let scratch: UnsafeMutableRawPointer? = plan.scratchOffsets[index] >= 0 ? arena + plan.scratchOffsets[index] : nil
            func optionalInput(_ i: Int) -> UnsafePointer<Float>? { node.inputs.count > i ? cf(node.inputs[i]) : nil }
            let before = steps.count
            if try compileInt8(g, index: index, batch: batch, raw: raw, scratch: scratch, fused: &fused, into: &steps, tables: &tables) {
                for _ in before..<steps.count { stepNodes.append(index) }
                continue
            }
            if try compileInteger(g, node: node, batch: batch, raw: raw, into: &steps, tables: &tables) {
                for _ in before..<steps.count { stepNodes.append(index) }
                continue
            }
            switch node.op {
            case .conv1D(let a):
                steps.append(.conv1D(conv1DParameters(g, node, a, batch: batch), cf(node.inputs[0]), cf(node.inputs[1]), optionalInput(2), f(out), scratch))
            case .dense(let act):
                let w = shape(node.inputs[1])
                let rows = batch * elements(node.inputs[0]) / w[0]
                steps.append(.dense(DenseParameters(rows: rows, inFeatures: w[0], outFeatures: w[1], activation: act), cf(node.inputs[0]), cf(node.inputs[1]), optionalInput(2), f(out)))
            case .matMul:
                let a = shape(node.inputs[0]), b = shape(node.inputs[1])
                if g.tensors[node.inputs[1]].isConstant && b.count > 2 {
                    steps += slicedMatMulSteps(a: a, b: b, out: shape(out), batch: batch, cf(node.inputs[0]), cf(node.inputs[1]), f(out))
                } else if g.tensors[node.inputs[1]].isConstant {
                    let rows = batch * elements(node.inputs[0]) / b[0]
                    steps.append(.dense(DenseParameters(rows: rows, inFeatures: b[0], outFeatures: b[1], activation: .linear), cf(node.inputs[0]), cf(node.inputs[1]), nil, f(out)))
                } else {
                    steps.append(.matMul(batch: batch, m: a[0], k: a[1], n: b[1], cf(node.inputs[0]), cf(node.inputs[1]), bStride: b[0] * b[1], f(out)))
                }
            case .add(let act), .sub(let act), .mul(let act), .div(let act):
                guard let op = node.op.binaryOperator, let p = binaryParameters(op: op, activation: act, a: g.tensors[node.inputs[0]], b: g.tensors[node.inputs[1]], out: shape(out), batch: batch) else {
                    throw .badAttribute(node: node.name, reason: "elementwise ops support at most 4 dimensions besides the batch")
                }
                steps.append(.binary(p, cf(node.inputs[0]), cf(node.inputs[1]), f(out)))
            case .concatenate(let axis):
                let outShape = shape(out)
                let (a, outer, inner) = concatenationLayout(outShape, axis: axis, batch: batch, elementBytes: 4)
                var offset = 0
                for id in node.inputs {
                    let chunk = shape(id)[a] * inner
                    if g.tensors[id].isConstant {
                        steps.append(concatenateConstantStep(g, constant: id, output: out, byteOffset: offset, batch: batch, raw: raw, tables: &tables))
                    } else {
                        steps.append(.interleave(outer: outer, chunk: chunk, stride: outShape[a] * inner, UnsafeRawPointer(raw(id)), raw(out) + offset))
                    }
                    offset += chunk
                }
            case .reshape:
                steps.append(.copy(bytes: batch * g.tensors[out].byteCount, from: UnsafeRawPointer(raw(node.inputs[0])), to: raw(out)))
            case .zeroPadding1D(let left, let right):
                let x = shape(node.inputs[0])
                steps.append(.zeroPadding(batch: batch, length: x[0], channels: x[1], left: left, right: right, cf(node.inputs[0]), f(out)))
            case .maxPool1D(let p), .averagePool1D(let p):
                let x = shape(node.inputs[0])
                let pad = p.padding.amounts(length: x[0], kernel: p.poolSize, stride: p.stride, dilation: 1)
                let params = Pool1DParameters(batch: batch, inLength: x[0], channels: x[1], outLength: shape(out)[0], poolSize: p.poolSize, stride: p.stride, padLeft: pad.left)
                if case .maxPool1D = node.op {
                    steps.append(.maxPool(params, cf(node.inputs[0]), f(out)))
                } else {
                    steps.append(.averagePool(params, cf(node.inputs[0]), f(out)))
                }
            case .globalAveragePool1D, .globalMaxPool1D:
                let x = shape(node.inputs[0])
                var isMax = false
                if case .globalMaxPool1D = node.op { isMax = true }
                steps.append(.globalPool(max: isMax, batch: batch, length: x[0], channels: x[1], cf(node.inputs[0]), f(out)))
            case .convND(let a):
                let x = shape(node.inputs[0]), y = shape(out)
                let geometry = WindowNDGeometry(a.window, inSize: Array(x.dropLast()), outSize: Array(y.dropLast()), batch: batch)
                let p = outOfLine(ConvNDParameters(geometry: geometry, inChannels: x.last!, outChannels: y.last!, groups: a.groups, activation: a.activation))
                steps.append(.convND(p, cf(node.inputs[0]), cf(node.inputs[1]), optionalInput(2), f(out)))
            case .maxPoolND(let a, _), .averagePoolND(let a, _):
                let x = shape(node.inputs[0]), y = shape(out)
                var isMax = true, countIncludePad = false, columnMajor = false
                switch node.op {
                case .averagePoolND(_, let include): isMax = false; countIncludePad = include
                case .maxPoolND(_, let c): columnMajor = c
                default: break
                }
                let geometry = WindowNDGeometry(a.window, inSize: Array(x.dropLast()), outSize: Array(y.dropLast()), batch: batch)
                let p = outOfLine(PoolNDParameters(geometry: geometry, channels: x.last!, isMax: isMax, countIncludePad: countIncludePad, columnMajorIndices: columnMajor))
                let indices = node.outputs.count == 2 ? raw(node.outputs[1]).assumingMemoryBound(to: Int64.self) : nil
                steps.append(.poolND(p, cf(node.inputs[0]), f(out), indices))
            case .activation(let act):
                steps.append(.activation(act, cf(node.inputs[0]), f(out), count: batch * elements(out)))
            case .softmax:
                let width = shape(out).last!
                steps.append(.softmax(rows: batch * elements(out) / width, width: width, cf(node.inputs[0]), f(out)))
            case .affine:
                let c = shape(out).last!
                steps.append(.affine(rows: batch * elements(out) / c, channels: c, cf(node.inputs[0]), cf(node.inputs[1]), cf(node.inputs[2]), f(out)))
            case .gru(let a):
                steps.append(.gru(recurrentParameters(g, node, a, batch: batch), cf(node.inputs[0]), cf(node.inputs[1]), cf(node.inputs[2]), optionalInput(3), f(out), scratch!.assumingMemoryBound(to: Float.self)))
            case .lstm(let a):
                steps.append(.lstm(recurrentParameters(g, node, a, batch: batch), cf(node.inputs[0]), cf(node.inputs[1]), cf(node.inputs[2]), optionalInput(3), optionalInput(4), f(out),
                                   node.outputs.count > 1 ? f(node.outputs[1]) : nil, scratch!.assumingMemoryBound(to: Float.self)))
            case .transpose, .slice, .gather, .expand:
                steps.append(dataMovementStep(g, node, batch: batch, raw: raw, tables: &tables))
            case .quantize, .dequantize:
                break  // compiled by compileInt8
            case .clamp:
                break  // compiled by compileInteger
            case .batchNormalizationTraining(let epsilon, let momentum):
                steps.append(batchNormalizationTrainingStep(g, node, epsilon: epsilon, momentum: momentum, batch: batch, raw: raw))
            }
            for _ in before..<steps.count { stepNodes.append(index) }
        }
    }

    /// Output shape [batch] + out, padded on the left to five axes; each operand's
    /// strides are zero where it broadcasts (and along the batch axis for constants).
    static func binaryParameters(op: BinaryOperator, activation: Activation, a: TensorDescriptor, b: TensorDescriptor, out: [Int], batch: Int) -> BinaryParameters? {
        let rank = out.count + 1
        if rank > 5 { return nil }
        let full = [batch] + out
        func strides(_ t: TensorDescriptor) -> [Int] {
            var s = [Int](repeating: 0, count: rank)
            var step = 1
            let shape = t.shape
            for i in stride(from: shape.count - 1, through: 0, by: -1) {
                let axis = rank - shape.count + i
                s[axis] = shape[i] == 1 && full[axis] != 1 ? 0 : step
                step *= shape[i]
            }
            s[0] = t.isConstant ? 0 : step
            return s
        }
        func pad(_ v: [Int], _ fill: Int) -> (Int, Int, Int, Int, Int) {
            let p = [Int](repeating: fill, count: 5 - v.count) + v
            return (p[0], p[1], p[2], p[3], p[4])
        }
        let sa = strides(a), sb = strides(b)
        let contiguous = !a.isConstant && !b.isConstant && a.shape == out && b.shape == out
        var count = batch
        for d in out { count *= d }
        return BinaryParameters(op: op, activation: activation, shape: pad(full, 1), stridesA: pad(sa, 0), stridesB: pad(sb, 0), isContiguous: contiguous, count: count)
    }
}
