/// Transpose, Slice, Gather and Expand: ops that only move elements, of float32, int8
/// (its parameters kept) or any plain integer type. All but Gather are one strided copy (StridedCopy.swift);
/// Gather reads an index table.

// MARK: - Shape inference

extension Graph {
    /// The checks every data movement op shares; returns its (activation) input.
    func dataMovementInput(_ c: NodeContext, inputs expected: Int) throws(GraphError) -> TensorDescriptor {
        try c.expectOutputs(1)
        // Elements move unchanged, so plain integers move as floats do, and int8 keeps
        // its input's parameters (`checkInt8KeepingParameters`).
        if let x = c.ins.first, x.dtype != .float32 && !x.isPlainInteger && !(x.dtype == .int8 && x.quantization != nil) {
            throw .typeMismatch(node: c.name, reason: "'\(x.name)' is \(x.dtype.name)\(x.quantization == nil ? "" : " (quantized)"); \(c.node.op.name) moves float32, int8 or plain integer data")
        }
        if c.ins.count != expected { throw .wrongInputCount(node: c.name, expected: "\(expected)", got: c.ins.count) }
        let x = c.ins[0]
        if x.isConstant { throw .badAttribute(node: c.name, reason: "input 0 ('\(x.name)') must be an activation, not a constant") }
        return x
    }

    /// Sets the output shape, typed as the input. What moves is plain, so is the
    /// result, whatever a file declared: int8 declared quantized here would reach a
    /// quantized consumer as values it never scaled.
    mutating func setDataMovementOutput(_ c: NodeContext, _ shape: [Int]) throws(GraphError) {
        try setOutput(c, shape, dtype: c.ins[0].dtype)
        tensors[c.node.outputs[0]].quantization = nil
    }

    mutating func inferTranspose(_ c: NodeContext, permutation: [Int]) throws(GraphError) {
        let name = c.name
        let x = try dataMovementInput(c, inputs: 1)
        let shape = x.shape
        let rank = shape.count
        if permutation.count != rank {
            throw .badAttribute(node: name, reason: "permutation \(permutation) has \(permutation.count) axes, the input \(shape) has \(rank)")
        }
        var seen = [Bool](repeating: false, count: rank)
        for p in permutation {
            if p < 0 || p >= rank || seen[p] {
                throw .badAttribute(node: name, reason: "permutation \(permutation) is not a permutation of the input's \(rank) axes")
            }
            seen[p] = true
        }
        try setDataMovementOutput(c, permutation.map { shape[$0] })
    }

    mutating func inferSlice(_ c: NodeContext, starts: [Int], steps: [Int], sizes: [Int]) throws(GraphError) {
        let name = c.name
        let x = try dataMovementInput(c, inputs: 1)
        let shape = x.shape
        let rank = shape.count
        if starts.count != rank || steps.count != rank || sizes.count != rank {
            throw .badAttribute(node: name, reason: "starts \(starts), steps \(steps) and sizes \(sizes) need one entry per input axis (\(rank))")
        }
        for i in 0..<rank {
            if steps[i] == 0 { throw .badAttribute(node: name, reason: "slice step 0 on axis \(i)") }
            if sizes[i] < 1 { throw .badAttribute(node: name, reason: "slice size \(sizes[i]) on axis \(i) must be ≥ 1") }
            // Attributes are bounded by Graph.maximumDimension (2^24, or 2^15 on a 32-bit
            // device), so the last index stays inside Int.
            let last = starts[i] + (sizes[i] - 1) * steps[i]
            if starts[i] < 0 || starts[i] >= shape[i] || last < 0 || last >= shape[i] {
                throw .badAttribute(node: name, reason: "slice of axis \(i) (size \(shape[i])) from \(starts[i]) in steps of \(steps[i]) for \(sizes[i]) elements reads outside the input")
            }
        }
        try setDataMovementOutput(c, sizes)
    }

    mutating func inferGather(_ c: NodeContext, axis: Int) throws(GraphError) {
        let name = c.name
        let x = try dataMovementInput(c, inputs: 2)
        let shape = x.shape
        let rank = shape.count
        let ins = c.ins
        let indices = ins[1]
        if !indices.isConstant { throw .badAttribute(node: name, reason: "indices ('\(indices.name)') must be a constant") }
        if indices.dtype != .int32 || indices.quantization != nil {
            throw .typeMismatch(node: name, reason: "indices '\(indices.name)' are \(indices.dtype.name); Gather takes plain int32 indices")
        }
        if axis < 0 || axis >= rank { throw .badAttribute(node: name, reason: "axis \(axis) is out of range for a sample of rank \(rank)") }
        let size = shape[axis]
        if case .constant(let offset) = indices.storage {
            for i in 0..<indices.elementCount {
                let index = constantData.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: offset + 4 * i, as: Int32.self)) }
                if index < 0 || index >= size {
                    throw .badAttribute(node: name, reason: "index \(index) (element \(i) of '\(indices.name)') is outside axis \(axis) of size \(size)")
                }
            }
        }
        let out = Array(shape[..<axis]) + indices.shape + Array(shape[(axis + 1)...])
        if out.isEmpty { throw .shapeMismatch(node: name, reason: "gathering one element leaves no axis besides the batch") }
        if out.count > 8 { throw .shapeMismatch(node: name, reason: "output rank \(out.count) above 8") }
        try setDataMovementOutput(c, out)
    }

    mutating func inferExpand(_ c: NodeContext, target: [Int]) throws(GraphError) {
        let name = c.name
        let x = try dataMovementInput(c, inputs: 1)
        let shape = x.shape
        let rank = shape.count
        if target.count < rank || target.count > 8 {
            throw .badAttribute(node: name, reason: "cannot expand \(shape) to \(target): the target needs rank \(rank) to 8")
        }
        for (i, d) in target.enumerated() {
            if d < 1 { throw .badAttribute(node: name, reason: "target \(target) has a dimension below 1") }
            let j = i - (target.count - rank)
            if j >= 0 && shape[j] != d && shape[j] != 1 {
                throw .shapeMismatch(node: name, reason: "cannot expand \(shape) to \(target)")
            }
        }
        try setDataMovementOutput(c, target)
    }
}

