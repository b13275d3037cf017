/// Ops that only move elements: Transpose, Slice, Gather, Expand, and the constant
/// operands of a Concatenate. All but Gather are one strided copy, whose strides a
/// planned step computes once; Gather reads an index table.

// MARK: - Shape inference

extension Graph {
    /// The output shape of a Transpose, Slice, Gather or Expand node, after checking
    /// its inputs and attributes.
    func dataMovementShape(_ node: Node) throws(GraphError) -> [Int] {
        let name = node.name
        let ins = node.inputs.map { tensors[$0] }
        let expected = isGather(node.op) ? 2 : 1
        if ins.count != expected { throw .wrongInputCount(node: name, expected: "\(expected)", got: ins.count) }
        let x = ins[0]
        if x.isConstant { throw .badAttribute(node: name, reason: "input 0 ('\(x.name)') must be an activation, not a constant") }
        let shape = x.shape
        let rank = shape.count
        switch node.op {
        case .transpose(let permutation):
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
            return permutation.map { shape[$0] }

        case .slice(let starts, let steps, let sizes):
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
            return sizes

        case .gather(let axis):
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
            return out

        case .expand(let target):
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
            return target

        default:
            throw .badAttribute(node: name, reason: "internal: \(node.op.name) is not a data movement op")
        }
    }

    private func isGather(_ op: Op) -> Bool {
        if case .gather = op { return true }
        return false
    }
}

// MARK: - Kernel parameters

/// A copy between two strided views: `table` holds `rank` sizes, then the input's and
/// the output's stride of each axis, in bytes. Strides may be zero (broadcast) or
/// negative (a backwards slice); the input pointer a kernel gets is already offset to
/// the first element read.
public struct StridedCopyParameters {
    public var rank: Int
    public var elementBytes: Int
    public var table: UnsafePointer<Int>

    public init(rank: Int, elementBytes: Int, table: UnsafePointer<Int>) {
        self.rank = rank; self.elementBytes = elementBytes; self.table = table
    }
}

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

// MARK: - Reference kernels

extension ReferenceKernels {
    public static func stridedCopy(_ p: StridedCopyParameters, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
        let r = p.rank, e = p.elementBytes
        let sizes = p.table, inStrides = p.table + r, outStrides = p.table + 2 * r
        let inner = sizes[r - 1], innerIn = inStrides[r - 1], innerOut = outStrides[r - 1]
        var rows = 1
        for k in 0..<(r - 1) { rows *= sizes[k] }
        for row in 0..<rows {
            // The row's position, decomposed axis by axis: no index array to allocate.
            var rest = row, from = 0, to = 0
            var k = r - 2
            while k >= 0 {
                let i = rest % sizes[k]
                rest /= sizes[k]
                from += i * inStrides[k]
                to += i * outStrides[k]
                k -= 1
            }
            if innerIn == e && innerOut == e {
                (output + to).copyMemory(from: input + from, byteCount: inner * e)
            } else {
                for j in 0..<inner {
                    (output + to + j * innerOut).copyMemory(from: input + from + j * innerIn, byteCount: e)
                }
            }
        }
    }

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

// MARK: - Compilation

extension Interpreter {
    /// Row-major strides in bytes of a shape.
    static func byteStrides(_ shape: [Int], elementBytes: Int) -> [Int] {
        var strides = [Int](repeating: 0, count: shape.count)
        var step = elementBytes
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// A strided copy of `sizes` elements whose table the interpreter owns.
    static func stridedCopy(sizes: [Int], inputStrides: [Int], outputStrides: [Int], elementBytes: Int, tables: inout [UnsafeMutableRawPointer]) -> StridedCopyParameters {
        let values = sizes + inputStrides + outputStrides
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(values.count, 1) * MemoryLayout<Int>.stride, alignment: MemoryLayout<Int>.alignment)
        tables.append(buffer)
        let table = buffer.bindMemory(to: Int.self, capacity: values.count)
        for i in values.indices { table[i] = values[i] }
        return StridedCopyParameters(rank: sizes.count, elementBytes: elementBytes, table: UnsafePointer(table))
    }

    /// The step of a Transpose, Slice, Gather or Expand node.
    static func dataMovementStep(_ g: Graph, _ node: Node, batch: Int, raw: (TensorID) -> UnsafeMutableRawPointer, tables: inout [UnsafeMutableRawPointer]) -> Step {
        let x = g.tensors[node.inputs[0]], y = g.tensors[node.outputs[0]]
        let e = x.dtype.byteSize
        let input = UnsafeRawPointer(raw(node.inputs[0])), output = raw(node.outputs[0])
        let inStrides = byteStrides([batch] + x.shape, elementBytes: e)
        let outStrides = byteStrides([batch] + y.shape, elementBytes: e)
        let sizes = [batch] + y.shape
        switch node.op {
        case .transpose(let permutation):
            let strides = [inStrides[0]] + permutation.map { inStrides[$0 + 1] }
            return .stridedCopy(stridedCopy(sizes: sizes, inputStrides: strides, outputStrides: outStrides, elementBytes: e, tables: &tables), input, output)
        case .slice(let starts, let steps, _):
            var first = 0
            for i in starts.indices { first += starts[i] * inStrides[i + 1] }
            let strides = [inStrides[0]] + steps.indices.map { steps[$0] * inStrides[$0 + 1] }
            return .stridedCopy(stridedCopy(sizes: sizes, inputStrides: strides, outputStrides: outStrides, elementBytes: e, tables: &tables), input + first, output)
        case .gather(let axis):
            let indices = g.tensors[node.inputs[1]]
            var outer = batch
            for d in 0..<axis { outer *= x.shape[d] }
            var slice = e
            for d in (axis + 1)..<x.shape.count { slice *= x.shape[d] }
            let p = GatherParameters(outer: outer, axisSize: x.shape[axis], sliceBytes: slice,
                                     indices: UnsafePointer(raw(node.inputs[1]).assumingMemoryBound(to: Int32.self)), indexCount: indices.elementCount)
            return .gather(p, input, output)
        default:
            // Expand: axes the input lacks or holds once read with stride 0.
            let offset = y.shape.count - x.shape.count
            var strides = [inStrides[0]]
            for i in y.shape.indices {
                let j = i - offset
                strides.append(j >= 0 && x.shape[j] == y.shape[i] ? inStrides[j + 1] : 0)
            }
            return .stridedCopy(stridedCopy(sizes: sizes, inputStrides: strides, outputStrides: outStrides, elementBytes: e, tables: &tables), input, output)
        }
    }

    /// The step that writes a constant operand of a concatenation, whose first element
    /// lands `byteOffset` into the output: the one sample the constant holds, repeated
    /// for every batch item.
    static func concatenateConstantStep(_ g: Graph, constant: TensorID, output: TensorID, byteOffset: Int, batch: Int,
                                        raw: (TensorID) -> UnsafeMutableRawPointer, tables: inout [UnsafeMutableRawPointer]) -> Step {
        let c = g.tensors[constant], y = g.tensors[output]
        let e = c.dtype.byteSize
        let inStrides = [0] + byteStrides(c.shape, elementBytes: e)
        let outStrides = byteStrides([batch] + y.shape, elementBytes: e)
        let p = stridedCopy(sizes: [batch] + c.shape, inputStrides: inStrides, outputStrides: outStrides, elementBytes: e, tables: &tables)
        return .stridedCopy(p, UnsafeRawPointer(raw(constant)), raw(output) + byteOffset)
    }
}