// MARK: - Kernel parameters

/// `outer` blocks of an axis of `axisSize` slices, `sliceBytes` each; the output takes
/// the slices `indices` names, in order, from every block.
public struct GatherParameters {
    public var outer: Int
    public var axisSize: Int
    public var sliceBytes: Int
    public var indices: UnsafePointer<Int32>
    public var indexCount: Int

    public init(outer: Int, axisSize: Int, sliceBytes: Int, indices: UnsafePointer<Int32>, indexCount: Int) {
        self.outer = outer; self.axisSize = axisSize; self.sliceBytes = sliceBytes
        self.indices = indices; self.indexCount = indexCount
    }
}

// MARK: - Compilation

/// What every data movement step reads: the input and output with the batch axis
/// first, their byte strides, and the element size.
struct DataMovementLayout {
    let x: TensorDescriptor
    let y: TensorDescriptor
    let elementBytes: Int
    let input: UnsafeRawPointer
    let output: UnsafeMutableRawPointer
    let inStrides: [Int]
    let outStrides: [Int]
    let sizes: [Int]

    init(_ b: StepBuilder) {
        x = b.graph.tensors[b.node.inputs[0]]
        y = b.graph.tensors[b.out]
        elementBytes = x.dtype.byteSize
        input = UnsafeRawPointer(b.raw(b.node.inputs[0]))
        output = b.raw(b.out)
        inStrides = StepBuilder.byteStrides([b.batch] + x.shape, elementBytes: elementBytes)
        outStrides = StepBuilder.byteStrides([b.batch] + y.shape, elementBytes: elementBytes)
        sizes = [b.batch] + y.shape
    }
}

extension Interpreter {
    static func compileTranspose(_ b: inout StepBuilder, permutation: [Int]) {
        let m = DataMovementLayout(b)
        let strides = [m.inStrides[0]] + permutation.map { m.inStrides[$0 + 1] }
        let p = b.stridedCopy(sizes: m.sizes, inputStrides: strides, outputStrides: m.outStrides, elementBytes: m.elementBytes)
        b.append(.stridedCopy(p, m.input, m.output))
    }

    static func compileSlice(_ b: inout StepBuilder, starts: [Int], steps: [Int]) {
        let m = DataMovementLayout(b)
        var first = 0
        for i in starts.indices { first += starts[i] * m.inStrides[i + 1] }
        let strides = [m.inStrides[0]] + steps.indices.map { steps[$0] * m.inStrides[$0 + 1] }
        let p = b.stridedCopy(sizes: m.sizes, inputStrides: strides, outputStrides: m.outStrides, elementBytes: m.elementBytes)
        b.append(.stridedCopy(p, m.input + first, m.output))
    }

    static func compileGather(_ b: inout StepBuilder, axis: Int) {
        let m = DataMovementLayout(b)
        let x = m.x
        let indices = b.graph.tensors[b.node.inputs[1]]
        var outer = b.batch
        for d in 0..<axis { outer *= x.shape[d] }
        var slice = m.elementBytes
        for d in (axis + 1)..<x.shape.count { slice *= x.shape[d] }
        let p = GatherParameters(outer: outer, axisSize: x.shape[axis], sliceBytes: slice,
                                 indices: UnsafePointer(b.raw(b.node.inputs[1]).assumingMemoryBound(to: Int32.self)), indexCount: indices.elementCount)
        b.append(.gather(p, m.input, m.output))
    }

    /// Axes the input lacks or holds once are read with stride 0.
    static func compileExpand(_ b: inout StepBuilder) {
        let m = DataMovementLayout(b)
        let x = m.x, y = m.y
        let offset = y.shape.count - x.shape.count
        var strides = [m.inStrides[0]]
        for i in y.shape.indices {
            let j = i - offset
            strides.append(j >= 0 && x.shape[j] == y.shape[i] ? m.inStrides[j + 1] : 0)
        }
        let p = b.stridedCopy(sizes: m.sizes, inputStrides: strides, outputStrides: m.outStrides, elementBytes: m.elementBytes)
        b.append(.stridedCopy(p, m.input, m.output))
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    public static func gather(_ p: GatherParameters, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
        let s = p.sliceBytes
        for o in 0..<p.outer {
            for j in 0..<p.indexCount {
                let i = Int(p.indices[j])
                (output + (o * p.indexCount + j) * s).copyMemory(from: input + (o * p.axisSize + i) * s, byteCount: s)
            }
        }
    }
}
